"""
Parse the plain text of a convention into chapters (章), sections (节),
articles (条), paragraphs (款) and items (项).

Pure Python: no Django, no database (the ``parse_convention`` management
command is a thin wrapper). ``parse()`` takes the bytes of an upload
(or a str) and returns a ``ParsedConvention`` or raises ``FileRefused`` listing
every problem found, each with the 1-based line of the original file, a stable
``code`` and English ``params`` so that the UI can show a translation.

What the parser reads
=====================
* Encoding: UTF-8, with or without a BOM. Anything else is refused, never
  guessed: GBK and other non-UTF-8 text line by line (with a hint when the file
  decodes as GB18030), UTF-16, and Word/PDF/RTF/binary uploads as a whole.
* Lines end with LF, CRLF or CR. Blank lines mean nothing. Each line is put in
  Unicode NFC and stripped of leading and trailing whitespace (U+3000 included).
* Control and invisible characters (Unicode categories Cc except TAB, Cf, Cs,
  Co, Cn, Zl, Zp: zero-width spaces, bidirectional overrides, a stray BOM ...)
  are refused, because a signed text must not hide characters nobody can see.
* ``第一章 总则`` is a chapter, ``第一节 …`` a section of the current chapter,
  ``第一条 text`` an article whose first paragraph is ``text``, ``（一）text`` or
  ``(一)text`` an item of the paragraph before it. Numbers are Chinese numerals
  (``numerals.cn_to_int``) or digits. A heading is recognised when whitespace or
  the end of the line follows 章/节/条; without the whitespace (``第三条本公约…``)
  only when the number is the next one expected, so that a paragraph opening
  with a cross-reference (``第三条所称…``) stays a paragraph.
* Every other line inside an article starts a new paragraph. The first line of
  the file, if it is not a heading, is the title; any other text outside an
  article is an error, so that nothing escapes the canonical text.
* Heading titles (and the title) lose whitespace between two full-width
  characters (``总　则`` → ``总则``); other whitespace runs, there and in body
  text, become one ASCII space.
* Numbering: chapters 1, 2, 3 …; sections restart at 1 in each chapter; articles
  run 1, 2, 3 … through the whole text (articles before the first chapter are
  allowed, with ``chapter`` None); items restart at 1 in each paragraph. Gaps,
  duplicates and numbers going backwards are errors naming their line.
* Closing block: after the last article, the first line that is a signature or
  date line (it contains 签约单位, 签署单位, 签约方, 盖章, 签章, 签字 or 签名 and is
  at most 40 characters without a closing 。 or ；, or it is a date template such
  as ``年  月  日`` or ``2024年3月1日``) starts the closing block, together with
  the short unpunctuated lines just before it (a unit's name above a date) that
  are not items. The block runs to the end of the file; its lines are kept, each
  with its whitespace collapsed to single spaces, blank lines dropped.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gongyue.core.refusals import FileRefused, Problem, sort_key

from .numerals import cn_to_int, int_to_cn

__all__ = [
    "MESSAGES",
    "Article",
    "Chapter",
    "FileRefused",
    "Item",
    "Paragraph",
    "ParsedConvention",
    "Problem",
    "Section",
    "article_label",
    "chapter_label",
    "cn_to_int",
    "int_to_cn",
    "item_label",
    "parse",
    "section_label",
]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for ``makemessages`` without importing Django."""
    return message


