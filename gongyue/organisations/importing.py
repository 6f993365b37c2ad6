"""Checking an association's existing member list before it is imported.

The file is CSV in UTF-8 (a BOM is allowed) or GBK/GB18030, as Excel in China saves it, with the
header `uscc,name,joined,categories` (or the Chinese names of HEADER_ALIASES) and
optionally `city`, `address`, `legal_rep_name`, `icp_numbers`, `websites`; list values are
separated by `;`. Problems are reported per row, the header being row 1, and a file with any
problem imports nothing (refused with gongyue.core.refusals.FileRefused, see `refuse`).
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongyue.core.deadlines import china_date, start_of_day
from gongyue.core.refusals import FileRefused, Problem
from gongyue.core.textfiles import Undecodable, decode_table_text

from .models import Category, Unit
from .validators import validate_icp, validate_uscc, validate_website

REQUIRED_COLUMNS = ["uscc", "name", "joined", "categories"]
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class MemberRow:
    row: int
    uscc: str
    name: str
    joined: date
    categories: list[str]
    city: str = ""
    address: str = ""
    legal_rep_name: str = ""
    icp_numbers: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)


def refuse(problems: list[Problem]) -> FileRefused:
    """The refusal of a member list with bad rows: nothing is imported."""
    return FileRefused(problems, code="bad_rows")


def _problem(row: int, reason: str) -> Problem:
    # The reasons are already in the reader's language.
    return Problem.at_row(row, str(reason))


def _split(value: str) -> list[str]:
    # Chinese spreadsheets separate list values with a full-width semicolon or 、 as often.
    return [part.strip() for part in re.split(r"[;；、]", value or "") if part.strip()]


#: Column names in Chinese, as the directory's CSV and people's spreadsheets write them.
HEADER_ALIASES = {
    "统一社会信用代码": "uscc",
    "单位名称": "name",
    "名称": "name",
    "加入日期": "joined",
    "类别": "categories",
    "城市": "city",
    "地址": "address",
    "法定代表人": "legal_rep_name",
    "ICP备案号": "icp_numbers",
    "网站": "websites",
}


def category_codes() -> dict[str, str]:
    """Each category's code, and its Chinese and English names, to its code."""
    names = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names.update({str(label): code for code, label in Category.choices})
    return {**names, **{code: code for code in Category.values}}


def check_member_csv(data: bytes) -> tuple[list[MemberRow], list[Problem]]:
    """Read and check every row; returns the good rows and the problems (empty when all is well)."""
    try:
        text, _encoding = decode_table_text(data)
    except Undecodable as bad:
        return [], [
            _problem(
                bad.line,
                _(
                    "byte 0x%(byte)s cannot be read as %(encoding)s; save the file again as CSV UTF-8 or GBK"
                )
                % {"byte": f"{bad.byte:02X}", "encoding": bad.encoding},
            )
        ]
    records = list(csv.reader(io.StringIO(text)))
    if not records or not any(cell.strip() for cell in records[0]):
        return [], [
            _problem(
                1,
                _("the file is empty; the first row names the columns %(columns)s")
                % {"columns": ",".join(REQUIRED_COLUMNS)},
            )
        ]
    header = [HEADER_ALIASES.get(cell.strip(), cell.strip().lower()) for cell in records[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [
            _problem(1, _("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})
        ]
    rows, problems = [], []
    first_row_of = {}
    today = timezone.localdate()
    known = {c.value for c in Category}
    codes = category_codes()
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            problems.append(
                _problem(
                    number,
                    _("%(found)s values, but the header names %(expected)s columns")
                    % {"found": len(record), "expected": len(header)},
                )
            )
            continue
        values = dict(zip(header, [cell.strip() for cell in record]))
        reasons = []
        uscc = values.get("uscc", "")
        try:
            uscc = validate_uscc(uscc) if uscc else ""
        except ValidationError as error:
            reasons.append(error.messages[0])
            uscc = ""
        if not values.get("uscc"):
            reasons.append(_("the Unified Social Credit Code is missing"))
        elif uscc in first_row_of:
            reasons.append(
                _("the code %(code)s is repeated (first on row %(row)s)")
                % {"code": uscc, "row": first_row_of[uscc]}
            )
        elif uscc:
            first_row_of[uscc] = number
        name = values.get("name", "")
        if not name:
            reasons.append(_("the name is missing"))
        joined = None
        raw_joined = values.get("joined", "")
        if not DATE_PATTERN.match(raw_joined):
            reasons.append(
                _("the joining date “%(value)s” is not written YYYY-MM-DD") % {"value": raw_joined}
            )
        else:
            try:
                joined = date.fromisoformat(raw_joined)
            except ValueError:
                reasons.append(
                    _("the joining date “%(value)s” does not exist") % {"value": raw_joined}
                )
            else:
                if joined > today:
                    reasons.append(
                        _("the joining date %(value)s is in the future") % {"value": raw_joined}
                    )
        categories = [codes.get(c, c) for c in _split(values.get("categories", ""))]
        unknown = [c for c in categories if c not in known]
        if unknown:
            reasons.append(
                _("unknown category “%(code)s”; the codes are %(codes)s")
                % {"code": unknown[0], "codes": ", ".join(sorted(known))}
            )
        elif not categories:
            reasons.append(_("give at least one category"))
        icp_numbers, websites = [], []
        for value in _split(values.get("icp_numbers", "")):
            try:
                icp_numbers.append(validate_icp(value))
            except ValidationError as error:
                reasons.append(error.messages[0])
        for value in _split(values.get("websites", "")):
            try:
                websites.append(validate_website(value))
            except ValidationError as error:
                reasons.append(error.messages[0])
        if reasons:
            problems.append(_problem(number, "; ".join(str(r) for r in reasons)))
            continue
        rows.append(
            MemberRow(
                row=number,
                uscc=uscc,
                name=name[:200],
                joined=joined,
                categories=sorted(set(categories)),
                city=values.get("city", "")[:50],
                address=values.get("address", "")[:300],
                legal_rep_name=values.get("legal_rep_name", "")[:100],
                icp_numbers=icp_numbers,
                websites=websites,
            )
        )
    problems += _problems_with_the_timeline(rows)
    if not rows and not problems:
        problems.append(_problem(2, _("the file has a header but no members")))
    bad = {p.row for p in problems}
    return [r for r in rows if r.row not in bad], sorted(problems, key=lambda p: p.row)


def _problems_with_the_timeline(rows: list[MemberRow]) -> list[Problem]:
    """Codes held by a member now, and former members whose new interval would overlap the old."""
    codes = [r.uscc for r in rows]
    members = dict(Unit.objects.members().filter(uscc__in=codes).values_list("uscc", "name"))
    last_left = dict(
        Unit.objects.filter(uscc__in=codes)
        .annotate(last_left=Max("memberships__ended_at"))
        .exclude(last_left=None)
        .values_list("uscc", "last_left")
    )
    problems = []
    for row in rows:
        if row.uscc in members:
            problems.append(
                _problem(
                    row.row,
                    _("the code %(code)s is held by a member, %(name)s")
                    % {"code": row.uscc, "name": members[row.uscc]},
                )
            )
        elif row.uscc in last_left and start_of_day(row.joined) < last_left[row.uscc]:
            problems.append(
                _problem(
                    row.row,
                    _("this unit left on %(day)s; it cannot have joined again before that")
                    % {"day": china_date(last_left[row.uscc])},
                )
            )
    return problems
