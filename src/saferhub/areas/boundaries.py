"""Boundary files named by an area file (TOML), loaded once and queried in bulk.

Geometries are held in British National Grid so that distances are metres.
Points are placed by point-in-polygon; near LSOA boundaries an optional reference
point set of published assignments may overrule the generalised polygons (see
``saferhub.areas.reference`` for the method and what it is worth). ``assign``
works on the distinct locations of its input, so repeated locations (police.uk
map points, geocoded addresses) cost nothing extra.
"""

from __future__ import annotations

import csv
import gzip
import json
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from saferhub.areas.projection import to_bng
from saferhub.areas.reference import ReferencePoints, read_reference


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
    boundary_tree: STRtree  # the areas' edges as lines, for distances to a boundary
    index: dict[str, int]  # code -> position
    pieces: STRtree  # the areas cut by a grid: tight boxes make containment tests cheap
    piece_area: np.ndarray  # piece -> position of its area

    @property
    def geometries(self) -> np.ndarray:
        return self.tree.geometries

    def code_of(self, positions: np.ndarray) -> np.ndarray:
        """Codes for area positions (-1: None)."""
        codes = np.full(len(self.codes) + 1, None, dtype=object)
        codes[:-1] = self.codes
        return codes[positions]

    def assign(self, points: np.ndarray, tolerance_m: float) -> np.ndarray:
        """The code of the area containing each point (None outside all areas)."""
        return self.code_of(self.locate(points, tolerance_m))

    def locate(self, points: np.ndarray, tolerance_m: float) -> np.ndarray:
        """The position of the area containing each point (-1 outside all areas or missing).

        A point outside every area but within ``tolerance_m`` of one gets the nearest.
        """
        result = np.full(len(points), -1, dtype=np.intp)
        if len(points) == 0:
            return result
        point_i, piece_i = self.pieces.query(points, predicate="intersects")
        area_i = self.piece_area[piece_i]
        result[point_i] = area_i
        # A point on a shared edge can fall in two areas: take the first, deterministically.
        twice = np.flatnonzero(np.bincount(point_i, minlength=len(points)) > 1)
        if twice.size:
            sel = np.isin(point_i, twice)
            order = np.lexsort((area_i[sel], point_i[sel]))
            p, a = point_i[sel][order], area_i[sel][order]
            first = np.unique(p, return_index=True)[1]
            result[p[first]] = a[first]
        if tolerance_m > 0:
            missing = np.flatnonzero((result < 0) & ~shapely.is_missing(points) & ~shapely.is_empty(points))
            if missing.size:
                near_point, near_area = self.tree.query_nearest(
                    points[missing], max_distance=tolerance_m, all_matches=False
                )
                result[missing[near_point]] = near_area
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
    reference: ReferencePoints | None = None

    @property
    def lsoas(self) -> tuple[Area, ...]:
        return self.lsoa.areas

    @property
    def wards(self) -> tuple[Area, ...]:
        return self.ward.areas

    def neighbourhood_of_ward(self) -> dict[str, str]:
        return {w: n for n, wards in self.neighbourhoods.items() for w in wards}

    def assign(self, easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """LSOA and ward codes for each point (BNG metres); None where outside or missing."""
        e = np.asarray(easting, dtype=float).ravel()
        n = np.asarray(northing, dtype=float).ravel()
        lsoa = np.full(len(e), -1, dtype=np.intp)
        ward = np.full(len(e), -1, dtype=np.intp)
        valid = np.flatnonzero(np.isfinite(e) & np.isfinite(n))
        if valid.size:
            # Work on distinct locations only: records repeat locations heavily.
            distinct, inverse = np.unique(e[valid] + 1j * n[valid], return_inverse=True)
            x, y = distinct.real.copy(), distinct.imag.copy()
            points = shapely.points(x, y)
            inverse = inverse.ravel()
            lsoa[valid] = self._locate_lsoa(x, y, points, self.reference, None)[inverse]
            ward[valid] = self.ward.locate(points, self.edge_tolerance_m)[inverse]
        return self.lsoa.code_of(lsoa), self.ward.code_of(ward)

    def assign_lsoa(
        self,
        easting: np.ndarray,
        northing: np.ndarray,
        reference: ReferencePoints | Literal["configured"] | None = "configured",
        exclude: np.ndarray | None = None,
    ) -> np.ndarray:
        """LSOA codes for each point, with a chosen reference set (for evaluation).

        ``reference``: the configured set by default, None for polygons alone.
        ``exclude[i]``: a reference point not to use for point i (-1: none), so
        that a point can be judged with itself left out of the reference set.
        """
        x = np.asarray(easting, dtype=float).ravel()
        y = np.asarray(northing, dtype=float).ravel()
        points = np.full(len(x), None, dtype=object)
        ok = np.isfinite(x) & np.isfinite(y)
        points[ok] = shapely.points(x[ok], y[ok])
        ref = self.reference if isinstance(reference, str) else reference
        return self.lsoa.code_of(self._locate_lsoa(x, y, points, ref, exclude))

    def _locate_lsoa(
        self,
        x: np.ndarray,
        y: np.ndarray,
        points: np.ndarray,
        ref: ReferencePoints | None,
        exclude: np.ndarray | None,
    ) -> np.ndarray:
        """LSOA positions: polygons, then published assignments within the boundary band."""
        found = self.lsoa.locate(points, self.edge_tolerance_m)
        if ref is None:
            return found
        layer = self.lsoa
        qi, ri = ref.nearest(x, y, exclude)
        proposed = np.array([layer.index.get(c, -1) for c in ref.codes[ri]], dtype=np.intp)
        change = (proposed >= 0) & (proposed != found[qi])
        qi, proposed = qi[change], proposed[change]
        if qi.size == 0:
            return found
        # Only where the polygons are uncertain: near an LSOA boundary ...
        (near_i, _), dist = layer.boundary_tree.query_nearest(
            points[qi], max_distance=ref.band_m, return_distance=True, all_matches=False
        )
        near = np.zeros(qi.size, dtype=bool)
        near[near_i[dist < ref.band_m]] = True
        qi, proposed = qi[near], proposed[near]
        # ... and only to an LSOA whose polygon is itself within the band.
        plausible = shapely.dwithin(points[qi], layer.geometries[proposed], ref.band_m)
        out = found.copy()
        out[qi[plausible]] = proposed[plausible]
        return out


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
        code, name = str(props[code_field]), str(props.get(name_field, ""))
        areas.append(Area(code=code, name=name, geometry=geom))
    if not areas:
        raise AreaFileError(f"{path}: no features")
    geoms = np.array([a.geometry for a in areas], dtype=object)
    shapely.prepare(geoms)
    pieces, piece_area = _cut(geoms, _PIECE_M)
    return _Layer(
        areas=tuple(areas),
        codes=np.array([a.code for a in areas], dtype=object),
        tree=STRtree(geoms),
        boundary_tree=STRtree(shapely.boundary(geoms)),
        index={a.code: i for i, a in enumerate(areas)},
        pieces=STRtree(pieces),
        piece_area=piece_area,
    )


#: Side of the grid squares that areas are cut into for containment tests (metres).
_PIECE_M = 500.0


def _cut(geoms: np.ndarray, side: float) -> tuple[np.ndarray, np.ndarray]:
    """The polygonal parts of each geometry within each grid square, and their owners."""
    pieces, owners = [], []
    for i, (x0, y0, x1, y1) in enumerate(shapely.bounds(geoms)):
        xs = np.arange(np.floor(x0 / side) * side, x1, side)
        ys = np.arange(np.floor(y0 / side) * side, y1, side)
        gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
        parts = shapely.intersection(geoms[i], shapely.box(gx, gy, gx + side, gy + side))
        parts = parts[shapely.area(parts) > 0]
        pieces.append(parts)
        owners.append(np.full(len(parts), i, dtype=np.intp))
    cut = np.concatenate(pieces)
    shapely.prepare(cut)
    return cut, np.concatenate(owners)


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
        r["lsoa11cd"]: {k: int(v) for k, v in r.items() if k not in ("lsoa11cd", "lsoa11nm")} for r in rows
    }


