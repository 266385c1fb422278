"""Benchmark: link ~1,000,000 person mentions from empty, then one day's new records.

    python benchmarks/link_people.py [--mentions N] [--seed S]

Inputs come from SaferHub's synthetic generator (cached in benchmarks/bench-out/): every
partner file is split into all days but the last (the history) and the last day. The
history is imported into a SQLite store once (not measured). Then, each in its own child
process so that wall time and peak memory are its own:

- ours, from empty: ``link_people`` on a fresh copy of the store (training included);
- baseline: exact match on cleaned forename + surname + date of birth;
- incremental: the last day's files imported (not measured), then ``link_people`` again.

Prints one JSON object on stdout: name, rows, seconds, baseline_seconds, peak_memory_mb,
precision/recall/f1 of ours and of the baseline against the generator's truth, and the
incremental run's rows and seconds. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "bench-out" / "link-people"
DAYS = 365
MENTIONS_PER_SCALE = 165_600  # person mentions per unit of generator scale over 365 days
FEEDS = {  # feed: (file, the column that dates a row)
    "calls": ("calls.csv.gz", "received_at"),
    "asb-reports": ("asb-reports.csv.gz", "reported_at"),
    "fire-incidents": ("fire-incidents.csv.gz", "occurred_at"),
    "referrals": ("referrals.csv.gz", "referred_at"),
    "intelligence": ("intelligence.csv.gz", "recorded_at"),
}


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ inputs


def prepare_inputs(mentions: int, seed: int) -> Path:
    """Generated files split into history/ and last_day/, and history imported (cached)."""
    import polars as pl

    from saferhub.synth import generate

    scale = round(mentions / MENTIONS_PER_SCALE, 3)
    folder = OUT_DIR / f"m{mentions}-s{seed}"
    stamp = folder / "ready.json"
    if stamp.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    note(f"generating synthetic partner data (scale {scale}, seed {seed}) ...")
    generate(out_dir=folder / "all", days=DAYS, seed=seed, scale=scale)
    for part in ("history", "last_day"):
        (folder / part).mkdir(parents=True)
    for name, column in FEEDS.values():
        frame = pl.read_csv(folder / "all" / name, infer_schema=False)
        day = frame[column].str.slice(0, 10)
        last = day.max()
        frame.filter(day != last).write_csv(folder / "history" / name.removesuffix(".gz"))
        frame.filter(day == last).write_csv(folder / "last_day" / name.removesuffix(".gz"))
    note("importing the history (not measured) ...")
    _import(folder / "history.db", folder / "history")
    stamp.write_text(json.dumps({"mentions": mentions, "seed": seed, "scale": scale}))
    return folder


def _import(db: Path, files: Path) -> None:
    from saferhub.config import Settings
    from saferhub.services import import_partner_file, open_store

    settings = Settings(database_url=f"sqlite:///{db}", data_dir=db.parent / "hub")
    engine = open_store(settings)
    for feed, (name, _column) in FEEDS.items():
        import_partner_file(
            settings=settings, engine=engine, feed=feed, path=files / name.removesuffix(".gz")
        )
    engine.dispose()


# ------------------------------------------------------------------------------ children


def child(job: str, db: Path) -> None:
    """Run one measured job and print its result as JSON."""
    from saferhub.store import connect

    engine = connect(f"sqlite:///{db}")
    if job == "link":
        from saferhub.linking import link_people

        print(json.dumps(link_people(engine=engine).as_dict()))
    elif job == "baseline":
        import polars as pl

        from saferhub.linking.features import prepare, read_mentions

        with engine.connect() as conn:
            mentions = read_mentions(conn)
        f = prepare(mentions)
        key = pl.when(
            pl.col("fn").is_not_null() & pl.col("ln").is_not_null() & pl.col("dob").is_not_null()
        ).then(pl.concat_str(["fn", "ln", "dob"], separator="|"))
        out = mentions.select("feed", "agency", "source_id", "role").with_columns(
            person_id=pl.coalesce(f.select(key).to_series(), pl.format("m{}", mentions["mention_id"]))
        )
        out.write_parquet(db.with_suffix(".baseline.parquet"))
        print(json.dumps({"rows": out.height}))


def measure(job: str, db: Path) -> tuple[dict[str, Any], float, float]:
    """(the child's JSON, wall seconds, peak memory MB) of one job in a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", job, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{job} failed:\n{stderr[-4000:]}")
    return json.loads(stdout.strip().splitlines()[-1]), seconds, usage.ru_maxrss / 1024


def scores(predicted: Any, truth: Any) -> dict[str, float]:
    from saferhub.linking.evaluate import pairwise_scores

    s = pairwise_scores(predicted, truth)
    return {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=None, help="Default: 1,000,000 x --scale.")
    parser.add_argument("--seed", type=int, default=11)
    # The runner's options: linking runs in DuckDB whatever the store, so the store here
    # is always a SQLite file; --repeat is not supported (one run of each job).
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", choices=("link", "baseline"))
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db)
        return

    import polars as pl

    from saferhub.linking import person_links
    from saferhub.linking.evaluate import read_truth
    from saferhub.store import connect, upgrade

    if args.backend == "postgresql":
        note("link_people: linking runs in DuckDB; measured on a SQLite store only")
        return
    mentions = args.mentions or int(1_000_000 * args.scale)
    folder = prepare_inputs(mentions, args.seed)
    truth = read_truth(folder / "all" / "truth" / "mentions.csv")
    db = folder / "work.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(folder / "history.db", db)
    upgrade(f"sqlite:///{db}")  # a cached store may predate the newest migration, as `saferhub link`'s would

    note("linking from empty ...")
    ours, seconds, memory = measure("link", db)
    engine = connect(f"sqlite:///{db}")
    ours_scores = scores(person_links(engine=engine), truth)
    note(f"  {ours['mentions']:,} mentions in {seconds:.1f}s: {ours_scores}")

    note("baseline: exact match on cleaned name + date of birth ...")
    _b, baseline_seconds, baseline_memory = measure("baseline", db)
    baseline_scores = scores(pl.read_parquet(db.with_suffix(".baseline.parquet")), truth)
    note(f"  {baseline_seconds:.1f}s: {baseline_scores}")

    note("importing the last day (not measured), then linking it ...")
    _import(db, folder / "last_day")
    inc, inc_seconds, inc_memory = measure("link", db)
    inc_scores = scores(person_links(engine=engine), truth)
    note(f"  {inc['new_mentions']:,} new mentions in {inc_seconds:.1f}s: {inc_scores}")

    print(
        json.dumps(
            {
                "name": "link_people",
                "backend": "sqlite",
                "rows": ours["mentions"],
                "seconds": round(seconds, 2),
                "baseline_seconds": round(baseline_seconds, 2),
                "peak_memory_mb": round(memory, 1),
                "baseline_peak_memory_mb": round(baseline_memory, 1),
                **ours_scores,
                **{f"baseline_{k}": v for k, v in baseline_scores.items()},
                "people": ours["people"],
                "review_pairs": ours["review_pairs"],
                "incremental_rows": inc["new_mentions"],
                "incremental_seconds": round(inc_seconds, 2),
                "incremental_peak_memory_mb": round(inc_memory, 1),
                **{f"incremental_{k}": v for k, v in inc_scores.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
