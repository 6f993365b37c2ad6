"""Reading a lexicon from CSV, with every problem reported by its row.

The header names the columns, in any order; ``term``, ``category`` and ``action`` are required.
Optional columns: ``severity`` (a whole number, default 1), ``collapse_repeats`` and ``pinyin``
(true/false, yes/no, 1/0; default false). Other columns are ignored. An ``action`` of
``allow`` makes the row an allow-listed phrase instead of a term. Rows are numbered as a
spreadsheet shows them: the header is row 1. Blank rows are skipped.

A file with problems is refused whole with :class:`gongyue.core.refusals.FileRefused`; each
problem is a :class:`~gongyue.core.refusals.Problem`: a string in English ("row 4: the term is
empty"), which also keeps its row, its message template (one of :data:`MESSAGES`) and the
template's values, so that a user interface can show it in another language. A caller with rules of its own
(allowed categories, a range of severities) passes ``check``, which sees every readable row
and returns that row's further problems, so one pass reports everything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path

from gongyue.core.refusals import FileRefused, Problem
from gongyue.core.textfiles import Undecodable, decode_table_text

from . import normalise
from .engine import ACTIONS, NOTHING_LEFT, Lexicon, Term

__all__ = ["FileRefused", "Problem", "parse_lexicon", "read_lexicon"]

REQUIRED = ("term", "category", "action")
#: Chinese column names, as the export writes them and people type them. A label column
#: (类别, 处置) holds the names people read; where the code column (category, action) is there
#: too, the code wins, so that an export reads back exactly.
ALIASES = {
    "词条": "term",
    "类别": "category_label",
    "处置": "action_label",
    "严重程度": "severity",
    "匹配重复字": "collapse_repeats",
    "匹配拼音": "pinyin",
}
#: ``labels`` of :func:`parse_lexicon`: for ``category`` and ``action``, label -> code.
Labels = dict[str, dict[str, str]]
ALLOW = "allow"
_TRUE = {"1", "true", "yes", "y", "on", "是"}
_FALSE = {"", "0", "false", "no", "n", "off", "否"}


def gettext_noop(message: str) -> str:
    """Mark ``message`` for ``makemessages`` without importing Django."""
    return message


#: Every message template of the parser; ``{name}`` placeholders take the problem's values.
MESSAGES: dict[str, str] = {
    "not_utf8": gettext_noop(
        "not valid UTF-8 at byte {byte} (line {line}); save the file as UTF-8"
    ),
    "not_gbk": gettext_noop(
        "not valid GBK/GB18030 at byte {byte} (line {line}); save the file again as CSV UTF-8"
        " or GBK"
    ),
    "empty_file": gettext_noop("the file is empty; expected a header row: term,category,action"),
    "missing_columns": gettext_noop(
        "the header lacks {missing} (found: {found}); expected term,category,action"
    ),
    "column_twice": gettext_noop("column {columns} appears twice"),
    "no_terms": gettext_noop("no terms: the file has a header but no term rows"),
    "too_many_fields": gettext_noop(
        "{fields} fields but the header has {columns} (quote a term that contains a comma)"
    ),
    "not_csv": gettext_noop("not readable as CSV ({error})"),
    "empty_term": gettext_noop("the term is empty"),
    "nothing_left": gettext_noop(
        "term {term} normalises to nothing (it has only spaces, punctuation, symbols or"
        " invisible characters)"
    ),
    "unknown_action": gettext_noop("unknown action {action} (expected one of {expected})"),
    "empty_category": gettext_noop("the category is empty"),
    "severity": gettext_noop("severity {severity} is not a whole number"),
    "flag": gettext_noop("{column} {value} is not true or false"),
}
assert MESSAGES["nothing_left"] == "term {term} " + NOTHING_LEFT


def _problem(code: str, row: int | None = None, **params) -> Problem:
    return Problem.at_row(row, MESSAGES[code], code=code, **params)


#: ``check(row number, entry)`` for a readable row (``entry`` a :class:`Term`, or the text of
#: an allow-listed phrase); returns that row's further problems.
RowCheck = Callable[[int, "Term | str"], Iterable[str]]


def _refuse(problems, source: str) -> FileRefused:
    return FileRefused(problems, code="invalid_lexicon", source=source)


def read_lexicon(path: str | Path, *, check: RowCheck | None = None) -> Lexicon:
    """Read the lexicon CSV at ``path``; raise :class:`FileRefused` naming each bad row."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = Problem(None, f"cannot read the file: {exc.strerror or exc}", place="row")
        raise _refuse([problem], str(path)) from exc
    return parse_lexicon(data, source=str(path), check=check)


