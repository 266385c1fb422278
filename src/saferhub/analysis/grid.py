"""The regular grid hotspot analyses count on: square cells in British National Grid metres.

Cells are aligned to multiples of the cell size (a 300 m grid has cells starting at
eastings 327300, 327600, ...), so a cell keeps its id across runs, periods and areas.
The study grid is every cell that overlaps the study region plus every cell that holds
an event, so no event is ever dropped; statistics (Gi* mean and variance) are taken over
exactly these cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely
from shapely.geometry.base import BaseGeometry

from saferhub.areas import to_wgs84

#: sfhotspot's rule (set_cell_size.R): this many cells on the shorter side of the area ...
CELLS_ON_SHORTER_SIDE = 50
#: ... with the cell size rounded down to a multiple of this many metres when that is > 0.
ROUND_TO_M = 100
#: Smallest cell size the default ever picks (metres).
MIN_DEFAULT_CELL_M = 10

DEFAULT_CELL_SOURCE = (
    f"~{CELLS_ON_SHORTER_SIDE} cells on the shorter side of the area's bounding box, "
    f"rounded down to {ROUND_TO_M} m (sfhotspot set_cell_size)"
)


class GridError(ValueError):
    """The grid cannot be made as asked (no points, a bad cell size)."""


def default_cell_size(width_m: float, height_m: float) -> int:
    """sfhotspot's default: 1/50 of the shorter side, rounded down to 100 m.

    Below 100 m sfhotspot leaves the size unrounded; we round down to 10 m instead so
    that cells still have whole-metre edges (a ward is ~2 km across: 40 m cells).
    """
    side = min(width_m, height_m) / CELLS_ON_SHORTER_SIDE
    if side >= ROUND_TO_M:
        return int(side // ROUND_TO_M) * ROUND_TO_M
    return max(MIN_DEFAULT_CELL_M, int(side // 10) * 10)


@dataclass(frozen=True)
class Grid:
    """``ny`` rows by ``nx`` columns of square cells; ``mask`` marks the study cells."""

    cell_size: float
    x0: float  # west edge of column 0 (a multiple of cell_size)
    y0: float  # south edge of row 0
    mask: np.ndarray  # (ny, nx) bool

    @property
    def ny(self) -> int:
        return int(self.mask.shape[0])

    @property
    def nx(self) -> int:
        return int(self.mask.shape[1])

    @property
    def cells(self) -> np.ndarray:
        """Flat indices (row * nx + column) of the study cells, south-west first."""
        return np.flatnonzero(self.mask.ravel())

    def locate(self, easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
        """Flat cell index of each point (-1 outside the grid's rectangle)."""
        col = np.floor((np.asarray(easting, dtype=float) - self.x0) / self.cell_size)
        row = np.floor((np.asarray(northing, dtype=float) - self.y0) / self.cell_size)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        flat = np.full(col.shape, -1, dtype=np.int64)
        flat[inside] = row[inside].astype(np.int64) * self.nx + col[inside].astype(np.int64)
        return flat

    def raster(
        self, easting: np.ndarray, northing: np.ndarray, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Counts of points per cell as a (ny, nx) float array; points off the grid are ignored."""
        flat = self.locate(easting, northing)
        keep = flat >= 0
        w = None if weights is None else np.asarray(weights, dtype=float)[keep]
        counts = np.bincount(flat[keep], weights=w, minlength=self.ny * self.nx)
        return counts.astype(float).reshape(self.ny, self.nx)

    def frame(self) -> pl.DataFrame:
        """One row per study cell: id, column, row, and the cell's centre in BNG metres."""
        flat = self.cells
        row, col = np.divmod(flat, self.nx)
        west = self.x0 + col * self.cell_size
        south = self.y0 + row * self.cell_size
        return pl.DataFrame(
            {
                "cell_id": cell_ids(west, south),
                "column": col.astype(np.int32),
                "row": row.astype(np.int32),
                "easting": west + self.cell_size / 2,
                "northing": south + self.cell_size / 2,
            }
        )

    def polygons_wgs84(self, flat: np.ndarray) -> np.ndarray:
        """(n, 5, 2) closed rings of the cells' corners in WGS84 longitude/latitude, anticlockwise."""
        row, col = np.divmod(np.asarray(flat, dtype=np.int64), self.nx)
        west = self.x0 + col * self.cell_size
        south = self.y0 + row * self.cell_size
        east, north = west + self.cell_size, south + self.cell_size
        xs = np.stack([west, east, east, west, west], axis=1)
        ys = np.stack([south, south, north, north, south], axis=1)
        lon, lat = to_wgs84(xs.ravel(), ys.ravel())
        return np.stack([lon.reshape(xs.shape), lat.reshape(ys.shape)], axis=2)


def cell_ids(west: np.ndarray, south: np.ndarray) -> list[str]:
    """Ids like ``E327300N391800``: the cell's south-west corner in BNG metres."""
    w = np.round(np.asarray(west, dtype=float)).astype(np.int64)
    s = np.round(np.asarray(south, dtype=float)).astype(np.int64)
    return pl.select(pl.format("E{}N{}", pl.Series(w), pl.Series(s)).alias("id")).to_series().to_list()


def check_cell_size(cell_size: float) -> float:
    if not (isinstance(cell_size, int | float) and math.isfinite(cell_size)) or cell_size < 1:
        raise GridError(f"cell size must be at least 1 metre, not {cell_size}")
    if cell_size != int(cell_size):
        raise GridError(f"cell size must be a whole number of metres, not {cell_size}")
    return float(cell_size)


def make_grid(
    easting: np.ndarray,
    northing: np.ndarray,
    *,
    cell_size: float | None = None,
    region: BaseGeometry | None = None,
) -> tuple[Grid, list[str]]:
    """The study grid for points (BNG metres) and, optionally, a study region (BNG polygon).

    Without a region the grid covers the points' convex hull (sfhotspot's create_grid).
    Returns the grid and one line for each default chosen.
    """
    e = np.asarray(easting, dtype=float)
    n = np.asarray(northing, dtype=float)
    ok = np.isfinite(e) & np.isfinite(n)
    e, n = e[ok], n[ok]
    if region is None:
        if e.size == 0:
            raise GridError("no points with a location to make a grid from")
        region = convex_hull(e, n)
    notes: list[str] = []
    x_min, y_min, x_max, y_max = region.bounds
    if e.size:
        x_min, y_min = min(x_min, e.min()), min(y_min, n.min())
        x_max, y_max = max(x_max, e.max()), max(y_max, n.max())
    if cell_size is None:
        cell_size = default_cell_size(x_max - x_min, y_max - y_min)
        notes.append(f"Cell size {cell_size:g} m chosen: {DEFAULT_CELL_SOURCE}.")
    size = check_cell_size(cell_size)
    x0 = math.floor(x_min / size) * size
    y0 = math.floor(y_min / size) * size
    nx = max(1, math.floor((x_max - x0) / size) + 1)
    ny = max(1, math.floor((y_max - y0) / size) + 1)
    if nx * ny > 25_000_000:
        raise GridError(f"a {size:g} m grid over this area has {nx * ny:,} cells; choose a larger cell size")
    mask = _overlapping(region, x0, y0, size, nx, ny)
    grid = Grid(cell_size=size, x0=x0, y0=y0, mask=mask)
    flat = grid.locate(e, n)
    mask.ravel()[flat[flat >= 0]] = True  # cells holding an event always belong
    return grid, notes


def convex_hull(easting: np.ndarray, northing: np.ndarray) -> BaseGeometry:
    """The convex hull of points (qhull; a point or a line when the points are degenerate)."""
    # scipy here, not at the top: every `saferhub` command loads this module at start-up.
    from scipy.spatial import ConvexHull, QhullError

    xy = np.column_stack([easting, northing])
    try:
        hull = ConvexHull(xy)
    except (QhullError, ValueError):  # fewer than 3 points, or all on one line
        return shapely.convex_hull(shapely.multipoints(np.unique(xy, axis=0)))
    return shapely.Polygon(xy[hull.vertices])


def _overlapping(region: BaseGeometry, x0: float, y0: float, size: float, nx: int, ny: int) -> np.ndarray:
    """Cells whose square overlaps the region (shares more than an edge or a corner with it).

    Each row of cells is cut from the region as a strip; within a strip a connected piece
    of the region covers exactly the columns its x-extent spans, so the pieces' bounds
    give the row's cells without testing cell by cell.
    """
    mask = np.zeros((ny, nx), dtype=bool)
    if region.is_empty:
        return mask
    if region.geom_type in ("Point", "MultiPoint", "LineString", "MultiLineString"):
        region = region.buffer(size / 1000)
    shapely.prepare(region)
    for r in range(ny):
        south = y0 + r * size
        strip = shapely.box(x0, south, x0 + nx * size, south + size)
        if not shapely.intersects(region, strip):
            continue
        pieces = shapely.get_parts(shapely.intersection(region, strip))
        pieces = pieces[shapely.area(pieces) > 0]
        if pieces.size == 0:
            continue
        bounds = shapely.bounds(pieces)
        first = np.floor((bounds[:, 0] - x0) / size).astype(np.int64)
        last = np.ceil((bounds[:, 2] - x0) / size).astype(np.int64) - 1
        for a, b in zip(np.clip(first, 0, nx - 1), np.clip(last, 0, nx - 1), strict=True):
            mask[r, a : b + 1] = True
    return mask
