"""When events happen: daily, weekly and seasonal rhythms, and the UK clock changes.

Times are Europe/London wall-clock times (numpy ``datetime64[s]``, naive), the way
most control rooms record them: events in the autumn overlap hour are ambiguous,
as in real exports; system-stamped times skip the spring gap hour, but times people
report (when the ASB happened) can fall in it. ``with_offsets`` renders times with
a UTC offset for the one agency that sends offsets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

DAY = 86_400

# Relative call volume by hour of day (00-23), local time.
_HOURS: dict[str, tuple[float, ...]] = {
    "police": (5, 4, 3, 2.5, 2, 2, 2.5, 3.5, 4.5, 5, 5.5, 6, 6, 6, 6.5, 7, 7.5, 7.5, 7.5, 7, 7,
               6.5, 6, 5.5),
    "asb": (4, 3, 2, 1.2, 0.8, 0.6, 0.8, 1.5, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6.5, 7.5, 8.5, 9, 9.5,
            9.5, 9, 7.5, 6),
    "ambulance": (4, 3.5, 3, 2.8, 2.6, 2.8, 3.5, 5, 6.5, 7, 7.2, 7, 6.8, 6.6, 6.4, 6.3, 6.3, 6.4,
                  6.4, 6.2, 5.8, 5.4, 5, 4.5),
    "fire": (3, 2.5, 2, 1.5, 1.2, 1.2, 1.5, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8, 9, 10, 10, 9.5,
             8, 6, 4),
    "office": (0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.2, 1, 4, 8, 9, 9, 7, 8, 9, 8.5, 7, 4, 2, 1.2, 1,
               0.8, 0.5, 0.2),
}
# Monday..Sunday
_WEEKDAYS: dict[str, tuple[float, ...]] = {
    "police": (1, 0.97, 0.97, 1, 1.08, 1.12, 1.02),
    "asb": (0.9, 0.88, 0.9, 0.97, 1.15, 1.3, 1.1),
    "ambulance": (1.06, 1, 0.98, 0.98, 1, 1.0, 1.0),
    "fire": (0.95, 0.95, 0.95, 1, 1.05, 1.1, 1.05),
    "office": (1.25, 1.2, 1.2, 1.2, 1.1, 0.12, 0.06),
}
# (day of year of the peak, amplitude of a yearly cosine)
_SEASON: dict[str, tuple[float, float]] = {
    "police": (196, 0.08), "asb": (200, 0.25), "ambulance": (15, 0.08),
    "fire": (110, 0.35), "office": (60, 0.05),
}
# (month, day): multiplier. Bonfire night and Halloween are the busiest nights for
# secondary fires and ASB on Merseyside.
_SPECIAL: dict[str, dict[tuple[int, int], float]] = {
    "police": {(1, 1): 1.4, (12, 31): 1.3, (10, 31): 1.2, (11, 5): 1.2},
    "asb": {(10, 30): 1.6, (10, 31): 2.2, (11, 4): 1.8, (11, 5): 2.5, (1, 1): 1.3},
    "ambulance": {(1, 1): 1.35, (12, 31): 1.15, (12, 25): 0.9},
    "fire": {(10, 28): 2, (10, 29): 2.2, (10, 30): 3, (10, 31): 4, (11, 1): 3, (11, 2): 3,
             (11, 3): 3.5, (11, 4): 5, (11, 5): 9, (11, 6): 3, (1, 1): 1.5},
    "office": {(12, 25): 0.05, (12, 26): 0.05, (1, 1): 0.05},
}
PROFILES = tuple(_HOURS)


@dataclass(frozen=True)
class Period:
    """The ``days`` days ending on ``end`` (inclusive)."""

    start: np.datetime64  # datetime64[D]
    days: int

    @property
    def end(self) -> np.datetime64:
        return self.start + np.timedelta64(self.days - 1, "D")

    @property
    def start_s(self) -> np.datetime64:
        return self.start.astype("datetime64[s]")


def _weekday(dates: np.ndarray) -> np.ndarray:
    """Monday = 0 for datetime64[D] values (1970-01-01 was a Thursday)."""
    return (dates.astype(np.int64) + 3) % 7


def day_weights(period: Period, profile: str) -> np.ndarray:
    dates = period.start + np.arange(period.days).astype("timedelta64[D]")
    years = dates.astype("datetime64[Y]")
    doy = (dates - years.astype("datetime64[D]")).astype(np.int64)
    peak, amp = _SEASON[profile]
    w = 1 + amp * np.cos(2 * np.pi * (doy - peak) / 365.25)
    w = w * np.asarray(_WEEKDAYS[profile])[_weekday(dates)]
    months = (dates.astype("datetime64[M]") - years.astype("datetime64[M]")).astype(np.int64) + 1
    dom = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    for (m, d), factor in _SPECIAL[profile].items():
        w[(months == m) & (dom == d)] *= factor
    return np.asarray(w / w.sum())


def sample_days(rng: np.random.Generator, n: int, period: Period, profile: str) -> np.ndarray:
    """Day offsets (0 .. days-1) drawn with the profile's weekly and seasonal rhythm."""
    return rng.choice(period.days, size=n, p=day_weights(period, profile))


