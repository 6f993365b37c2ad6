"""
The difference between two versions of a convention, and which articles are "the same" article.

Pure Python on the stored structure (the parser's JSON shape, articles optionally carrying their
``identity``): no Django, no database.

* Articles are paired by identity when both sides have one, then by number. A pair whose text is
  the same is *unchanged*, or *renumbered* if its number moved; otherwise it is *changed*. An
  article only in the new version is *added*, only in the old one *removed*.
* Inside a changed article the comparison is by character (``difflib.SequenceMatcher`` with
  ``autojunk=False``): Chinese has no spaces between words, so a word diff would mark whole
  sentences. Short runs of equal characters squeezed between two changes are folded into the
  change, so that an edited phrase reads as one deletion and one insertion rather than a comb of
  single characters.
* The title, chapter and section headings and the closing block are compared the same way.

``match_identities`` decides which article of the previous version a new article continues: the
one with the same text (wherever it moved), otherwise the one with the same number, otherwise none.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .parser import article_label, chapter_label, item_label, section_label

__all__ = [
    "ADDED",
    "CHANGED",
    "REMOVED",
    "RENUMBERED",
    "UNCHANGED",
    "ArticleDiff",
    "HeadingDiff",
    "StructureDiff",
    "article_body",
    "char_diff",
    "diff_structures",
    "match_identities",
    "segments_html",
]

ADDED, REMOVED, CHANGED, RENUMBERED, UNCHANGED = (
    "added",
    "removed",
    "changed",
    "renumbered",
    "unchanged",
)
EQUAL, INSERT, DELETE = "equal", "insert", "delete"
# Equal runs up to this many characters between two changes are folded into the change.
FOLD_EQUAL_AT_MOST = 2

Segment = tuple[str, str]


def article_body(article: Mapping[str, Any]) -> str:
    """An article's text without its number: one line per paragraph and per item."""
    lines = []
    for paragraph in article["paragraphs"]:
        if paragraph["text"]:
            lines.append(paragraph["text"])
        lines.extend(
            item_label(item["number"]) + item["text"] for item in paragraph.get("items", ())
        )
    return "\n".join(lines)


def _text_key(article: Mapping[str, Any]) -> str:
    return json.dumps(article["paragraphs"], ensure_ascii=False, sort_keys=True)


def match_identities(
    previous: Sequence[Mapping[str, Any]], articles: Sequence[Mapping[str, Any]]
) -> list[Any]:
    """
    For each of ``articles``, the identity of the article of ``previous`` it continues, or None.

    First every article whose text equals that of a previous article takes its identity (the
    one with the same number if several are equal); then an article left over takes the identity
    of the previous article with its number, if that identity is still free. No identity is
    given twice.
    """
    by_text: dict[str, list[Mapping[str, Any]]] = {}
    for old in previous:
        by_text.setdefault(_text_key(old), []).append(old)
    by_number = {old["number"]: old for old in previous}
    result: list[Any] = [None] * len(articles)
    used: set = set()
    for index, article in enumerate(articles):
        candidates = [
            old for old in by_text.get(_text_key(article), ()) if old["identity"] not in used
        ]
        if candidates:
            same_number = [old for old in candidates if old["number"] == article["number"]]
            chosen = (same_number or candidates)[0]
            result[index] = chosen["identity"]
            used.add(chosen["identity"])
    for index, article in enumerate(articles):
        old = by_number.get(article["number"])
        if result[index] is None and old is not None and old["identity"] not in used:
            result[index] = old["identity"]
            used.add(old["identity"])
    return result


