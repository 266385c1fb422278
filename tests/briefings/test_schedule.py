"""The daily schedule: next-run times on working days, with an injected clock (no real sleeping)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from saferhub.briefings.schedule import (
    LATE_LIMIT,
    LONDON,
    MAX_NAP_SECONDS,
    clock_is_uk_time,
    cron_line,
    next_run,
    parse_time,
    run_daily_at,
)

AT = dt.time(7, 30)


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


class FakeClock:
    """``now`` and ``sleep`` for the scheduler: sleeping moves the clock, nothing waits."""

    def __init__(self, start: dt.datetime) -> None:
        self.utc = start.astimezone(dt.UTC)
        self.naps: list[float] = []

    def now(self) -> dt.datetime:
        return self.utc.astimezone(LONDON)

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.naps.append(seconds)
        self.utc += dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (london(2025, 5, 16, 7, 30), london(2025, 5, 19, 7, 30)),  # Friday after the run -> Monday
        (london(2025, 5, 16, 7, 29), london(2025, 5, 16, 7, 30)),  # Friday before the run -> today
        (london(2025, 5, 17, 12, 0), london(2025, 5, 19, 7, 30)),  # Saturday -> Monday
        (london(2025, 8, 22, 8, 0), london(2025, 8, 26, 7, 30)),  # Late Summer bank holiday Monday -> Tuesday
        (london(2025, 4, 17, 8, 0), london(2025, 4, 22, 7, 30)),  # Good Friday and Easter Monday
        (london(2025, 12, 24, 8, 0), london(2025, 12, 29, 7, 30)),  # Christmas and Boxing Day
        (london(2022, 9, 16, 8, 0), london(2022, 9, 20, 7, 30)),  # the Queen's state funeral, a one-off
    ],
)
def test_next_run_skips_weekends_and_bank_holidays(after: dt.datetime, expected: dt.datetime) -> None:
    found = next_run(after, AT)
    assert found == expected and found.tzinfo is LONDON


def test_next_run_reads_other_time_zones_as_the_same_moment() -> None:
    # 06:45 UTC on a summer Friday is 07:45 in London: that morning's run has gone.
    utc = dt.datetime(2025, 7, 4, 6, 45, tzinfo=dt.UTC)
    assert next_run(utc, AT) == london(2025, 7, 7, 7, 30)
    assert next_run(dt.datetime(2025, 7, 4, 6, 25, tzinfo=dt.UTC), AT) == london(2025, 7, 4, 7, 30)


def test_the_scheduler_runs_each_working_day_at_the_time() -> None:
    clock = FakeClock(london(2025, 8, 21, 9, 0))  # Thursday, after that day's run
    ran: list[tuple[dt.date, dt.datetime]] = []

    count = run_daily_at(
        AT, lambda day: ran.append((day, clock.now())), now=clock.now, sleep=clock.sleep, runs=3
    )

    assert count == 3
    # Friday, then over the weekend and the bank holiday Monday to Tuesday and Wednesday.
    assert [day for day, _ in ran] == [dt.date(2025, 8, 22), dt.date(2025, 8, 26), dt.date(2025, 8, 27)]
    assert [moment for _, moment in ran] == [london(2025, 8, d, 7, 30) for d in (22, 26, 27)]
    assert max(clock.naps) <= MAX_NAP_SECONDS


def test_the_scheduler_sleeps_real_hours_across_a_clock_change() -> None:
    clock = FakeClock(london(2025, 3, 28, 8, 0))  # Friday; clocks go forward on Sunday 30 March
    ran: list[dt.datetime] = []

    run_daily_at(AT, lambda day: ran.append(clock.now()), now=clock.now, sleep=clock.sleep, runs=1)

    assert ran == [london(2025, 3, 31, 7, 30)]
    # 08:00 GMT Friday to 07:30 BST Monday is 70.5 hours, not the 71.5 the wall clock shows.
    assert sum(clock.naps) == pytest.approx(70.5 * 3600)


def test_a_failing_run_does_not_stop_the_schedule() -> None:
    clock = FakeClock(london(2025, 5, 19, 8, 0))
    ran: list[dt.date] = []

    def job(day: dt.date) -> None:
        ran.append(day)
        if len(ran) == 1:
            raise ConnectionError("mail server down")

    assert run_daily_at(AT, job, now=clock.now, sleep=clock.sleep, runs=2) == 2
    assert ran == [dt.date(2025, 5, 20), dt.date(2025, 5, 21)]


def test_a_run_woken_too_late_is_skipped_not_sent_with_a_stale_date() -> None:
    clock = FakeClock(london(2025, 5, 19, 8, 0))
    ran: list[dt.date] = []

    def suspended_sleep(seconds: float) -> None:
        before = clock.now()
        clock.sleep(seconds)
        if before < london(2025, 5, 20, 7, 30) <= clock.now():
            clock.sleep(LATE_LIMIT.total_seconds() + 60)  # the machine was asleep at 07:30

    run_daily_at(AT, lambda day: ran.append(day), now=clock.now, sleep=suspended_sleep, runs=2)
    assert ran == [dt.date(2025, 5, 21)]


def test_cron_line() -> None:
    line = cron_line(AT, executable=Path("/srv/saferhub/.venv/bin/saferhub"), workdir=Path("/srv/my hub"))
    assert line == (
        "30 7 * * 1-5 cd '/srv/my hub' && "
        "/srv/saferhub/.venv/bin/saferhub briefing send --date today --working-day-only"
    )


def test_parse_time() -> None:
    assert parse_time("07:30") == AT and parse_time("7:05") == dt.time(7, 5)
    for bad in ("7.30", "25:00", "07:30:00", "seven"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_time(bad)


def test_clock_is_uk_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        assert clock_is_uk_time(2025)
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        assert not clock_is_uk_time(2025)  # right in winter, an hour out in summer
    finally:
        monkeypatch.undo()
        time.tzset()
