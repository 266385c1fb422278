"""Boundary files named by an area file (TOML), loaded once and queried in bulk.

Geometries are held in British National Grid so that distances are metres.
"""

from __future__ import annotations

import csv
import gzip
import json
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from saferhub.areas.projection import to_bng


class AreaFileError(ValueError):
    """The area file or a boundary file it names cannot be used."""


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    geometry: BaseGeometry  # British National Grid


@dataclass(frozen=True)
class _Layer:
    areas: tuple[Area, ...]
    codes: np.ndarray
    tree: STRtree

    def assign(self, points: np.ndarray, tolerance_m: float) -> np.ndarray:
        """The code of the area containing each point (None outside all areas)."""
        result = np.full(len(points), None, dtype=object)
        valid = ~shapely.is_missing(points) & ~shapely.is_empty(points)
        idx = np.flatnonzero(valid)
        if idx.size == 0:
            return result
        pts = points[idx]
        point_i, area_i = self.tree.query(pts, predicate="within")
        # A point on a shared edge can fall in two areas: take the first, deterministically.
        order = np.lexsort((area_i, point_i))
        point_i, area_i = point_i[order], area_i[order]
        first = np.unique(point_i, return_index=True)[1]
        result[idx[point_i[first]]] = self.codes[area_i[first]]
        if tolerance_m > 0:
            missing = np.flatnonzero(result[idx] == None)  # noqa: E711 - elementwise on object array
            if missing.size:
                near_point, near_area = self.tree.query_nearest(
                    pts[missing], max_distance=tolerance_m, all_matches=False
                )
                result[idx[missing[near_point]]] = self.codes[near_area]
        return result


@dataclass(frozen=True)
class Areas:
    """The hub's area: its LSOAs, wards, neighbourhoods and population."""

    name: str
    local_authority: str | None
    lsoa: _Layer
    ward: _Layer
    neighbourhoods: dict[str, tuple[str, ...]]
    population: dict[str, dict[str, int]] = field(default_factory=dict)
    edge_tolerance_m: float = 0.0

    @property
    def lsoas(self) -> tuple[Area, ...]:
        return self.lsoa.areas

    @property
    def wards(self) -> tuple[Area, ...]:
        return self.ward.areas

    def neighbourhood_of_ward(self) -> dict[str, str]:
        return {w: n for n, wards in self.neighbourhoods.items() for w in wards}

    def assign(
        self, easting: np.ndarray, northing: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """LSOA and ward codes for each point (BNG metres); None where outside or missing."""
        e = np.asarray(easting, dtype=float)
        n = np.asarray(northing, dtype=float)
        ok = np.isfinite(e) & np.isfinite(n)
        points = np.full(len(e), None, dtype=object)
        if ok.any():
            points[ok] = shapely.points(e[ok], n[ok])
        return (
            self.lsoa.assign(points, self.edge_tolerance_m),
            self.ward.assign(points, self.edge_tolerance_m),
        )


def _read_geojson(path: Path) -> dict[str, Any]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
            return data
    except (OSError, ValueError) as exc:
        raise AreaFileError(f"{path}: not a readable GeoJSON file ({exc})") from exc


def _layer(base: Path, spec: dict[str, Any], what: str) -> _Layer:
    try:
        path = base / spec["file"]
        code_field, name_field = spec["code_field"], spec["name_field"]
    except KeyError as exc:
        raise AreaFileError(f"[{what}] needs file, code_field and name_field") from exc
    data = _read_geojson(path)
    areas = []
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        if code_field not in props:
            raise AreaFileError(f"{path}: a feature has no property {code_field!r}")
        geom_wgs84 = shape(feature["geometry"])
        geom = shapely.transform(geom_wgs84, _bng_coords)
        areas.append(Area(code=str(props[code_field]), name=str(props.get(name_field, "")), geometry=geom))
    if not areas:
        raise AreaFileError(f"{path}: no features")
    geoms = np.array([a.geometry for a in areas], dtype=object)
    shapely.prepare(geoms)
    return _Layer(
        areas=tuple(areas),
        codes=np.array([a.code for a in areas], dtype=object),
        tree=STRtree(geoms),
    )


def _bng_coords(coords: np.ndarray) -> np.ndarray:
    e, n = to_bng(coords[:, 0], coords[:, 1])
    return np.column_stack([e, n])


def _population(base: Path, spec: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    if not spec:
        return {}
    path = base / spec["file"]
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["lsoa11cd"]: {k: int(v) for k, v in r.items() if k not in ("lsoa11cd", "lsoa11nm")}
        for r in rows
    }


@lru_cache(maxsize=4)
def load_areas(path: Path | None = None) -> Areas:
    """The area described by the TOML file at ``path`` (default: the configured one)."""
    if path is None:
        from saferhub.config import get_settings

        path = get_settings().areas_file
    path = Path(path)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AreaFileError(f"{path}: cannot read area file ({exc})") from exc
    base = path.parent
    lsoa = _layer(base, config.get("lsoa", {}), "lsoa")
    ward = _layer(base, config.get("ward", {}), "ward")
    known_wards = set(ward.codes.tolist())
    neighbourhoods = {}
    for name, wards in (config.get("neighbourhoods") or {}).items():
        unknown = [w for w in wards if w not in known_wards]
        if unknown:
            raise AreaFileError(f"{path}: neighbourhood {name!r} names unknown wards {unknown}")
        neighbourhoods[name] = tuple(wards)
    return Areas(
        name=config.get("name", path.parent.name),
        local_authority=config.get("local_authority"),
        lsoa=lsoa,
        ward=ward,
        neighbourhoods=neighbourhoods,
        population=_population(base, config.get("population")),
        edge_tolerance_m=float(config.get("edge_tolerance_m", 0)),
    )
