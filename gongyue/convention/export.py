"""Downloads of a version: plain text, JSON, PDF and Akoma Ntoso 3.0 XML.

* Plain text is the canonical text itself (``sha256sum`` of the file equals ``Version.sha256``).
* JSON is the parser's shape (each article with its ``identity``) plus a ``version`` object with
  the metadata; ``ParsedConvention.from_dict`` reads it back and ``canonical_text`` of it gives
  the signed text.
* The PDF is rendered by WeasyPrint from templates/convention/pdf.html, always in Chinese (it is
  the document, not the interface), and ends with the signature block laid out as on paper.
  WeasyPrint takes about a second, so each PDF is stored on disk under CONVENTION_PDF_DIR, named
  by the version's hash, number and status and by a digest of the template: a version's text never
  changes, every worker process and every restart reuses the file, and a new layout gets new names.
* Akoma Ntoso 3.0 (OASIS LegalDocML) for legal-document tools, with each article's stable
  identity in its ``GUID`` attribute.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import article_notes
from .canonical import CANONICAL_FORMAT
from .parser import article_label, chapter_label, item_label, section_label
from .render import document

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
GY_NS = "urn:gongyue:convention:1"
PDF_TEMPLATE = "convention/pdf.html"


def version_metadata(version, *, articles: int | None = None) -> dict:
    """`articles` saves reading the structure when the caller has counted them already."""
    return {
        "convention": version.convention.slug,
        "number": version.number,
        "status": version.status,
        "title": version.title,
        "note": version.note,
        "sha256": version.sha256,
        "canonical_format": version.canonical_format or CANONICAL_FORMAT,
        "articles": version.article_count if articles is None else articles,
        "created_at": version.created_at,
        "adopted_at": version.adopted_at,
        "superseded_at": version.superseded_at,
        "downloads": downloads(version),
    }


def downloads(version) -> dict[str, str]:
    """The paths of the version's page and downloads."""
    names = {
        "html": "version",
        "txt": "download_text",
        "json": "download_json",
        "pdf": "download_pdf",
        "akn": "download_akn",
    }
    return {
        kind: reverse(f"convention:{name}", args=[version.number]) for kind, name in names.items()
    }


def version_document(version) -> dict:
    """The JSON download: {"version": metadata, then the structure's keys}."""
    structure = version.structure
    notes = article_notes.for_version(version)
    return {
        "version": version_metadata(version),
        "title": structure.get("title"),
        "chapters": structure.get("chapters", []),
        "sections": structure.get("sections", []),
        "articles": [
            {**article, "notes": notes.get(article.get("identity"), [])}
            if notes.get(article.get("identity"))
            else article
            for article in structure["articles"]
        ],
        "closing": structure.get("closing"),
    }


def filename(version, extension: str) -> str:
    return f"{version.convention.slug}-v{version.number}.{extension}"


# --- PDF -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _layout_digest() -> str:
    """A digest of the PDF template, so that a changed layout never serves an old file."""
    source = get_template(PDF_TEMPLATE).template.source
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def pdf_dates(version) -> dict:
    """The dates the PDF prints: the convention's 生效, 公布 and 施行, and the version's own."""
    convention = version.convention
    return {
        "effective_on": timezone.localtime(convention.effective_at).date()
        if convention.effective_at
        else None,
        "published_on": convention.published_on,
        "in_force_from": convention.in_force_from,
        "adopted_on": timezone.localtime(version.adopted_at).date() if version.adopted_at else None,
        "superseded_on": timezone.localtime(version.superseded_at).date()
        if version.superseded_at
        else None,
    }


def pdf_cache_path(version) -> Path:
    # The dates are in the name too: a convention that takes effect or is published later gets
    # a new file with them, while the text (and its hash) stays the same.
    dates = "-".join(d.strftime("%Y%m%d") if d else "0" for d in pdf_dates(version).values())
    dates_digest = hashlib.sha256(dates.encode()).hexdigest()[:8]
    name = (
        f"{version.sha256}-v{version.number}-{version.status}-{dates_digest}-{_layout_digest()}.pdf"
    )
    return Path(settings.CONVENTION_PDF_DIR) / name


def render_pdf(version) -> bytes:
    """Make the PDF (about a second); `version_pdf` is the cached way to get it."""
    from weasyprint import HTML

    convention = version.convention
    with translation.override("zh-hans"):
        html = render_to_string(
            PDF_TEMPLATE,
            {
                "version": version,
                "convention": convention,
                "doc": document(version.structure),
                "dates": pdf_dates(version),
            },
        )
    return HTML(string=html).write_pdf()


def version_pdf(version) -> bytes:
    path = pdf_cache_path(version)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render_pdf(version)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a concurrent reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    return data


# --- Akoma Ntoso ---------------------------------------------------------------------------