# Problem codes and their English templates. The UI translates the template
# (``gettext(problem.template)``) and formats it with ``problem.params``.
MESSAGES: dict[str, str] = {
    "not_utf8": gettext_noop(
        "not valid UTF-8 (byte 0x{byte} at byte {column} of the line); save the file as UTF-8"
    ),
    "gbk": gettext_noop(
        "the file looks like GBK/GB18030 (“ANSI” on Chinese Windows); save it as UTF-8"
    ),
    "utf16": gettext_noop("the file is encoded as UTF-16; save it as UTF-8"),
    "not_text": gettext_noop(
        "this is not a plain text file ({kind}); save the convention as UTF-8 text"
    ),
    "empty_file": gettext_noop("the file is empty"),
    "no_articles": gettext_noop(
        "no articles found: each article must begin a line with 第…条 and a space"
    ),
    "bad_character": gettext_noop(
        "invisible or control character {codepoint} ({name}) at column {column}"
    ),
    "bad_number": gettext_noop("cannot read the number “{numeral}” in “{heading}”"),
    "chapter_gap": gettext_noop("found {found} where {expected} was expected (a gap)"),
    "chapter_duplicate": gettext_noop("{found} appears twice (first on line {first_line})"),
    "chapter_out_of_order": gettext_noop(
        "found {found} where {expected} was expected (numbering goes backwards)"
    ),
    "section_gap": gettext_noop("found {found} in {chapter} where {expected} was expected (a gap)"),
    "section_duplicate": gettext_noop(
        "{found} appears twice in {chapter} (first on line {first_line})"
    ),
    "section_out_of_order": gettext_noop(
        "found {found} in {chapter} where {expected} was expected (numbering goes backwards)"
    ),
    "article_gap": gettext_noop("found {found} where {expected} was expected (a gap)"),
    "article_duplicate": gettext_noop("{found} appears twice (first on line {first_line})"),
    "article_out_of_order": gettext_noop(
        "found {found} where {expected} was expected (numbering goes backwards)"
    ),
    "item_gap": gettext_noop(
        "found item {found} in {article} where {expected} was expected (a gap)"
    ),
    "item_duplicate": gettext_noop(
        "item {found} appears twice in the same paragraph of {article} (first on line {first_line})"
    ),
    "item_out_of_order": gettext_noop(
        "found item {found} in {article} where {expected} was expected (numbering goes backwards)"
    ),
    "section_outside_chapter": gettext_noop("{found} is not inside any chapter"),
    "item_outside_article": gettext_noop("item {found} is not inside any article"),
    "empty_chapter": gettext_noop("{found} has no articles"),
    "empty_section": gettext_noop("{found} has no articles"),
    "empty_article": gettext_noop("{found} has no text"),
    "empty_item": gettext_noop("item {found} in {article} has no text"),
    "stray_text": gettext_noop("text outside any article: “{excerpt}”"),
}


def _problem(line: int | None, code: str, params: Mapping[str, Any] | None = None) -> Problem:
    """A problem of the text at ``line`` (None: the whole file), by its code in MESSAGES."""
    return Problem(line, MESSAGES[code], params, code=code, place="line")


def _refuse(problems: list[Problem]) -> FileRefused:
    """The refusal of a text, its problems in line order (whole-file problems first)."""
    return FileRefused(sorted(problems, key=sort_key), code="invalid_text")


