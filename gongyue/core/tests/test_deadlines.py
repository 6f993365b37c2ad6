from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from gongyue.core.deadlines import CHINA, deadline


def test_the_day_of_the_event_is_not_counted_and_the_period_ends_at_24_00_of_its_last_day():
    # RULES.md's worked example: effective 2026-09-30, "30日内" ends 2026-10-30 at 24:00.
    d = deadline(date(2026, 9, 30), 30)
    assert d.last_day == date(2026, 10, 30) and not d.moved
    assert d.ends_at == datetime(2026, 10, 31, 0, 0, tzinfo=CHINA)
    assert d.ends_at.astimezone(UTC) == datetime(2026, 10, 30, 16, 0, tzinfo=UTC)


def test_a_last_day_in_the_national_day_holiday_moves_to_the_first_working_day_after_it():
    d = deadline(date(2026, 9, 1), 30)
    assert d.nominal_last_day == date(2026, 10, 1)
    assert d.last_day == date(2026, 10, 8) and d.moved
    assert d.ends_at == datetime(2026, 10, 9, tzinfo=CHINA)


def test_an_adjusted_working_saturday_is_a_working_day_and_a_sunday_is_not():
    # 2026-10-10 is a Saturday worked in exchange for the National Day holiday.
    assert deadline(date(2026, 10, 9), 1).last_day == date(2026, 10, 10)
    # 2026-10-11 is an ordinary Sunday: the period ends on Monday.
    assert deadline(date(2026, 10, 10), 1).last_day == date(2026, 10, 12)


def test_an_event_late_in_the_evening_in_china_counts_from_the_chinese_calendar_day():
    # 2026-09-30 17:00 UTC is 2026-10-01 01:00 in Shanghai: the event's day is 1 October.
    d = deadline(datetime(2026, 9, 30, 17, 0, tzinfo=UTC), 30)
    assert d.event_day == date(2026, 10, 1) and d.last_day == date(
        2026, 11, 2
    )  # 31 Oct is a Saturday


def test_a_year_without_official_holiday_data_falls_back_to_weekends_and_says_so():
    d = deadline(date(2031, 1, 3), 1)  # Saturday 2031-01-04
    assert d.last_day == date(2031, 1, 6) and not d.calendar_known
    with translation.override("en"):
        assert "not yet available" in d.rule


def test_the_rule_text_names_the_dates_and_the_articles():
    with translation.override("en"):
        text = deadline(date(2026, 9, 1), 30).rule
    assert "30 days" in text and "Art. 201–203" in text and "24:00" in text
    with translation.override("zh-hans"):
        chinese = deadline(date(2026, 9, 30), 30).rule
    assert "2026年10月30日" in chinese and "二十四时" in chinese and "民法典" in chinese


def test_the_countdown_starts_at_the_number_of_days_and_reaches_zero_on_the_last_day():
    d = deadline(date(2026, 9, 30), 30)
    assert d.remaining_days(date(2026, 9, 30)) == 30
    assert d.remaining_days(date(2026, 10, 29)) == 1
    assert d.remaining_days(date(2026, 10, 30)) == 0
    assert d.remaining_days(date(2026, 11, 5)) == 0
    assert not d.has_passed(d.ends_at - timedelta(seconds=1)) and d.has_passed(d.ends_at)


def test_naive_datetimes_and_empty_periods_are_refused():
    with pytest.raises(ValueError):
        deadline(datetime(2026, 9, 30, 12), 30)
    with pytest.raises(ValueError):
        deadline(date(2026, 9, 30), 0)
