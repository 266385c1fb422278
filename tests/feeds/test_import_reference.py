"""Every event names the import that brought it (or last changed it), every mention its event.

PostgreSQL has no foreign keys on ``events.import_id`` and ``person_mentions.event_id``
(migration 0009, decision 0007), so these tests are what checks the references there;
SQLite stores keep the foreign keys, and get 32 KiB pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from feeds.helpers import run_import, write_csv
from saferhub.config import Settings
from saferhub.feeds import FileRefused
from saferhub.store import Event, ImportRun, PersonMention

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
    checked = {
        table: [
            (f["referred_table"], f["constrained_columns"]) for f in inspect(engine).get_foreign_keys(table)
        ]
        for table in ("events", "person_mentions")
    }
    if engine.dialect.name == "postgresql":
        assert checked == {"events": [], "person_mentions": []}
        return
    assert checked == {"events": [("imports", ["import_id"])], "person_mentions": [("events", ["event_id"])]}
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar_one() == 32768


def test_each_mention_names_its_event(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = [*HEADER, "reporter_first_name", "reporter_last_name", "subject_first_name", "subject_last_name"]
    rows = [
        ["council", "S1", "2024-05-01T10:00:00", "nuisance", "Noise", "Mary", "Jones", "Kevin", "Smith"],
        ["council", "S2", "2024-05-02T10:00:00", "nuisance", "Litter", "Ann", "Lee", None, None],
    ]
    run_import(settings, engine, "asb-reports", write_csv(tmp_path / "asb.csv", header, rows))
    rows[1][-2:] = ["Kyle", "Brown"]  # S2 now names a subject too
    run_import(settings, engine, "asb-reports", write_csv(tmp_path / "asb-again.csv", header, rows))
    with engine.connect() as conn:
        found = conn.execute(
            select(Event.source_id, PersonMention.role, PersonMention.last_name)
            .join_from(PersonMention, Event, PersonMention.event_id == Event.id)
            .order_by(Event.source_id, PersonMention.role)
        ).all()
        mentions = conn.execute(select(func.count()).select_from(PersonMention)).scalar_one()
    assert [tuple(r) for r in found] == [
        ("S1", "reporter", "jones"), ("S1", "subject", "smith"),
        ("S2", "reporter", "lee"), ("S2", "subject", "brown"),
    ]  # fmt: skip
    assert mentions == len(found)  # none points at a missing event
