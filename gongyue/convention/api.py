"""The convention through the API: the current version, every version's structure and text, the
difference between two versions, and (secretariat) importing and adopting versions.

Reads are public (drafts only for the secretariat); the same access helpers, forms and actions
as the pages decide everything.
"""

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from gongyue.api.auth import public
from gongyue.api.errors import ApiError, Error, cleaned

from . import actions, export, queries
from .access import (
    check_can_manage_versions,
    get_convention_for_user,
    get_version_for_user,
    get_version_to_manage,
)
from .diff import diff_structures
from .forms import AdoptForm, DiffForm, ImportForm
from .models import Convention
from .render import rule_display

router = Router(tags=["convention"])


class ConventionVersionOut(Schema):
    convention: str
    number: int
    status: str
    title: str
    note: str
    sha256: str
    canonical_format: str
    articles: int
    created_at: datetime
    adopted_at: datetime | None
    superseded_at: datetime | None
    downloads: dict[str, str]


class RuleOut(Schema):
    key: str
    value: Any
    display: str
    # The article of the convention's own text that states the rule, when one was placed.
    article: int | None
    label: str


class ConventionOut(Schema):
    slug: str
    title: str
    effective_at: datetime | None
    published_on: date | None
    in_force_from: date | None
    rules: list[RuleOut]


class CurrentOut(Schema):
    convention: ConventionOut
    version: ConventionVersionOut


class ItemOut(Schema):
    number: int
    text: str


class ParagraphOut(Schema):
    text: str
    items: list[ItemOut]


class ArticleOut(Schema):
    number: int
    identity: int | None
    chapter: int | None
    section: int | None
    paragraphs: list[ParagraphOut]


class ChapterOut(Schema):
    number: int
    title: str


class SectionOut(Schema):
    chapter: int
    number: int
    title: str


class VersionDocumentOut(Schema):
    version: ConventionVersionOut
    title: str | None
    chapters: list[ChapterOut]
    sections: list[SectionOut]
    articles: list[ArticleOut]
    closing: str | None


class ArticleDiffOut(Schema):
    kind: str
    identity: int | None
    old_number: int | None
    new_number: int | None
    old_text: str
    new_text: str
    segments: list[list[str]]
    html: str


class HeadingDiffOut(Schema):
    part: str
    kind: str
    label: str
    old_text: str
    new_text: str
    segments: list[list[str]]
    html: str


class DiffOut(Schema):
    from_version: ConventionVersionOut
    to_version: ConventionVersionOut
    counts: dict[str, int]
    headings: list[HeadingDiffOut]
    articles: list[ArticleDiffOut]


def _version_out(version, articles=None) -> dict:
    return export.version_metadata(version, articles=articles)


def _convention_out(convention: Convention) -> dict:
    return {
        "slug": convention.slug,
        "title": convention.title,
        "effective_at": convention.effective_at,
        "published_on": convention.published_on,
        "in_force_from": convention.in_force_from,
        "rules": [
            {
                "key": rule.key,
                "value": value,
                "display": rule_display(rule, value),
                "article": rule.article,
                "label": str(rule.label),
            }
            for rule, value in convention.rule_table()
        ],
    }


@router.get("/current", response={200: CurrentOut, 404: Error}, auth=public)
def current(request):
    """The adopted version and the convention's lifecycle dates and rule settings."""
    convention = get_convention_for_user(request.user)
    version = convention.version_in_force
    if version is None:
        raise ApiError(404, "not_found", _("No version of the convention has been adopted yet."))
    version.convention = convention
    return {"convention": _convention_out(convention), "version": _version_out(version)}


@router.get("/versions", response={200: list[ConventionVersionOut], 404: Error}, auth=public)
def versions(request):
    """Every version the caller may read, newest first (drafts only for the secretariat)."""
    convention = get_convention_for_user(request.user)
    return [
        _version_out(v, articles=v.articles_total)
        for v in queries.version_list(request.user, convention)
    ]


@router.get("/versions/{number}", response={200: VersionDocumentOut, 404: Error}, auth=public)
def version(request, number: int):
    """One version's structure, in the parser's JSON shape with each article's stable identity."""
    return export.version_document(get_version_for_user(request.user, number))


@router.get(
    "/versions/{number}/text",
    auth=public,
    response={200: str, 404: Error},
    openapi_extra={
        "responses": {
            200: {
                "description": "The canonical text (text/plain; charset=utf-8)",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def version_text(request, number: int):
    """The canonical text: its SHA-256 is the version's sha256, which signatures bind to."""
    version = get_version_for_user(request.user, number)
    response = HttpResponse(
        version.canonical_text.encode(), content_type="text/plain; charset=utf-8"
    )
    response["X-Content-SHA256"] = version.sha256
    return response


@router.get("/diff", response={200: DiffOut, 400: Error, 404: Error}, auth=public)
def diff(request, from_: int = Query(..., alias="from"), to: int = Query(...)):
    """The difference between two versions, article by article, with character-level marks."""
    convention = get_convention_for_user(request.user)
    form = DiffForm(
        {"from": from_, "to": to}, versions=queries.version_list(request.user, convention)
    )
    cleaned(form)
    old, new = queries.pair_for_diff(
        convention, [form.cleaned_data["from"], form.cleaned_data["to"]]
    )
    result = diff_structures(old.structure, new.structure).to_dict()
    return {"from_version": _version_out(old), "to_version": _version_out(new), **result}


@router.post("/versions", response={201: ConventionVersionOut, 400: Error, 401: Error, 403: Error})
def import_version(request, file: UploadedFile = File(...), note: str = Form("")):
    """Save an uploaded UTF-8 text as a new draft version (secretariat only)."""
    check_can_manage_versions(request.user)
    form = ImportForm({"note": note}, {"file": file})
    cleaned(form)
    version = actions.do_import_version(
        Convention.objects.current(),
        form.data_bytes,
        actor=request.user,
        source_name=file.name or "",
        note=form.cleaned_data["note"],
    )
    return Status(201, _version_out(version))


def _json_body(request) -> dict:
    """The JSON object posted, read after the access check so a stranger gets 403, not 400."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ApiError(400, "error", _("The body is not JSON.")) from None
    return data if isinstance(data, dict) else {}


@router.post(
    "/versions/{number}/adopt",
    response={200: ConventionVersionOut, 401: Error, 403: Error, 404: Error, 409: Error},
)
def adopt(request, number: int):
    """Adopt a draft with `confirm: true`; the version adopted before it is superseded.

    Only by procedure: the founding text by the secretariat head before the convention takes
    effect; afterwards refused (403) until an adopted amendment carries the text."""
    version = get_version_to_manage(request.user, number)
    cleaned(AdoptForm(_json_body(request)))
    version = actions.do_adopt_version(version, actor=request.user)
    return _version_out(version)


@router.post(
    "/versions/{number}/discard",
    response={200: ConventionVersionOut, 401: Error, 403: Error, 404: Error, 409: Error},
)
def discard(request, number: int):
    """Discard a draft (secretariat only); it stays on record under its number."""
    version = actions.do_discard_draft(
        get_version_to_manage(request.user, number), actor=request.user
    )
    return _version_out(version)
