"""Benchmark: the frequent-callers lists over 500,000 and 5,000,000 calls, SQLite and PostgreSQL.

    python benchmarks/frequent_callers.py [--backend sqlite|postgresql|both] [--scale S]
                                          [--repeat N]

Building a 5-million-call store through the full import and linking would take far too
long, so the stores are filled directly with a fast bulk load of synthetic rows (not
through the import): ``events`` (calls, plus 10% ASB reports that the analysis must skip),
``person_mentions`` (60% of calls name the caller), ``person_links`` (who those callers
are), ``places`` and ``event_places`` (70% of calls at a place). Call rates per person are
gamma-distributed, calibrated to SaferHub's synthetic generator (about 1.7 calls per caller
a year; the 17% of callers with 3 or more make about 38% of named calls), which gives a
heavy list: about 30,000 people at 5 million calls. One person in 5,000 is planted with a
burst of 5-9 calls in one calendar month, and one place in 20,000 is a care home with
16-24 calls in one month; every planted person and home must be listed (``verified``).
Dates of birth are known for 70% of people; a fifth of people are children.

The built stores are cached (SQLite files under benchmarks/bench-out/frequent-callers/,
PostgreSQL databases named ``bench_fc_<calls>_s1`` kept on the server). Each measurement
runs ``frequent_callers(engine=..., as_of=...)`` in a child process of its own, once for
people (the frequent-callers list, the target) and once for addresses: ``seconds`` is the
analysis alone (after imports and connecting), ``process_seconds`` the whole child.
``scale`` 1.0 measures 500,000 and 5,000,000 calls (the 1x and 10x points); 0.1 measures
50,000 and 500,000. Target: people over 5,000,000 calls in at most 5 s.

Baseline, in the same run on the same store, each in a child process of its own: what an
analyst might do by hand with pandas (``baseline_child``): read every named call of the 365
days with its linked person, count per person and calendar month, list those with 5 or more
in a month. It applies one FreCaNN rule of the four, with no ages, trends, costs or access
rules, so it is a floor to compare against rather than the same work.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT_DIR, PG_SERVER, _pg_admin, backends, emit, note, parse_args, run_child

FOLDER = OUT_DIR / "frequent-callers"
AS_OF = dt.date(2026, 11, 25)
TARGET_SECONDS = 5.0
AGENCIES = ("police", "ambulance", "council", "fire")
AGENCY_SHARE = (0.72, 0.22, 0.03, 0.03)
CATEGORIES = ("asb", "crime", "medical", "welfare", "mental_health", "domestic", "fire", "other")
CHANNELS = ("999", "101", "phone", "online")
FORMAT = 3  # bump when the generated rows change, so cached stores are rebuilt


# ------------------------------------------------------------------------------ rows


def _ids(prefix: str, x: np.ndarray) -> pl.Series:
    """Opaque 13-character ids like P000000001234."""
    v = pl.Series(x.astype(np.int64))
    return pl.select(pl.lit(prefix) + (pl.lit(v) + 10**12).cast(pl.String).str.slice(1)).to_series()


def _seconds(x: np.ndarray) -> np.ndarray:
    return x.astype("timedelta64[s]")


def make_rows(calls: int, seed: int) -> tuple[dict[str, pl.DataFrame], int]:
    """events, person_mentions and person_links frames; and how many people were planted."""
    rng = np.random.default_rng(seed)
    end = np.datetime64(AS_OF.isoformat(), "s") + np.timedelta64(86399, "s")
    year = 365 * 86400
    named = np.flatnonzero(rng.random(calls) < 0.6)
    m = named.size
    people = max(1000, int(m / 0.6))
    planted = people // 5000
    burst = rng.integers(5, 10, planted)
    background = m - int(burst.sum())
    weights = rng.gamma(0.7, 1.0, people)
    weights[:planted] = 1e-12  # planted people call in their burst (and rarely by chance)
    cdf = np.cumsum(weights) / weights.sum()
    who = np.concatenate(
        [
            np.minimum(np.searchsorted(cdf, rng.random(background)), people - 1),
            np.repeat(np.arange(planted), burst),
        ]
    )
    # A planted burst: 5-9 calls on days 3-25 of one calendar month of the past year
    # (UTC days 3-25 are in the same Europe/London month).
    month = np.datetime64(AS_OF.isoformat(), "M") - rng.integers(1, 12, planted).astype("timedelta64[M]")
    burst_start = np.repeat(month.astype("datetime64[s]"), burst)
    when = end - _seconds(rng.integers(0, year, calls))
    when[named] = np.concatenate(
        [
            when[named[:background]],
            burst_start + _seconds(rng.integers(3 * 86400, 25 * 86400, int(burst.sum()))),
        ]
    )
    places, event_places, care_calls, home = _places(rng, calls, named, people)
    # Planted care homes' calls: 16-24 in one calendar month each (UTC days 3-25 again).
    home_month = np.datetime64(AS_OF.isoformat(), "M") - rng.integers(1, 12, home.max() + 1)
    when[care_calls] = home_month[home].astype("datetime64[s]") + _seconds(
        rng.integers(3 * 86400, 25 * 86400, care_calls.size)
    )
    reports = calls // 10  # ASB reports, which the analysis must leave out
    n = calls + reports
    event_id = np.arange(1, n + 1)
    channel = pl.Series(np.array(CHANNELS)[rng.integers(0, len(CHANNELS), n)])
    events = pl.DataFrame(
        {
            "id": event_id,
            "feed": np.where(event_id <= calls, "calls", "asb-reports"),
            "agency": np.array(AGENCIES)[rng.choice(len(AGENCIES), n, p=AGENCY_SHARE)],
            "source_id": pl.Series(event_id).cast(pl.String),
            "source_key": event_id,
            "occurred_at": np.concatenate([when, end - _seconds(rng.integers(0, year, reports))]).astype(
                "datetime64[us]"
            ),
            "time_precision": "second",
            "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n)],
            "attributes": '{"channel":"' + channel + '","attended":true}',
            "content_hash": "x",
            "import_id": 1,
        }
    )
    reporter = calls + 1 + np.flatnonzero(rng.random(reports) < 0.9)
    mention_event = np.concatenate([named + 1, reporter])
    mention_who = np.concatenate([who, rng.integers(0, people, reporter.size)])
    dob_known = rng.random(people) < 0.7
    child = rng.random(people) < 0.2
    age_days = np.where(
        child, rng.integers(2 * 365, 18 * 365, people), rng.integers(18 * 365, 95 * 365, people)
    )
    dob = np.datetime64(AS_OF.isoformat(), "D") - age_days.astype("timedelta64[D]")
    says = dob_known[mention_who] & (rng.random(mention_who.size) < 0.85)
    mention_id = np.arange(1, mention_event.size + 1)
    mentions = pl.DataFrame(
        {
            "id": mention_id,
            "event_id": mention_event,
            "role": np.where(mention_id <= m, "caller", "reporter"),
            "raw": "{}",
            "dob": pl.Series(dob[mention_who])
            .to_frame("d")
            .select(pl.when(pl.Series(says)).then(pl.col("d")))
            .to_series(),
        }
    )
    links = pl.DataFrame(
        {
            "mention_id": mention_id,
            "person_id": _ids("P", mention_who),
            "fingerprint": "",
            "linkable": True,
            "run_id": 1,
        }
    )
    rows = {
        "events": events,
        "person_mentions": mentions,
        "person_links": links,
        "places": places,
        "event_places": event_places,
    }
    return rows, planted


def _places(
    rng: np.random.Generator, calls: int, named: np.ndarray, people: int
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray, np.ndarray]:
    """70% of calls at one of people/2 places (gamma-weighted), and planted care homes
    (ids C...) whose calls are taken from anonymous ones; those calls and their homes."""
    n_places = max(100, people // 2)
    weights = rng.gamma(0.5, 1.0, n_places)
    located = np.flatnonzero(rng.random(calls) < 0.7)
    place = np.minimum(
        np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(located.size)), n_places - 1
    )
    homes = max(1, n_places // 20_000)
    burst = rng.integers(16, 25, homes)
    anonymous = np.flatnonzero(~np.isin(located, named))[: int(burst.sum())]
    home = np.repeat(np.arange(homes), burst)[: anonymous.size]
    place_ids = _ids("P", place).scatter(anonymous, _ids("C", home))
    places = pl.DataFrame(
        {
            "place_id": pl.concat([_ids("P", np.arange(n_places)), _ids("C", np.arange(homes))]),
            "kind": ["address"] * n_places + ["named"] * homes,
            "address": ["1 Any Road"] * n_places + ["Ferry Lodge Care Home, Bluebell Lane"] * homes,
            "records": 1,
            "created_at": dt.datetime(2026, 11, 26),
        }
    )
    event_places = pl.DataFrame(
        {
            "event_id": located + 1,
            "place_id": place_ids,
            "method": "address",
            "basis": 0,
        }
    )
    return places, event_places, located[anonymous], home


# ------------------------------------------------------------------------------ stores


def _sqlite_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetimes and dates as the text SQLAlchemy's SQLite types read back."""
    return frame.with_columns(
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S.%6f"), pl.col(pl.Date).dt.strftime("%Y-%m-%d")
    )


