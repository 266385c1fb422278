"""Helpers for the import tests: write partner files by hand, run imports, read the store back.

The files are written here as an independent partner would write them from the contract
(``shared/spec/feeds.md``), never by the project's own generator.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from saferhub.config import Settings
from saferhub.feeds import ImportSummary
from saferhub.services import import_partner_file
from saferhub.store import Base, Event, ImportRun, PersonMention, QuarantinedRow

TABLES = ("imports", "events", "person_mentions", "quarantined_rows")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV text with CRLF-free "\\n" line ends; None becomes an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    bom: bool = False,
    gz: bool = False,
) -> Path:
    """Write a partner CSV (optionally with a UTF-8 BOM, optionally gzip-compressed)."""
    data = csv_text(header, rows).encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    if gz:
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` exactly (UTF-8, line ends as given)."""
    path.write_bytes(text.encode("utf-8"))
    return path


def run_import(settings: Settings, engine: Engine, feed: str, path: Path, **options: Any) -> ImportSummary:
    return import_partner_file(settings=settings, engine=engine, feed=feed, path=path, **options)


IMPORT_TABLES = ("imports", "events", "person_mentions", "quarantined_rows")


def counts(engine: Engine) -> dict[str, int]:
    """Rows in each table an import writes (later stages' tables are compared by ``snapshot``)."""
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
            if t.name in IMPORT_TABLES
        }


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The full content of every table, ordered by primary key, to compare before and after."""
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in Base.metadata.sorted_tables
        }


def event_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every event, by id (column values as Python objects; JSON parsed)."""
    table = Event.__table__
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]


def events(engine: Engine) -> dict[str, dict[str, Any]]:
    """Events by source_id, for tests whose source_ids are unique across agencies."""
    rows = event_rows(engine)
    out = {r["source_id"]: r for r in rows}
    assert len(out) == len(rows), "source_id is not unique across the events of this test"
    return out


def mentions(engine: Engine) -> dict[tuple[str, str], dict[str, Any]]:
    """Person mentions by (event source_id, role)."""
    pm, ev = PersonMention.__table__, Event.__table__
    with engine.connect() as conn:
        rows = (
            conn.execute(select(pm, ev.c.source_id).join(ev, ev.c.id == pm.c.event_id).order_by(pm.c.id))
            .mappings()
            .all()
        )
    return {(r["source_id"], r["role"]): dict(r) for r in rows}


def quarantined(engine: Engine, import_id: int) -> dict[int, dict[str, Any]]:
    """Quarantined rows of one import, by line."""
    table = QuarantinedRow.__table__
    with engine.connect() as conn:
        rows = (
            conn.execute(select(table).where(table.c.import_id == import_id).order_by(table.c.line))
            .mappings()
            .all()
        )
    out = {r["line"]: dict(r) for r in rows}
    assert len(out) == len(rows), "two quarantined rows share a line"
    return out


def import_run(engine: Engine, import_id: int) -> dict[str, Any]:
    table = ImportRun.__table__
    with engine.connect() as conn:
        return dict(conn.execute(select(table).where(table.c.id == import_id)).mappings().one())


def assert_adds_up(summary: ImportSummary) -> None:
    assert summary.read == summary.imported + summary.updated + summary.quarantined
    assert 0 <= summary.unchanged <= summary.updated


def read_quarantine_csv(path: str | Path) -> list[dict[str, str]]:
    p = Path(path)
    raw = p.read_bytes()
    if p.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``saferhub`` in a subprocess with this process's environment (and so its settings)."""
    return subprocess.run(
        [sys.executable, "-m", "saferhub.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


# ------------------------------------------------------------------ files to refuse

GOOD_CALLS = "agency,source_id,received_at,outcome\npolice,R1,2024-05-01T10:00:00,fine\n"


def _truncated_gzip() -> bytes:
    body = GOOD_CALLS + "".join(f"police,R{i},2024-05-01T10:00:00,row {i}\n" for i in range(2, 500))
    data = gzip.compress(body.encode("utf-8"))
    return data[: len(data) // 2]


# case: (file name, its bytes; None for a file that does not exist)
REFUSED_FILES: dict[str, tuple[str, bytes | None]] = {
    "empty": ("empty.csv", b""),
    "blank-lines": ("blank.csv", b"\n  \r\n\n"),
    "bom-only": ("bom.csv", b"\xef\xbb\xbf"),
    "gz-not-gzip": ("calls.csv.gz", GOOD_CALLS.encode()),
    "truncated-gzip": ("calls.csv.gz", _truncated_gzip()),
    "latin-1": (
        "latin1.csv",
        (GOOD_CALLS + "police,R2,2024-05-01T10:00:00,Caf\u00e9 on the Parade\n").encode("latin-1"),
    ),
    "binary": ("garbage.csv", bytes((i * 37 + 11) % 256 for i in range(4096))),
    "binary-no-nul": ("noise.csv", bytes((i * 37 + 11) % 255 + 1 for i in range(4096))),
    "not-xlsx": ("book.xlsx", b"PK\x03\x04" + b"\x00junk" * 50),
    "missing-required-column": ("no-received.csv", b"agency,source_id,outcome\npolice,R1,fine\n"),
    "duplicate-column": ("twice.csv", b"agency,source_id,received_at, Source_ID\npolice,R1,2024-05-01,R1\n"),
    "no-such-file": ("missing.csv", None),
}


def refused_file(directory: Path, case: str) -> Path:
    name, data = REFUSED_FILES[case]
    path = directory / name
    if data is not None:
        path.write_bytes(data)
    return path
