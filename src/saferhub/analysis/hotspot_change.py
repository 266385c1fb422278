"""Change in each cell's count between two periods (sfhotspot ``hotspot_change``).

Besides the counts before and after and their difference, each cell gets the Poisson
z-score ``2 (√after − √before)`` (Wheeler 2018), flagged at |z| >= 3 for routine
monitoring: a bare difference or percentage says nothing about whether a change is more
than chance. The two periods should be equally long; their lengths are reported.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from shapely.geometry.base import BaseGeometry

from saferhub.analysis.changes import beyond_chance, poisson_z
from saferhub.analysis.grid import make_grid
from saferhub.analysis.hotspot_result import HotspotResult
from saferhub.analysis.points import LONDON, data_span, located, point_arrays

#: |z| from which a change is flagged (standards.md 'Change in counts', Wheeler 2018).
CHANGE_Z = 3.0
CHANGE_SOURCE = "shared/spec/standards.md 'Change in counts' (Wheeler 2018)"


def local_midnight_utc(moment: dt.datetime, *, month: bool = False) -> dt.datetime:
    """The local midnight (or first of the month) nearest ``moment`` (naive UTC), as naive UTC."""
    local = moment.replace(tzinfo=dt.UTC).astimezone(LONDON)
    if month:
        first = local.date().replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        day = following if (local.date() - first) > (following - local.date()) else first
    else:
        day = (local + dt.timedelta(hours=12)).date()
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def hotspot_change(
    points: pl.DataFrame,
    *,
    boundary: dt.datetime | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    cell_size: float | None = None,
    region: BaseGeometry | None = None,
    z_threshold: float = CHANGE_Z,
) -> HotspotResult:
    """Counts before and after ``boundary`` (naive UTC) in every cell, and their Poisson z.

    ``points`` needs easting, northing and occurred_at (naive UTC). ``start`` and ``end``
    (naive UTC, end exclusive) bound the whole period (default: the first event and the end
    of the last event's day, or month for month-only data);
    the default boundary is its midpoint, moved to the nearest local midnight (or the
    nearest month start when any event is only known to the month).
    """
    if "occurred_at" not in points.columns:
        raise ValueError("points need an occurred_at column to compare periods")
    frame = located(points).filter(pl.col("occurred_at").is_not_null())
    if frame.height == 0:
        raise ValueError("no events with a location to compare")
    data_first, data_end, monthly = data_span(frame)
    first = start or data_first
    last = end or data_end
    notes: list[str] = []
    if boundary is None:
        boundary = local_midnight_utc(first + (last - first) / 2, month=monthly)
        notes.append(f"Boundary {_local(boundary)} chosen: the middle of the period, as sfhotspot.")
    if not first <= boundary <= last:
        raise ValueError("the boundary must lie within the period")
    e, n = point_arrays(frame)
    after = (frame["occurred_at"] >= boundary).to_numpy()
    grid, grid_notes = make_grid(e, n, cell_size=cell_size, region=region)
    flat = grid.cells
    n_before = grid.raster(e[~after], n[~after]).ravel()[flat].astype(np.int64)
    n_after = grid.raster(e[after], n[after]).ravel()[flat].astype(np.int64)
    before_days = (boundary - first).total_seconds() / 86400
    after_days = (last - boundary).total_seconds() / 86400
    z = poisson_z(n_before, n_after)
    exact = beyond_chance(
        n_before, n_after, threshold=z_threshold,
        before_days=max(before_days, 1e-9), after_days=max(after_days, 1e-9),
    )  # fmt: skip
    up, down = exact & (z >= z_threshold), exact & (z <= -z_threshold)
    flag = np.where(up, "increase", np.where(down, "decrease", ""))
    cells = grid.frame().with_columns(
        pl.Series("count", n_before + n_after),
        pl.Series("count_before", n_before),
        pl.Series("count_after", n_after),
        pl.Series("change", n_after - n_before),
        pl.Series("change_z", z),
        pl.Series("change_flag", flag),
    )
    notes = grid_notes + notes
    if monthly:
        gaps = _empty_months(frame, first, last)
        if gaps:
            notes.append(
                f"No events at all in {', '.join(gaps)}: a month missing from the data makes its "
                "side of the comparison look lower."
            )
    notes.append(
        f"Changes flagged where |2(√after − √before)| >= {z_threshold:g} and the exact test on the two "
        f"counts agrees at the same level (small counts) — {CHANGE_SOURCE}."
    )
    if end is not None and start is not None and abs(before_days - after_days) > 1.5:
        notes.append(
            f"The periods differ in length ({before_days:.0f} and {after_days:.0f} days): "
            "compare rates, not counts."
        )
    return HotspotResult(
        method="change",
        cells=cells,
        grid=grid,
        parameters={
            "cell_size_m": grid.cell_size,
            "boundary": _local(boundary),
            "before_days": round(before_days, 1),
            "after_days": round(after_days, 1),
            "events_before": int(n_before.sum()),
            "events_after": int(n_after.sum()),
            "z_threshold": z_threshold,
            "cells": cells.height,
            "increases": int((flag == "increase").sum()),
            "decreases": int((flag == "decrease").sum()),
        },
        defaults=tuple(notes),
    )


def _empty_months(frame: pl.DataFrame, first: dt.datetime, last: dt.datetime) -> list[str]:
    """Calendar months (local) between ``first`` and ``last`` in which no event falls."""
    local = frame["occurred_at"].dt.replace_time_zone("UTC").dt.convert_time_zone(LONDON.key)
    present = set(local.dt.strftime("%Y-%m").unique().to_list())
    month = first.replace(tzinfo=dt.UTC).astimezone(LONDON).date().replace(day=1)
    stop = last.replace(tzinfo=dt.UTC).astimezone(LONDON).date()
    gaps = []
    while month < stop:
        if month.strftime("%Y-%m") not in present:
            gaps.append(month.strftime("%Y-%m"))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return gaps


def _local(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
