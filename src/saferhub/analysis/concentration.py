"""Crime concentration: what share of incidents falls in the busiest x% of cells or places.

Units are ranked from the most incidents to the fewest; the concentration curve joins
(share of units, share of incidents) for the top 1, 2, ... units. About 50% of crime
falls on 2–6% of street segments (Weisburd 2015). Grid cells count every study cell,
empty ones too; places and locations can only count those with at least one incident,
which makes concentration look lower than over all places.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine

from saferhub.analysis.grid import make_grid
from saferhub.analysis.points import Period, SelectionError, located, point_arrays, read_points
from saferhub.areas import Areas

UNITS = ("cell", "place", "location")
#: Shares of units the summary reports (the curve has every unit).
TOP_SHARES = (0.01, 0.02, 0.05, 0.10, 0.20, 0.50)
SUMMARY_SCHEMA = {"top_share_of_units": pl.Float64, "units": pl.Float64, "share_of_incidents": pl.Float64}
WEISBURD = "about 50% of crime falls on 2–6% of street segments (Weisburd 2015; shared/spec/standards.md)"


@dataclass(frozen=True)
class Concentration:
    """The concentration curve of incidents over units and the figures read from it."""

    unit: str
    counts: np.ndarray  # incidents per unit, most first
    summary: pl.DataFrame  # top_share_of_units, units, share_of_incidents
    parameters: dict[str, Any] = field(default_factory=dict)
    defaults: tuple[str, ...] = ()

    @property
    def incidents(self) -> int:
        return int(self.counts.sum())

    def curve(self) -> pl.DataFrame:
        """One row per unit with incidents (and the last unit): rank, count, cumulative shares."""
        total, units = self.counts.sum(), self.counts.size
        cum = np.cumsum(self.counts)
        rank = np.arange(1, units + 1)
        keep = (self.counts > 0) | (rank == units)
        return pl.DataFrame(
            {
                "rank": rank[keep],
                "count": self.counts[keep],
                "unit_share": rank[keep] / units,
                "incident_share": cum[keep] / total if total else np.zeros(int(keep.sum())),
            }
        )

    def share_of_incidents(self, top_share: float) -> float:
        """Share of incidents in the top ``top_share`` of units (linear between units)."""
        x, y = _curve_points(self.counts)
        return float(np.interp(top_share, x, y))

    def share_of_units(self, incident_share: float) -> float:
        """Smallest share of units that holds ``incident_share`` of the incidents."""
        x, y = _curve_points(self.counts)
        return float(np.interp(incident_share, y, x))

    def to_csv(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.curve().write_csv(path)
        return path

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "parameters": self.parameters,
            "defaults": list(self.defaults),
            "summary": self.summary.to_dicts(),
        }


def _curve_points(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = counts.sum()
    x = np.concatenate([[0.0], np.arange(1, counts.size + 1) / max(counts.size, 1)])
    y = np.concatenate([[0.0], np.cumsum(counts) / total]) if total else np.zeros(counts.size + 1)
    # Equal shares (a flat curve) keep np.interp's inverse well defined: use the first unit reaching y.
    return x, np.maximum.accumulate(y)


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of incidents over units (0: even, near 1: all in one unit)."""
    c = np.sort(np.asarray(counts, dtype=float))
    n, total = c.size, c.sum()
    if n == 0 or total == 0:
        return 0.0
    return float((2 * np.sum(np.arange(1, n + 1) * c) / (n * total)) - (n + 1) / n)


def crime_concentration(
    points: pl.DataFrame,
    *,
    unit: str = "cell",
    cell_size: float | None = None,
    region: BaseGeometry | None = None,
    top_shares: Sequence[float] = TOP_SHARES,
) -> Concentration:
    """How concentrated ``points`` are over grid cells, resolved places or exact locations.

    ``cell``: every cell of the study grid (empty ones too; BNG ``region`` as in the
    hotspot analyses). ``place``: the ``place_id`` column (rows without one are left out).
    ``location``: distinct coordinates to the metre (police.uk map points, for example).
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}")
    notes: list[str] = []
    params: dict[str, Any] = {"unit": unit}
    if unit == "cell":
        e, n = point_arrays(points)
        grid, notes = make_grid(e, n, cell_size=cell_size, region=region)
        counts = grid.raster(e, n).ravel()[grid.cells].astype(np.int64)
        params.update(cell_size_m=grid.cell_size, events=int(e.size))
    elif unit == "place":
        if "place_id" not in points.columns:
            raise ValueError("points need a place_id column to measure concentration over places")
        ids = points["place_id"]
        params.update(events=points.height, events_without_place=int(ids.is_null().sum()))
        counts = ids.drop_nulls().value_counts()["count"].to_numpy().astype(np.int64)
    else:
        frame = located(points)
        key = frame.select(pl.col("easting").round(0), pl.col("northing").round(0))
        counts = key.group_by(["easting", "northing"]).len()["len"].to_numpy().astype(np.int64)
        params.update(events=frame.height)
    counts = np.sort(counts)[::-1]
    result = Concentration(unit=unit, counts=counts, summary=pl.DataFrame())
    rows = [
        {
            "top_share_of_units": s,
            "units": round(s * counts.size, 1),
            "share_of_incidents": result.share_of_incidents(s) if counts.sum() else 0.0,
        }
        for s in top_shares
    ]
    units_with = int((counts > 0).sum())
    params.update(
        units=int(counts.size),
        units_with_incidents=units_with,
        incidents=int(counts.sum()),
        share_of_units_with_half=round(result.share_of_units(0.5), 6) if counts.sum() else None,
        gini=round(gini(counts), 6),
    )
    if unit != "cell":
        notes.append(
            f"Only {unit}s with at least one incident are counted: concentration over all {unit}s is higher."
        )
    if counts.sum() and counts.sum() < counts.size:
        notes.append(
            f"Fewer incidents ({int(counts.sum()):,}) than units ({counts.size:,}): most units must be empty "
            "whatever the pattern, so the curve overstates concentration (Bernasco & Steenbeek 2017)."
        )
    notes.append(f"For comparison: {WEISBURD}.")
    return Concentration(
        unit=unit,
        counts=counts,
        summary=pl.DataFrame(rows, schema=SUMMARY_SCHEMA),
        parameters=params,
        defaults=tuple(notes),
    )


def concentration_from_store(
    *,
    engine: Engine,
    areas: Areas,
    category: str,
    unit: str = "cell",
    period: Period = Period(),
    area: Sequence[str] = (),
    feeds: Sequence[str] = (),
    cell_size: float | None = None,
) -> Concentration:
    """Concentration of ``category`` events in ``period`` and ``area`` (default: all the hub's area)."""
    if unit not in UNITS:
        raise SelectionError(f"unknown unit '{unit}'; the units are: {', '.join(UNITS)}")
    points = read_points(
        engine=engine, areas=areas, category_name=category, period=period, area=area, feeds=feeds,
        with_places=unit == "place",
    )  # fmt: skip
    if points.frame.height == 0:
        raise SelectionError(
            f"no {points.category.name} events with a location in {points.area.label} "
            f"from {points.period.label}"
        )
    if unit == "place" and points.frame["place_id"].is_null().all():
        raise SelectionError("no events have a place yet: run `saferhub link` to resolve places first")
    result = crime_concentration(points.frame, unit=unit, cell_size=cell_size, region=points.area.geometry)
    return dataclasses.replace(result, parameters={**points.describe(), **result.parameters})
