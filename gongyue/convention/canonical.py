"""
The canonical text of a convention version: the exact string a signature binds
to, and its SHA-256.

The canonical text is a function of the parsed structure alone (a
``ParsedConvention`` or its ``to_dict()`` shape), never of the uploaded file, so
a version stored as structure regenerates the same text, byte for byte, for as
long as it exists. docs/canonical-text.md gives the rules with an example;
this is format ``gongyue-canonical-text/1``:

1. UTF-8 without a BOM; Unicode NFC (the parser puts every string in NFC);
   lines end with LF only; no line has leading or trailing whitespace; the text
   ends with exactly one LF and has no blank line at either end.
2. The text is a sequence of blocks separated by exactly one empty line, in
   document order: the title (if any); each chapter heading, before the first
   article of its chapter; each section heading, before the first article of its
   section; each article; the closing block (if any).
3. A chapter heading is ``第一章`` + U+3000 IDEOGRAPHIC SPACE + the title
   (``第一章　总则``); a section heading is ``第一节`` + U+3000 + the title; with an
   empty title, the label alone.
4. An article block has one line per paragraph and one line per item, with no
   empty line inside it. Its first line is ``第九条`` + U+0020 SPACE + the first
   paragraph (just ``第九条`` when that paragraph is empty, i.e. the article opens
   with items); every further paragraph is a line of its own text; each item is
   ``（一）`` (full-width parentheses) + its text, right after its paragraph.
5. Numbers are written by ``numerals.int_to_cn``: 十, 十一, 二十, 一百零一, 一百一十.
6. The closing block is the parser's closing text: one line per line of the
   signature block, whitespace runs as single spaces. It is part of the signed
   text: the signature block is part of the document the founders sign, and
   leaving it out would let two versions that differ in it share a hash.
7. The body strings are used as stored; this module adds only the fixed
   separators above. ``canonical_text`` then parses its own output and refuses
   (ValueError) a structure that does not come back identical, so any text it
   returns is itself a valid upload that reproduces the structure and the hash.

``text_sha256`` is the lowercase hex SHA-256 of the canonical text in UTF-8.
``render_plain_text`` (the .txt download) returns the canonical text itself,
so ``sha256sum`` of a downloaded file equals the hash the signatures record.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from typing import Any

from gongyue.core.refusals import FileRefused

from .parser import (
    Article,
    ParsedConvention,
    article_label,
    chapter_label,
    item_label,
    parse,
    section_label,
)

__all__ = [
    "ARTICLE_SEPARATOR",
    "CANONICAL_FORMAT",
    "HEADING_SEPARATOR",
    "canonical_bytes",
    "canonical_text",
    "render_article",
    "render_plain_text",
    "text_sha256",
]

# Store this next to each hash: a future change to the rules gets a new name.
CANONICAL_FORMAT = "gongyue-canonical-text/1"
HEADING_SEPARATOR = "\u3000"
ARTICLE_SEPARATOR = " "

Convention = ParsedConvention | Mapping[str, Any]


def _structure(convention: Convention) -> ParsedConvention:
    if isinstance(convention, ParsedConvention):
        return convention
    if isinstance(convention, Mapping):
        return ParsedConvention.from_dict(convention)
    raise TypeError(f"expected a ParsedConvention or a mapping, not {type(convention).__name__}")


def _heading(label: str, title: str) -> str:
    return f"{label}{HEADING_SEPARATOR}{title}" if title else label


def render_article(article: Article) -> str:
    """Return an article's block of the canonical text, without a final newline."""
    lines = []
    for index, paragraph in enumerate(article.paragraphs):
        if index == 0:
            label = article_label(article.number)
            lines.append(f"{label}{ARTICLE_SEPARATOR}{paragraph.text}" if paragraph.text else label)
        else:
            lines.append(paragraph.text)
        lines.extend(f"{item_label(item.number)}{item.text}" for item in paragraph.items)
    return "\n".join(lines) if lines else article_label(article.number)


def canonical_text(convention: Convention, *, verify: bool = True) -> str:
    """
    Return the canonical text of a convention structure.

    Raise ValueError if the structure cannot be written so that parsing the
    text gives it back (for instance a chapter without articles, text that is
    not NFC, or whitespace the parser would have collapsed). ``verify=False``
    skips that check; only use it on structures that came from ``parse()``.
    """
    structure = _structure(convention)
    chapters = {chapter.number: chapter for chapter in structure.chapters}
    sections = {(section.chapter, section.number): section for section in structure.sections}
    blocks = [structure.title] if structure.title else []
    chapter = section = None
    for article in structure.articles:
        if article.chapter != chapter:
            chapter, section = article.chapter, None
            if chapter is not None:
                if chapter not in chapters:
                    raise ValueError(
                        f"{article.label} is in chapter {chapter}, which does not exist"
                    )
                blocks.append(_heading(chapter_label(chapter), chapters[chapter].title))
        if article.section != section:
            section = article.section
            if section is not None:
                if (chapter, section) not in sections:
                    raise ValueError(
                        f"{article.label} is in section {section} of chapter {chapter}, "
                        "which does not exist"
                    )
                blocks.append(_heading(section_label(section), sections[chapter, section].title))
        blocks.append(render_article(article))
    if structure.closing:
        blocks.append(structure.closing)
    text = "\n\n".join(blocks) + "\n"
    if verify:
        _verify(text, structure)
    return text


def _verify(text: str, structure: ParsedConvention) -> None:
    if not unicodedata.is_normalized("NFC", text):
        raise ValueError("the structure holds text that is not in Unicode NFC")
    try:
        reparsed = parse(text)
    except FileRefused as exc:
        raise ValueError(f"the structure does not give a valid text:\n{exc}") from exc
    if reparsed != structure:
        raise ValueError(
            "the structure does not survive a round trip through its canonical text; "
            "build it with parse() rather than by hand"
        )


def canonical_bytes(convention: Convention) -> bytes:
    """Return the canonical text encoded as UTF-8 (no BOM): the bytes that are hashed."""
    return canonical_text(convention).encode("utf-8")


def text_sha256(convention: Convention | str) -> str:
    """
    Return the lowercase hex SHA-256 of a structure's canonical text, or of a
    str that already is a canonical text.
    """
    if isinstance(convention, str):
        data = convention.encode("utf-8")
    else:
        data = canonical_bytes(convention)
    return hashlib.sha256(data).hexdigest()


def render_plain_text(convention: Convention) -> str:
    """
    Return the plain-text download of a version: the canonical text itself, so
    that anyone can check a download against the hash a signature recorded.
    """
    return canonical_text(convention)
