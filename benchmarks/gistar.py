"""Benchmark: Gi* hotspots for all Merseyside ASB (~182,000 points) on a 100 m grid, vs esda.

    python benchmarks/gistar.py [--scale S] [--repeat N] [--backend ...]  (no database: backend ignored)

Input: every anti-social behaviour row with coordinates in the Merseyside police.uk
street files (all 55 months), projected to British National Grid; cached in
benchmarks/bench-out/gistar/. The grid is 100 m cells over the points' convex hull.

Each job runs in a child process of its own (peak memory from ``os.wait4``) and times
itself inside, after loading the points, so Python start-up and imports count for neither:

- ours: ``hotspot_gistar(points, cell_size=100)`` end to end (grid, counts, Gi* z, p-values,
  FDR adjustment, the result frame), and ``scores_on_grid`` alone (the statistic on counts);
- esda: on the same grid and counts (built outside its timing), the binary neighbour lists
  of the 8 surrounding cells, ``libpysal.weights.W``, then ``esda.G_Local(star=True,
  transform="B", permutations=0)``.

Equal results: esda's ``Zs`` and ours must agree to 1e-9 on every cell. The target is the
statistic at least 100x faster than esda's ``G_Local``. Then, to show how the cost grows,
ours runs on 1x, 2x, 5x and 10x the points (each point repeated with 25 m of jitter) and
esda on 1x and 10x. Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from _common import BENCH_DIR, PYTHON, note, run_child

DATA = Path("/work/shared/data/police_uk/merseyside/street")
OUT = BENCH_DIR / "bench-out" / "gistar"
CELL_M = 100.0
MULTIPLIERS = (1, 2, 5, 10)
TARGET = "esda G_Local seconds / our Gi* statistic seconds >= 100, with equal z-scores (1e-9)"


def prepare_points(scale: float) -> Path:
    """All Merseyside ASB points in BNG as an (n, 2) array file (cached)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"asb-s{scale:g}.npy"
    if path.exists():
        return path
    import polars as pl

    from saferhub.areas import to_bng

    files = sorted(DATA.glob("*.csv.gz"))
    if not files:
        raise SystemExit(f"no police.uk files in {DATA}")
    frame = pl.concat(
        pl.read_csv(f, columns=["Longitude", "Latitude", "Crime type"], infer_schema_length=0) for f in files
    ).filter((pl.col("Crime type") == "Anti-social behaviour") & pl.col("Longitude").is_not_null())
    lon = frame["Longitude"].cast(pl.Float64).to_numpy()
    lat = frame["Latitude"].cast(pl.Float64).to_numpy()
    e, n = to_bng(lon, lat)
    xy = np.column_stack([e, n])
    if scale < 1:
        xy = xy[: max(1, round(len(xy) * scale))]
    np.save(path, xy)
    return path


def multiplied(xy: np.ndarray, k: int) -> np.ndarray:
    """k copies of the points, each copy after the first jittered by N(0, 25 m) (fixed seed)."""
    if k == 1:
        return xy
    rng = np.random.default_rng(k)
    copies = [xy] + [xy + rng.normal(0, 25.0, xy.shape) for _ in range(k - 1)]
    return np.concatenate(copies)


# ------------------------------------------------------------------------------ child jobs


def job_ours(points: Path, k: int, out: Path) -> dict[str, Any]:
    import polars as pl

    from saferhub.analysis.grid import make_grid
    from saferhub.analysis.hotspot_gistar import hotspot_gistar, scores_on_grid

    xy = multiplied(np.load(points), k)
    frame = pl.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1]})
    started = time.perf_counter()
    result = hotspot_gistar(frame, cell_size=CELL_M)
    end_to_end = time.perf_counter() - started
    grid, _ = make_grid(xy[:, 0], xy[:, 1], cell_size=CELL_M)
    counts = grid.raster(xy[:, 0], xy[:, 1])
    started = time.perf_counter()
    scores_on_grid(grid, counts, neighbour_distance=CELL_M * np.sqrt(2), critical_p=0.05)
    statistic = time.perf_counter() - started
    np.save(out, result.cells["gistar"].to_numpy())
    return {
        "end_to_end_seconds": end_to_end,
        "statistic_seconds": statistic,
        "points": len(xy),
        "cells": result.cells.height,
        "hotspots": result.parameters["hotspots"],
    }


def job_esda(points: Path, k: int, out: Path) -> dict[str, Any]:
    import esda
    import libpysal

    from saferhub.analysis.grid import make_grid

    xy = multiplied(np.load(points), k)
    grid, _ = make_grid(xy[:, 0], xy[:, 1], cell_size=CELL_M)
    y = grid.raster(xy[:, 0], xy[:, 1]).ravel()[grid.cells]
    started = time.perf_counter()
    flat = grid.cells
    position = np.full(grid.nx * grid.ny, -1)
    position[flat] = np.arange(flat.size)
    row, col = np.divmod(flat, grid.nx)
    around = []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                r, c = row + dr, col + dc
                ok = (r >= 0) & (r < grid.ny) & (c >= 0) & (c < grid.nx)
                j = np.full(flat.size, -1)
                j[ok] = position[r[ok] * grid.nx + c[ok]]
                around.append(j)
    table = np.column_stack(around)
    neighbours = {i: [int(j) for j in r if j >= 0] for i, r in enumerate(table)}
    lists = time.perf_counter() - started
    started = time.perf_counter()
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    weights = time.perf_counter() - started
    started = time.perf_counter()
    g = esda.G_Local(y.astype(float), w, transform="B", star=True, permutations=0)
    g_local = time.perf_counter() - started
    np.save(out, np.asarray(g.Zs))
    return {
        "neighbour_lists_seconds": lists,
        "weights_seconds": weights,
        "g_local_seconds": g_local,
        "points": len(xy),
        "cells": int(flat.size),
    }