@dataclass(frozen=True, slots=True)
class Item:
    """A numbered item (项) of a paragraph: （一）text."""

    number: int
    text: str
    line: int = field(default=0, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "text": self.text}


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph (款) of an article and the items that follow it."""

    text: str
    items: tuple[Item, ...] = ()
    line: int = field(default=0, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "items": [item.to_dict() for item in self.items]}


@dataclass(frozen=True, slots=True)
class Article:
    """An article (条); ``chapter`` and ``section`` are numbers, or None."""

    number: int
    chapter: int | None
    section: int | None
    paragraphs: tuple[Paragraph, ...]
    line: int = field(default=0, compare=False, repr=False)

    @property
    def label(self) -> str:
        return article_label(self.number)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "chapter": self.chapter,
            "section": self.section,
            "paragraphs": [paragraph.to_dict() for paragraph in self.paragraphs],
        }


@dataclass(frozen=True, slots=True)
class Chapter:
    number: int
    title: str
    line: int = field(default=0, compare=False, repr=False)

    @property
    def label(self) -> str:
        return chapter_label(self.number)

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title}


@dataclass(frozen=True, slots=True)
class Section:
    chapter: int
    number: int
    title: str
    line: int = field(default=0, compare=False, repr=False)

    @property
    def label(self) -> str:
        return section_label(self.number)

    def to_dict(self) -> dict[str, Any]:
        return {"chapter": self.chapter, "number": self.number, "title": self.title}


@dataclass(frozen=True, slots=True)
class ParsedConvention:
    """
    The structure of a convention text. Equality ignores source line numbers,
    so the same text parsed from differently laid-out files compares equal.
    """

    title: str | None
    chapters: tuple[Chapter, ...]
    sections: tuple[Section, ...]
    articles: tuple[Article, ...]
    closing: str | None

    def article(self, number: int) -> Article:
        """Return the article numbered ``number``; raise KeyError if there is none."""
        for article in self.articles:
            if article.number == number:
                return article
        raise KeyError(number)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``parse_convention``."""
        return {
            "title": self.title,
            "chapters": [chapter.to_dict() for chapter in self.chapters],
            "sections": [section.to_dict() for section in self.sections],
            "articles": [article.to_dict() for article in self.articles],
            "closing": self.closing,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParsedConvention:
        """
        Rebuild a structure from ``to_dict()``'s shape (e.g. stored JSON). An
        empty title or closing means none. Extra keys are ignored.
        """
        try:
            return cls(
                title=data.get("title") or None,
                chapters=tuple(
                    Chapter(number=c["number"], title=c["title"]) for c in data["chapters"]
                ),
                sections=tuple(
                    Section(chapter=s["chapter"], number=s["number"], title=s["title"])
                    for s in data.get("sections", ())
                ),
                articles=tuple(
                    Article(
                        number=a["number"],
                        chapter=a.get("chapter"),
                        section=a.get("section"),
                        paragraphs=tuple(
                            Paragraph(
                                text=p["text"],
                                items=tuple(
                                    Item(number=i["number"], text=i["text"])
                                    for i in p.get("items", ())
                                ),
                            )
                            for p in a["paragraphs"]
                        ),
                    )
                    for a in data["articles"]
                ),
                closing=data.get("closing") or None,
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a convention structure: missing or bad {exc}") from exc


def chapter_label(number: int) -> str:
    return f"第{int_to_cn(number)}章"


def section_label(number: int) -> str:
    return f"第{int_to_cn(number)}节"


def article_label(number: int) -> str:
    return f"第{int_to_cn(number)}条"


def item_label(number: int) -> str:
    return f"（{int_to_cn(number)}）"


# --- Lines -----------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_WHITESPACE = re.compile(r"\s+")
_NUMERAL_CHARS = "零〇一二三四五六七八九十百千万"
_NUMBER = rf"(?P<num>[{_NUMERAL_CHARS}]+|[0-9]+|[０-９]+)"
_HEADINGS = {
    "chapter": re.compile(rf"第{_NUMBER}章(?P<rest>.*)"),
    "section": re.compile(rf"第{_NUMBER}节(?P<rest>.*)"),
    "article": re.compile(rf"第{_NUMBER}条(?P<rest>.*)"),
}
_ITEM = re.compile(rf"[（(](?P<num>[{_NUMERAL_CHARS}]+)[）)](?P<rest>.*)")
_LABELS = {
    "chapter": chapter_label,
    "section": section_label,
    "article": article_label,
    "item": item_label,
}

_CLOSING_WORDS = re.compile(r"签约单位|签署单位|签约方|盖章|签章|签字|签名")
_DATE_CHARS = "0-9０-９〇○零一二三四五六七八九十"
_DATE_LINE = re.compile(rf"[{_DATE_CHARS}]*\s*年\s*[{_DATE_CHARS}]*\s*月\s*[{_DATE_CHARS}]*\s*日")
_CLOSING_MAX_LENGTH = 40
_SENTENCE_END = ("。", "；", ";")
_CLAUSE_END = (*_SENTENCE_END, "！", "!", "？", "?", "…", "，", ",")

# What people upload instead of text, by their first bytes.
_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "DOCX/ZIP"),
    (b"\xd0\xcf\x11\xe0", "DOC/WPS"),
    (b"%PDF", "PDF"),
    (b"{\\rtf", "RTF"),
)