def at_days(
    rng: np.random.Generator, days: np.ndarray, period: Period, profile: str
) -> np.ndarray:
    """Local wall-clock times on the given day offsets, hour drawn from the profile."""
    days = np.asarray(days, dtype=np.int64)
    hours = np.asarray(_HOURS[profile], dtype=float)
    hour = rng.choice(24, size=days.size, p=hours / hours.sum())
    sec = rng.integers(0, 3600, size=days.size)
    return machine_clock(period.start_s + (days * DAY + hour * 3600 + sec).astype(
        "timedelta64[s]"))


def machine_clock(local: np.ndarray) -> np.ndarray:
    """A system clock skips the spring-forward hour: 01:30 that day is stamped 02:30.

    (The autumn hour 01:00-01:59 happens twice and is stamped twice: ambiguous.)
    Times a person reports, like when the behaviour happened, can still fall in the gap.
    """
    if local.size == 0:
        return local
    years = local.astype("datetime64[Y]").astype(np.int64) + 1970
    hour = np.timedelta64(3600, "s")
    out = local.copy()
    for spring, _ in clock_changes(years).values():
        gap = (local >= spring) & (local < spring + hour)
        out[gap] = local[gap] + hour
    return out


def sample_times(rng: np.random.Generator, n: int, period: Period, profile: str) -> np.ndarray:
    return at_days(rng, sample_days(rng, n, period, profile), period, profile)


def day_of(times: np.ndarray, period: Period) -> np.ndarray:
    return ((times - period.start_s).astype(np.int64) // DAY).astype(np.int64)


def _last_sunday(year: int, month: int) -> np.datetime64:
    nxt = np.datetime64(f"{year + (month == 12)}-{month % 12 + 1:02d}-01")
    last = nxt - np.timedelta64(1, "D")
    return last - np.timedelta64(int((_weekday(np.array([last]))[0] + 1) % 7), "D")


def clock_changes(years: np.ndarray) -> dict[int, tuple[np.datetime64, np.datetime64]]:
    """Per year: local 01:00 on the spring-forward and the fall-back Sundays."""
    one = np.timedelta64(3600, "s")
    return {
        int(y): (
            _last_sunday(int(y), 3).astype("datetime64[s]") + one,
            _last_sunday(int(y), 10).astype("datetime64[s]") + one,
        )
        for y in np.unique(years)
    }


def with_offsets(rng: np.random.Generator, local: np.ndarray) -> tuple[np.ndarray, pl.Series]:
    """Render wall-clock times with their UTC offset ("+01:00" in summer, "Z" in winter).

    A time in the spring gap did not exist: the sender's system moved it on an hour.
    A time in the autumn overlap happened in summer or winter time, half each.
    Returns the (possibly moved) local times and their strings.
    """
    local = np.asarray(local, dtype="datetime64[s]")
    hour = np.timedelta64(3600, "s")
    years = local.astype("datetime64[Y]").astype(np.int64) + 1970
    summer = np.zeros(local.size, dtype=bool)
    moved = local.copy()
    first_fold = rng.random(local.size) < 0.5
    for y, (spring, autumn) in clock_changes(years).items():
        mine = years == y
        gap = mine & (local >= spring) & (local < spring + hour)
        moved[gap] = local[gap] + hour
        overlap = mine & (local >= autumn) & (local < autumn + hour)
        summer |= mine & (moved >= spring + hour) & (local < autumn)
        summer |= overlap & first_fold
    text = naive(moved) + pl.Series(np.where(summer, "+01:00", "Z"))
    return moved, text


def naive(local: np.ndarray, minutes: np.ndarray | None = None) -> pl.Series:
    """ISO 8601 wall-clock text without offset; to the minute where ``minutes``; NaT -> null."""
    t = pl.Series(np.asarray(local, dtype="datetime64[s]").astype("datetime64[ms]"))
    sec = t.dt.strftime("%Y-%m-%dT%H:%M:%S")
    if minutes is None:
        return sec
    return pl.select(pl.when(pl.Series(minutes)).then(t.dt.strftime("%Y-%m-%dT%H:%M"))
                     .otherwise(sec)).to_series()
