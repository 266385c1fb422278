"""Benchmark: import ~1,000,000 synthetic calls for service (one calls.csv.gz).

    python benchmarks/import_synthetic_calls.py [--backend sqlite|postgresql|both] [--scale S]

The file comes from SaferHub's synthetic data generator (``saferhub.synth.generate``)
at the generator scale that yields about 1,000,000 * S calls in 365 days: a small
calibration run gives calls per unit of generator scale. Generated files are cached in
benchmarks/bench-out/ and generation is never part of the measurement.

Ours: ``saferhub import calls calls.csv.gz --json`` in a child process into a fresh
database (validation, normalising ~1M caller mentions, placing, upsert, one transaction).
Baseline: pandas ``read_csv`` + ``to_sql`` of the same file, fresh database, child process.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from _common import OUT_DIR, backends, compare, emit, note, parse_args

TARGET_CALLS = 1_000_000
DAYS = 365
SEED = 0
CALIBRATION_SCALE = 0.2


def _count_rows(path: Path) -> int:
    import polars as pl

    return pl.read_csv(path, infer_schema=False).height


def _generate(folder: Path, scale: float) -> Path:
    """calls.csv.gz from the generator at ``scale`` (cached)."""
    from saferhub.synth import generate

    calls = folder / "calls.csv.gz"
    stamp = folder / ".generated.json"
    wanted = {"days": DAYS, "seed": SEED, "scale": scale}
    if calls.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return calls
    note(f"generating synthetic partner data: days={DAYS} seed={SEED} scale={scale:.4f} ...")
    started = time.perf_counter()
    generate(out_dir=folder, days=DAYS, seed=SEED, scale=scale)
    note(f"  generated in {time.perf_counter() - started:.0f}s")
    stamp.write_text(json.dumps(wanted))
    return calls


def _calls_per_scale() -> float:
    cache = OUT_DIR / "synth-calibration.json"
    wanted = {"days": DAYS, "seed": SEED, "scale": CALIBRATION_SCALE}
    if cache.exists():
        saved = json.loads(cache.read_text())
        if saved.get("run") == wanted:
            return float(saved["calls_per_scale"])
    folder = OUT_DIR / f"synth-calibration-s{CALIBRATION_SCALE}"
    rows = _count_rows(_generate(folder, CALIBRATION_SCALE))
    per_scale = rows / CALIBRATION_SCALE
    cache.write_text(json.dumps({"run": wanted, "calls": rows, "calls_per_scale": per_scale}))
    note(f"calibration: {rows:,} calls at scale {CALIBRATION_SCALE} -> {per_scale:,.0f} per 1.0")
    return per_scale


def synthetic_calls(size: float) -> tuple[Path, int, dict[str, Any]]:
    """The cached calls file of about TARGET_CALLS * size rows, its row count and provenance."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    per_scale = _calls_per_scale()
    scale = round(TARGET_CALLS * size / per_scale, 4)
    calls = _generate(OUT_DIR / f"synth-d{DAYS}-seed{SEED}-scale{scale:.4f}", scale)
    counted = OUT_DIR / f"{calls.parent.name}.rows"
    if counted.exists():
        rows = int(counted.read_text())
    else:
        rows = _count_rows(calls)
        counted.write_text(str(rows))
    info = {
        "generator": "saferhub.synth.generate",
        "generator_args": {"days": DAYS, "seed": SEED, "scale": scale},
        "calls_per_generator_scale": round(per_scale),
        "file": str(calls),
        "file_mb": round(calls.stat().st_size / 1e6, 1),
    }
    return calls, rows, info


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    calls, rows, info = synthetic_calls(args.scale)
    note(f"synthetic calls: {rows:,} rows in {calls}")
    for backend in backends(args.backend):
        emit(
            compare(
                name="import_synthetic_calls",
                backend=backend,
                files=[calls],
                feed="calls",
                table="calls",
                expected_read=rows,
                repeat=args.repeat,
                extra={"input": info},
            )
        )


if __name__ == "__main__":
    main()
