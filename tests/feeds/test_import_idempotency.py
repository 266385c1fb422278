"""Re-importing: known (agency, feed, source_id) records are updated in place, never duplicated."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import Engine

from feeds.helpers import (
    assert_adds_up,
    counts,
    events,
    mentions,
    run_import,
    snapshot,
    write_csv,
)
from saferhub.config import Settings

ASB_HEADER = ["agency", "source_id", "reported_at", "asb_type", "description",
              "reporter_first_name", "reporter_last_name", "subject_first_name",
              "subject_last_name", "subject_dob", "Ref Note"]  # fmt: skip


def asb_rows() -> list[list[str | None]]:
    return [
        ["council", "S1", "2024-05-01T10:00:00", "nuisance", "Noise", "Mary", "Jones",
         "Kevin", "Smith", "2004-07-07", "a"],
        ["council", "S2", "2024-05-02T10:00:00", "personal", "Threats", "Ann", "Lee",
         "Kyle", "Brown", None, "b"],
        ["housing", "S3", "2024-05-03T10:00:00", "environmental", "Litter", None, None,
         None, None, None, "c"],
        ["council", "S4", "2024-05-04T10:00:00", "nuisance", "Parties", "Tom", "Hill",
         None, None, None, None],
    ]  # fmt: skip


def _tables_but_imports(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    snap = snapshot(engine)
    del snap["imports"]
    return snap


def test_reimport_same_file_changes_nothing(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    path = write_csv(tmp_path / "asb.csv", ASB_HEADER, asb_rows())
    first = run_import(settings, engine, "asb-reports", path)
    assert (first.read, first.imported, first.updated, first.unchanged) == (4, 4, 0, 0)
    before = _tables_but_imports(engine)
    assert counts(engine)["person_mentions"] == 5

    again = run_import(settings, engine, "asb-reports", path)
    assert (again.read, again.imported, again.updated, again.unchanged, again.quarantined) == (
        4, 0, 4, 4, 0,
    )  # fmt: skip
    assert_adds_up(again)
    # Not a byte of the events or mentions changed (ids, content, even import_id).
    assert _tables_but_imports(engine) == before
    assert counts(engine)["imports"] == 2


def test_reimport_with_columns_reordered_is_unchanged(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    # Column order is free: the same records in another column order are the same records.
    run_import(settings, engine, "asb-reports", write_csv(tmp_path / "a.csv", ASB_HEADER, asb_rows()))
    before = _tables_but_imports(engine)
    order = list(reversed(range(len(ASB_HEADER))))
    header = [ASB_HEADER[i].upper() for i in order]
    header[header.index("REF NOTE")] = "Ref Note"  # extra columns keep their name as sent
    rows = [[row[i] for i in order] for row in asb_rows()]
    again = run_import(settings, engine, "asb-reports", write_csv(tmp_path / "b.csv", header, rows))
    assert (again.imported, again.updated, again.unchanged) == (0, 4, 4)
    assert _tables_but_imports(engine) == before


def test_changed_value_updates_in_place(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    run_import(settings, engine, "asb-reports", write_csv(tmp_path / "a.csv", ASB_HEADER, asb_rows()))
    ids = {sid: e["id"] for sid, e in events(engine).items()}
    mention_ids = {k: m["id"] for k, m in mentions(engine).items()}

    rows = asb_rows()
    rows[1][4] = "Threats and criminal damage"
    rows[1][7] = "Kyle-James"  # the subject's first name as re-recorded
    second = run_import(settings, engine, "asb-reports", write_csv(tmp_path / "b.csv", ASB_HEADER, rows))
    assert (second.imported, second.updated, second.unchanged, second.quarantined) == (0, 4, 3, 0)

    got = events(engine)
    assert {sid: e["id"] for sid, e in got.items()} == ids
    assert got["S2"]["attributes"]["description"] == "Threats and criminal damage"
    assert got["S2"]["import_id"] == second.import_id
    assert got["S1"]["import_id"] == second.import_id - 1  # unchanged rows are not rewritten
    people = mentions(engine)
    assert {k: m["id"] for k, m in people.items()} == mention_ids
    assert people["S2", "subject"]["first_name"] == "kyle-james"
    assert people["S2", "subject"]["raw"]["first_name"] == "Kyle-James"
    assert counts(engine)["events"] == 4


def test_role_removed_on_reimport(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    run_import(settings, engine, "asb-reports", write_csv(tmp_path / "a.csv", ASB_HEADER, asb_rows()))
    before = {k: m["id"] for k, m in mentions(engine).items()}
    assert ("S1", "subject") in before and ("S2", "subject") in before

    rows = asb_rows()
    rows[0][7:10] = [None, None, None]  # S1 no longer names a subject
    rows[2][5] = "Pat"  # S3 gains a reporter
    second = run_import(settings, engine, "asb-reports", write_csv(tmp_path / "b.csv", ASB_HEADER, rows))
    assert (second.imported, second.updated, second.unchanged) == (0, 4, 2)

    after = {k: m["id"] for k, m in mentions(engine).items()}
    assert ("S1", "subject") not in after
    assert ("S3", "reporter") in after
    # Every other mention is the same row as before.
    kept = {k: v for k, v in before.items() if k != ("S1", "subject")}
    assert {k: after[k] for k in kept} == kept
    assert set(after) == set(kept) | {("S3", "reporter")}
    assert counts(engine)["person_mentions"] == len(after)


def test_rows_missing_from_a_reimport_stay(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    run_import(settings, engine, "asb-reports", write_csv(tmp_path / "a.csv", ASB_HEADER, asb_rows()))
    new = ["council", "S5", "2024-05-05T10:00:00", "nuisance", None, None, None, None, None, None, None]
    rows = [*asb_rows()[:2], new]
    second = run_import(settings, engine, "asb-reports", write_csv(tmp_path / "b.csv", ASB_HEADER, rows))
    assert (second.read, second.imported, second.updated, second.unchanged) == (3, 1, 2, 2)
    assert set(events(engine)) == {"S1", "S2", "S3", "S4", "S5"}


def test_quarantined_row_on_reimport_keeps_stored_record(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    run_import(settings, engine, "asb-reports", write_csv(tmp_path / "a.csv", ASB_HEADER, asb_rows()))
    before = events(engine)["S1"]
    rows = asb_rows()
    rows[0][3] = "not a type"
    second = run_import(settings, engine, "asb-reports", write_csv(tmp_path / "b.csv", ASB_HEADER, rows))
    assert (second.imported, second.updated, second.unchanged, second.quarantined) == (0, 3, 3, 1)
    assert events(engine)["S1"] == before


POLICE_UK_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip


def _police_uk_rows() -> list[list[str]]:
    asb = ["", "2024-03", "Merseyside Police", "Merseyside Police", "-3.014800", "53.393400",
           "On or near Argyle Street", "E01007126", "Wirral 014A", "Anti-social behaviour",
           "", ""]  # fmt: skip
    other_asb = [*asb[:6], "On or near Hamilton Square", *asb[7:]]
    crimes = [
        [f"{i:064x}", "2024-03", "Merseyside Police", "Merseyside Police", "-3.0650",
         "53.4233", "On or near Liscard Road", "E01007200", "Wirral 001A", "Shoplifting",
         "Under investigation", ""]
        for i in range(1, 4)
    ]  # fmt: skip
    return [list(asb), list(asb), list(asb), other_asb, *crimes]


def test_police_uk_identical_asb_rows_and_shuffled_reimport(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    rows = _police_uk_rows()
    name = tmp_path / "2024-03-merseyside-street.csv"
    first = run_import(settings, engine, "police-uk-street", write_csv(name, POLICE_UK_HEADER, rows))
    # Three identical ASB rows are three incidents.
    assert (first.read, first.imported, first.quarantined) == (7, 7, 0)
    got = events(engine)
    assert len(got) == 7
    assert sum(e["category"] == "asb" for e in got.values()) == 4
    before = _tables_but_imports(engine)

    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != rows
    again = run_import(settings, engine, "police-uk-street", write_csv(name, POLICE_UK_HEADER, shuffled))
    assert (again.imported, again.updated, again.unchanged, again.quarantined) == (0, 7, 7, 0)
    assert _tables_but_imports(engine) == before

    # A later file with one more identical ASB row adds exactly that one.
    more = [*rows, rows[0]]
    third = run_import(settings, engine, "police-uk-street", write_csv(name, POLICE_UK_HEADER, more))
    assert (third.imported, third.updated, third.unchanged) == (1, 7, 7)
    assert counts(engine)["events"] == 8
