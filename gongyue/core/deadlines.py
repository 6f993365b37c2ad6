"""The one function that computes every deadline in the platform (民法典 Art. 201–203).

* Art. 201: a period counted in days starts on the day after the event; the event's day is not
  counted.
* Art. 203: the period ends at 24:00 of its last day; when the last day is a statutory holiday
  or a rest day, the period ends on the first working day after it. China's adjusted working
  days (调休, a Saturday or Sunday worked instead of a holiday) count as working days; the
  chinese-calendar package knows both.

Days are calendar days in Asia/Shanghai, whatever the server's time zone, so that 24:00 is
midnight in China.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.formats import date_format
from django.utils.translation import gettext as _

CHINA = ZoneInfo("Asia/Shanghai")


def china_date(moment: date | datetime) -> date:
    """The calendar day in China of a moment (an aware datetime) or a date."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("a naive datetime is ambiguous; pass an aware one or a date")
        return moment.astimezone(CHINA).date()
    return moment


def start_of_day(day: date) -> datetime:
    """00:00 of a day in China, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=CHINA)


# The years for which the package has the State Council's holiday arrangements.
KNOWN_YEARS = frozenset(day.year for day in chinese_calendar.constants.holidays)


def is_working_day(day: date) -> tuple[bool, bool]:
    """Return (working, known): `known` is False when the calendar has no data for that year.

    Without data (years the package does not yet cover) only Saturdays and Sundays are rest days,
    which is the best available guess until the State Council publishes that year's holidays.
    """
    if day.year not in KNOWN_YEARS:
        return day.weekday() < 5, False
    return chinese_calendar.is_workday(day), True


@dataclass(frozen=True)
class Deadline:
    """A computed period: where it started, its last day and the instant it ends."""

    event_day: date
    days: int
    # The last day before any move for holidays or rest days.
    nominal_last_day: date
    last_day: date
    # 24:00 of the last day in China, i.e. 00:00 of the next day (aware datetime).
    ends_at: datetime
    # False when the holiday calendar for a year involved was not available (see is_working_day).
    calendar_known: bool

    @property
    def moved(self) -> bool:
        return self.last_day != self.nominal_last_day

    def remaining_days(self, today: date) -> int:
        """Days left after today: 30 on the event's day for a 30-day period, 0 on the last day."""
        return max((self.last_day - today).days, 0)

    def has_passed(self, moment: datetime) -> bool:
        return moment >= self.ends_at

    @property
    def rule(self) -> str:
        """The rule that produced the deadline, in words, for display next to the date."""
        values = {
            "days": self.days,
            "event": date_format(self.event_day, "DATE_FORMAT"),
            "nominal": date_format(self.nominal_last_day, "DATE_FORMAT"),
            "last": date_format(self.last_day, "DATE_FORMAT"),
        }
        if self.moved:
            text = (
                _(
                    "%(days)s days counted from the day after %(event)s (the day of the event "
                    "is not counted); %(nominal)s is a statutory holiday or rest day, so the "
                    "period ends on the next working day, %(last)s, at 24:00 (Civil Code Art. "
                    "201–203)."
                )
                % values
            )
        else:
            text = (
                _(
                    "%(days)s days counted from the day after %(event)s (the day of the event "
                    "is not counted); the period ends on %(last)s at 24:00 (Civil Code Art. "
                    "201–203)."
                )
                % values
            )
        if not self.calendar_known:
            text += " " + _(
                "The official holiday calendar for that year is not yet available, so only "
                "weekends were treated as rest days."
            )
        return text


def deadline(event: date | datetime, days: int) -> Deadline:
    """Compute the period of `days` days that follows an event (a date or an aware datetime).

    The event's day is not counted, so a 30-day period after 2026-09-30 ends on 2026-10-30 at
    24:00; a last day on a holiday or rest day moves to the next working day.
    """
    if days < 1:
        raise ValueError("a period has at least one day")
    event_day = china_date(event)
    nominal = event_day + timedelta(days=days)
    last_day, all_known = nominal, True
    while True:
        working, known = is_working_day(last_day)
        all_known = all_known and known
        if working:
            break
        last_day += timedelta(days=1)
    return Deadline(
        event_day=event_day,
        days=days,
        nominal_last_day=nominal,
        last_day=last_day,
        ends_at=start_of_day(last_day + timedelta(days=1)),
        calendar_known=all_known,
    )
