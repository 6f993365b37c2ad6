"""Periods of the published join/leave lists (Art. 27): months, quarters, half-years or years.

A period runs from 00:00 of its first day to 24:00 of its last day, Asia/Shanghai. Its key
(2026-11, 2026-Q4, 2026-H2, 2026) names it in URLs and on the published record.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from gongyue.convention.rules import REGISTER_PERIODS
from gongyue.core.deadlines import china_date, start_of_day

KEY_PATTERNS = {
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "half_year": re.compile(r"^(\d{4})-H([12])$"),
    "year": re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True)
class Period:
    kind: str
    starts_on: date
    ends_on: date  # the last day, inclusive

    @property
    def months(self) -> int:
        return REGISTER_PERIODS[self.kind]

    @property
    def key(self) -> str:
        year, month = self.starts_on.year, self.starts_on.month
        return {
            "month": f"{year}-{month:02d}",
            "quarter": f"{year}-Q{(month - 1) // 3 + 1}",
            "half_year": f"{year}-H{(month - 1) // 6 + 1}",
            "year": f"{year}",
        }[self.kind]

    @property
    def label(self) -> str:
        year, month = self.starts_on.year, self.starts_on.month
        if self.kind == "month":
            return _("%(month)s/%(year)s") % {"year": year, "month": month}
        if self.kind == "quarter":
            return _("Q%(n)s %(year)s") % {"year": year, "n": (month - 1) // 3 + 1}
        if self.kind == "half_year":
            if month == 1:
                return _("first half of %(year)s") % {"year": year}
            return _("second half of %(year)s") % {"year": year}
        return _("the year %(year)s") % {"year": year}

    @property
    def start(self) -> datetime:
        return start_of_day(self.starts_on)

    @property
    def end(self) -> datetime:
        """24:00 of the last day: the first instant no longer in the period."""
        return start_of_day(self.ends_on + timedelta(days=1))

    def is_closed(self, now: datetime) -> bool:
        return now >= self.end

    def previous(self) -> "Period":
        return period_containing(self.starts_on - timedelta(days=1), self.kind)

    def next(self) -> "Period":
        return period_containing(self.ends_on + timedelta(days=1), self.kind)


def _first_of(year: int, month: int) -> date:
    return date(year, month, 1)


def period_containing(moment: date | datetime, kind: str) -> Period:
    day = china_date(moment)
    months = REGISTER_PERIODS[kind]
    first_month = (day.month - 1) // months * months + 1
    starts_on = _first_of(day.year, first_month)
    end_month = first_month + months
    following = _first_of(day.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1)
    return Period(kind, starts_on, following - timedelta(days=1))


def period_from_key(key: str) -> Period | None:
    """The period a key names, or None if the key names none."""
    for kind, pattern in KEY_PATTERNS.items():
        if match := pattern.match(key or ""):
            year = int(match.group(1))
            if not 1990 <= year <= 2999:
                return None
            if kind == "year":
                return period_containing(date(year, 1, 1), kind)
            number = int(match.group(2))
            month = {
                "month": number,
                "quarter": (number - 1) * 3 + 1,
                "half_year": (number - 1) * 6 + 1,
            }[kind]
            if not 1 <= month <= 12:
                return None
            return period_containing(date(year, month, 1), kind)
    return None