def _sub(parent, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(
        parent, f"{{{AKN_NS}}}{tag}", {k: str(v) for k, v in attributes.items()}
    )
    if text is not None:
        element.text = text
    return element


def _p(parent, text: str, **attributes) -> ET.Element:
    return _sub(parent, "p", text, **attributes)


def _akn_dates(version):
    local = timezone.localtime
    work_date = local(version.convention.created_at).date().isoformat()
    expression_moment = version.adopted_at or version.created_at
    expression_date = local(expression_moment).date().isoformat()
    return work_date, expression_date, "adoption" if version.adopted_at else "import"


def _identification(meta, version) -> None:
    convention = version.convention
    work_date, expression_date, expression_event = _akn_dates(version)
    work = f"/akn/cn/act/convention/{work_date}/{convention.slug}"
    expression = f"{work}/zho@v{version.number}"
    identification = _sub(meta, "identification", source="#gongyue")
    frbr_work = _sub(identification, "FRBRWork")
    _sub(frbr_work, "FRBRthis", value=f"{work}/!main")
    _sub(frbr_work, "FRBRuri", value=work)
    _sub(frbr_work, "FRBRdate", date=work_date, name="creation")
    _sub(frbr_work, "FRBRauthor", href="#secretariat")
    _sub(frbr_work, "FRBRcountry", value="cn")
    _sub(frbr_work, "FRBRsubtype", value="convention")
    _sub(frbr_work, "FRBRnumber", value=convention.slug)
    _sub(frbr_work, "FRBRname", value=convention.title)
    frbr_expression = _sub(identification, "FRBRExpression")
    _sub(frbr_expression, "FRBRthis", value=f"{expression}/!main")
    _sub(frbr_expression, "FRBRuri", value=expression)
    _sub(frbr_expression, "FRBRdate", date=expression_date, name=expression_event)
    _sub(frbr_expression, "FRBRauthor", href="#secretariat")
    _sub(frbr_expression, "FRBRversionNumber", value=str(version.number))
    _sub(frbr_expression, "FRBRlanguage", language="zho")
    frbr_manifestation = _sub(identification, "FRBRManifestation")
    _sub(frbr_manifestation, "FRBRthis", value=f"{expression}/!main.xml")
    _sub(frbr_manifestation, "FRBRuri", value=f"{expression}.akn")
    _sub(frbr_manifestation, "FRBRdate", date=expression_date, name="generation")
    _sub(frbr_manifestation, "FRBRauthor", href="#gongyue")
    _sub(frbr_manifestation, "FRBRformat", value="application/akn+xml")
    references = _sub(meta, "references", source="#gongyue")
    _sub(
        references,
        "TLCOrganization",
        eId="gongyue",
        href="/akn/ontology/organization/gongyue",
        showAs="gongyue",
    )
    _sub(
        references,
        "TLCOrganization",
        eId="secretariat",
        href="/akn/ontology/organization/secretariat",
        showAs="公约执行机构",
    )
    # Akoma Ntoso has no element for a digest, so the hash signatures bind to travels in
    # <proprietary>, next to the name of the format that produced the text it hashes.
    proprietary = _sub(meta, "proprietary", source="#gongyue")
    ET.SubElement(
        proprietary,
        f"{{{GY_NS}}}canonicalText",
        {
            "format": version.canonical_format or CANONICAL_FORMAT,
            "sha256": version.sha256,
            "status": version.status,
        },
    )


def _notes(meta, doc, notes) -> None:
    """Interpretations and other notes, each referring to the articles it concerns."""
    if not notes:
        return
    element = _sub(meta, "notes", source="#executingBody")
    for article in (a for chapter in doc.chapters for g in chapter.groups for a in g.articles):
        for index, note in enumerate(notes.get(article.identity, []), 1):
            entry = _sub(
                element,
                "note",
                eId=f"note_art_{article.number}_{index}",
                refersTo=f"#art_{article.number}",
                **{f"{{{GY_NS}}}kind": note["kind"], f"{{{GY_NS}}}date": note["date"]},
            )
            _p(entry, f"{note['label']} {note['title']}")
            _p(entry, note["text"])


def _article(parent, article) -> None:
    number = article.number
    element = _sub(parent, "article", eId=f"art_{number}")
    if article.identity is not None:
        element.set("GUID", f"gongyue-article-{article.identity}")
    _sub(element, "num", article_label(number))
    for paragraph in article.paragraphs:
        para_id = f"art_{number}__para_{paragraph.index}"
        para = _sub(element, "paragraph", eId=para_id)
        if not paragraph.items:
            _p(_sub(para, "content"), paragraph.text)
            continue
        listing = _sub(para, "list", eId=f"{para_id}__list_1")
        if paragraph.text:
            _p(_sub(listing, "intro"), paragraph.text)
        for item in paragraph.items:
            point = _sub(listing, "point", eId=f"{para_id}__point_{item.number}")
            _sub(point, "num", item_label(item.number))
            _p(_sub(point, "content"), item.text)


def akoma_ntoso(version) -> bytes:
    """The version as an Akoma Ntoso 3.0 act, UTF-8 with an XML declaration."""
    ET.register_namespace("", AKN_NS)
    ET.register_namespace("gy", GY_NS)
    doc = document(version.structure)
    root = ET.Element(f"{{{AKN_NS}}}akomaNtoso")
    act = _sub(root, "act", name="convention", contains="singleVersion")
    meta = _sub(act, "meta")
    _identification(meta, version)
    _notes(meta, doc, article_notes.for_version(version))
    if doc.title:
        preface = _sub(act, "preface")
        long_title = _sub(preface, "longTitle")
        _sub(_p(long_title, None), "docTitle", doc.title)
    body = _sub(act, "body")
    for chapter in doc.chapters:
        container = body
        if chapter.number is not None:
            container = _sub(body, "chapter", eId=f"chp_{chapter.number}")
            _sub(container, "num", chapter_label(chapter.number))
            if chapter.title:
                _sub(container, "heading", chapter.title)
        for group in chapter.groups:
            target = container
            if group.section is not None:
                target = _sub(
                    container, "section", eId=f"chp_{chapter.number}__sec_{group.section}"
                )
                _sub(target, "num", section_label(group.section))
                if group.title:
                    _sub(target, "heading", group.title)
            for article in group.articles:
                _article(target, article)
    if doc.closing_lines:
        conclusions = _sub(act, "conclusions", eId="conclusions")
        for line in doc.closing_lines:
            _p(conclusions, line)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
