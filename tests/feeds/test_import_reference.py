"""Every event names the import that brought it, or last changed it (decision 0007).

PostgreSQL has no foreign key on ``events.import_id`` (migration 0009), so these tests are
what checks the reference there; SQLite stores keep the foreign key and get 32 KiB pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text

from feeds.helpers import run_import, write_csv
from saferhub.config import Settings
from saferhub.feeds import FileRefused
from saferhub.store import Event, ImportRun

HEADER = ["agency", "source_id", "reported_at", "asb_type", "description"]


def _rows(descriptions: dict[str, str]) -> list[list[str | None]]:
    return [
        ["council", source_id, f"2024-05-0{i + 1}T10:00:00", "nuisance", words]
        for i, (source_id, words) in enumerate(descriptions.items())
    ]


def _import_of_each_event(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {s: i for s, i in conn.execute(select(Event.source_id, Event.import_id))}


def _import_ids(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.scalars(select(ImportRun.id)))


def test_each_event_names_the_import_that_wrote_it(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    one = write_csv(tmp_path / "asb-1.csv", HEADER, _rows({"S1": "Noise", "S2": "Litter"}))
    two = write_csv(
        tmp_path / "asb-2.csv", HEADER, _rows({"S1": "Noise", "S2": "Litter, again", "S3": "Parties"})
    )
    first = run_import(settings, engine, "asb-reports", one)
    second = run_import(settings, engine, "asb-reports", two)
    assert (second.imported, second.updated, second.unchanged) == (1, 2, 1)

    named = _import_of_each_event(engine)
    # Unchanged S1 keeps the first import; changed S2 and new S3 name the second.
    assert named == {"S1": first.import_id, "S2": second.import_id, "S3": second.import_id}
    assert set(named.values()) <= _import_ids(engine)


def test_a_refused_file_leaves_no_event_without_its_import(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    run_import(settings, engine, "asb-reports", write_csv(tmp_path / "a.csv", HEADER, _rows({"S1": "Noise"})))
    broken = tmp_path / "b.csv"
    broken.write_text("agency,source_id\ncouncil,S9\n", encoding="utf-8")  # no reported_at: refused whole
    with pytest.raises(FileRefused, match="reported_at"):
        run_import(settings, engine, "asb-reports", broken)
    with engine.connect() as conn:
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM events e "
                "WHERE NOT EXISTS (SELECT 1 FROM imports i WHERE i.id = e.import_id)"
            )
        ).scalar_one()
        assert conn.execute(select(Event.source_id)).scalars().all() == ["S1"]
    assert orphans == 0


def test_store_layout_per_backend(engine: Engine) -> None:
    foreign = inspect(engine).get_foreign_keys("events")
    if engine.dialect.name == "postgresql":
        assert foreign == []
        return
    assert [(f["referred_table"], f["constrained_columns"]) for f in foreign] == [("imports", ["import_id"])]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar_one() == 32768
