"""Reading a lexicon from CSV, with every problem reported by its row.

The header names the columns, in any order; ``term``, ``category`` and ``action`` are required.
Optional columns: ``severity`` (a whole number, default 1), ``collapse_repeats`` and ``pinyin``
(true/false, yes/no, 1/0; default false). Other columns are ignored. An ``action`` of
``allow`` makes the row an allow-listed phrase instead of a term. Rows are numbered as a
spreadsheet shows them: the header is row 1. Blank rows are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from . import normalise
from .engine import ACTIONS, NOTHING_LEFT, Lexicon, LexiconError, Term

REQUIRED = ("term", "category", "action")
ALLOW = "allow"
_TRUE = {"1", "true", "yes", "y", "on", "是"}
_FALSE = {"", "0", "false", "no", "n", "off", "否"}


def read_lexicon(path: str | Path) -> Lexicon:
    """Read the lexicon CSV at ``path``; raise :class:`LexiconError` naming each bad row."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LexiconError([f"cannot read the file: {exc.strerror or exc}"], str(path)) from exc
    return parse_lexicon(data, source=str(path))


def parse_lexicon(data: bytes | str, source: str = "lexicon") -> Lexicon:
    """Parse lexicon CSV text (bytes are decoded as UTF-8, with or without a BOM)."""
    if isinstance(data, bytes):
        bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        try:
            data = data[bom:].decode("utf-8")
        except UnicodeDecodeError as exc:
            at = bom + exc.start
            line = data.count(b"\n", 0, at) + 1
            raise LexiconError(
                [f"not valid UTF-8 at byte {at} (line {line}); save the file as UTF-8"], source
            ) from exc
    data = data.removeprefix("\ufeff")
    if not data.strip():
        raise LexiconError(
            ["the file is empty; expected a header row: term,category,action"], source
        )

    problems: list[str] = []
    terms: dict[Term, None] = {}
    allow: dict[str, None] = {}
    reader = csv.reader(io.StringIO(data, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise LexiconError(
                [
                    f"row 1: the header lacks {', '.join(missing)}"
                    f" (found: {', '.join(header) or 'nothing'}); expected term,category,action"
                ],
                source,
            )
        twice = sorted({name for name in header if name and header.count(name) > 1})
        if twice:
            raise LexiconError([f"row 1: column {', '.join(twice)} appears twice"], source)
        column = {name: header.index(name) for name in header if name}
        for number, row in enumerate(reader, start=2):
            if not any(field.strip() for field in row):
                continue
            if len(row) > len(header):
                problems.append(
                    f"row {number}: {len(row)} fields but the header has {len(header)}"
                    " (quote a term that contains a comma)"
                )
                continue
            entry = _row(number, row, column, problems)
            if isinstance(entry, Term):
                terms[entry] = None
            elif entry is not None:
                allow[entry] = None
    except csv.Error as exc:
        problems.append(f"row {reader.line_num}: not readable as CSV ({exc})")
    if not problems and not terms:
        problems.append("no terms: the file has a header but no term rows")
    if problems:
        raise LexiconError(problems, source)
    return Lexicon(terms, allow=allow)


def _row(number: int, row: list[str], column: dict[str, int], problems: list[str]):
    def get(name: str) -> str:
        index = column.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    term, category, action = get("term"), get("category"), get("action").lower()
    before = len(problems)
    if not term:
        problems.append(f"row {number}: the term is empty")
    elif not normalise.canonical(term):
        problems.append(f"row {number}: term {term!r} {NOTHING_LEFT}")
    if action != ALLOW:
        if action not in ACTIONS:
            expected = ", ".join((*ACTIONS, ALLOW))
            problems.append(f"row {number}: unknown action {action!r} (expected one of {expected})")
        if not category:
            problems.append(f"row {number}: the category is empty")
    severity = get("severity") or "1"
    if not severity.isdigit():
        problems.append(f"row {number}: severity {severity!r} is not a whole number")
    flags = {}
    for name in ("collapse_repeats", "pinyin"):
        value = get(name).lower()
        if value not in _TRUE | _FALSE:
            problems.append(f"row {number}: {name} {value!r} is not true or false")
        flags[name] = value in _TRUE
    if len(problems) > before:
        return None
    if action == ALLOW:
        return term
    return Term(term, category, action, int(severity), **flags)
