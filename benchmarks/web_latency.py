"""Benchmark: p95 latency of the hub workspace's main pages under 20 concurrent users.

    python benchmarks/web_latency.py [--backend sqlite|postgresql|both] [--scale S] [--repeat N]
                                     [--users 20] [--seconds 60] [--workers 2] [--think S]

The store holds a year of synthetic Wirral partner data at ``scale`` (1.0: ~265,000 calls),
imported, linked and placed as a hub would, ending yesterday so that today's briefing has a
day to report; it is cached (a SQLite file under benchmarks/bench-out/web_latency/, a
PostgreSQL database ``bench_web_s<scale>``). ``saferhub serve`` runs it in a subprocess on
loopback. Each of ``users`` threads is a signed-in police analyst with its own session who
asks for the home page, a frequent caller's profile, a search (POST, as the form sends it)
and a case page, round and round, for ``seconds``, pausing ``--think`` seconds (default 1)
between pages: 20 people clicking about once a second each, busier than 20 people at their
desks, who read a page before the next. ``--think 0`` makes each user a request always in
flight: a saturation test of the 2 workers, not 20 users (docs/benchmarks.md gives both). The
baseline, measured in the same run with the same users, is the static ``/health`` answer:
the floor of the server, the client threads and the loopback on this machine. Target: p95
of every page at most 300 ms, with no errors. One JSON line per backend on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT_DIR, PG_SERVER, _pg_admin, backends, emit, note, saferhub_command

FOLDER = OUT_DIR / "web_latency"
DAYS, SEED = 365, 0
TARGET_MS = 300.0
FORMAT = 2  # bump when the store changes, so cached stores are rebuilt (2: 32 KiB pages, migration 0009)
SYNTH = {
    "calls": "calls.csv.gz",
    "asb-reports": "asb-reports.csv.gz",
    "fire-incidents": "fire-incidents.csv.gz",
    "referrals": "referrals.csv.gz",
    "intelligence": "intelligence.csv.gz",
}
PASSWORD = "a long benchmark password"
PAGES = ("home", "person", "search", "case")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="Size of the synthetic year (1.0 = full).")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per backend; the best p95 is kept.")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline-seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2, help="saferhub serve --workers")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="Seconds each user waits between pages (default 1; 0: none, a saturation test).",
    )
    return parser.parse_args()


def store_url(backend: str, scale: float) -> str:
    if backend == "sqlite":
        return f"sqlite:///{FOLDER / f'store-s{scale:g}.db'}"
    return f"{PG_SERVER}/bench_web_s{str(scale).replace('.', '_')}"


def build(backend: str, scale: float, end: dt.date) -> dict[str, Any]:
    """The cached store (built when missing or stale): a year ending ``end``, linked and placed."""
    stamp = FOLDER / f"{backend}-s{scale:g}.json"
    wanted = {"format": FORMAT, "scale": scale, "days": DAYS, "seed": SEED, "end": end.isoformat()}
    if stamp.exists() and json.loads(stamp.read_text()).get("wanted") == wanted:
        return dict(json.loads(stamp.read_text()))
    from sqlalchemy import text

    from saferhub.config import Settings
    from saferhub.linking import link_people
    from saferhub.linking.places import resolve_places
    from saferhub.services import import_partner_file
    from saferhub.store import connect, upgrade
    from saferhub.synth import generate

    FOLDER.mkdir(parents=True, exist_ok=True)
    url = store_url(backend, scale)
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        name = url.rsplit("/", 1)[1]
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
    upgrade(url)
    engine = connect(url)
    settings = Settings(database_url=url, data_dir=FOLDER / f"hub-{backend}")
    synth = FOLDER / f"synth-s{scale:g}-{end.isoformat()}"
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    if not (synth / ".done").exists():
        note(f"[web_latency] generating a year of synthetic Wirral at scale {scale} ...")
        generate(out_dir=synth, days=DAYS, seed=SEED, scale=scale, end_date=end)
        (synth / ".done").write_text("ok")
    timings["generate"] = round(time.perf_counter() - clock, 1)
    clock = time.perf_counter()
    for feed, file in SYNTH.items():
        note(f"[web_latency/{backend}] importing {file} ...")
        import_partner_file(settings=settings, engine=engine, feed=feed, path=synth / file)
    timings["import"] = round(time.perf_counter() - clock, 1)
    clock = time.perf_counter()
    note(f"[web_latency/{backend}] linking people and resolving places ...")
    link_people(engine=engine)
    resolve_places(engine=engine)
    timings["link_and_place"] = round(time.perf_counter() - clock, 1)
    with engine.connect() as conn:
        held = {
            feed: int(n) for feed, n in conn.execute(text("SELECT feed, count(*) FROM events GROUP BY feed"))
        }
    engine.dispose()
    info = {
        "wanted": wanted,
        "url": url,
        "data_dir": str(settings.data_dir),
        "store": held,
        "build_seconds": timings,
    }
    stamp.write_text(json.dumps(info))
    return info


def analyze(url: str) -> None:
    """Fresh planner statistics on PostgreSQL (where autovacuum may be off or not yet have
    run after the bulk load): without them ``person_links`` by person id is a sequential scan."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import text

    from saferhub.store import connect

    engine = connect(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def prepare(url: str, data_dir: str, users: int, today: dt.date) -> dict[str, Any]:
    """Users with sessions, and what the pages ask for: a frequent caller, a name, a case."""
    from sqlalchemy import text

    from saferhub.access import Reader
    from saferhub.accounts import create_user, get_user, start_session
    from saferhub.analysis.frequent_callers import frequent_callers
    from saferhub.config import Settings
    from saferhub.store import connect
    from saferhub.tasking import create_action, create_case, link_to_case, list_cases

    engine = connect(url)
    settings = Settings(database_url=url, data_dir=Path(data_dir))
    sessions = []
    for i in range(users):
        username = f"bench-analyst-{i}"
        user = get_user(engine=engine, username=username)
        if user is None:
            user = create_user(
                engine=engine,
                username=username,
                display_name=f"Benchmark analyst {i}",
                agency="police",
                role="analyst",
                password=PASSWORD,
            )
        sessions.append(start_session(engine=engine, user_id=user.id))
    listed = frequent_callers(engine=engine, as_of=today, addresses=False).people
    person_id = str(listed.sort("calls", descending=True)["person_id"][0])
    with engine.connect() as conn:
        name = conn.execute(
            text(
                "SELECT m.first_name, m.last_name FROM person_mentions m JOIN person_links l "
                "ON l.mention_id = m.id WHERE l.person_id = :p AND m.last_name IS NOT NULL LIMIT 1"
            ),
            {"p": person_id},
        ).one()
    reader = Reader(agency="police", role="analyst", user="bench-analyst-0")
    me = {"engine": engine, "reader": reader, "where_from": "cli:benchmark"}
    # One case, made by the first run and reused, so every run asks for the same pages.
    earlier = list_cases(**me, kind="person", person=person_id)
    case = earlier[0] if earlier else None
    if case is None:
        title = "Benchmark frequent caller case"
        case = create_case(**me, kind="person", subtype="frequent_caller", title=title)
        link_to_case(**me, case=case.reference, kind="person", ref=person_id)
        for n in range(3):
            create_action(
                **me,
                case=case.reference,
                title=f"Benchmark action {n}",
                assigned_agency="fire",
                due_on=today + dt.timedelta(days=n),
            )
    engine.dispose()
    del settings
    return {
        "sessions": sessions,
        "person_id": person_id,
        "query": f"{name[0] or ''} {name[1]}".strip(),
        "case_id": case.id,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(url: str, data_dir: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "SAFERHUB_DATABASE_URL": url,
        "SAFERHUB_DATA_DIR": data_dir,
        "SAFERHUB_SECURE_COOKIES": "false",
    }
    cmd = [
        *saferhub_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"saferhub serve stopped: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
            )
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("saferhub serve did not answer /health within 120 s")


def load(
    base: str, plan: dict[str, Any], pages: tuple[str, ...], seconds: float, think: float = 0.0
) -> dict[str, Any]:
    """Every user asks for ``pages`` in turn until ``seconds`` pass; latencies per page."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(index: int) -> None:
        secret, csrf = plan["sessions"][index]
        mine: dict[str, list[float]] = defaultdict(list)
        failed: dict[str, int] = defaultdict(int)
        with httpx.Client(base_url=base, cookies={"saferhub_session": secret}, timeout=30) as client:
            turn = index  # users start at different pages
            while time.monotonic() < stop:
                page = pages[turn % len(pages)]
                turn += 1
                started = time.perf_counter()
                try:
                    if page == "search":
                        answer = client.post("/search", data={"query": plan["query"], "csrf_token": csrf})
                    else:
                        answer = client.get(
                            {
                                "home": "/",
                                "person": f"/people/{plan['person_id']}",
                                "case": f"/cases/{plan['case_id']}",
                                "health": "/health",
                            }[page]
                        )
                    ok = answer.status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine[page].append((time.perf_counter() - started) * 1000)
                if not ok:
                    failed[page] += 1
                if think:
                    time.sleep(think)
        with lock:
            for page, values in mine.items():
                latencies[page].extend(values)
            for page, n in failed.items():
                errors[page] += n

    threads = [threading.Thread(target=user, args=(i,)) for i in range(len(plan["sessions"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": dict(latencies), "errors": dict(errors), "seconds": seconds}


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=100, method="inclusive")[94], 1) if len(values) > 1 else 0.0


def summarise(run: dict[str, Any]) -> dict[str, Any]:
    return {
        page: {
            "requests": len(values),
            "errors": run["errors"].get(page, 0),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": p95(values),
            "max_ms": round(max(values), 1),
            "per_second": round(len(values) / run["seconds"], 1),
        }
        for page, values in sorted(run["latencies"].items())
    }


def measure(backend: str, args: argparse.Namespace, today: dt.date) -> dict[str, Any]:
    info = build(backend, args.scale, today - dt.timedelta(days=1))
    analyze(info["url"])
    plan = prepare(info["url"], info["data_dir"], args.users, today)
    proc, base = start_server(info["url"], info["data_dir"], args.workers)
    try:
        note(f"[web_latency/{backend}] warming up ...")
        load(base, {**plan, "sessions": plan["sessions"][:2]}, PAGES, 5)
        runs = []
        for _ in range(max(1, args.repeat)):
            note(
                f"[web_latency/{backend}] baseline: {args.users} users on /health "
                f"for {args.baseline_seconds:g} s"
            )
            baseline = summarise(load(base, plan, ("health",), args.baseline_seconds, args.think))
            note(f"[web_latency/{backend}] {args.users} users on {', '.join(PAGES)} for {args.seconds:g} s")
            pages = summarise(load(base, plan, PAGES, args.seconds, args.think))
            runs.append((baseline, pages))
        baseline, pages = min(runs, key=lambda r: max(v["p95_ms"] for v in r[1].values()))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    worst = max(v["p95_ms"] for v in pages.values())
    errors = sum(v["errors"] for v in pages.values())
    return {
        "name": "web_latency",
        "backend": backend,
        "rows": sum(info["store"].values()),
        "seconds": round(worst / 1000, 4),
        "baseline_seconds": round(baseline["health"]["p95_ms"] / 1000, 4),
        "target": f"p95 of home, person, search and case pages <= {TARGET_MS:g} ms, "
        f"{args.users} users for {args.seconds:g} s, no errors",
        "met": bool(worst <= TARGET_MS and errors == 0),
        "details": {
            "pages": pages,
            "baseline_health": baseline["health"],
            "users": args.users,
            "workers": args.workers,
            "think_seconds": args.think,
            "store": info["store"],
            "build_seconds": info["build_seconds"],
            "scale": args.scale,
        },
    }


def main() -> int:
    args = parse()
    from saferhub.briefings.periods import london_today

    today = london_today()
    for backend in backends(args.backend):
        emit(measure(backend, args, today))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
