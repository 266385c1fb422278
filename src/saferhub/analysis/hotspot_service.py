"""Hotspots from the store: read one category's events in a period and an area, run one verb.

The CLI (and later the web) call ``hotspots_from_store``; the verbs themselves
(``hotspot_count``, ``hotspot_kde``, ``hotspot_gistar``, ``hotspot_change``,
``hotspot_classify``) work on any frame of BNG points.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import polars as pl
from sqlalchemy import ColumnElement, Engine

from saferhub.analysis.hotspot_change import CHANGE_Z, hotspot_change
from saferhub.analysis.hotspot_classify import hotspot_classify
from saferhub.analysis.hotspot_count import hotspot_count
from saferhub.analysis.hotspot_gistar import CRITICAL_P, hotspot_gistar
from saferhub.analysis.hotspot_kde import hotspot_kde
from saferhub.analysis.hotspot_result import HotspotResult
from saferhub.analysis.points import Period, SelectionError, read_points
from saferhub.areas import Areas

METHODS = ("gistar", "count", "kde", "change", "classify")


def hotspots_from_store(
    *,
    engine: Engine,
    areas: Areas,
    category: str,
    method: str = "gistar",
    period: Period = Period(),
    area: Sequence[str] = (),
    feeds: Sequence[str] = (),
    cell_size: float | None = None,
    neighbour_distance: float | None = None,
    critical_p: float = CRITICAL_P,
    bandwidth: float | None = None,
    boundary: dt.datetime | None = None,
    period_length: str | None = None,
    z_threshold: float = CHANGE_Z,
    visible: ColumnElement[bool] | None = None,
) -> HotspotResult:
    """One hotspot analysis of ``category`` events in ``period`` and ``area`` (default: all the hub's area).

    The study grid covers the area's boundary; ``boundary`` (naive UTC) splits the
    period for ``change``, ``period_length`` ("month", "4 weeks", ...) cuts it for ``classify``;
    ``visible`` (a WHERE clause on events) maps only the events a reader may see.
    """
    if method not in METHODS:
        raise SelectionError(f"unknown method '{method}'; the methods are: {', '.join(METHODS)}")
    points = read_points(
        engine=engine, areas=areas, category_name=category, period=period, area=area, feeds=feeds,
        visible=visible,
    )  # fmt: skip
    if points.frame.height == 0:
        raise SelectionError(
            f"no {points.category.name} events with a location in {points.area.label} "
            f"from {points.period.label}"
        )
    region = points.area.geometry
    start, end = period.utc_bounds()
    frame = points.frame
    result: HotspotResult
    if method == "count":
        result = hotspot_count(frame, cell_size=cell_size, region=region)
    elif method == "kde":
        result = hotspot_kde(frame, cell_size=cell_size, bandwidth=bandwidth, region=region)
    elif method == "gistar":
        result = hotspot_gistar(
            frame, cell_size=cell_size, neighbour_distance=neighbour_distance, region=region,
            critical_p=critical_p,
        )  # fmt: skip
    elif method == "change":
        try:
            result = hotspot_change(
                frame, boundary=boundary, start=start, end=end, cell_size=cell_size, region=region,
                z_threshold=z_threshold,
            )  # fmt: skip
        except ValueError as exc:
            raise SelectionError(str(exc)) from exc
    else:
        try:
            result = hotspot_classify(
                frame, period=period_length, start=start, end=end, cell_size=cell_size,
                neighbour_distance=neighbour_distance, region=region, critical_p=critical_p,
            )  # fmt: skip
        except ValueError as exc:
            raise SelectionError(str(exc)) from exc
    return dataclasses.replace(
        result,
        cells=with_area_names(result.cells, areas),
        parameters={**points.describe(), **result.parameters},
    )


def with_area_names(cells: pl.DataFrame, areas: Areas) -> pl.DataFrame:
    """The LSOA code and ward name at each cell's centre, so that people can find the cell."""
    lsoa, ward = areas.assign(cells["easting"].to_numpy(), cells["northing"].to_numpy())
    names = {a.code: a.name for a in areas.wards}
    return cells.with_columns(
        pl.Series("lsoa", lsoa.tolist(), dtype=pl.String),
        pl.Series("ward", [names.get(w) if w else None for w in ward.tolist()], dtype=pl.String),
    )