def build_sqlite(path: Path, rows: dict[str, pl.DataFrame]) -> None:
    """A migrated SQLite store filled with ``rows``, secondary indexes rebuilt after the load."""
    import sqlite3

    from saferhub.store import upgrade

    path.unlink(missing_ok=True)
    upgrade(f"sqlite:///{path}")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('events', 'person_mentions', 'person_links')"
    ).fetchall()
    con.execute("BEGIN")
    for name, _sql in indexes:
        con.execute(f"DROP INDEX {name}")
    con.execute(
        "INSERT INTO imports (id, feed, file_name, file_sha256, started_at, read, imported, updated, "
        "unchanged, quarantined) VALUES (1, 'calls', 'bulk', '', '2026-11-26 00:00:00.000000', 0, 0, 0, 0, 0)"
    )
    for table, frame in rows.items():
        marks = ", ".join("?" for _ in frame.columns)
        sql = f"INSERT INTO {table} ({', '.join(frame.columns)}) VALUES ({marks})"
        for part in _sqlite_text(frame).iter_slices(500_000):
            con.executemany(sql, part.iter_rows())
    for _name, sql in indexes:
        con.execute(sql)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.close()


def build_postgres(url: str, rows: dict[str, pl.DataFrame]) -> None:
    """A migrated PostgreSQL store filled with ``rows`` by COPY, then analysed."""
    from saferhub.store import connect, upgrade
    from saferhub.store.bulk import append_frame

    upgrade(url)
    engine = connect(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO imports (id, feed, file_name, file_sha256, started_at, read, imported, updated, "
            "unchanged, quarantined) VALUES (1, 'calls', 'bulk', '', now(), 0, 0, 0, 0, 0)"
        )
        for table, frame in rows.items():
            for part in frame.iter_slices(1_000_000):
                append_frame(conn, table, part)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def store(backend: str, calls: int, seed: int) -> tuple[str, int, int]:
    """The URL of a built store of ``calls`` calls (cached); how many people and care homes
    were planted."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    stamp = FOLDER / f"{backend}-{calls}-s{seed}.json"
    name = f"bench_fc_{calls}_s{seed}"
    url = (
        f"sqlite:///{FOLDER / f'calls-{calls}-s{seed}.db'}" if backend == "sqlite" else f"{PG_SERVER}/{name}"
    )
    if stamp.exists():
        info = json.loads(stamp.read_text())
        if info.get("format") == FORMAT:
            return url, int(info["planted"]), int(info["homes"])
    note(f"[frequent_callers/{backend}] building a store of {calls:,} calls (not measured) ...")
    started = time.perf_counter()
    rows, planted = make_rows(calls, seed)
    if backend == "sqlite":
        build_sqlite(FOLDER / f"calls-{calls}-s{seed}.db", rows)
    else:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
        build_postgres(url, rows)
    homes = int(rows["places"]["place_id"].str.starts_with("C").sum())
    info = {
        "format": FORMAT,
        "planted": planted,
        "homes": homes,
        "calls": calls,
        "events": rows["events"].height,
        "mentions": rows["person_mentions"].height,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    stamp.write_text(json.dumps(info))
    note(f"[frequent_callers/{backend}]   built in {info['build_seconds']} s")
    return url, planted, homes


# ------------------------------------------------------------------------------ measuring


def child(url: str, what: str) -> None:
    """One measured run, in its own process: the analysis alone is timed here."""
    from saferhub.analysis.frequent_callers import frequent_callers
    from saferhub.store import connect

    engine = connect(url)
    with engine.connect() as conn:  # open the connection outside the measurement
        conn.exec_driver_sql("SELECT 1")
    started = time.perf_counter()
    result = frequent_callers(
        engine=engine, as_of=AS_OF, people=what == "people", addresses=what == "addresses"
    )
    seconds = time.perf_counter() - started
    rows = result.people if what == "people" else result.addresses
    key = "person_id" if what == "people" else "place_id"
    communal = (
        result.addresses.filter(pl.col("communal"))["place_id"].to_list() if what == "addresses" else []
    )
    print(
        json.dumps(
            {
                "seconds": seconds,
                "listed": rows.height,
                "ids": rows[key].to_list(),
                "communal": communal,
                "timings": result.timings,
            }
        )
    )


BASELINE_SQL = """
SELECT l.person_id, e.occurred_at
FROM events e
JOIN person_mentions m ON m.event_id = e.id
JOIN person_links l ON l.mention_id = m.id
WHERE e.feed = 'calls' AND m.role = 'caller' AND e.occurred_at >= :start AND e.occurred_at < :end
"""


def baseline_child(url: str) -> None:
    """The baseline, in its own process: what an analyst might do by hand with pandas. Read
    every named call of the 365 days with its linked person, count calls per person per
    calendar month, list those with 5 or more in a month (one FreCaNN rule of the four,
    no ages, no trends, no costs, no access rules)."""
    import pandas as pd
    from sqlalchemy import text

    from saferhub.store import connect

    engine = connect(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        started = time.perf_counter()
        start = dt.datetime.combine(AS_OF - dt.timedelta(days=364), dt.time())
        end = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time())
        calls = pd.read_sql(text(BASELINE_SQL), conn, params={"start": start, "end": end})
    months = pd.to_datetime(calls["occurred_at"]).dt.to_period("M")
    per_month = calls.groupby([calls["person_id"], months]).size()
    listed = per_month[per_month >= 5].index.get_level_values(0).unique()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "listed": len(listed), "calls": len(calls)}))


def measure_baseline(url: str, repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(max(1, repeat)):
        run = run_child([sys.executable, __file__, "--baseline", url, "people"]).check(
            "frequent_callers baseline"
        )
        runs.append(json.loads(run.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    return {
        **best,
        "seconds": round(best["seconds"], 3),
        "all_seconds": [round(r["seconds"], 3) for r in runs],
    }


def measure(url: str, what: str) -> tuple[dict[str, Any], float, float]:
    """(the child's JSON, wall seconds, peak memory MB): output goes through a file, never
    a pipe (a listing of thirty thousand ids would fill a pipe and stall the child)."""
    run = run_child([sys.executable, __file__, "--child", url, what]).check("frequent_callers")
    return json.loads(run.stdout.strip().splitlines()[-1]), run.seconds, run.peak_memory_mb


def _point(url: str, calls: int, planted: int, homes: int, repeat: int, backend: str) -> dict[str, Any]:
    point: dict[str, Any] = {"calls": calls}
    for what in ("people", "addresses"):
        runs = []
        for i in range(max(1, repeat)):
            note(f"[frequent_callers/{backend}] {calls:,} calls, {what}, run {i + 1} ...")
            runs.append(measure(url, what))
            note(f"[frequent_callers/{backend}]   {runs[-1][0]['seconds']:.2f} s")
        result, wall, memory = min(runs, key=lambda r: r[0]["seconds"])
        if what == "people":
            ids = set(result["ids"])
            found = sum(1 for i in range(planted) if "P" + str(i + 10**12)[1:] in ids)
            expected = planted
        else:
            found = sum(1 for i in range(homes) if "C" + str(i + 10**12)[1:] in set(result["communal"]))
            expected = homes
        point[what] = {
            "seconds": round(result["seconds"], 3),
            "process_seconds": round(wall, 2),
            "peak_memory_mb": round(memory, 1),
            "listed": result["listed"],
            "planted": expected,
            "planted_found": found,
            "timings": result["timings"],
            "all_seconds": [round(r[0]["seconds"], 3) for r in runs],
        }
    note(f"[frequent_callers/{backend}] {calls:,} calls, baseline (pandas) ...")
    point["baseline"] = measure_baseline(url, repeat)
    note(f"[frequent_callers/{backend}]   {point['baseline']['seconds']:.2f} s")
    return point


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--baseline":
        baseline_child(sys.argv[2])
        return
    args = parse_args(__doc__.splitlines()[0])
    sizes = [round(500_000 * args.scale), round(5_000_000 * args.scale)]
    for backend in backends(args.backend):
        points = []
        for calls in sizes:
            url, planted, homes = store(backend, calls, seed=1)
            points.append(_point(url, calls, planted, homes, args.repeat, backend))
        small, large = points
        verified = all(
            p[w]["planted_found"] == p[w]["planted"] for p in points for w in ("people", "addresses")
        )
        emit(
            {
                "name": "frequent_callers",
                "backend": backend,
                "rows": large["calls"],
                "seconds": large["people"]["seconds"],
                "baseline_seconds": large["baseline"]["seconds"],
                "ratio": round(large["people"]["seconds"] / large["baseline"]["seconds"], 3),
                "peak_memory_mb": large["people"]["peak_memory_mb"],
                "target": f"frequent callers (people) over {large['calls']:,} calls in <= {TARGET_SECONDS} s",
                "met": bool(verified and large["people"]["seconds"] <= TARGET_SECONDS),
                "details": {
                    "as_of": AS_OF.isoformat(),
                    "addresses_seconds": large["addresses"]["seconds"],
                    "growth_people": round(large["people"]["seconds"] / small["people"]["seconds"], 2),
                    "growth_addresses": round(
                        large["addresses"]["seconds"] / small["addresses"]["seconds"], 2
                    ),
                    "growth_of_input": round(large["calls"] / small["calls"], 2),
                    "verified": verified,
                    "points": points,
                },
            }
        )


if __name__ == "__main__":
    main()
