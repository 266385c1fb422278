"""The days a daily briefing covers: since the last working day's briefing, bank holidays skipped."""

from __future__ import annotations

import datetime as dt

import pytest

from saferhub.briefings.periods import (
    BriefingPeriodError,
    bank_holiday,
    daily_period,
    is_working_day,
    last_full_week,
    parse_week,
    weekly_period,
)


def test_an_ordinary_weekday_covers_the_day_before() -> None:
    p = daily_period(dt.date(2026, 11, 26))  # Thursday
    assert (p.first, p.last, p.days) == (dt.date(2026, 11, 25), dt.date(2026, 11, 25), 1)
    assert p.label == "Wednesday 25 November 2026"
    assert p.skipped == ()


def test_a_monday_briefing_covers_the_weekend() -> None:
    p = daily_period(dt.date(2026, 11, 23))  # Monday
    assert p.first == dt.date(2026, 11, 20)  # Friday, the day Friday's briefing did not cover
    assert p.last == dt.date(2026, 11, 22)  # Sunday
    assert [d.strftime("%a") for d in p.dates] == ["Fri", "Sat", "Sun"]
    assert p.label == "Friday 20 to Sunday 22 November 2026"


def test_a_bank_holiday_is_skipped_and_named() -> None:
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April are bank holidays, so the
    # briefing of Tuesday 7 April follows Thursday 2 April's and covers Thursday to Monday.
    assert bank_holiday(dt.date(2026, 4, 6)) == "Easter Monday"
    assert not is_working_day(dt.date(2026, 4, 3)) and not is_working_day(dt.date(2026, 4, 6))
    p = daily_period(dt.date(2026, 4, 7))
    assert (p.first, p.last) == (dt.date(2026, 4, 2), dt.date(2026, 4, 6))
    assert p.days == 5
    assert any("Good Friday" in s for s in p.skipped) and any("Easter Monday" in s for s in p.skipped)
    # The Friday after, an ordinary day, covers Thursday alone again.
    assert daily_period(dt.date(2026, 4, 10)).days == 1


def test_bank_holidays_are_england_and_wales_not_scotland() -> None:
    # 2 January is a bank holiday in Scotland only; St Andrew's Day too.
    assert bank_holiday(dt.date(2026, 1, 2)) is None
    assert bank_holiday(dt.date(2026, 11, 30)) is None
    assert bank_holiday(dt.date(2026, 12, 28)) is not None  # Boxing Day (substitute day)


def test_the_christmas_break_is_one_period() -> None:
    # 25 Dec 2026 is a Friday, 28 Dec the substitute Boxing Day: the briefing of Tuesday 29
    # December follows Thursday 24th's and covers Thursday 24 to Monday 28.
    p = daily_period(dt.date(2026, 12, 29))
    assert (p.first, p.last) == (dt.date(2026, 12, 24), dt.date(2026, 12, 28))


def test_weekly_is_an_iso_week_monday_to_sunday() -> None:
    p = weekly_period(*parse_week("2026-W47"))
    assert (p.first, p.last) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert p.first.weekday() == 0 and p.days == 7
    assert p.slug() == "2026-W47"
    # ISO week 1 of 2027 starts on Monday 4 January 2027.
    assert weekly_period(*parse_week("2027W01")).first == dt.date(2027, 1, 4)
    assert last_full_week(dt.date(2026, 11, 26)) == (2026, 47)
    assert last_full_week(dt.date(2026, 11, 23)) == (2026, 47)  # a Monday: the week just ended


@pytest.mark.parametrize("text", ["2026-47", "W47", "2026-W54", "2026-W00"])
def test_a_week_that_cannot_be_read_says_how_to_write_it(text: str) -> None:
    with pytest.raises(BriefingPeriodError):
        parse_week(text)


def test_baseline_weeks_fall_on_the_same_weekdays() -> None:
    p = daily_period(dt.date(2026, 11, 23))
    earlier = p.shifted(-3)
    assert [d.weekday() for d in earlier.dates] == [d.weekday() for d in p.dates]
