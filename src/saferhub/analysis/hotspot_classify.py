"""Classify cells over time: persistent, emerging, former, intermittent (sfhotspot ``hotspot_classify``).

The period is cut into equal periods; Gi* is computed for each on one grid and a cell
is hot in a period when its z is positive with FDR-adjusted p below ``critical_p``.
Then, as sfhotspot does (its hotspot_classify_params, after Chainey 2020):

- persistent: hot in at least ``persistent_prop`` (0.8) of all periods;
- emerging: hot in under ``hotspot_prop`` (0.1) of the older periods and in at least
  ``recent_prop`` (0.2) of the recent ones (the last ``recent_prop`` of the periods);
- former: hot in at least ``hotspot_prop`` of the older periods, under it of the recent;
- intermittent: otherwise hot in at least ``hotspot_prop`` of all periods.

The same rules on cold cells give coldspots; a cell that is both is "mixed hot/coldspot".
Periods with no events are left out, as in sfhotspot.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import polars as pl
from shapely.geometry.base import BaseGeometry

from saferhub.analysis.grid import make_grid
from saferhub.analysis.hotspot_gistar import CRITICAL_P, SOURCE, scores_on_grid
from saferhub.analysis.hotspot_result import HotspotResult
from saferhub.analysis.points import LONDON, data_span, located, point_arrays

#: sfhotspot hotspot_classify_params defaults.
HOTSPOT_PROP = 0.1
PERSISTENT_PROP = 0.8
RECENT_PROP = 0.2
CLASSIFY_SOURCE = "sfhotspot hotspot_classify_params (Chainey 2020)"


@dataclass(frozen=True)
class PeriodSpec:
    """A period length: calendar months (1 month, 3 for a quarter) or a number of days."""

    months: int = 0
    days: int = 0

    @property
    def label(self) -> str:
        if self.months:
            return {1: "month", 3: "quarter", 12: "year"}.get(self.months, f"{self.months} months")
        return {1: "day", 7: "week", 28: "4 weeks"}.get(self.days, f"{self.days} days")


def parse_period_length(text: str) -> PeriodSpec:
    """``day``, ``week``, ``4 weeks``, ``28 days``, ``month``, ``3 months``, ``quarter``, ``year``."""
    t = text.strip().lower()
    m = re.fullmatch(r"(\d+)?\s*(day|week|month|quarter|year)s?", t)
    if not m or (m.group(1) is not None and int(m.group(1)) < 1):
        raise ValueError(f"'{text}' is not a period length such as 'month', '4 weeks' or '28 days'")
    k = int(m.group(1) or 1)
    unit = m.group(2)
    if unit in ("month", "quarter", "year"):
        return PeriodSpec(months=k * {"month": 1, "quarter": 3, "year": 12}[unit])
    return PeriodSpec(days=k * (7 if unit == "week" else 1))


def default_period_length(span_days: float, monthly: bool) -> PeriodSpec:
    """sfhotspot's rule on the span; data known only to the month is cut into months or quarters."""
    if monthly:
        return PeriodSpec(months=1 if span_days <= 732 else 3)
    for limit, days in ((14, 1), (91, 7), (366 * 2, 28), (3653, 91)):
        if span_days <= limit:
            return PeriodSpec(days=days)
    return PeriodSpec(months=12)


