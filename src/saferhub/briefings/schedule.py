"""Running the daily briefing at a set time on working days.

Either a small scheduler in the foreground (``run_daily_at``) or the cron line that does
the same (``cron_line``). Times are UK time (Europe/London), whatever the machine's clock.
Working days are the pack builder's (``briefings.periods``): Monday to Friday except
bank holidays in England and Wales.
"""

from __future__ import annotations

import datetime as dt
import logging
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from saferhub.briefings.periods import is_working_day

LONDON = ZoneInfo("Europe/London")
DEFAULT_TIME = dt.time(7, 30)
# Wake at least this often, so that a clock change or a suspended machine is noticed.
MAX_NAP_SECONDS = 300.0
# A run woken later than this (the machine was off or asleep) is skipped, not sent late
# with a stale date; the next working day's run goes ahead as usual.
LATE_LIMIT = dt.timedelta(hours=2)

log = logging.getLogger(__name__)

WorkingDay = Callable[[dt.date], bool]


def parse_time(text: str) -> dt.time:
    """``07:30`` or ``7:30``, 24-hour clock."""
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return dt.time(hours, minutes)
    except ValueError:
        raise ValueError(f"'{text}' is not a time of day: write it as HH:MM, e.g. 07:30") from None


def next_run(
    after: dt.datetime, at: dt.time, *, working_day: WorkingDay = is_working_day, tz: ZoneInfo = LONDON
) -> dt.datetime:
    """The first working day's ``at`` (in ``tz``) strictly later than ``after``."""
    local = after.astimezone(tz) if after.tzinfo else after.replace(tzinfo=tz)
    day = local.date()
    for _ in range(366):
        candidate = dt.datetime.combine(day, at, tzinfo=tz)
        if _utc(candidate) > _utc(local) and working_day(day):
            return candidate
        day += dt.timedelta(days=1)
    raise ValueError("no working day in the coming year")


def _utc(moment: dt.datetime) -> dt.datetime:
    # Aware datetimes sharing a tzinfo compare and subtract by wall clock, which is an
    # hour out across a clock change; in UTC they do not.
    return moment.astimezone(dt.UTC)


def seconds_until(target: dt.datetime, now: dt.datetime) -> float:
    return (_utc(target) - _utc(now)).total_seconds()


def run_daily_at(
    at: dt.time,
    job: Callable[[dt.date], object],
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(LONDON),
    sleep: Callable[[float], object] = time.sleep,
    working_day: WorkingDay = is_working_day,
    runs: int | None = None,
) -> int:
    """Call ``job(day)`` at ``at`` UK time on every working day; ``runs`` stops it after so many.

    A job that raises is logged and the schedule goes on. Returns the number of runs.
    """
    done = 0
    while runs is None or done < runs:
        target = next_run(now(), at, working_day=working_day)
        log.info("next daily briefing run: %s", target.isoformat(timespec="minutes"))
        while (wait := seconds_until(target, now())) > 0:
            sleep(min(wait, MAX_NAP_SECONDS))
        late = -seconds_until(target, now())
        if late > LATE_LIMIT.total_seconds():
            log.warning("daily briefing run for %s skipped: %.0f minutes late", target.date(), late / 60)
        else:
            try:
                job(target.date())
            except Exception as exc:
                log.error("daily briefing run for %s failed: %s: %s", target.date(), type(exc).__name__, exc)
        done += 1
    return done


def cron_line(at: dt.time, *, executable: Path, workdir: Path) -> str:
    """The crontab line that sends the daily briefing at ``at`` on working days.

    Cron knows weekdays but not bank holidays, so the command itself skips those
    (``--working-day-only``); it runs in ``workdir`` so that the hub's ``.env`` is read.
    """
    command = f"{shlex.quote(str(executable))} briefing send --date today --working-day-only"
    return f"{at.minute} {at.hour} * * 1-5 cd {shlex.quote(str(workdir))} && {command}"


def clock_is_uk_time(year: int | None = None) -> bool:
    """Whether this machine's clock keeps UK time, winter and summer (cron reads it)."""
    year = year or dt.date.today().year
    for month in (1, 7):
        moment = dt.datetime(year, month, 15, 12, tzinfo=dt.UTC)
        if moment.astimezone().utcoffset() != moment.astimezone(LONDON).utcoffset():
            return False
    return True
