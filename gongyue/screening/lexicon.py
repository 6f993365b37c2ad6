"""The lexicon between the database, CSV files and the engine. Nothing here writes: actions.py does.

A CSV upload is read by the engine's own parser (``lexicon_csv.parse_lexicon``) with this
platform's rules added per row (known categories, severity 1–5, length, no two rows with the
same normalised form), so that one pass reports every problem by its row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from gongyue.core.textfiles import excel_csv

from . import lexicon_csv, normalise
from .engine import Lexicon, Term
from .lexicon_csv import FileRefused, Problem, gettext_noop
from .models import MAX_KEY_CHARS, MAX_TERM_CHARS, SEVERITIES, TERM_FIELDS, Action, Category

#: The export's columns, which the import reads back: Chinese names and labels for people,
#: then the codes for programs (and for the import, which prefers them to the labels).
HEADER = ("词条", "类别", "处置", "严重程度", "匹配重复字", "匹配拼音", "category", "action")
#: The export is always in Chinese, whatever the page's language: its SHA-256 is the version's.
EXPORT_LANGUAGE = "zh-hans"

#: This platform's own row rules, on top of the parser's (lexicon_csv.MESSAGES).
ROW_MESSAGES = {
    "category": gettext_noop("unknown category {category} (expected one of {expected})"),
    "severity_range": gettext_noop("severity {severity} is outside 1–5"),
    "too_long": gettext_noop("the term has {length} characters; the limit is {limit}"),
    "same_key": gettext_noop("{term} is the same as row {other} once normalised ({key})"),
}


def key_of(text: str) -> str:
    """The normalised form two entries are the same by."""
    return normalise.canonical(text)


@dataclass(frozen=True)
class Entry:
    """A term as wanted in the lexicon (a LexiconTerm row has the same attributes)."""

    term: str
    category: str
    action: str
    severity: int = 1
    collapse_repeats: bool = False
    pinyin: bool = False

    FIELDS = TERM_FIELDS

    @classmethod
    def of(cls, row) -> Entry:
        return cls(*(getattr(row, name) for name in cls.FIELDS))

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}

    def to_engine_term(self) -> Term:
        return Term(
            self.term, self.category, self.action, self.severity, self.collapse_repeats, self.pinyin
        )


@dataclass
class Upload:
    """A lexicon file that passed every check: its terms and phrases by normalised form."""

    terms: dict[str, Entry]
    phrases: dict[str, str]
    data: bytes


class InvalidLexicon(FileRefused):
    """A lexicon file refused, by the reader or the engine, in the active language."""

    def __init__(self, problems):
        super().__init__(problems, code="invalid_lexicon", gettext=_)


def problem_message(problem) -> str:
    """One problem in the active language: "row 4: the term is empty"."""
    if not isinstance(problem, Problem):
        return str(problem)
    return problem.describe(_)


def problem_rows(problems) -> list[dict]:
    """Problems as rows of a table: {"row": n or None, "message": …}, in the active language."""
    rows = []
    for problem in problems:
        row = getattr(problem, "row", None)
        message = problem.render(_) if isinstance(problem, Problem) else str(problem)
        rows.append({"row": row, "message": message})
    return rows


class _RowRules:
    """The platform's rules for one upload's rows; remembers each row's normalised form."""

    def __init__(self):
        self.seen: dict[tuple[bool, str], tuple[int, object]] = {}
        self.keys: dict[object, str] = {}

    def __call__(self, number: int, entry) -> list[Problem]:
        is_term = isinstance(entry, Term)
        text = entry.term if is_term else entry
        problems = []
        if len(text) > MAX_TERM_CHARS:
            problems.append(
                Problem.at_row(
                    number, ROW_MESSAGES["too_long"], length=len(text), limit=MAX_TERM_CHARS
                )
            )
        if is_term:
            category = entry.category.strip().lower()
            if category not in Category.values:
                expected = ", ".join(Category.values)
                problems.append(
                    Problem.at_row(
                        number,
                        ROW_MESSAGES["category"],
                        category=repr(entry.category),
                        expected=expected,
                    )
                )
            if entry.severity not in SEVERITIES:
                problems.append(
                    Problem.at_row(number, ROW_MESSAGES["severity_range"], severity=entry.severity)
                )
        key = key_of(text)
        earlier = self.seen.get((is_term, key))
        if earlier is not None and earlier[1] != entry:
            problems.append(
                Problem.at_row(
                    number, ROW_MESSAGES["same_key"], term=repr(text), other=earlier[0], key=key
                )
            )
        elif earlier is None:
            self.seen[(is_term, key)] = (number, entry)
        self.keys[entry] = key
        return problems


def read_upload(data: bytes, source: str = "lexicon") -> Upload:
    """Check a lexicon CSV; raise InvalidLexicon listing every problem by row."""
    rules = _RowRules()
    try:
        parsed = lexicon_csv.parse_lexicon(data, source=source, check=rules, labels=import_labels())
    except FileRefused as refused:
        raise InvalidLexicon(refused.problems) from None
    terms = {}
    for term in parsed.terms:
        key = rules.keys[term]
        terms[key] = Entry(
            term.term,
            term.category.strip().lower(),
            term.action,
            term.severity,
            term.collapse_repeats,
            term.pinyin,
        )
    phrases = {rules.keys[phrase]: phrase for phrase in parsed.allow}
    if any(
        len(key) > MAX_KEY_CHARS for key in (*terms, *phrases)
    ):  # pragma: no cover - 200 chars cannot
        raise InvalidLexicon([_("A term is too long once normalised.")])
    return Upload(terms, phrases, data)


def to_engine_lexicon(terms, phrases) -> Lexicon:
    """The engine's lexicon of terms (Entry or LexiconTerm) and phrases (str), in key order."""
    return Lexicon([t.to_engine_term() for t in terms], allow=list(phrases))


def export_csv(terms, phrases) -> bytes:
    """The lexicon as CSV: terms in order of their normalised form, then the allowed phrases.

    UTF-8 with a byte order mark, so that spreadsheet programs on Chinese Windows read it as
    UTF-8; the import accepts it back unchanged.
    """
    with translation.override(EXPORT_LANGUAGE):
        categories = {code: str(label) for code, label in Category.choices}
        actions = {code: str(label) for code, label in Action.choices}
        allow = _("allow")
        yes, no = _("yes"), _("no")
        rows = [HEADER]
        for t in terms:
            rows.append(
                [
                    t.term,
                    categories.get(t.category, t.category),
                    actions.get(t.action, t.action),
                    t.severity,
                    yes if t.collapse_repeats else no,
                    yes if t.pinyin else no,
                    t.category,
                    t.action,
                ]
            )
        for phrase in phrases:
            rows.append([phrase, "", allow, "", "", "", "", lexicon_csv.ALLOW])
    return excel_csv(rows)


def import_labels() -> lexicon_csv.Labels:
    """Category and action names as people write them (Chinese or English) -> their codes."""
    labels: lexicon_csv.Labels = {"category": {}, "action": {}}
    for language in (EXPORT_LANGUAGE, "en"):
        with translation.override(language):
            for code, label in Category.choices:
                labels["category"][str(label)] = code
            for code, label in Action.choices:
                labels["action"][str(label)] = code
            labels["action"][_("allow")] = lexicon_csv.ALLOW
    return labels


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