def char_diff(old: str, new: str) -> list[Segment]:
    """The character-level edit from ``old`` to ``new`` as (equal|delete|insert, text) segments."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append((EQUAL, old[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            segments.append((DELETE, old[i1:i2]))
        if tag in ("insert", "replace"):
            segments.append((INSERT, new[j1:j2]))
    return _merge(_fold(segments))


def _fold(segments: list[Segment]) -> list[Segment]:
    """Fold a short equal run that sits between two changes into both sides of the change."""
    groups: list[tuple[str, str, str]] = []  # (kind, deleted, inserted); kind is EQUAL or "edit"
    for op, text in segments:
        if op == EQUAL:
            groups.append((EQUAL, text, text))
        elif groups and groups[-1][0] == "edit":
            kind, deleted, inserted = groups[-1]
            groups[-1] = (
                kind,
                deleted + (text if op == DELETE else ""),
                inserted + (text if op == INSERT else ""),
            )
        else:
            groups.append(("edit", text if op == DELETE else "", text if op == INSERT else ""))
    changed = True
    while changed:
        changed = False
        for index in range(1, len(groups) - 1):
            kind, text, _ = groups[index]
            before, after = groups[index - 1], groups[index + 1]
            fold = len(text) <= FOLD_EQUAL_AT_MOST and "\n" not in text
            if kind == EQUAL and fold and before[0] == after[0] == "edit":
                merged = ("edit", before[1] + text + after[1], before[2] + text + after[2])
                groups[index - 1 : index + 2] = [merged]
                changed = True
                break
    out: list[Segment] = []
    for kind, deleted, inserted in groups:
        if kind == EQUAL:
            out.append((EQUAL, deleted))
            continue
        if deleted:
            out.append((DELETE, deleted))
        if inserted:
            out.append((INSERT, inserted))
    return out


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for op, text in segments:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return out


def segments_html(segments: Sequence[Segment]) -> str:
    """Escaped HTML with deletions in ``<del>`` and insertions in ``<ins>``."""
    tags = {INSERT: "ins", DELETE: "del"}
    parts = []
    for op, text in segments:
        tag = tags.get(op)
        parts.append(f"<{tag}>{escape(text)}</{tag}>" if tag else escape(text))
    return "".join(parts)


@dataclass(frozen=True)
class ArticleDiff:
    kind: str
    identity: Any
    old_number: int | None
    new_number: int | None
    old_text: str
    new_text: str
    segments: tuple[Segment, ...] = field(default=(), repr=False)

    @property
    def number(self) -> int:
        return self.new_number if self.new_number is not None else self.old_number

    @property
    def label(self) -> str:
        return article_label(self.number)

    @property
    def old_label(self) -> str:
        return article_label(self.old_number) if self.old_number is not None else ""

    @property
    def new_label(self) -> str:
        return article_label(self.new_number) if self.new_number is not None else ""

    @property
    def anchor(self) -> str:
        """The anchor of the article in the newer version (in the older one if removed)."""
        return f"art-{self.number}"

    @property
    def renumbered(self) -> bool:
        return None not in (self.old_number, self.new_number) and self.old_number != self.new_number

    @property
    def html(self) -> str:
        return segments_html(self.segments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "identity": self.identity,
            "old_number": self.old_number,
            "new_number": self.new_number,
            "old_text": self.old_text,
            "new_text": self.new_text,
            "segments": [list(segment) for segment in self.segments],
            "html": self.html,
        }


@dataclass(frozen=True)
class HeadingDiff:
    """A change to the title, a chapter or section heading, or the closing block."""

    part: str  # title, chapter, section or closing
    kind: str  # added, removed or changed
    label: str  # 第二章, 第二章第一节, or "" for the title and the closing block
    old_text: str
    new_text: str
    segments: tuple[Segment, ...] = field(default=(), repr=False)

    @property
    def html(self) -> str:
        return segments_html(self.segments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "kind": self.kind,
            "label": self.label,
            "old_text": self.old_text,
            "new_text": self.new_text,
            "segments": [list(segment) for segment in self.segments],
            "html": self.html,
        }


@dataclass(frozen=True)
class StructureDiff:
    articles: tuple[ArticleDiff, ...]
    headings: tuple[HeadingDiff, ...]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((CHANGED, ADDED, REMOVED, RENUMBERED, UNCHANGED), 0)
        for article in self.articles:
            counts[article.kind] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.headings) or any(a.kind != UNCHANGED for a in self.articles)

    @property
    def changed_articles(self) -> list[ArticleDiff]:
        return [a for a in self.articles if a.kind != UNCHANGED]

    @property
    def unchanged_articles(self) -> list[ArticleDiff]:
        return [a for a in self.articles if a.kind == UNCHANGED]

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "headings": [h.to_dict() for h in self.headings],
            "articles": [a.to_dict() for a in self.articles],
        }


def _pair(old_articles, new_articles) -> tuple[dict[int, int], set[int]]:
    """Map new article index → old article index; pairs by identity first, then by number."""
    pairs: dict[int, int] = {}
    old_by_identity = {
        a.get("identity"): i for i, a in enumerate(old_articles) if a.get("identity") is not None
    }
    for j, article in enumerate(new_articles):
        i = (
            old_by_identity.get(article.get("identity"))
            if article.get("identity") is not None
            else None
        )
        if i is not None:
            pairs[j] = i
    paired_old = set(pairs.values())
    old_by_number = {a["number"]: i for i, a in enumerate(old_articles) if i not in paired_old}
    for j, article in enumerate(new_articles):
        if j in pairs:
            continue
        i = old_by_number.get(article["number"])
        # Two articles that both carry an identity are different articles even at the same number.
        both_known = (
            article.get("identity") is not None
            and i is not None
            and old_articles[i].get("identity") is not None
        )
        if i is not None and not both_known:
            pairs[j] = i
            del old_by_number[article["number"]]
    return pairs, set(range(len(old_articles))) - set(pairs.values())


def _diff_articles(old_articles, new_articles) -> list[ArticleDiff]:
    pairs, removed = _pair(old_articles, new_articles)
    entries: list[tuple[tuple, ArticleDiff]] = []
    new_position_of_old = {i: j for j, i in pairs.items()}
    for j, new in enumerate(new_articles):
        new_text = article_body(new)
        if j not in pairs:
            entry = ArticleDiff(
                ADDED, new.get("identity"), None, new["number"], "", new_text, ((INSERT, new_text),)
            )
        else:
            old = old_articles[pairs[j]]
            old_text = article_body(old)
            identity = new.get("identity", old.get("identity"))
            if old_text == new_text:
                kind = UNCHANGED if old["number"] == new["number"] else RENUMBERED
                entry = ArticleDiff(
                    kind,
                    identity,
                    old["number"],
                    new["number"],
                    old_text,
                    new_text,
                    ((EQUAL, new_text),),
                )
            else:
                segments = tuple(char_diff(old_text, new_text))
                entry = ArticleDiff(
                    CHANGED, identity, old["number"], new["number"], old_text, new_text, segments
                )
        entries.append(((j, 0, 0), entry))
    for i in sorted(removed):
        old = old_articles[i]
        # A removed article is listed after the article that preceded it in the old version.
        before = [new_position_of_old[k] for k in range(i) if k in new_position_of_old]
        old_text = article_body(old)
        entry = ArticleDiff(
            REMOVED, old.get("identity"), old["number"], None, old_text, "", ((DELETE, old_text),)
        )
        entries.append(((max(before, default=-1), 1, i), entry))
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


def _diff_text(part: str, label: str, old: str | None, new: str | None) -> HeadingDiff | None:
    old, new = old or "", new or ""
    if old == new:
        return None
    kind = ADDED if not old else REMOVED if not new else CHANGED
    return HeadingDiff(part, kind, label, old, new, tuple(char_diff(old, new)))


def _diff_headings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[HeadingDiff]:
    found = [_diff_text("title", "", old.get("title"), new.get("title"))]
    old_chapters = {c["number"]: c["title"] for c in old.get("chapters", ())}
    new_chapters = {c["number"]: c["title"] for c in new.get("chapters", ())}
    for number in sorted(old_chapters.keys() | new_chapters.keys()):
        in_old, in_new = number in old_chapters, number in new_chapters
        diff = _diff_text(
            "chapter", chapter_label(number), old_chapters.get(number), new_chapters.get(number)
        )
        if diff is None and in_old != in_new:  # a chapter without a title appears or goes
            diff = HeadingDiff(
                "chapter", ADDED if in_new else REMOVED, chapter_label(number), "", ""
            )
        found.append(diff)
    old_sections = {(s["chapter"], s["number"]): s["title"] for s in old.get("sections", ())}
    new_sections = {(s["chapter"], s["number"]): s["title"] for s in new.get("sections", ())}
    for key in sorted(old_sections.keys() | new_sections.keys()):
        label = chapter_label(key[0]) + section_label(key[1])
        in_old, in_new = key in old_sections, key in new_sections
        diff = _diff_text("section", label, old_sections.get(key), new_sections.get(key))
        if diff is None and in_old != in_new:
            diff = HeadingDiff("section", ADDED if in_new else REMOVED, label, "", "")
        found.append(diff)
    found.append(_diff_text("closing", "", old.get("closing"), new.get("closing")))
    return [diff for diff in found if diff is not None]


def diff_structures(old: Mapping[str, Any], new: Mapping[str, Any]) -> StructureDiff:
    """Compare two structures (``ParsedConvention.to_dict()`` shape, with or without identities)."""
    return StructureDiff(
        articles=tuple(_diff_articles(list(old["articles"]), list(new["articles"]))),
        headings=tuple(_diff_headings(old, new)),
    )
