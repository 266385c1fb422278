"""What happened: records by area and category in the period against the usual for those weekdays.

The usual count is the average over the previous ``weeks`` weeks of the same days
(Monday with Mondays, a weekend with weekends, a week with weeks). The flag is the
changes analysis's Poisson z-score, ``z = 2 (sqrt(count) - sqrt(usual))``, at
|z| >= 3 (Wheeler 2018), when the exact test on the counts agrees at the same level (the
period's count against the baseline weeks' total, ``analysis.changes.beyond_chance``): with
small counts the z-score alone overstates a change. A baseline week with no records at all
in the store (before the feeds began) is left out of the average rather than counted as
zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from saferhub.analysis.changes import THRESHOLD, THRESHOLD_SOURCE, beyond_chance, poisson_z
from saferhub.briefings.content import Column, Table, fmt_count, fmt_mean, fmt_z
from saferhub.briefings.periods import BriefingPeriod
from saferhub.briefings.sources import CATEGORY_LABELS

BASELINE_WEEKS = 8
BASELINE_SOURCE = "hub choice: the same weekdays over the previous 8 weeks"


@dataclass(frozen=True)
class Counts:
    """``frame``: area, category, count, usual, z, change (rise, fall, none)."""

    frame: pl.DataFrame
    weeks_used: int
    weeks: int
    threshold: float
    area_label: str  # "neighbourhood" or "ward"

    def flagged(self) -> pl.DataFrame:
        return self.frame.filter(pl.col("change") != "none").sort("z", descending=True)


def count_against_usual(
    events: pl.DataFrame,
    *,
    period: BriefingPeriod,
    area: str,
    areas: Sequence[str],
    area_label: str,
    weeks: int = BASELINE_WEEKS,
    threshold: float = THRESHOLD,
    held: pl.DataFrame | None = None,
) -> Counts:
    """Counts in ``period`` and the usual for the same weekdays, per area (``area`` column,
    values ``areas``; an extra row "all" for every area together) and category.

    ``events`` needs ``day``, ``group`` (the briefing category) and the ``area`` column,
    and must cover the period and the ``weeks`` weeks before it. ``held``: every record the
    store holds over those days (only its ``day`` is used), to tell a baseline week before
    the feeds began from one the reader merely sees nothing of; default ``events``.
    """
    c = pl.col
    events = events.filter(c("group").is_in(list(CATEGORY_LABELS)))
    windows = [(0, period.first, period.last)] + [
        (w, period.first - dt.timedelta(weeks=w), period.last - dt.timedelta(weeks=w))
        for w in range(1, weeks + 1)
    ]
    which = pl.lit(None, pl.Int64)
    for w, first, last in reversed(windows):
        which = pl.when((c("day") >= first) & (c("day") <= last)).then(pl.lit(w)).otherwise(which)
    tagged = events.with_columns(w=which).drop_nulls("w")
    present = set((events if held is None else held).select(which.alias("w"))["w"].drop_nulls().unique())
    used = [w for w in range(1, weeks + 1) if w in present]
    per = pl.concat(
        [
            tagged.group_by("w", c(area).alias("area"), "group").agg(n=pl.len()),
            tagged.group_by("w", "group").agg(n=pl.len()).with_columns(area=pl.lit("all")),
        ],
        how="diagonal",
    ).filter(c("area").is_in([*areas, "all"]))
    grid = pl.DataFrame({"area": [*areas, "all"]}).join(
        pl.DataFrame({"category": list(CATEGORY_LABELS)}), how="cross"
    )
    now = per.filter(c("w") == 0).select("area", category="group", count="n")
    base = (
        per.filter(c("w").is_in(used))
        .group_by("area", "group")
        .agg(total=c("n").sum())
        .select("area", category="group", usual=c("total") / max(len(used), 1))
    )
    frame = (
        grid.join(now, on=["area", "category"], how="left")
        .join(base, on=["area", "category"], how="left")
        .with_columns(c("count").fill_null(0), c("usual").fill_null(0.0))
    )
    if not used:
        frame = frame.with_columns(usual=pl.lit(None, pl.Float64))
    a = frame["count"].to_numpy().astype(float)
    b = frame["usual"].fill_null(np.nan).to_numpy().astype(float)
    z = np.where(np.isfinite(b), poisson_z(np.nan_to_num(b), a), np.nan)
    # The usual is a mean over the baseline weeks: the exact test compares the count with
    # their total, one period against len(used).
    weeks_used = max(len(used), 1)
    exact = beyond_chance(
        np.round(np.nan_to_num(b) * weeks_used), a, threshold=threshold, before_days=weeks_used, after_days=1
    )
    change = np.where(exact & (z >= threshold), "rise", np.where(exact & (z <= -threshold), "fall", "none"))
    frame = frame.with_columns(pl.Series("z", z).fill_nan(None), pl.Series("change", change))
    return Counts(frame=frame, weeks_used=len(used), weeks=weeks, threshold=threshold, area_label=area_label)


def explain(counts: Counts, period: BriefingPeriod) -> list[str]:
    """What the figures count, against what, and what a flag means: for every table."""
    days = "day" if period.days == 1 else f"{period.days} days"
    same = "the same weekday" if period.days == 1 else "the same days of the week"
    lines = [
        f"Count: records from all partners on the {days} of this period (calls, ASB reports, fire "
        "incidents, safeguarding referrals; a call and an ASB report about one incident count twice), of "
        "those the sharing agreement lets your agency see. "
        "Police.uk crime data is dated only to the month and is left out of daily counts.",
        f"Usual: the average count on {same} over the previous {counts.weeks} weeks ({BASELINE_SOURCE}).",
        f"z: 2 × (√count − √usual), the Poisson z-score; beyond ±{counts.threshold:g} it is flagged as a "
        f"rise ▲ or fall ▼ well beyond ordinary variation ({THRESHOLD_SOURCE}), when the exact test on "
        "the counts agrees: with small counts the z-score alone overstates a change (none against a "
        "usual 2.2 is z −3.0, yet one day in nine).",
    ]
    if counts.area_label == "neighbourhood":
        lines.append(
            "All: every record, including those with no location in any neighbourhood (such as most "
            "referrals), which no neighbourhood column counts."
        )
    else:
        lines.append("All: every record placed in the neighbourhood's wards.")
    if counts.weeks_used < counts.weeks:
        lines.append(
            f"Only {counts.weeks_used} of the {counts.weeks} baseline weeks hold any records (the store "
            "starts later): the usual is the average of those."
        )
    return lines


def _mark(change: str) -> str:
    return {"rise": "▲ rise", "fall": "▼ fall"}.get(change, "")


def flagged_table(counts: Counts, area_names: dict[str, str]) -> Table:
    rows = [
        {
            "what": f"{CATEGORY_LABELS[r['category']]}, {area_names.get(r['area'], r['area'])}",
            "count": fmt_count(r["count"]),
            "usual": fmt_mean(r["usual"]),
            "z": fmt_z(r["z"]),
            "flag": _mark(r["change"]),
        }
        for r in counts.flagged().iter_rows(named=True)
    ]
    return Table(
        caption="Rises and falls well beyond the usual",
        columns=[
            Column("what", "Category and area"),
            Column("count", "Count", numeric=True),
            Column("usual", "Usual", numeric=True),
            Column("z", "z", numeric=True),
            Column("flag", "Flag"),
        ],
        rows=rows,
        row_header="what",
        empty="No category in any area rose or fell beyond the usual by the flag's margin.",
    )


def matrix_table(counts: Counts, areas: Sequence[str], area_names: dict[str, str], caption: str) -> Table:
    """Categories down, areas across: "count (usual)" with the flag mark in each cell."""
    f = counts.frame
    cols = [*areas, "all"]
    lookup = {(r["area"], r["category"]): r for r in f.iter_rows(named=True)}
    rows = []
    for cat, label in CATEGORY_LABELS.items():
        total = lookup[("all", cat)]
        if total["count"] == 0 and (total["usual"] or 0) < 0.5:
            continue  # nothing now and next to nothing usually: leave the row out
        row: dict[str, str] = {"category": label}
        for a in cols:
            r = lookup[(a, cat)]
            mark = {"rise": " ▲", "fall": " ▼"}.get(r["change"], "")
            row[a] = f"{fmt_count(r['count'])} ({fmt_mean(r['usual'])}){mark}"
        rows.append(row)
    columns = [Column("category", "Category")] + [
        Column(a, "All" if a == "all" else area_names.get(a, a), numeric=True) for a in cols
    ]
    return Table(
        caption=caption,
        columns=columns,
        rows=rows,
        row_header="category",
        kind="matrix",
        empty="No records in this period or the weeks before it.",
    )


def lead(counts: Counts, period: BriefingPeriod, area_names: dict[str, str], where: str) -> list[str]:
    f = counts.frame
    total = f.filter(pl.col("area") == "all")
    n = int(total["count"].sum())
    usual = float(total["usual"].sum()) if counts.weeks_used else None
    flagged = counts.flagged()
    rises = flagged.filter(pl.col("change") == "rise")
    falls = flagged.filter(pl.col("change") == "fall")
    first = f"{n:,} records across {where} in this period"
    first += f", against a usual {fmt_mean(usual)} for the same days." if usual is not None else "."
    lines = [first]
    if rises.height:
        parts = [
            f"{CATEGORY_LABELS[r['category']].lower()} in {area_names.get(r['area'], r['area'])} "
            f"({r['count']} against a usual {fmt_mean(r['usual'])})"
            for r in rises.head(4).iter_rows(named=True)
        ]
        lines.append("Rises beyond the usual: " + "; ".join(parts) + ".")
    if falls.height:
        parts = [
            f"{CATEGORY_LABELS[r['category']].lower()} in {area_names.get(r['area'], r['area'])}"
            for r in falls.head(3).iter_rows(named=True)
        ]
        lines.append("Falls beyond the usual: " + "; ".join(parts) + ".")
    if not flagged.height:
        lines.append("No category rose or fell beyond ordinary variation in any area.")
    return lines


def rises_for_key_points(counts: Counts, area_names: dict[str, str]) -> list[str]:
    rises = counts.flagged().filter(pl.col("change") == "rise")
    return [
        f"{CATEGORY_LABELS[r['category']]} in {area_names.get(r['area'], r['area'])}: {r['count']} "
        f"against a usual {fmt_mean(r['usual'])} (z {fmt_z(r['z'])})."
        for r in rises.head(3).iter_rows(named=True)
    ]
