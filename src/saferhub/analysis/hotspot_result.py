"""What every hotspot analysis returns: a frame of grid cells and what produced it.

``HotspotResult.cells`` has one row per study cell (columns depend on the method);
``parameters`` records the inputs and choices (cell size, period, counts) and
``defaults`` says, one line each, which defaults were chosen for the user and where
they come from. Writers give CSV and GeoJSON (cells as WGS84 polygons, for QGIS).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from saferhub.analysis.grid import Grid

#: Columns a result may carry, in the order they are written.
COLUMN_ORDER = (
    "cell_id", "easting", "northing", "lsoa", "ward", "count", "neighbours", "neighbourhood_count",
    "neighbourhood_needed", "gistar", "p_value", "p_adjusted", "hotspot", "kde", "count_before",
    "count_after", "change", "change_z", "change_flag", "periods", "periods_hot", "periods_cold",
    "share_hot", "recent_hot", "older_hot", "classification",
)  # fmt: skip


@dataclass(frozen=True)
class HotspotResult:
    """A hotspot analysis on a grid: one row per study cell and everything that produced it."""

    method: str
    cells: pl.DataFrame
    grid: Grid
    parameters: dict[str, Any] = field(default_factory=dict)
    defaults: tuple[str, ...] = ()

    def ordered(self) -> pl.DataFrame:
        """The cells with columns in the documented order (and only the documented columns)."""
        return self.cells.select([c for c in COLUMN_ORDER if c in self.cells.columns])

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "parameters": self.parameters, "defaults": list(self.defaults)}

    def to_csv(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.ordered().write_csv(path)
        return path

    def to_geojson(self, path: Path, *, only: pl.Series | None = None) -> Path:
        """Cells as polygons in WGS84 (EPSG:4326), every column as a property."""
        frame = self.ordered()
        if only is not None:
            frame = frame.filter(only)
        write_cells_geojson(path, grid=self.grid, cells=frame, metadata=self.as_dict())
        return Path(path)


def write_cells_geojson(path: Path, *, grid: Grid, cells: pl.DataFrame, metadata: dict[str, Any]) -> None:
    """A GeoJSON FeatureCollection (RFC 7946) of the cells, rings anticlockwise, 6 decimals."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = grid.locate(cells["easting"].to_numpy(), cells["northing"].to_numpy())
    rings = np.round(grid.polygons_wgs84(flat), 6).tolist()
    rows = cells.to_dicts()
    features = [
        {
            "type": "Feature",
            "id": row["cell_id"],
            "properties": {k: _plain(v) for k, v in row.items()},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        for row, ring in zip(rows, rings, strict=True)
    ]
    doc = {"type": "FeatureCollection", "saferhub": _plain(metadata), "features": features}
    with path.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"), allow_nan=False)


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null; dicts and lists recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
