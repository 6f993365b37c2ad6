"""What the reader page and the PDF show: a version's stored structure arranged for display.

Built from `Version.structure` alone (no queries), so a page costs the same whatever the length of
the text. Anchors are stable and documented for links from elsewhere:

* ``art-9``: article 9; ``art-9-para-2``: its second paragraph (款);
* ``art-9-item-2``: item (二) of its first paragraph; items of a later paragraph are
  ``art-9-para-2-item-1`` (items are numbered afresh in each paragraph);
* ``chp-2``: chapter 2; ``chp-2-sec-1``: its first section; ``closing``: the signature block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .parser import article_label, chapter_label, item_label, section_label
from .rules import Rule

REGISTER_PERIOD_LABELS = {
    "month": _("monthly"),
    "quarter": _("quarterly"),
    "half_year": _("every half year"),
    "year": _("yearly"),
}


def rule_display(rule: Rule, value) -> str:
    if rule.key == "register_period":
        return str(REGISTER_PERIOD_LABELS.get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


@dataclass(frozen=True)
class RuleNote:
    rule: Rule
    value: Any

    @property
    def label(self):
        return self.rule.label

    @property
    def display(self) -> str:
        return rule_display(self.rule, self.value)


@dataclass(frozen=True)
class ItemView:
    number: int
    text: str
    anchor: str

    @property
    def label(self) -> str:
        return item_label(self.number)


@dataclass(frozen=True)
class ParagraphView:
    index: int
    text: str
    anchor: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class ArticleView:
    number: int
    identity: Any
    chapter: int | None
    section: int | None
    paragraphs: tuple[ParagraphView, ...]
    rules: tuple[RuleNote, ...] = ()

    @property
    def label(self) -> str:
        return article_label(self.number)

    @property
    def anchor(self) -> str:
        return f"art-{self.number}"


@dataclass
class Group:
    """Articles of a chapter that sit in one section, or in no section."""

    section: int | None
    title: str
    articles: list[ArticleView] = field(default_factory=list)
    chapter: int | None = None

    @property
    def label(self) -> str:
        return section_label(self.section) if self.section is not None else ""

    @property
    def anchor(self) -> str:
        return f"chp-{self.chapter}-sec-{self.section}" if self.section is not None else ""


@dataclass
class ChapterView:
    number: int | None
    title: str
    groups: list[Group] = field(default_factory=list)

    @property
    def label(self) -> str:
        return chapter_label(self.number) if self.number is not None else ""

    @property
    def anchor(self) -> str:
        return f"chp-{self.number}" if self.number is not None else "preamble"

    @property
    def articles(self) -> list[ArticleView]:
        return [article for group in self.groups for article in group.articles]


@dataclass
class Document:
    title: str
    chapters: list[ChapterView]
    closing_lines: list[str]
    rules: list[RuleNote]

    @property
    def articles(self) -> list[ArticleView]:
        return [article for chapter in self.chapters for article in chapter.articles]

    @property
    def article_numbers(self) -> set[int]:
        return {article.number for article in self.articles}


def _article(data: Mapping[str, Any], rules: tuple[RuleNote, ...]) -> ArticleView:
    number = data["number"]
    base = f"art-{number}"
    paragraphs = []
    for index, paragraph in enumerate(data["paragraphs"], start=1):
        anchor = f"{base}-para-{index}"
        item_base = base if index == 1 else anchor
        items = tuple(
            ItemView(item["number"], item["text"], f"{item_base}-item-{item['number']}")
            for item in paragraph.get("items", ())
        )
        paragraphs.append(ParagraphView(index, paragraph["text"], anchor, items))
    return ArticleView(
        number,
        data.get("identity"),
        data.get("chapter"),
        data.get("section"),
        tuple(paragraphs),
        rules,
    )


def document(structure: Mapping[str, Any], rule_table: Iterable[tuple[Rule, Any]] = ()) -> Document:
    """Arrange a stored structure by chapter and section, with each rule next to its article."""
    notes = [RuleNote(rule, value) for rule, value in rule_table]
    by_article: dict[int, list[RuleNote]] = {}
    for note in notes:
        by_article.setdefault(note.rule.article, []).append(note)
    chapter_titles = {c["number"]: c["title"] for c in structure.get("chapters", ())}
    section_titles = {
        (s["chapter"], s["number"]): s["title"] for s in structure.get("sections", ())
    }
    chapters: list[ChapterView] = []
    for data in structure["articles"]:
        chapter, section = data.get("chapter"), data.get("section")
        if not chapters or chapters[-1].number != chapter:
            chapters.append(ChapterView(chapter, chapter_titles.get(chapter, "")))
        groups = chapters[-1].groups
        if not groups or groups[-1].section != section:
            groups.append(
                Group(section, section_titles.get((chapter, section), ""), chapter=chapter)
            )
        groups[-1].articles.append(_article(data, tuple(by_article.get(data["number"], ()))))
    closing = structure.get("closing") or ""
    return Document(structure.get("title") or "", chapters, closing.splitlines(), notes)