def period_starts(first: dt.datetime, end: dt.datetime, spec: PeriodSpec) -> list[dt.datetime]:
    """Local starts of the periods from ``first`` until ``end`` (both naive UTC), as naive UTC."""
    local_first = first.replace(tzinfo=dt.UTC).astimezone(LONDON).date()
    starts: list[dt.date] = []
    if spec.months:
        day = local_first.replace(day=1)
        step = spec.months
    else:
        day = local_first
    while True:
        moment = _utc(day)
        if moment >= end and starts:
            break
        starts.append(day)
        if spec.months:
            month = day.month - 1 + step
            day = dt.date(day.year + month // 12, month % 12 + 1, 1)
        else:
            day = day + dt.timedelta(days=spec.days)
    return [_utc(d) for d in starts] + [_utc(day)]


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def classify_cells(
    hot: np.ndarray, cold: np.ndarray, *, hotspot_prop: float, persistent_prop: float, recent_prop: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """sfhotspot's categories from (cells × periods) hot and cold flags, and the shares used."""
    periods = hot.shape[1]
    recent = math.floor(recent_prop * periods)
    if recent < 1:
        recent = 1
    if periods - recent < 1:
        raise ValueError("need at least two periods with events to tell recent from older")

    def labels(flags: np.ndarray, word: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        share = flags.mean(axis=1)
        recent_share = flags[:, -recent:].mean(axis=1)
        older_share = flags[:, :-recent].mean(axis=1)
        label = np.select(
            [
                share >= persistent_prop,
                (older_share < hotspot_prop) & (recent_share >= recent_prop),
                (older_share >= hotspot_prop) & (recent_share < hotspot_prop),
                share >= hotspot_prop,
            ],
            [f"persistent {word}", f"emerging {word}", f"former {word}", f"intermittent {word}"],
            default="",
        )
        return label, {"share": share, "recent": recent_share, "older": older_share}

    hot_label, hot_shares = labels(hot, "hotspot")
    cold_label, _ = labels(cold, "coldspot")
    label = np.where(
        (hot_label != "") & (cold_label != ""),
        "mixed hot/coldspot",
        np.where(hot_label != "", hot_label, np.where(cold_label != "", cold_label, "no pattern")),
    )
    return label, {**hot_shares, "recent_periods": np.array([recent])}


def hotspot_classify(
    points: pl.DataFrame,
    *,
    period: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    cell_size: float | None = None,
    neighbour_distance: float | None = None,
    region: BaseGeometry | None = None,
    critical_p: float = CRITICAL_P,
    hotspot_prop: float = HOTSPOT_PROP,
    persistent_prop: float = PERSISTENT_PROP,
    recent_prop: float = RECENT_PROP,
    collapse: bool = True,
) -> HotspotResult:
    """Each cell's hotspot class over consecutive periods of ``period`` (default: sfhotspot's rule).

    ``points`` needs easting, northing (BNG metres) and occurred_at (naive UTC). ``start``
    and ``end`` (naive UTC, end exclusive) bound the analysis (default: the first event and
    the end of the last event's day, or month for month-only data). With ``collapse`` a
    short last period joins the one before it.
    """
    for name, value in (("hotspot_prop", hotspot_prop), ("persistent_prop", persistent_prop),
                        ("recent_prop", recent_prop), ("critical_p", critical_p)):  # fmt: skip
        if not 0 < value < 1:
            raise ValueError(f"{name} must be between 0 and 1")
    frame = located(points).filter(pl.col("occurred_at").is_not_null())
    if frame.height == 0:
        raise ValueError("no events with a location and a time to classify")
    data_first, data_end, monthly = data_span(frame)
    first = start or data_first
    stop = end or data_end
    notes: list[str] = []
    if period is None:
        spec = default_period_length((stop - first).total_seconds() / 86400, monthly)
        notes.append(
            f"Period {spec.label} chosen for a span of {(stop - first).days} days (sfhotspot's rule"
            + ("; months because some events are only known to the month)." if monthly else ").")
        )
    else:
        spec = parse_period_length(period)
    bounds = period_starts(first, stop, spec)
    if collapse and len(bounds) > 2 and bounds[-1] > stop:
        full = bounds[-1] - bounds[-2]
        if (stop - bounds[-2]) < full / 2:
            bounds = [*bounds[:-2], bounds[-1]]  # the short last period joins the one before
            notes.append("The last period was short and was joined to the one before it.")
    edges = np.array(bounds, dtype="datetime64[us]")
    which = np.searchsorted(edges, frame["occurred_at"].to_numpy().astype("datetime64[us]"), side="right") - 1
    inside = (which >= 0) & (which < len(bounds) - 1)
    frame, which = frame.filter(pl.Series(inside)), which[inside]
    e, n = point_arrays(frame)
    grid, grid_notes = make_grid(e, n, cell_size=cell_size, region=region)
    distance = grid.cell_size * math.sqrt(2) if neighbour_distance is None else float(neighbour_distance)
    flat = grid.cells
    used: list[int] = []
    hot_cols, cold_cols = [], []
    per_period: list[dict[str, object]] = []
    for k in range(len(bounds) - 1):
        sel = which == k
        per_period.append({"start": _local_day(bounds[k]), "events": int(sel.sum())})
        if not sel.any():
            continue
        used.append(k)
        # Gi* alone in each period, without the single map's chance test: the classes ask for
        # repetition over periods, which chance groups of events lack (docs/hotspots.md).
        scores = scores_on_grid(grid, grid.raster(e[sel], n[sel]), neighbour_distance=distance,
                                critical_p=critical_p, chance_test=False)  # fmt: skip
        hot_cols.append((scores["hotspot"] == "hotspot").to_numpy())
        cold_cols.append((scores["hotspot"] == "coldspot").to_numpy())
    if len(used) < 2:
        raise ValueError("need events in at least two periods to classify hotspots over time")
    hot, cold = np.column_stack(hot_cols), np.column_stack(cold_cols)
    label, shares = classify_cells(
        hot, cold, hotspot_prop=hotspot_prop, persistent_prop=persistent_prop, recent_prop=recent_prop
    )
    counts = grid.raster(e, n).ravel()[flat].astype(np.int64)
    cells = grid.frame().with_columns(
        pl.Series("count", counts),
        pl.Series("periods", np.full(flat.size, len(used), dtype=np.int32)),
        pl.Series("periods_hot", hot.sum(axis=1).astype(np.int32)),
        pl.Series("periods_cold", cold.sum(axis=1).astype(np.int32)),
        pl.Series("share_hot", shares["share"]),
        pl.Series("recent_hot", shares["recent"]),
        pl.Series("older_hot", shares["older"]),
        pl.Series("classification", label),
    )
    empty = len(bounds) - 1 - len(used)
    notes = grid_notes + notes
    notes.append(
        f"Classes: persistent >= {persistent_prop:g} of periods hot; emerging < {hotspot_prop:g} of older "
        f"and >= {recent_prop:g} of the recent {int(shares['recent_periods'][0])}; former >= "
        f"{hotspot_prop:g} of older and < {hotspot_prop:g} of recent; intermittent >= {hotspot_prop:g} "
        f"of all — {CLASSIFY_SOURCE}. Hot: Gi* > 0, FDR-adjusted p < {critical_p:g} ({SOURCE})."
    )
    if empty:
        notes.append(f"{empty} period(s) without events were left out.")
    if monthly and not spec.months:
        notes.append("Some events are only known to the month: periods shorter than a month mislead.")
    counts_by_class = {k: int(v) for k, v in zip(*np.unique(label, return_counts=True), strict=True)}
    return HotspotResult(
        method="classify",
        cells=cells,
        grid=grid,
        parameters={
            "cell_size_m": grid.cell_size,
            "neighbour_distance_m": round(distance, 3),
            "period_length": spec.label,
            "periods": per_period,
            "periods_used": len(used),
            "recent_periods": int(shares["recent_periods"][0]),
            "critical_p": critical_p,
            "hotspot_prop": hotspot_prop,
            "persistent_prop": persistent_prop,
            "recent_prop": recent_prop,
            "cells": cells.height,
            "points": int(e.size),
            "classes": counts_by_class,
        },
        defaults=tuple(notes),
    )


def _local_day(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).astimezone(LONDON).date().isoformat()
