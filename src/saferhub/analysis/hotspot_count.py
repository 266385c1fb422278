"""Count events in each cell of a regular grid (sfhotspot ``hotspot_count``)."""

from __future__ import annotations

import polars as pl
from shapely.geometry.base import BaseGeometry

from saferhub.analysis.grid import make_grid
from saferhub.analysis.hotspot_result import HotspotResult
from saferhub.analysis.points import point_arrays


def hotspot_count(
    points: pl.DataFrame,
    *,
    cell_size: float | None = None,
    region: BaseGeometry | None = None,
) -> HotspotResult:
    """How many of ``points`` (columns easting, northing in BNG metres) fall in each cell.

    ``region`` (BNG) is the study area; without it the grid covers the points' convex hull.
    """
    e, n = point_arrays(points)
    grid, notes = make_grid(e, n, cell_size=cell_size, region=region)
    counts = grid.raster(e, n).ravel()[grid.cells]
    cells = grid.frame().with_columns(pl.Series("count", counts.astype("int64")))
    return HotspotResult(
        method="count",
        cells=cells,
        grid=grid,
        parameters={"cell_size_m": grid.cell_size, "cells": cells.height, "points": int(e.size)},
        defaults=tuple(notes),
    )
