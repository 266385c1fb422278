"""How often the hub's LSOA for a police.uk row is the LSOA police.uk published.

    python -m saferhub.areas.evaluate [--street-dir DIR] [--areas-file TOML] [--no-timing]

prints a JSON object. Rows are the located street-crime rows whose published LSOA
is one of the area's; a *point* is a distinct map point, judged against the LSOA
most of its rows carry. Agreement is given per row and per point for:

* ``polygon_only``: (a) generalised polygons alone;
* ``in_sample``: (b) the shipped configuration (reference built from every row);
* ``leave_one_point_out``: (c) each map point judged with itself removed from a
  reference set built from every row: the figure for points never seen;
* ``temporal``: (c) reference built from the 2018-2021 files only, judged on the
  2014 rows whose map point is not in it (and, separately, on those whose point is);
* ``by_radius``: in-sample and leave-one-point-out for other ``radius_m`` values,
  which shows why the shipped radius is small;
* ``assign_seconds``: time of ``Areas.assign`` on every Merseyside row, and on as
  many distinct random points inside the area.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import shapely

from saferhub.areas.boundaries import Areas, load_areas
from saferhub.areas.build_reference import (
    DEFAULT_AREAS_FILE,
    DEFAULT_STREET_DIR,
    read_rows,
    reference_table,
    street_files,
)
from saferhub.areas.projection import to_bng
from saferhub.areas.reference import ReferencePoints

RADII = (2.0, 5.0, 10.0, 20.0, 30.0, 50.0)


def _reference(table: pl.DataFrame, band_m: float, radius_m: float) -> ReferencePoints:
    return ReferencePoints(
        table["easting"].to_numpy(),
        table["northing"].to_numpy(),
        table["lsoa11cd"].to_numpy().astype(object),
        band_m=band_m,
        radius_m=radius_m,
    )


class _Judge:
    """Rows grouped by map point; scores a prediction per point against rows and points."""

    def __init__(self, rows: pl.DataFrame) -> None:
        self.points = reference_table(rows)
        keyed = rows.join(
            self.points.select("Longitude", "Latitude").with_row_index("point"),
            on=["Longitude", "Latitude"],
            how="left",
        )
        self.row_point = keyed["point"].to_numpy().astype(np.intp)
        self.row_code = keyed["LSOA code"].to_numpy().astype(object)
        self.point_code = self.points["lsoa11cd"].to_numpy().astype(object)
        # The points' own positions (not the 0.1 m rounding kept in a reference file).
        self.x, self.y = to_bng(self.points["Longitude"].to_numpy(), self.points["Latitude"].to_numpy())

    def score(self, predicted: np.ndarray) -> dict[str, float | int]:
        return {
            "rows": len(self.row_code),
            "points": len(self.point_code),
            "row_agreement": round(float(np.mean(predicted[self.row_point] == self.row_code)), 5),
            "point_agreement": round(float(np.mean(predicted == self.point_code)), 5),
        }


def evaluate(
    street_dir: Path = DEFAULT_STREET_DIR,
    areas_file: Path = DEFAULT_AREAS_FILE,
    radii: Sequence[float] = RADII,
    timing: bool = True,
) -> dict[str, Any]:
    """The figures described in the module docstring, as a dict."""
    areas = load_areas(Path(areas_file))
    if areas.reference is None:
        raise ValueError(f"{areas_file}: has no [reference_points] to evaluate")
    band, radius = areas.reference.band_m, areas.reference.radius_m
    everything = read_rows(street_files(Path(street_dir)))
    rows = everything.filter(pl.col("LSOA code").is_in(areas.lsoa.codes.tolist()))
    judge = _Judge(rows)
    full = _reference(judge.points, band, radius)
    own = np.arange(len(full), dtype=np.intp)  # point i is reference point i

    def loo(ref: ReferencePoints) -> dict[str, float | int]:
        return judge.score(areas.assign_lsoa(judge.x, judge.y, reference=ref, exclude=own))

    e, n = to_bng(rows["Longitude"].to_numpy(), rows["Latitude"].to_numpy())
    shipped_rows = areas.assign(e, n)[0]
    in_sample = judge.score(areas.assign_lsoa(judge.x, judge.y))
    in_sample["row_agreement"] = round(float(np.mean(shipped_rows == judge.row_code)), 5)
    shipped = areas.reference
    result: dict[str, Any] = {
        "area": areas.name,
        "band_m": band,
        "radius_m": radius,
        "reference_points": len(shipped),
        "shipped_reference_equals_rebuild": _same_points(shipped, full),
        "polygon_only": judge.score(areas.assign_lsoa(judge.x, judge.y, reference=None)),
        "in_sample": in_sample,
        "leave_one_point_out": loo(full),
        "temporal": _temporal(areas, rows, band, radius),
        "by_radius": {
            str(r): {
                "in_sample": judge.score(
                    areas.assign_lsoa(judge.x, judge.y, reference=full.with_settings(radius_m=r))
                ),
                "leave_one_point_out": loo(full.with_settings(radius_m=r)),
            }
            for r in radii
        },
    }
    if timing:
        result["assign_seconds"] = _timing(areas, everything)
    return result


def _same_points(a: ReferencePoints, b: ReferencePoints) -> bool:
    def key(r: ReferencePoints) -> list[tuple[float, float, str]]:
        return sorted(zip(r.easting.tolist(), r.northing.tolist(), r.codes.tolist(), strict=True))

    return key(a) == key(b)


def _temporal(areas: Areas, rows: pl.DataFrame, band: float, radius: float) -> dict[str, Any]:
    """Reference from 2018-2021 rows, judged on 2014 rows (unseen and seen points apart)."""
    late = reference_table(rows.filter(pl.col("Month") >= "2018"))
    early = rows.filter(pl.col("Month") < "2015")
    seen = early.join(late.select("Longitude", "Latitude"), on=["Longitude", "Latitude"], how="semi")
    unseen = early.join(late.select("Longitude", "Latitude"), on=["Longitude", "Latitude"], how="anti")
    ref = _reference(late, band, radius)
    out: dict[str, Any] = {"reference_points": len(ref)}
    for name, part in (("unseen_points", unseen), ("seen_points", seen)):
        judge = _Judge(part)
        out[name] = {
            "polygon_only": judge.score(areas.assign_lsoa(judge.x, judge.y, reference=None)),
            "with_reference": judge.score(areas.assign_lsoa(judge.x, judge.y, reference=ref)),
        }
    return out


def _timing(areas: Areas, everything: pl.DataFrame) -> dict[str, Any]:
    e, n = to_bng(everything["Longitude"].to_numpy(), everything["Latitude"].to_numpy())
    rows_s = _best_of(3, lambda: areas.assign(e, n))
    land = shapely.union_all(areas.lsoa.geometries)
    x0, y0, x1, y1 = land.bounds
    rng = np.random.default_rng(20140101)
    x, y = rng.uniform(x0, x1, 4 * len(e)), rng.uniform(y0, y1, 4 * len(e))
    inside = shapely.contains_xy(land, x, y)
    x, y = x[inside][: len(e)], y[inside][: len(e)]
    distinct_s = _best_of(3, lambda: areas.assign(x, y))
    return {
        "rows": len(e),
        "distinct_locations_in_rows": int(np.unique(e + 1j * n).size),
        "rows_s": round(rows_s, 3),
        "distinct_random_points": len(x),
        "distinct_random_points_s": round(distinct_s, 3),
    }


def _best_of(times: int, run: Any) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--street-dir", type=Path, default=DEFAULT_STREET_DIR)
    parser.add_argument("--areas-file", type=Path, default=DEFAULT_AREAS_FILE)
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(evaluate(args.street_dir, args.areas_file, timing=not args.no_timing), indent=2))


if __name__ == "__main__":
    main()
