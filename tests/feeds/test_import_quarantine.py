"""Rows that fail validation: quarantined with their line and reasons, never lost, never stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from feeds.helpers import (
    assert_adds_up,
    counts,
    event_rows,
    events,
    import_run,
    mentions,
    quarantined,
    read_quarantine_csv,
    run_import,
    write_csv,
    write_text,
)
from saferhub.config import Settings

NEXT_YEAR = dt.date.today().year + 1

# A calls file written by hand, line by line, so every line number is known. Line 3 holds
# a quoted value spanning two lines (3 and 4): it is good, and the rows after it keep
# their own line numbers.
CALLS_HEADER = (
    "agency,source_id,received_at,channel,category,latitude,longitude,"
    "location_postcode,caller_first_name,caller_dob,outcome,Partner Notes"
)
CALLS_LINES = {
    2: "police,G1,2024-05-01T10:00:00,999,asb,53.3934,-3.0148,CH41 6AB,Ann,01/02/1980,done,n1",
    3: 'police,G2,2024-05-01T10:00:00,101,crime,,,,,,"first line of outcome',
    4: 'second line, with a comma",n2',
    5: "police,Q-date,2024-02-30T10:00:00,999,asb,,,,,,,n3",
    6: "police,Q-enum,2024-05-01T10:00:00,carrier pigeon,asb,,,,,,,n4",
    7: "police,Q-lat95,2024-05-01T10:00:00,999,asb,95,-3.0148,,,,,n5",
    8: "police,Q-paris,2024-05-01T10:00:00,999,asb,48.8566,2.3522,,,,,n6",
    9: "police,Q-latonly,2024-05-01T10:00:00,999,asb,53.3934,,,,,,n7",
    10: "police,Q-postcode,2024-05-01T10:00:00,999,asb,,,NOT A PC,,,,n8",
    11: f"police,Q-dob,2024-05-01T10:00:00,999,asb,,,,Bob,01/01/{NEXT_YEAR},,n9",
    12: "police,,2024-05-01T10:00:00,999,asb,,,,,,,n10",
    13: "police,Q-ragged,2024-05-01T10:00:00,999",
    14: "police,G3,2024-05-01T10:00:00,phone,other,,,,,,,n12",
    15: "police,Q-cat,2024-05-01T10:00:00,999,burglary,,,,Cath,,,n13",
    16: "police,Q-many,yesterday,999,unknowable,53.3934,,,,,,n14",
}
# The column each quarantined line's reason must name.
EXPECTED = {
    5: ["received_at"],
    6: ["channel"],
    7: ["latitude"],
    8: ["latitude"],
    9: ["latitude", "longitude"],
    10: ["location_postcode"],
    11: ["caller_dob"],
    12: ["source_id"],
    13: ["fields"],
    15: ["category"],
    16: ["received_at", "category", "longitude"],
}


def _write_calls(path: Path) -> Path:
    lines = [CALLS_HEADER, *(CALLS_LINES[n] for n in sorted(CALLS_LINES))]
    return write_text(path, "\n".join(lines) + "\n")


def test_bad_rows_are_quarantined_with_line_and_reason(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    summary = run_import(settings, engine, "calls", _write_calls(tmp_path / "calls.csv"))

    assert summary.read == 14  # 15 physical lines of data; one record spans two
    assert (summary.imported, summary.updated, summary.quarantined) == (3, 0, 11)
    assert_adds_up(summary)

    # Good rows are imported, including the one with an embedded newline and comma.
    got = events(engine)
    assert set(got) == {"G1", "G2", "G3"}
    assert got["G2"]["attributes"]["outcome"] == "first line of outcome second line, with a comma"
    assert got["G2"]["extra"] == {"Partner Notes": "n2"}
    assert got["G3"]["extra"] == {"Partner Notes": "n12"}
    # Nothing of a quarantined row reaches events or mentions.
    assert set(mentions(engine)) == {("G1", "caller")}

    rows = quarantined(engine, summary.import_id)
    assert sorted(rows) == sorted(EXPECTED)
    for line, columns in EXPECTED.items():
        reasons = rows[line]["reasons"]
        assert reasons, line
        for column in columns:
            assert any(column in r for r in reasons), (line, column, reasons)
    assert len(rows[16]["reasons"]) >= 3  # every reason, not just the first
    assert any("required" in r for r in rows[12]["reasons"])
    assert any("future" in r for r in rows[11]["reasons"])
    # Fields are stored exactly as sent, under the file's own headers.
    assert rows[6]["fields"]["channel"] == "carrier pigeon"
    assert rows[6]["fields"]["Partner Notes"] == "n4"
    assert rows[11]["fields"]["caller_dob"] == f"01/01/{NEXT_YEAR}"
    assert rows[13]["fields"]["source_id"] == "Q-ragged"
    # Personal values never appear in a reason.
    assert not any("Bob" in r or str(NEXT_YEAR) in r for r in rows[11]["reasons"])

    # The import record and the quarantine CSV at the path the summary gives.
    run = import_run(engine, summary.import_id)
    assert (run["read"], run["imported"], run["quarantined"]) == (14, 3, 11)
    assert summary.quarantine is not None and run["quarantine_path"] == summary.quarantine
    assert Path(summary.quarantine).is_file()
    assert Path(summary.quarantine).is_relative_to(settings.resolved_quarantine_dir())
    csv_rows = read_quarantine_csv(summary.quarantine)
    assert [int(r["line"]) for r in csv_rows] == sorted(EXPECTED)
    by_line = {int(r["line"]): r for r in csv_rows}
    assert "channel" in by_line[6]["reasons"]
    assert by_line[6]["channel"] == "carrier pigeon"
    assert by_line[6]["source_id"] == "Q-enum"
    assert by_line[5]["received_at"] == "2024-02-30T10:00:00"
    assert by_line[9]["Partner Notes"] == "n7"


def test_intelligence_rules(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["agency", "source_id", "recorded_at", "source_grade", "intel_grade",
              "handling_code", "handling_conditions", "tags"]  # fmt: skip
    rows = [
        ["police", "OK-1", "2024-05-01T10:00:00", "1", "A", "P", None, "drugs"],
        ["police", "BAD-C", "2024-05-01T10:00:00", "1", "A", "C", None, None],  # line 3
        ["police", "OK-2", "2024-05-01T10:00:00", "2", "B", "C", "Police only", None],
        ["police", "BAD-GRADE", "2024-05-01T10:00:00", "4", "F", "X", None, None],  # line 5
        ["police", "BAD-EMPTY", "2024-05-01T10:00:00", None, "A", "P", None, None],  # line 6
        ["martians", "BAD-AGENCY", "2024-05-01T10:00:00", "1", "A", "P", None, None],  # line 7
    ]  # fmt: skip
    path = write_csv(tmp_path / "intel.csv", header, rows)
    summary = run_import(settings, engine, "intelligence", path)
    assert (summary.read, summary.imported, summary.quarantined) == (6, 2, 4)
    assert set(events(engine)) == {"OK-1", "OK-2"}
    got = quarantined(engine, summary.import_id)
    assert sorted(got) == [3, 5, 6, 7]
    assert any("handling_conditions" in r for r in got[3]["reasons"])
    for column in ("source_grade", "intel_grade", "handling_code"):
        assert any(column in r for r in got[5]["reasons"]), column
    assert any("source_grade" in r and "required" in r for r in got[6]["reasons"])
    assert any("agency" in r for r in got[7]["reasons"])


def test_other_feeds_rules(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    fire = write_csv(
        tmp_path / "fire.csv",
        ["source_id", "occurred_at", "incident_type", "casualties", "easting", "northing"],
        [["F1", "2024-05-01T10:00:00", "primary_fire", "1", "332613", "388987"],
         ["F2", "2024-05-01T10:00:00", "bonfire", "1", None, None],  # line 3
         ["F3", "2024-05-01T10:00:00", "primary_fire", "two", None, None],  # line 4
         ["F4", "2024-05-01T10:00:00", "primary_fire", "-1", None, None],  # line 5
         ["F5", "2024-05-01T10:00:00", "primary_fire", None, "332613", None],  # line 6
         ["F6", "2024-05-01T10:00:00", "primary_fire", None, "9000000", "388987"],  # line 7
         [None, "2024-05-01T10:00:00", None, None, None, None]],  # line 8
    )  # fmt: skip
    summary = run_import(settings, engine, "fire-incidents", fire)
    assert (summary.read, summary.imported, summary.quarantined) == (7, 1, 6)
    got = quarantined(engine, summary.import_id)
    assert sorted(got) == [3, 4, 5, 6, 7, 8]
    assert any("incident_type" in r for r in got[3]["reasons"])
    assert any("casualties" in r for r in got[4]["reasons"])
    assert any("casualties" in r for r in got[5]["reasons"])
    assert any("easting" in r and "northing" in r for r in got[6]["reasons"])
    assert any("easting" in r for r in got[7]["reasons"])
    assert any("source_id" in r for r in got[8]["reasons"])
    assert any("incident_type" in r for r in got[8]["reasons"])

    referrals = write_csv(
        tmp_path / "ref.csv",
        ["agency", "source_id", "referred_at", "vulnerabilities", "consent", "subject_dob"],
        [["council", "R1", "2024-05-01T10:00:00", "elderly;isolation", "given", "1930-01-01"],
         ["council", "R2", "2024-05-01T10:00:00", "elderly;wizardry", "given", None],  # line 3
         ["council", "R3", "2024-05-01T10:00:00", None, "maybe", None],  # line 4
         ["council", "R4", "2024-05-01T10:00:00", None, None, "1850-01-01"],  # line 5
         ["council", "R5", "2099-05-01T10:00:00", None, None, None]],  # line 6
    )  # fmt: skip
    summary = run_import(settings, engine, "referrals", referrals)
    assert (summary.read, summary.imported, summary.quarantined) == (5, 1, 4)
    got = quarantined(engine, summary.import_id)
    assert any("vulnerabilities" in r and "wizardry" in r for r in got[3]["reasons"])
    assert any("consent" in r for r in got[4]["reasons"])
    assert any("subject_dob" in r for r in got[5]["reasons"])
    assert any("referred_at" in r and "future" in r for r in got[6]["reasons"])
    assert set(events(engine)) == {"F1", "R1"}
    assert counts(engine)["quarantined_rows"] == 10


def test_police_uk_bad_month(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
              "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
              "Context"]  # fmt: skip
    rows = [
        ["abc", "2024-03", "Merseyside Police", "Merseyside Police", "-3.0148", "53.3934",
         "On or near X", "E01007126", "Wirral 014A", "Drugs", None, None],
        ["def", "March 2024", "Merseyside Police", "Merseyside Police", "-3.0148", "53.3934",
         "On or near X", "E01007126", "Wirral 014A", "Drugs", None, None],
        ["ghi", "2024-03", "Merseyside Police", "Merseyside Police", None, None,
         "On or near X", "E01007126", "Wirral 014A", None, None, None],
    ]  # fmt: skip
    path = write_csv(tmp_path / "2024-03-x-street.csv", header, rows)
    summary = run_import(settings, engine, "police-uk-street", path)
    assert (summary.read, summary.imported, summary.quarantined) == (3, 1, 2)
    got = quarantined(engine, summary.import_id)
    assert any("month" in r for r in got[3]["reasons"])
    assert any("crime_type" in r for r in got[4]["reasons"])


def test_gzip_quarantine_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    path = write_csv(
        tmp_path / "calls.csv.gz", ["agency", "source_id", "received_at"],
        [["police", "A", "2024-05-01T10:00:00"], ["police", "B", "soon"]], gz=True,
    )  # fmt: skip
    summary = run_import(settings, engine, "calls", path)
    assert (summary.imported, summary.quarantined) == (1, 1)
    assert summary.quarantine is not None
    rows = read_quarantine_csv(summary.quarantine)
    assert [(r["line"], r["source_id"], r["received_at"]) for r in rows] == [("3", "B", "soon")]


def test_duplicate_source_id_last_row_wins(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["agency", "source_id", "received_at", "outcome"]
    rows = [
        ["police", "D1", "2024-05-01T10:00:00", "first"],   # line 2: superseded
        ["police", "D2", "2024-05-01T10:00:00", "only"],    # line 3
        ["police", "D1", "2024-05-01T11:00:00", "second"],  # line 4: superseded
        ["fire", "D1", "2024-05-01T10:00:00", "other agency"],  # line 5: a different record
        ["police", "D1", "2024-05-01T12:00:00", "last"],    # line 6: imported
    ]  # fmt: skip
    summary = run_import(settings, engine, "calls", write_csv(tmp_path / "dup.csv", header, rows))
    assert (summary.read, summary.imported, summary.quarantined) == (5, 3, 2)
    assert_adds_up(summary)
    got = quarantined(engine, summary.import_id)
    assert sorted(got) == [2, 4]
    for line in (2, 4):
        assert any("source_id" in r and "6" in r for r in got[line]["reasons"]), got[line]
    assert got[2]["fields"]["outcome"] == "first"
    stored = [e for e in event_rows(engine) if e["source_id"] == "D1"]
    assert {(e["agency"], e["attributes"]["outcome"]) for e in stored} == {
        ("police", "last"), ("fire", "other agency"),
    }  # fmt: skip
    police = next(e for e in stored if e["agency"] == "police")
    assert police["occurred_at"] == dt.datetime(2024, 5, 1, 11, 0)


def test_configured_partner_agency(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    # The contract's agencies, or a partner's own short name configured in the hub.
    hub = settings.model_copy(update={"extra_agencies": ["Wirral_Hope"]})
    path = write_csv(
        tmp_path / "calls.csv", ["agency", "source_id", "received_at"],
        [["wirral_hope", "W1", "2024-05-01T10:00:00"],
         ["third_sector", "W2", "2024-05-01T10:00:00"],
         ["somebody_else", "W3", "2024-05-01T10:00:00"]],  # line 4
    )  # fmt: skip
    summary = run_import(hub, engine, "calls", path)
    assert (summary.imported, summary.quarantined) == (2, 1)
    assert {e["agency"] for e in events(engine).values()} == {"wirral_hope", "third_sector"}
    reasons = quarantined(engine, summary.import_id)[4]["reasons"]
    assert any("agency" in r and "somebody_else" in r for r in reasons)