def _reference(base: Path, spec: dict[str, Any] | None) -> ReferencePoints | None:
    """The ``[reference_points]`` table: file, band_m, radius_m (absent: None)."""
    if not spec:
        return None
    try:
        path = base / spec["file"]
        band_m, radius_m = float(spec["band_m"]), float(spec["radius_m"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AreaFileError("[reference_points] needs file, and band_m and radius_m in metres") from exc
    try:
        return read_reference(path, band_m=band_m, radius_m=radius_m)
    except (OSError, ValueError) as exc:
        raise AreaFileError(f"{path}: cannot use reference points ({exc})") from exc


#: The keys an area file may have, top level and per table (None: any).
_KEYS: dict[str, set[str] | None] = {
    "lsoa": {"file", "code_field", "name_field"},
    "ward": {"file", "code_field", "name_field"},
    "population": {"file"},
    "reference_points": {"file", "band_m", "radius_m"},
    "neighbourhoods": None,
}
_TOP_KEYS = {"name", "local_authority", "edge_tolerance_m", *_KEYS}


def _check_keys(path: Path, config: dict[str, Any]) -> None:
    """Refuse unknown keys: in TOML a setting written below a [table] silently joins it."""
    unknown = sorted(set(config) - _TOP_KEYS)
    for table, allowed in _KEYS.items():
        value = config.get(table)
        if value is not None and not isinstance(value, dict):
            raise AreaFileError(f"{path}: {table} must be a [{table}] table")
        if allowed is not None and value:
            unknown += [f"{table}.{k}" for k in sorted(set(value) - allowed)]
    if unknown:
        raise AreaFileError(
            f"{path}: unknown keys {unknown} (top-level keys must come before the first [table])"
        )


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
    _check_keys(path, config)
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
        reference=_reference(base, config.get("reference_points")),
    )
