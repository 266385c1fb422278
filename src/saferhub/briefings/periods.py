"""The days a briefing covers: since the last working day's briefing (daily), an ISO week (weekly).

A daily briefing is read on the morning of a working day D and covers whole London days
from the previous working day up to the day before D: Tuesday's covers Monday, Monday's
covers Friday, Saturday and Sunday, and the Tuesday after a bank holiday Monday covers
Friday to Monday. Working days are Monday to Friday except the bank holidays of England
and Wales (the ``holidays`` package, offline).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
BANK_HOLIDAYS_SOURCE = "UK bank holidays for England and Wales (python-holidays, GB subdivision ENG)"
_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


class BriefingPeriodError(ValueError):
    """A date or week the user gave cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class BriefingPeriod:
    """Whole London days ``first`` .. ``last`` (both included) and the day the pack is for."""

    kind: str  # daily, weekly
    first: dt.date
    last: dt.date
    briefing_day: dt.date
    skipped: tuple[str, ...] = ()  # bank holidays inside the period, named

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(self.first + dt.timedelta(days=i) for i in range(self.days))

    @property
    def label(self) -> str:
        """E.g. "Friday 20 to Sunday 22 November 2026" or "Wednesday 25 November 2026"."""
        if self.first == self.last:
            return long_date(self.first)
        if self.kind == "weekly":
            iso = self.first.isocalendar()
            return f"week {iso.week} of {iso.year}: {long_date(self.first)} to {long_date(self.last)}"
        if self.first.year == self.last.year and self.first.month == self.last.month:
            return f"{self.first:%A} {self.first.day} to {long_date(self.last)}"
        return f"{long_date(self.first)} to {long_date(self.last)}"

    def shifted(self, weeks: int) -> BriefingPeriod:
        """The same days ``weeks`` weeks earlier (negative) or later: the same weekdays."""
        delta = dt.timedelta(weeks=weeks)
        return BriefingPeriod(self.kind, self.first + delta, self.last + delta, self.briefing_day + delta)

    def slug(self) -> str:
        if self.kind == "weekly":
            iso = self.first.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return self.briefing_day.isoformat()


def london_today() -> dt.date:
    """Today in the UK, whatever the machine's clock is set to."""
    return dt.datetime.now(LONDON).date()


def long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[dt.date, str]:
    found = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return {day: str(name) for day, name in found.items()}


def bank_holiday(day: dt.date) -> str | None:
    """The bank holiday's name, or None on any other day."""
    return _bank_holidays(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and bank_holiday(day) is None


def previous_working_day(day: dt.date) -> dt.date:
    d = day - dt.timedelta(days=1)
    while not is_working_day(d):
        d -= dt.timedelta(days=1)
    return d


def daily_period(day: dt.date) -> BriefingPeriod:
    """The days the briefing for the morning of ``day`` covers.

    On a day that is not a working day (someone runs it on a Saturday) the pack covers
    the days since the last working day's briefing up to yesterday, all the same.
    """
    first = previous_working_day(day)
    last = day - dt.timedelta(days=1)
    skipped = []
    d = first
    while d <= last:
        name = bank_holiday(d)
        if name:
            skipped.append(f"{name} ({long_date(d)})")
        d += dt.timedelta(days=1)
    return BriefingPeriod("daily", first, last, day, tuple(skipped))


def parse_week(text: str) -> tuple[int, int]:
    """``2026-W47`` or ``2026W47`` as (ISO year, ISO week)."""
    found = _WEEK.match(text)
    if not found:
        raise BriefingPeriodError(f"'{text}' is not an ISO week: write it as YYYY-Www, e.g. 2026-W47")
    year, week = int(found.group(1)), int(found.group(2))
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BriefingPeriodError(f"{year} has no ISO week {week}") from None
    return year, week


def weekly_period(year: int, week: int) -> BriefingPeriod:
    """Monday to Sunday of ISO week ``week`` of ``year``; the pack is for the Monday after."""
    monday = dt.date.fromisocalendar(year, week, 1)
    sunday = monday + dt.timedelta(days=6)
    return BriefingPeriod("weekly", monday, sunday, sunday + dt.timedelta(days=1))


def last_full_week(today: dt.date) -> tuple[int, int]:
    """The ISO week before the one ``today`` falls in (the week a Monday pack reports)."""
    iso = (today - dt.timedelta(days=today.isoweekday())).isocalendar()
    return iso.year, iso.week