_CATEGORY_NAMES = {
    "Cc": "control character",
    "Cf": "format character",
    "Cs": "surrogate",
    "Co": "private-use character",
    "Cn": "unassigned code point",
    "Zl": "line separator",
    "Zp": "paragraph separator",
}


@dataclass(slots=True)
class _Line:
    number: int
    text: str
    kind: str = "text"  # chapter, section, article, item or text
    numeral: str = ""
    value: int | None = None  # None if the numeral is unreadable
    rest: str = ""


def _collapse(text: str) -> str:
    """Collapse each whitespace run to one ASCII space and strip the ends."""
    return _WHITESPACE.sub(" ", text).strip()


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _tighten(text: str) -> str:
    """Collapse whitespace as ``_collapse`` does, then drop it between full-width characters."""
    words = _collapse(text).split(" ")
    out = words[0]
    for word in words[1:]:
        out += word if _is_wide(out[-1]) and _is_wide(word[0]) else " " + word
    return out


def _decode(data: bytes | bytearray | memoryview | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse() needs bytes or str, not {type(data).__name__}")
    data = bytes(data)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refuse([_problem(None, "utf16")])
    for signature, kind in (*_BINARY_SIGNATURES, (None, "NUL bytes")):
        if data.startswith(signature) if signature else b"\0" in data:
            raise _refuse([_problem(None, "not_text", {"kind": kind})])
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    problems = []
    for number, raw in enumerate(_BYTE_LINE_BREAK.split(data), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            params = {"byte": f"{raw[exc.start]:02X}", "column": exc.start + 1}
            problems.append(_problem(number, "not_utf8", params))
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        problems.append(_problem(None, "gbk"))
    raise _refuse(problems)


def _bad_characters(number: int, text: str) -> list[Problem]:
    problems = []
    for column, ch in enumerate(text, start=1):
        category = unicodedata.category(ch)
        if ch != "\t" and (category[0] == "C" or category in ("Zl", "Zp")):
            params = {
                "codepoint": f"U+{ord(ch):04X}",
                "name": unicodedata.name(ch, _CATEGORY_NAMES[category]),
                "column": column,
            }
            problems.append(_problem(number, "bad_character", params))
    return problems


def _classify(lines: list[_Line]) -> None:
    """Set the kind, number and rest of each line."""
    expected = {"chapter": 1, "section": 1, "article": 1}
    for line in lines:
        if match := _ITEM.fullmatch(line.text):
            line.kind, line.numeral, line.rest = "item", match["num"], match["rest"].strip()
            line.value = _number(line.numeral)
            continue
        for kind, pattern in _HEADINGS.items():
            if not (match := pattern.fullmatch(line.text)):
                continue
            rest, value = match["rest"], _number(match["num"])
            if rest and not rest[0].isspace() and value != expected[kind]:
                break  # A paragraph opening with a cross-reference, not a heading.
            line.kind, line.numeral, line.value, line.rest = kind, match["num"], value, rest.strip()
            if value is not None:
                expected[kind] = max(expected[kind], value + 1)
            if kind == "chapter":
                expected["section"] = 1
            break


def _number(numeral: str) -> int | None:
    if numeral.isdigit():
        return int(numeral)
    try:
        return cn_to_int(numeral)
    except ValueError:
        return None


def _closing_start(lines: list[_Line]) -> int:
    """Return the index of the first line of the closing block (len(lines) if none)."""
    last_article = max((i for i, line in enumerate(lines) if line.kind == "article"), default=None)
    if last_article is None:
        return len(lines)
    for index in range(last_article + 1, len(lines)):
        if _is_closing_marker(lines[index].text):
            break
    else:
        return len(lines)
    while (
        index - 1 > last_article
        and lines[index - 1].kind == "text"
        and len(lines[index - 1].text) <= _CLOSING_MAX_LENGTH
        and not lines[index - 1].text.endswith(_CLAUSE_END)
    ):
        index -= 1
    return index


def _is_closing_marker(text: str) -> bool:
    if _DATE_LINE.fullmatch(text):
        return True
    return (
        bool(_CLOSING_WORDS.search(text))
        and len(text) <= _CLOSING_MAX_LENGTH
        and not text.endswith(_SENTENCE_END)
    )


# --- Structure -------------------------------------------------------------


class _Sequence:
    """Expected numbering of chapters, sections, articles or items, reporting gaps and repeats."""

    def __init__(self, kind: str, problems: list[Problem]):
        self.kind, self.problems = kind, problems
        self.expected, self.seen = 1, {}

    def check(self, line: _Line, **context: str) -> int:
        """Return the line's number (the expected one if it was unreadable)."""
        number = self.expected if line.value is None else line.value
        label = _LABELS[self.kind]
        params = {"found": label(number), "expected": label(self.expected), **context}
        if number in self.seen:
            code = "duplicate"
            params["first_line"] = self.seen[number]
        elif number > self.expected:
            code = "gap"
        elif number < self.expected:
            code = "out_of_order"
        else:
            code = None
        if code:
            self.problems.append(_problem(line.number, f"{self.kind}_{code}", params))
        self.seen.setdefault(number, line.number)
        self.expected = max(self.expected, number + 1)
        return number


@dataclass(slots=True)
class _ParagraphDraft:
    text: str
    line: int
    items: list[Item] = field(default_factory=list)
    numbers: _Sequence | None = None


@dataclass(slots=True)
class _ArticleDraft:
    number: int
    chapter: int | None
    section: int | None
    line: int
    paragraphs: list[_ParagraphDraft] = field(default_factory=list)

    def freeze(self) -> Article:
        paragraphs = tuple(Paragraph(p.text, tuple(p.items), p.line) for p in self.paragraphs)
        return Article(self.number, self.chapter, self.section, paragraphs, self.line)


class _Builder:
    """Build the structure from classified lines, one line at a time, collecting problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.chapters: list[Chapter] = []
        self.sections: list[Section] = []
        self.articles: list[_ArticleDraft] = []
        self.chapter_numbers = _Sequence("chapter", problems)
        self.section_numbers = _Sequence("section", problems)
        self.article_numbers = _Sequence("article", problems)
        self.chapter: Chapter | None = None
        self.section: Section | None = None
        self.article: _ArticleDraft | None = None
        # Articles in the current chapter and section, to report empty ones.
        self.in_chapter = self.in_section = 0

    def add(self, line: _Line) -> None:
        if line.value is None and line.kind != "text":
            params = {"numeral": line.numeral, "heading": line.text[:30]}
            self.problems.append(_problem(line.number, "bad_number", params))
        getattr(self, f"_{line.kind}")(line)

    def finish(self) -> None:
        self._close_article()
        self._close_section()
        self._close_chapter()
        if not self.articles:
            self.problems.append(_problem(None, "no_articles"))

    def _chapter(self, line: _Line) -> None:
        self._close_article()
        self._close_section()
        self._close_chapter()
        number = self.chapter_numbers.check(line)
        self.chapter = Chapter(number, _tighten(line.rest) if line.rest else "", line.number)
        self.chapters.append(self.chapter)
        self.section_numbers = _Sequence("section", self.problems)
        self.section = self.article = None
        self.in_chapter = self.in_section = 0

    def _section(self, line: _Line) -> None:
        self._close_article()
        self._close_section()
        self.section = self.article = None
        if self.chapter is None:
            label = section_label(line.value) if line.value is not None else line.text[:10]
            self.problems.append(_problem(line.number, "section_outside_chapter", {"found": label}))
            return
        number = self.section_numbers.check(line, chapter=self.chapter.label)
        title = _tighten(line.rest) if line.rest else ""
        self.section = Section(self.chapter.number, number, title, line.number)
        self.sections.append(self.section)
        self.in_section = 0

    def _article(self, line: _Line) -> None:
        self._close_article()
        self.article = _ArticleDraft(
            self.article_numbers.check(line),
            self.chapter.number if self.chapter else None,
            self.section.number if self.section else None,
            line.number,
        )
        if line.rest:
            self.article.paragraphs.append(_ParagraphDraft(_collapse(line.rest), line.number))
        self.articles.append(self.article)
        self.in_chapter += 1
        self.in_section += 1

    def _item(self, line: _Line) -> None:
        if self.article is None:
            label = item_label(line.value) if line.value is not None else line.text[:10]
            self.problems.append(_problem(line.number, "item_outside_article", {"found": label}))
            return
        article = article_label(self.article.number)
        if not self.article.paragraphs:
            # Items straight after the heading belong to an empty first paragraph.
            self.article.paragraphs.append(_ParagraphDraft("", line.number))
        paragraph = self.article.paragraphs[-1]
        if paragraph.numbers is None:
            paragraph.numbers = _Sequence("item", self.problems)
        number = paragraph.numbers.check(line, article=article)
        if not line.rest:
            params = {"found": item_label(number), "article": article}
            self.problems.append(_problem(line.number, "empty_item", params))
        paragraph.items.append(Item(number, _collapse(line.rest), line.number))

    def _text(self, line: _Line) -> None:
        if self.article is not None:
            self.article.paragraphs.append(_ParagraphDraft(_collapse(line.text), line.number))
            return
        excerpt = line.text if len(line.text) <= 20 else line.text[:20] + "…"
        self.problems.append(_problem(line.number, "stray_text", {"excerpt": excerpt}))

    def _close_article(self) -> None:
        if self.article is not None and not self.article.paragraphs:
            params = {"found": article_label(self.article.number)}
            self.problems.append(_problem(self.article.line, "empty_article", params))

    def _close_section(self) -> None:
        if self.section is not None and not self.in_section:
            params = {"found": self.section.label}
            self.problems.append(_problem(self.section.line, "empty_section", params))

    def _close_chapter(self) -> None:
        if self.chapter is not None and not self.in_chapter:
            params = {"found": self.chapter.label}
            self.problems.append(_problem(self.chapter.line, "empty_chapter", params))


def parse(data: bytes | bytearray | memoryview | str) -> ParsedConvention:
    """
    Parse a convention text (bytes of a file, or a str) into its structure.

    Raise FileRefused listing every problem found, with the line of the
    original file each one is on.
    """
    text = _decode(data)
    problems: list[Problem] = []
    lines = []
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        problems += _bad_characters(number, raw)
        stripped = unicodedata.normalize("NFC", raw).strip()
        if stripped:
            lines.append(_Line(number, stripped))
    if not lines:
        raise _refuse([_problem(1, "empty_file"), *problems])

    _classify(lines)
    closing_at = _closing_start(lines)
    body, closing_lines = lines[:closing_at], lines[closing_at:]
    title = _tighten(body.pop(0).text) if body and body[0].kind == "text" else None
    builder = _Builder(problems)
    for line in body:
        builder.add(line)
    builder.finish()
    if problems:
        raise _refuse(problems)

    return ParsedConvention(
        title=title,
        chapters=tuple(builder.chapters),
        sections=tuple(builder.sections),
        articles=tuple(article.freeze() for article in builder.articles),
        closing="\n".join(_collapse(line.text) for line in closing_lines) or None,
    )
