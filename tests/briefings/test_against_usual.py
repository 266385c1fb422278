"""Counts against the usual: a flag needs the Poisson z and the exact test to agree."""

from __future__ import annotations

import datetime as dt

import polars as pl

from saferhub.briefings.happened import BASELINE_WEEKS, count_against_usual
from saferhub.briefings.periods import daily_period


def test_a_quiet_day_is_not_a_fall_but_a_real_change_is() -> None:
    period = daily_period(dt.date(2026, 11, 26))
    assert period.days == 1
    day = period.first
    baseline = [day - dt.timedelta(weeks=w) for w in range(1, BASELINE_WEEKS + 1)]
    rows = []

    def add(area: str, group: str, today: int, per_baseline_day: list[int]) -> None:
        rows.extend({"day": day, "group": group, "area": area} for _ in range(today))
        for d, n in zip(baseline, per_baseline_day, strict=True):
            rows.extend({"day": d, "group": group, "area": area} for _ in range(n))

    # None today against a usual 2.5 (20 in 8 weeks): z = -3.16, but a day with none happens
    # about one time in twelve, and all 20 falling in the baseline one time in ten: no flag.
    add("Birkenhead", "deliberate_secondary_fire", 0, [3, 2, 3, 2, 3, 2, 3, 2])
    # None today against a usual 10: a real fall.
    add("Wallasey", "fire", 0, [10] * 8)
    # 12 today against a usual 2: a real rise.
    add("Wallasey", "asb", 12, [2] * 8)
    counts = count_against_usual(
        pl.DataFrame(rows), period=period, area="area", areas=["Birkenhead", "Wallasey"],
        area_label="neighbourhood",
    )  # fmt: skip
    got = {(r["area"], r["category"]): r for r in counts.frame.iter_rows(named=True)}
    quiet = got["Birkenhead", "deliberate_secondary_fire"]
    assert (quiet["count"], quiet["usual"]) == (0, 2.5) and quiet["z"] < -3 and quiet["change"] == "none"
    fall, rise = got["Wallasey", "fire"], got["Wallasey", "asb"]
    assert (fall["count"], fall["usual"], fall["change"]) == (0, 10.0, "fall")
    assert (rise["count"], rise["usual"], rise["change"]) == (12, 2.0, "rise")
    assert counts.weeks_used == BASELINE_WEEKS