def parse_lexicon(
    data: bytes | str,
    source: str = "lexicon",
    *,
    check: RowCheck | None = None,
    labels: Labels | None = None,
) -> Lexicon:
    """Parse lexicon CSV text (bytes are UTF-8, with or without a BOM, or GBK/GB18030).

    Columns may have their Chinese names (:data:`ALIASES`); ``labels`` turns the names in a
    label column into codes (a name it does not know stays as written, for ``check`` to name).

    ``check``, when given, is called with each row that is readable on its own terms and
    returns that row's further problems (see :data:`RowCheck`).
    """
    if isinstance(data, bytes):
        try:
            data, _encoding = decode_table_text(data)
        except Undecodable as exc:
            code = "not_utf8" if exc.encoding == "UTF-8" else "not_gbk"
            raise _refuse([_problem(code, byte=exc.offset, line=exc.line)], source) from None
    data = data.removeprefix("\ufeff")
    if not data.strip():
        raise _refuse([_problem("empty_file")], source)

    problems: list[str] = []
    terms: dict[Term, None] = {}
    allow: dict[str, None] = {}
    reader = csv.reader(io.StringIO(data, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
        header = [ALIASES.get(name, name) for name in header]
        missing = [
            name for name in REQUIRED if name not in header and f"{name}_label" not in header
        ]
        if missing:
            found = ", ".join(header) or "nothing"
            raise _refuse(
                [_problem("missing_columns", 1, missing=", ".join(missing), found=found)], source
            )
        twice = sorted({name for name in header if name and header.count(name) > 1})
        if twice:
            raise _refuse([_problem("column_twice", 1, columns=", ".join(twice))], source)
        column = {name: header.index(name) for name in header if name}
        for number, row in enumerate(reader, start=2):
            if not any(field.strip() for field in row):
                continue
            if len(row) > len(header):
                problems.append(
                    _problem("too_many_fields", number, fields=len(row), columns=len(header))
                )
                continue
            entry = _row(number, row, column, problems, labels or {})
            if entry is not None and check is not None:
                problems.extend(check(number, entry))
            if isinstance(entry, Term):
                terms[entry] = None
            elif entry is not None:
                allow[entry] = None
    except csv.Error as exc:
        problems.append(_problem("not_csv", reader.line_num, error=exc))
    if not problems and not terms:
        problems.append(_problem("no_terms"))
    if problems:
        raise _refuse(problems, source)
    return Lexicon(terms, allow=allow)


def _row(number: int, row: list[str], column: dict[str, int], problems: list[str], labels: Labels):
    def get(name: str) -> str:
        index = column.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def code(name: str) -> str:
        if name in column:
            return get(name)
        label = get(f"{name}_label")
        return labels.get(name, {}).get(label, label)

    term, category, action = get("term"), code("category"), code("action").lower()
    before = len(problems)
    if not term:
        problems.append(_problem("empty_term", number))
    elif not normalise.canonical(term):
        problems.append(_problem("nothing_left", number, term=repr(term)))
    if action != ALLOW:
        if action not in ACTIONS:
            expected = ", ".join((*ACTIONS, ALLOW))
            problems.append(
                _problem("unknown_action", number, action=repr(action), expected=expected)
            )
        if not category:
            problems.append(_problem("empty_category", number))
    severity = get("severity") or "1"
    if not (severity.isascii() and severity.isdigit()):
        problems.append(_problem("severity", number, severity=repr(severity)))
    flags = {}
    for name in ("collapse_repeats", "pinyin"):
        value = get(name).lower()
        if value not in _TRUE | _FALSE:
            problems.append(_problem("flag", number, column=name, value=repr(value)))
        flags[name] = value in _TRUE
    if len(problems) > before:
        return None
    if action == ALLOW:
        return term
    return Term(term, category, action, int(severity), **flags)
