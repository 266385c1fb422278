"""Hotspots and changes in counts as one reader may see them: from the events the sharing
agreement gives them (in full for a map, at any level for area counts), with the look logged.

Each result depends only on which partners' records the reader sees (``visibility``), not on
who they are, so readers of the same visibility share one cached result per day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import shapely
from sqlalchemy import ColumnElement, Engine, and_, false, or_, true

from saferhub.access import Level, Reader, SharingAgreement, visible_events
from saferhub.access.agreement import OTHER
from saferhub.analysis.changes import AreaLevel, Changes, count_changes
from saferhub.analysis.hotspot_result import HotspotResult
from saferhub.analysis.hotspot_service import hotspots_from_store
from saferhub.analysis.periods import Month
from saferhub.analysis.periods import Period as MonthPeriod
from saferhub.analysis.points import CATEGORIES, Period, SelectionError
from saferhub.areas import Areas, to_wgs84
from saferhub.feeds import FEEDS
from saferhub.store import Event
from saferhub.workspace.people_lists import log_look

#: The hotspot periods a page offers: name -> (label, days up to and including today).
HOTSPOT_PERIODS: dict[str, tuple[str, int]] = {
    "28d": ("the last 28 days", 28),
    "3m": ("the last 3 months", 91),
    "12m": ("the last 12 months", 365),
}
#: Categories mapped (by points.CATEGORIES name); intelligence and referrals are not mapped.
HOTSPOT_CATEGORIES = tuple(c for c in CATEGORIES if c not in ("intelligence", "safeguarding"))
CURRENT = ("anti-social-behaviour", "12m")  # the home page's "current hotspots"

#: Per feed: (feed, agencies seen, named agencies not seen, agencies not named are seen).
Visibility = tuple[tuple[str, tuple[str, ...], tuple[str, ...], bool], ...]


def visibility(reader: Reader, agreement: SharingAgreement, *, at_least: Level) -> Visibility:
    """Per feed: the named agencies whose records the reader sees at ``at_least`` or more, and
    whether they see agencies the agreement does not name (a cache key shared by like readers)."""
    named = tuple(dict.fromkeys((*agreement.agencies, reader.agency)))
    out = []
    for feed in FEEDS:
        seen = tuple(a for a in named if agreement.decide(reader, feed, a).level.rank >= at_least.rank)
        hidden = tuple(a for a in named if a not in seen)
        other = agreement.decide(reader, feed, OTHER).level.rank >= at_least.rank
        out.append((feed, seen, hidden, other))
    return tuple(out)


def where_visible(seen: Visibility) -> ColumnElement[bool]:
    """A WHERE clause on events keeping the feeds and agencies in ``seen``."""
    clauses = []
    for feed, agencies, hidden, other in seen:
        on: ColumnElement[bool]
        if other:  # every agency but the named ones not seen
            on = Event.agency.not_in(sorted(hidden)) if hidden else true()
        else:
            on = Event.agency.in_(sorted(agencies)) if agencies else false()
        clauses.append(and_(Event.feed == feed, on))
    return or_(false(), *clauses)


@dataclass(frozen=True)
class HotspotMap:
    """Gi* hotspot cells of one category and period, as GeoJSON-ready features."""

    category: str
    category_label: str
    period_key: str
    period_label: str
    first_day: dt.date
    last_day: dt.date
    events: int
    cell_size_m: float | None
    features: list[dict[str, Any]]
    note: str | None = None  # why there is no map (no events, ...)
    neighbourhood_needed: int | None = None  # events a full neighbourhood needs (the chance test)

    @property
    def hotspots(self) -> int:
        return len(self.features)

    def geojson(self) -> dict[str, Any]:
        return {
            "type": "FeatureCollection",
            "features": self.features,
            "saferhub": {
                "category": self.category,
                "period": self.period_key,
                "first_day": self.first_day.isoformat(),
                "last_day": self.last_day.isoformat(),
                "events": self.events,
                "cell_size_m": self.cell_size_m,
                "hotspots": self.hotspots,
                "neighbourhood_needed": self.neighbourhood_needed,
                "note": self.note,
            },
        }


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    return value


def hotspot_map(
    *,
    engine: Engine,
    areas: Areas,
    seen: Visibility,
    category: str,
    period_key: str,
    today: dt.date,
) -> HotspotMap:
    """Gi* hotspots (sfhotspot's defaults) of ``category`` over the period ending ``today``."""
    if category not in HOTSPOT_CATEGORIES:
        raise SelectionError(f"unknown category '{category}'")
    if period_key not in HOTSPOT_PERIODS:
        raise SelectionError(f"unknown period '{period_key}'")
    label, days = HOTSPOT_PERIODS[period_key]
    first = today - dt.timedelta(days=days - 1)
    base = HotspotMap(
        category, CATEGORIES[category].label, period_key, label, first, today, 0, None, [], None
    )
    try:
        result: HotspotResult = hotspots_from_store(
            engine=engine, areas=areas, category=category, method="gistar",
            period=Period(first, today + dt.timedelta(days=1)), visible=where_visible(seen),
        )  # fmt: skip
    except (SelectionError, ValueError) as exc:
        return _replace(base, note=str(exc))
    cells = result.ordered().filter(pl.col("hotspot") == "hotspot").sort("gistar", descending=True)
    flat = result.grid.locate(cells["easting"].to_numpy(), cells["northing"].to_numpy())
    rings = np.round(result.grid.polygons_wgs84(flat), 6).tolist() if cells.height else []
    keep: tuple[str, ...] = ("cell_id", "ward", "lsoa", "count", "neighbourhood_count")
    keep += ("neighbourhood_needed", "gistar", "p_adjusted")
    features = [
        {
            "type": "Feature",
            "id": row["cell_id"],
            "properties": {k: _finite(row.get(k)) for k in keep if k in row},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        for row, ring in zip(cells.to_dicts(), rings, strict=True)
    ]
    events = int(result.parameters.get("events", 0))
    needed = result.parameters.get("neighbourhood_needed")
    return _replace(
        base, events=events, cell_size_m=float(result.grid.cell_size), features=features,
        neighbourhood_needed=None if needed is None else int(str(needed)),
    )  # fmt: skip


def _replace(base: HotspotMap, **changes: Any) -> HotspotMap:
    import dataclasses

    return dataclasses.replace(base, **changes)


def log_map(*, engine: Engine, reader: Reader, where_from: str, shown: HotspotMap) -> None:
    """The look at a hotspot map: category, period and counts (no locations, no ids of people)."""
    log_look(
        engine=engine,
        reader=reader,
        where_from=where_from,
        what={
            "object": "hotspots",
            "category": shown.category,
            "period": shown.period_key,
            "last_day": shown.last_day.isoformat(),
            "events": shown.events,
            "cells": shown.hotspots,
        },
    )


def boundaries_geojson(areas: Areas, *, tolerance_m: float = 15.0) -> dict[str, Any]:
    """Ward boundaries (with their neighbourhood) in WGS84, simplified for a web map."""
    neighbourhood = areas.neighbourhood_of_ward()
    features = []
    for ward in areas.wards:
        geom = shapely.simplify(ward.geometry, tolerance_m)

        def to_lonlat(xy: np.ndarray) -> np.ndarray:
            lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
            return np.round(np.column_stack([lon, lat]), 5)

        features.append(
            {
                "type": "Feature",
                "id": ward.code,
                "properties": {
                    "ward_code": ward.code,
                    "ward": ward.name,
                    "neighbourhood": neighbourhood.get(ward.code),
                },
                "geometry": shapely.geometry.mapping(shapely.transform(geom, to_lonlat)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def last_whole_month(today: dt.date) -> Month:
    first = today.replace(day=1)
    previous = first - dt.timedelta(days=1)
    return Month(previous.year, previous.month)


def changes_for(
    *,
    engine: Engine,
    areas: Areas,
    reader: Reader,
    agreement: SharingAgreement,
    period: MonthPeriod,
    area_level: AreaLevel,
    categories: Sequence[str] | None = None,
) -> Changes:
    """Counts per area and category in ``period`` against the period before and last year,
    from the records the reader may see at any level (counts are a summary)."""
    return count_changes(
        engine=engine, period=period, area_level=area_level, categories=categories, areas=areas,
        visible=visible_events(reader, agreement=agreement),
    )  # fmt: skip


def change_rows(changes: Changes, *, limit: int = 60) -> list[dict[str, Any]]:
    """Rows for a table: areas (not the whole-area total) flagged first, then largest |z|."""
    frame = changes.frame.with_columns(
        flagged=pl.col("change").is_in(["rise", "fall"]), size=pl.col("z").abs().fill_nan(None)
    ).sort(
        ["flagged", "size", "area_name", "category"], descending=[True, True, False, False], nulls_last=True
    )
    rows = []
    for r in frame.head(limit).iter_rows(named=True):
        rows.append({k: _finite(v) for k, v in r.items() if k not in ("size",)})
    return rows