# ------------------------------------------------------------------------------ parent


def measure(side: str, points: Path, k: int, repeat: int) -> dict[str, Any]:
    best: dict[str, Any] | None = None
    for _ in range(max(1, repeat)):
        out = OUT / f"z-{side}-{k}.npy"
        run = run_child([PYTHON, __file__, "--job", side, "--points", str(points), "--k", str(k),
                         "--out", str(out)]).check(f"{side} x{k}")  # fmt: skip
        report = json.loads(run.stdout.strip().splitlines()[-1])
        report["peak_memory_mb"] = round(run.peak_memory_mb, 1)
        report["z_file"] = str(out)
        key = "statistic_seconds" if side == "ours" else "g_local_seconds"
        if best is None or report[key] < best[key]:
            best = report
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="none", help="Ignored: this benchmark uses no database.")
    parser.add_argument("--scale", type=float, default=1.0, help="Share of the points (1.0 = all).")
    parser.add_argument("--repeat", type=int, default=1, help="Best of N measurements of each side.")
    parser.add_argument("--job", choices=("ours", "esda"), help=argparse.SUPPRESS)
    parser.add_argument("--points", help=argparse.SUPPRESS)
    parser.add_argument("--k", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        job = job_ours if args.job == "ours" else job_esda
        print(json.dumps(job(Path(args.points), args.k, Path(args.out))), flush=True)
        return
    points = prepare_points(args.scale)
    note(f"[gistar] {len(np.load(points)):,} ASB points; esda x1 ...")
    esda_runs = {1: measure("esda", points, 1, args.repeat)}
    ours_runs = {}
    for k in MULTIPLIERS:
        note(f"[gistar] ours x{k} ...")
        ours_runs[k] = measure("ours", points, k, args.repeat)
    note("[gistar] esda x10 ...")
    esda_runs[10] = measure("esda", points, 10, args.repeat)
    equal = {}
    for k, e in esda_runs.items():
        diff = np.abs(np.load(e["z_file"]) - np.load(ours_runs[k]["z_file"]))
        equal[k] = float(diff.max())
    ours, base = ours_runs[1], esda_runs[1]
    speedup = base["g_local_seconds"] / ours["statistic_seconds"]
    esda_total = base["neighbour_lists_seconds"] + base["weights_seconds"] + base["g_local_seconds"]
    verified = all(d <= 1e-9 for d in equal.values()) and ours["cells"] == base["cells"]
    growth = {
        f"x{k}": {
            "points": r["points"],
            "cells": r["cells"],
            "ours_statistic_seconds": round(r["statistic_seconds"], 4),
            "ours_end_to_end_seconds": round(r["end_to_end_seconds"], 4),
            "ours_peak_memory_mb": r["peak_memory_mb"],
            **(
                {
                    "esda_g_local_seconds": round(esda_runs[k]["g_local_seconds"], 3),
                    "esda_weights_seconds": round(
                        esda_runs[k]["neighbour_lists_seconds"] + esda_runs[k]["weights_seconds"], 3
                    ),
                    "max_abs_z_difference": equal[k],
                }
                if k in esda_runs
                else {}
            ),
        }
        for k, r in ours_runs.items()
    }
    emit_result = {
        "name": "gistar",
        "backend": "in-memory",
        "rows": ours["points"],
        "seconds": round(ours["statistic_seconds"], 4),
        "baseline_seconds": round(base["g_local_seconds"], 3),
        "ratio": round(ours["statistic_seconds"] / base["g_local_seconds"], 5),
        "speedup": round(speedup, 1),
        "peak_memory_mb": ours["peak_memory_mb"],
        "target": TARGET,
        "met": bool(verified and speedup >= 100),
        "details": {
            "cell_size_m": CELL_M,
            "cells": ours["cells"],
            "hotspots": ours["hotspots"],
            "max_abs_z_difference": equal[1],
            "verified": verified,
            "ours_end_to_end_seconds": round(ours["end_to_end_seconds"], 4),
            "esda_with_weights_seconds": round(esda_total, 3),
            "end_to_end_speedup": round(esda_total / ours["end_to_end_seconds"], 1),
            "baseline": {
                "what": "esda.G_Local(y, libpysal W of the 8 surrounding cells, transform='B', star=True, "
                "permutations=0) on the same grid and counts",
                "peak_memory_mb": base["peak_memory_mb"],
            },
            "growth": growth,
            "repeat": max(1, args.repeat),
            "input": f"anti-social behaviour rows with coordinates in {DATA}/*.csv.gz (scale {args.scale:g})",
        },
    }
    print(json.dumps(emit_result), flush=True)


if __name__ == "__main__":
    main()
