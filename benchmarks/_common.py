"""Shared machinery of the benchmarks: child processes, fresh databases, result lines.

Every measured job (SaferHub's import, or the pandas baseline) runs in its own child
process. Its wall-clock time is measured around the child, and its peak resident memory
is the ``ru_maxrss`` that ``os.wait4`` returns for exactly that child (Linux: KiB), so
one job's memory never leaks into another's figure.

Results go to stdout as one JSON object per line; everything meant for people goes to
stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "bench-out"  # generated inputs are cached here (git-ignored)
BACKENDS = ("sqlite", "postgresql")
PG_SERVER = os.environ.get("SAFERHUB_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_ADMIN_DB = os.environ.get("SAFERHUB_BENCH_PG_ADMIN_DB", "test")
PYTHON = sys.executable


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(description: str, default_scale: float = 1.0) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument(
        "--scale",
        type=float,
        default=default_scale,
        help="Size multiplier of the input (1.0 = the full benchmark).",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="Measure ours and the baseline this many times each and keep the best.",
    )
    return parser.parse_args()


def backends(choice: str) -> tuple[str, ...]:
    return BACKENDS if choice == "both" else (choice,)


# ----------------------------------------------------------------------------------------
# Child processes


@dataclass
class Run:
    """One finished child process."""

    seconds: float
    peak_memory_mb: float
    returncode: int
    stdout: str
    stderr: str

    def check(self, what: str) -> Run:
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {self.returncode}):\n{self.stderr[-4000:]}")
        return self


def run_child(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run ``cmd``; its wall time and its own peak RSS (from ``os.wait4``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            peak_memory_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def warm(paths: Sequence[Path]) -> None:
    """Read the inputs once so neither side pays for a cold page cache."""
    for path in paths:
        with path.open("rb") as fh:
            while fh.read(1 << 22):
                pass


# ----------------------------------------------------------------------------------------
# Fresh databases


@contextlib.contextmanager
def fresh_database(backend: str, label: str) -> Iterator[tuple[str, Path]]:
    """A new, empty database and a scratch folder; both removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=f"saferhub-bench-{label}-"))
    try:
        if backend == "sqlite":
            yield f"sqlite:///{scratch / 'bench.db'}", scratch
            return
        name = f"bench_{label}_{uuid.uuid4().hex[:10]}".lower()
        _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_SERVER}/{name}", scratch
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _pg_admin(sql: str) -> None:
    import psycopg

    dsn = PG_SERVER.replace("postgresql+psycopg://", "postgresql://") + f"/{PG_ADMIN_DB}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def scalar(url: str, sql: str) -> Any:
    """One value from the database at ``url`` (outside any measurement)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------------------
# The two sides


def saferhub_command() -> list[str]:
    script = Path(PYTHON).parent / "saferhub"
    return [str(script)] if script.exists() else [PYTHON, "-m", "saferhub.cli"]


@dataclass
class Ours:
    run: Run
    summaries: list[dict[str, Any]]
    events_in_store: int
    mentions_in_store: int
    quarantine_reasons: dict[str, int]


def _quarantine_reasons(summaries: list[dict[str, Any]]) -> dict[str, int]:
    """How often each reason was given in the quarantine files the import wrote."""
    import csv
    import gzip
    from collections import Counter

    counts: Counter[str] = Counter()
    for summary in summaries:
        path = summary.get("quarantine")
        if not path or not Path(path).exists():
            continue
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                counts.update(r.strip() for r in row["reasons"].split("; ") if r.strip())
    return dict(counts.most_common(10))


def run_saferhub_import(backend: str, feed: str, files: Sequence[Path]) -> Ours:
    """``saferhub import FEED FILES --json`` into a fresh database, in a child process."""
    with fresh_database(backend, "ours") as (url, scratch):
        env = {"SAFERHUB_DATABASE_URL": url, "SAFERHUB_DATA_DIR": str(scratch / "data")}
        cmd = [*saferhub_command(), "import", feed, *map(str, files), "--json"]
        run = run_child(cmd, env=env, cwd=scratch).check("saferhub import")
        summaries = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
        events = int(scalar(url, "SELECT count(*) FROM events"))
        mentions = int(scalar(url, "SELECT count(*) FROM person_mentions"))
        reasons = _quarantine_reasons(summaries)
    return Ours(
        run=run,
        summaries=summaries,
        events_in_store=events,
        mentions_in_store=mentions,
        quarantine_reasons=reasons,
    )


@dataclass
class Baseline:
    run: Run
    rows_in_table: int
    report: dict[str, Any] = field(default_factory=dict)


def run_pandas_baseline(backend: str, table: str, files: Sequence[Path]) -> Baseline:
    """``pandas.read_csv`` + ``DataFrame.to_sql`` of ``files`` into a fresh database, in a child."""
    with fresh_database(backend, "base") as (url, scratch):
        cmd = [PYTHON, str(BENCH_DIR / "_pandas_baseline.py"), url, table, *map(str, files)]
        run = run_child(cmd, cwd=scratch).check("pandas baseline")
        report = json.loads(run.stdout.strip().splitlines()[-1])
        rows = int(scalar(url, f"SELECT count(*) FROM {table}"))
    return Baseline(run=run, rows_in_table=rows, report=report)


def best(runs: list[Any]) -> Any:
    return min(runs, key=lambda r: r.run.seconds)


# ----------------------------------------------------------------------------------------
# Result lines

TARGET = "ratio <= 1.0: SaferHub's full import no slower than pandas read_csv + to_sql"


def compare(
    *,
    name: str,
    backend: str,
    files: Sequence[Path],
    feed: str,
    table: str,
    expected_read: int | None,
    repeat: int,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Measure ours and the baseline on ``backend`` and build the result object."""
    warm(files)
    ours_runs, base_runs = [], []
    for i in range(max(1, repeat)):
        note(f"[{name}/{backend}] run {i + 1}: pandas baseline ...")
        base_runs.append(run_pandas_baseline(backend, table, files))
        note(f"[{name}/{backend}]   baseline {base_runs[-1].run.seconds:.1f}s; saferhub import ...")
        ours_runs.append(run_saferhub_import(backend, feed, files))
        note(f"[{name}/{backend}]   ours {ours_runs[-1].run.seconds:.1f}s")
    ours, base = best(ours_runs), best(base_runs)
    totals = {
        k: sum(int(s.get(k) or 0) for s in ours.summaries)
        for k in ("read", "imported", "updated", "unchanged", "quarantined")
    }
    refused = [s["file"] for s in ours.summaries if s.get("refused")]
    add_up = totals["read"] == totals["imported"] + totals["updated"] + totals["quarantined"]
    verified = (
        add_up
        and not refused
        and len(ours.summaries) == len(files)
        and (expected_read is None or totals["read"] == expected_read)
        and ours.events_in_store == totals["imported"]
        and base.rows_in_table == base.report.get("rows_read")
    )
    import_seconds = sum(float(s.get("seconds") or 0) for s in ours.summaries)
    ratio = ours.run.seconds / base.run.seconds
    details: dict[str, Any] = {
        "files": len(files),
        "repeat": max(1, repeat),
        "counts": {**totals, "expected_read": expected_read, "refused_files": refused},
        "counts_add_up": add_up,
        "verified": verified,
        "events_in_store": ours.events_in_store,
        "mentions_in_store": ours.mentions_in_store,
        "quarantine_reasons": ours.quarantine_reasons,
        # Files overlap (the next is prepared while one is stored), so per-file times add up
        # to more than the wall time; the wall time is the measurement.
        "saferhub_per_file_seconds_summed": round(import_seconds, 2),
        "baseline": {
            "what": "pandas.read_csv + DataFrame.to_sql(if_exists='append', index=False), per file",
            "method": None,
            "chunksize": None,
            "rows_in_table": base.rows_in_table,
            "peak_memory_mb": round(base.run.peak_memory_mb, 1),
            **base.report,
        },
        "all_seconds": {
            "ours": [round(r.run.seconds, 2) for r in ours_runs],
            "baseline": [round(r.run.seconds, 2) for r in base_runs],
        },
        **(extra or {}),
    }
    return {
        "name": name,
        "backend": backend,
        "rows": totals["read"],
        "seconds": round(ours.run.seconds, 2),
        "baseline_seconds": round(base.run.seconds, 2),
        "ratio": round(ratio, 3),
        "peak_memory_mb": round(ours.run.peak_memory_mb, 1),
        "target": TARGET,
        "met": bool(verified and ratio <= 1.0),
        "details": details,
    }


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result), flush=True)
