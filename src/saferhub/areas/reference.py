"""Points near LSOA boundaries: published assignments at known locations.

The problem
-----------
The hub places points in 2011 LSOAs by point-in-polygon on the ONS *Generalised
Clipped* boundaries (20 m generalisation), the only boundaries held offline.
police.uk assigns its anonymised map points with the full-resolution boundaries,
and its map points sit on street centre lines, which LSOA boundaries often
follow. On the 144,231 Wirral rows of the Merseyside street files
(2014-01..11, 2018-01..2021-09) the polygons agree with the published LSOA for
95.6 % of rows (96.3 % of 4,624 distinct map points). Every disagreement lies
close to a boundary (99 % within 17 m; median 2 m), i.e. the point is on or
next to the true boundary line.

The method
----------
An area file may name a *reference point set* (``[reference_points]`` in the
TOML: ``file``, ``band_m``, ``radius_m``): locations whose LSOA has been
published, here every Wirral police.uk map point with the LSOA police.uk gave it
(the majority over all its rows; ties go to the latest month).
``build_reference`` builds it reproducibly from the shared police.uk files.
A point's polygon LSOA is replaced by a reference point's LSOA only when all of
these hold:

* the point lies within ``band_m`` of an LSOA boundary (where the generalised
  polygons are uncertain; nothing changes deeper inside an LSOA);
* a reference point lies within ``radius_m`` (the nearest one decides; if the
  nearest ones are equally near and disagree, the polygon stands);
* the reference LSOA is plausible: its polygon is within ``band_m`` of the point.

Without ``[reference_points]`` the hub uses polygons alone, so another local
authority needs only its own area file. Wards are always placed by polygon: the
reference set publishes LSOAs only, and Wirral's 2011 LSOAs do not all nest in
its wards (the wards were redrawn after the LSOAs were built).

What it is worth, measured honestly (``python -m saferhub.areas.evaluate``)
------------------------------------------------------------------------
Wirral rows (144,231) / distinct map points (4,624), shipped configuration
(``band_m = 25``, ``radius_m = 2``), share agreeing with the published LSOA:

* (a) polygons only: 95.63 % of rows, 96.35 % of points;
* (b) with the reference set, in sample: 99.92 % of rows, 100 % of points
  (what is left: map points police.uk has published with different LSOAs over time);
* (c) leave-one-point-out (each map point judged with itself removed from the
  reference set): 95.63 % of rows, 96.35 % of points, exactly the polygon figure;
* (c) temporal (reference from the 2018-2021 files only): on the 2014 rows whose
  map point is not in it (79 rows, 56 points) 100 % with or without the
  reference, again the polygon figure (a small sample); on the 2014 rows whose
  map point is in it (27,855 rows) 95.11 % by polygons and 99.61 % with the
  reference, so published assignments of map points hold from one period to another.

So the reference set is a look-up of *published* locations: it makes the hub
reproduce police.uk's LSOA for police.uk map points (the requirement, >= 99 %),
and it leaves every other point (partner records) to the polygons, neither
better nor worse. This is deliberate. Map points are sparse (99 % lie over 18 m
from the next; median 67 m), and a neighbour's published
LSOA does not predict a point's own: letting reference points speak for points
20, 30 or 50 m away makes unseen points *worse* (leave-one-point-out 95.20 %,
94.99 % and 93.69 % of rows; ``evaluate`` prints the curve), because a map point
on a boundary street lies on one side or the other by a metre or less, which no
neighbour 20 m along the street can tell. Other generalised layers (2021 LSOAs,
wards) share the same generalisation and add no independent information: only
full-resolution boundaries would do better for unseen points. Hence ``radius_m``
stays small: 2 m is far inside the spacing of map points and enough for
coordinates rounded to 5 decimal places or passed through a projection.

Speed: ``Areas.assign`` works on distinct locations, so the 768,759 Merseyside
rows (18,795 distinct locations) take about 0.2 s; 768,759 *distinct* random
points inside Wirral take about 1.6-2 s (the polygon tests themselves, on areas
cut into 500 m pieces; the reference look-up is a sorted-array search costing
under 0.1 s).
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Columns of a reference point file (CSV, optionally gzipped).
COLUMNS = ("easting", "northing", "lsoa11cd")

#: Candidate (point, reference point) pairs examined at a time, to bound memory.
_CHUNK_PAIRS = 2_000_000


@dataclass(frozen=True, eq=False)
class ReferencePoints:
    """Locations (British National Grid) whose LSOA has been published."""

    easting: np.ndarray
    northing: np.ndarray
    codes: np.ndarray  # object array of LSOA codes
    band_m: float
    radius_m: float
    _order: np.ndarray = field(init=False, repr=False)  # positions sorted by easting
    _code_ids: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not (self.band_m > 0 and self.radius_m > 0):
            raise ValueError("band_m and radius_m must be positive numbers of metres")
        e = np.asarray(self.easting, dtype=float)
        n = np.asarray(self.northing, dtype=float)
        codes = np.asarray(self.codes, dtype=object)
        if not (e.ndim == n.ndim == codes.ndim == 1 and len(e) == len(n) == len(codes)):
            raise ValueError("easting, northing and codes must be 1-d and of one length")
        if not (np.isfinite(e).all() and np.isfinite(n).all()):
            raise ValueError("reference points need finite coordinates")
        object.__setattr__(self, "easting", e)
        object.__setattr__(self, "northing", n)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "_order", np.argsort(e, kind="stable"))
        object.__setattr__(self, "_code_ids", np.unique(codes.astype(str), return_inverse=True)[1])

    def __len__(self) -> int:
        return len(self.codes)

    def with_settings(self, band_m: float | None = None, radius_m: float | None = None) -> ReferencePoints:
        """The same points with another band or radius."""
        return ReferencePoints(
            self.easting,
            self.northing,
            self.codes,
            band_m=self.band_m if band_m is None else band_m,
            radius_m=self.radius_m if radius_m is None else radius_m,
        )

    def nearest(
        self, easting: np.ndarray, northing: np.ndarray, exclude: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Points decided by a reference point within ``radius_m``, and that reference point.

        Returns (point positions, reference positions). The nearest reference point
        decides; where the equally nearest ones disagree on the LSOA, none does.
        ``exclude[i]`` names a reference point not to use for point i (-1: none),
        for leave-one-out evaluation. Non-finite coordinates are never decided.
        """
        x = np.asarray(easting, dtype=float).ravel()
        y = np.asarray(northing, dtype=float).ravel()
        none = np.empty(0, dtype=np.intp)
        if len(x) == 0 or len(self) == 0:
            return none, none
        r = self.radius_m
        sorted_e = self.easting[self._order]
        with np.errstate(invalid="ignore"):
            lo = np.searchsorted(sorted_e, x - r, side="left")
            hi = np.searchsorted(sorted_e, x + r, side="right")
        counts = np.where(np.isfinite(x) & np.isfinite(y), hi - lo, 0)
        found_q: list[np.ndarray] = []
        found_r: list[np.ndarray] = []
        # Candidates share the point's easting strip; expand them in bounded chunks.
        has = np.flatnonzero(counts)
        pairs = np.cumsum(counts[has])
        cuts = np.searchsorted(pairs, np.arange(_CHUNK_PAIRS, pairs[-1] if has.size else 0, _CHUNK_PAIRS))
        for chunk in np.split(has, cuts):
            if chunk.size:
                q, ref = self._nearest_in(chunk, lo[chunk], counts[chunk], x, y, exclude)
                found_q.append(q)
                found_r.append(ref)
        if not found_q:
            return none, none
        return np.concatenate(found_q), np.concatenate(found_r)

    def _nearest_in(
        self,
        queries: np.ndarray,
        lo: np.ndarray,
        counts: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        exclude: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        starts = np.cumsum(counts) - counts
        qi = np.repeat(queries, counts)
        ri = self._order[np.repeat(lo - starts, counts) + np.arange(counts.sum())]
        keep = np.abs(self.northing[ri] - y[qi]) <= self.radius_m
        if exclude is not None:
            keep &= ri != np.asarray(exclude)[qi]
        qi, ri = qi[keep], ri[keep]
        d = np.hypot(self.easting[ri] - x[qi], self.northing[ri] - y[qi])
        keep = d <= self.radius_m
        qi, ri, d = qi[keep], ri[keep], d[keep]
        if qi.size == 0:
            return qi, ri
        order = np.lexsort((d, qi))
        qi, ri, d = qi[order], ri[order], d[order]
        new_group = np.r_[True, qi[1:] != qi[:-1]]
        group = np.cumsum(new_group) - 1
        nearest = d <= d[new_group][group] + 1e-6
        qi, ri, new_group = qi[nearest], ri[nearest], new_group[nearest]
        first = np.flatnonzero(new_group)
        ids = self._code_ids[ri]
        agreed = np.minimum.reduceat(ids, first) == np.maximum.reduceat(ids, first)
        return qi[first][agreed], ri[first][agreed]

    def nearest_code(
        self, easting: np.ndarray, northing: np.ndarray, exclude: np.ndarray | None = None
    ) -> np.ndarray:
        """The LSOA of the deciding reference point for each point (None: none decides)."""
        result = np.full(np.asarray(easting).size, None, dtype=object)
        qi, ri = self.nearest(easting, northing, exclude)
        result[qi] = self.codes[ri]
        return result


def read_reference(path: Path, band_m: float, radius_m: float) -> ReferencePoints:
    """Reference points from a CSV (or .csv.gz) file with columns easting, northing, lsoa11cd."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {missing}")
        rows = [(float(r["easting"]), float(r["northing"]), r["lsoa11cd"]) for r in reader]
    return ReferencePoints(
        easting=np.array([r[0] for r in rows], dtype=float),
        northing=np.array([r[1] for r in rows], dtype=float),
        codes=np.array([r[2] for r in rows], dtype=object),
        band_m=band_m,
        radius_m=radius_m,
    )
