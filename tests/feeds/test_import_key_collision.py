"""The compact identity key may never merge two different records, even if two digests collide."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from feeds.helpers import counts, events, run_import, snapshot, write_csv
from saferhub.config import Settings
from saferhub.feeds import FileRefused
from saferhub.store import bulk

HEADER = ["agency", "source_id", "received_at"]


def _colliding_keys(frame: pl.DataFrame) -> pl.Series:
    """Every identity gets the same key: a collision forced on purpose."""
    return pl.Series("source_key", [42] * frame.height, dtype=pl.Int64)


def test_distinct_records_keep_distinct_keys(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "calls.csv", HEADER, [["police", f"P-{i}", "2024-05-01T10:00"] for i in range(50)]
    )
    summary = run_import(settings, engine, "calls", path)
    assert summary.imported == 50
    stored = events(engine)
    assert len({e["source_key"] for e in stored.values()}) == 50


def test_collision_inside_a_file_refuses_it(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("saferhub.feeds.runner.source_keys", _colliding_keys)
    path = write_csv(
        tmp_path / "calls.csv",
        HEADER,
        [["police", "P-1", "2024-05-01T10:00"], ["police", "P-2", "2024-05-01T11:00"]],
    )
    before = snapshot(engine)
    with pytest.raises(FileRefused, match="share an identity key"):
        run_import(settings, engine, "calls", path)
    assert snapshot(engine) == before


def test_collision_with_a_stored_record_refuses_the_file(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("saferhub.feeds.runner.source_keys", _colliding_keys)
    first = write_csv(tmp_path / "a.csv", HEADER, [["police", "P-1", "2024-05-01T10:00"]])
    run_import(settings, engine, "calls", first)
    before = snapshot(engine)
    second = write_csv(tmp_path / "b.csv", HEADER, [["police", "P-2", "2024-05-02T10:00"]])
    with pytest.raises(FileRefused, match="held by another record"):
        run_import(settings, engine, "calls", second)
    assert snapshot(engine) == before
    assert counts(engine)["events"] == 1
    assert next(iter(events(engine).values()))["source_id"] == "P-1"


def test_key_is_the_documented_digest() -> None:
    # Pinned to BLAKE2b-64 of the identity: if the digest ever changed, re-imports would
    # no longer find stored records and would duplicate them.
    frame = pl.DataFrame({"agency": ["police"], "feed": ["calls"], "source_id": ["P-1"]})
    digest = hashlib.blake2b(b"police\x1fcalls\x1fP-1", digest_size=8).digest()
    assert bulk.source_keys(frame).item() == int.from_bytes(digest, "big", signed=True)
