"""The consolidated text an article-by-article amendment produces.

A proposal can be written as edits of chosen articles — change an article's text, insert a new
article after one, delete one — instead of a whole new text. The edits are applied to the
structure of the version in force, the articles renumbered in order (as Chinese amendments
renumber), and the result written as canonical text, which the proposal then carries like an
uploaded text. Cross-references inside other articles ("依照第九条") are not rewritten: the diff
shows the renumbering, and the proposer edits those articles too where needed.
"""

import copy
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gongyue.convention.canonical import canonical_text
from gongyue.convention.numerals import int_to_cn
from gongyue.core.errors import ActionRefused

OPERATIONS = ("change", "insert_after", "delete")


@dataclass(frozen=True)
class Edit:
    operation: str
    article: int  # the article's number in the version in force; 0 = before the first
    text: str = ""


def _refuse(message, field="edits"):
    return ActionRefused(message, code="bad_edit", field=field, status=400)


def parse_article_body(text: str) -> list[dict]:
    """An article's paragraphs and items from what a person typed: one line a paragraph, items
    as （一）…; refused with the parser's own messages when it is not an article body."""
    from gongyue.convention.actions import parse_upload

    body = "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())
    if not body:
        raise _refuse(_("An inserted or changed article needs its text."))
    if body.startswith("第") and "条" in body[:8]:
        raise _refuse(_("Type the article's text without its number: it is numbered for you."))
    parsed = parse_upload(f"第一章\u3000章\n\n第一条 {body}\n".encode())
    if len(parsed.articles) != 1:
        raise _refuse(_("An edit changes one article; its text cannot contain another article."))
    return parsed.to_dict()["articles"][0]["paragraphs"]


def consolidate(structure: dict, edits: list[Edit]) -> str:
    """Apply `edits` to a version's structure and return the canonical text of the result."""
    if not edits:
        raise _refuse(_("Name at least one article to change, insert after or delete."))
    result = copy.deepcopy(structure)
    articles = result["articles"]
    numbers = {article["number"] for article in articles}
    touched = set()
    for edit in edits:
        if edit.operation not in OPERATIONS:
            raise _refuse(_("Unknown edit %(op)r.") % {"op": edit.operation})
        exists = edit.article in numbers or (edit.operation == "insert_after" and edit.article == 0)
        if not exists:
            raise _refuse(
                _("There is no article %(label)s in the version in force.")
                % {"label": f"第{int_to_cn(edit.article)}条" if edit.article > 0 else edit.article}
            )
        if edit.operation != "insert_after":
            if edit.article in touched:
                raise _refuse(
                    _("Article %(n)s is edited twice; make it one edit.") % {"n": edit.article}
                )
            touched.add(edit.article)
    # Work on the original numbering; inserted articles carry no number until the end.
    for edit in edits:
        index = next((i for i, a in enumerate(articles) if a.get("number") == edit.article), -1)
        if edit.operation == "delete":
            articles[index]["_deleted"] = True
        elif edit.operation == "change":
            articles[index]["paragraphs"] = parse_article_body(edit.text)
            articles[index].pop("identity", None)
        else:
            anchor = articles[index] if index >= 0 else articles[0]
            new = {
                "number": None,
                "chapter": anchor["chapter"],
                "section": anchor["section"],
                "paragraphs": parse_article_body(edit.text),
            }
            # After the anchor and after any article already inserted after it.
            position = index + 1
            while position < len(articles) and articles[position]["number"] is None:
                position += 1
            articles.insert(position, new)
    result["articles"] = [a for a in articles if not a.get("_deleted")]
    for number, article in enumerate(result["articles"], 1):
        article["number"] = number
        article.pop("identity", None)
    used = {(a["chapter"], a["section"]) for a in result["articles"]}
    empty = [c for c in result["chapters"] if not any(ch == c["number"] for ch, _ in used)]
    if empty:
        raise _refuse(
            _(
                "Chapter %(n)s would be left without any article; delete the chapter by a whole new text instead."
            )
            % {"n": empty[0]["number"]}
        )
    try:
        return canonical_text(result)
    except ValueError as error:
        raise _refuse(str(error)) from None
