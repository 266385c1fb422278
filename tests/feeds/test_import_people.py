"""Person mentions: one per role present on a row, raw as recorded and normalised for matching."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from feeds.helpers import counts, events, mentions, run_import, write_csv
from saferhub.config import Settings


def test_caller_mentions_raw_and_normalised(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["agency", "source_id", "received_at", "caller_first_name", "caller_last_name",
              "caller_dob", "caller_phone", "caller_address", "caller_postcode", "caller_ref"]  # fmt: skip
    rows = [
        ["police", "P1", "2024-05-01T10:00:00", "JOHN", "O'Brien", "01/02/1980",
         "0151 123 4567", "12, Argyle St.", "ch41 6ab", "PNC/123"],
        ["police", "P2", "2024-05-01T11:00:00", "Zoë", "Smith-Jones", "1975-12-31",
         "+44 7700 900123", None, "CH445AA", None],
        ["police", "P3", "2024-05-01T12:00:00", None, None, None, "07700-900-456", None, None, None],
        ["police", "P4", "2024-05-01T13:00:00", None, None, None, None, None, None, None],
        ["police", "P5", "2024-05-01T14:00:00", "bob", "de la Cruz", "9/3/2001",
         "(0151) 6381234", None, "CH41  6AB", None],
        # An unreadable phone number is kept as recorded, not refused and not lost.
        ["police", "P6", "2024-05-01T15:00:00", None, None, None, "ex-directory", None, None, None],
    ]  # fmt: skip
    summary = run_import(settings, engine, "calls", write_csv(tmp_path / "calls.csv", header, rows))
    assert (summary.imported, summary.quarantined) == (6, 0)

    got = mentions(engine)
    # One caller mention for each row with any caller field; none for P4.
    assert set(got) == {("P1", "caller"), ("P2", "caller"), ("P3", "caller"), ("P5", "caller"),
                        ("P6", "caller")}  # fmt: skip
    assert counts(engine)["person_mentions"] == 5
    ids = events(engine)
    assert got["P1", "caller"]["event_id"] == ids["P1"]["id"]

    p1 = got["P1", "caller"]
    assert p1["raw"] == {
        "first_name": "JOHN", "last_name": "O'Brien", "dob": "01/02/1980",
        "phone": "0151 123 4567", "address": "12, Argyle St.", "postcode": "ch41 6ab",
        "ref": "PNC/123",
    }  # fmt: skip
    assert (p1["first_name"], p1["last_name"]) == ("john", "obrien")
    assert p1["dob"] == dt.date(1980, 2, 1)  # DD/MM/YYYY
    assert p1["phone"] == "+441511234567"
    assert p1["postcode"] == "CH41 6AB"
    assert p1["agency_ref"] == "PNC/123"
    assert p1["address"] is not None and "ARGYLE" in p1["address"] and "," not in p1["address"]

    p2 = got["P2", "caller"]
    assert p2["raw"]["first_name"] == "Zoë" and p2["raw"]["postcode"] == "CH445AA"
    assert (p2["first_name"], p2["last_name"]) == ("zoe", "smith-jones")
    assert p2["dob"] == dt.date(1975, 12, 31)  # YYYY-MM-DD
    assert p2["phone"] == "+447700900123"
    assert p2["postcode"] == "CH44 5AA"
    assert p2["address"] is None and p2["agency_ref"] is None

    p3 = got["P3", "caller"]
    assert p3["phone"] == "+447700900456"
    assert (p3["first_name"], p3["last_name"], p3["dob"]) == (None, None, None)
    assert p3["raw"] == {
        "first_name": None, "last_name": None, "dob": None, "phone": "07700-900-456",
        "address": None, "postcode": None, "ref": None,
    }  # fmt: skip

    p5 = got["P5", "caller"]
    assert p5["last_name"] == "de la cruz"
    assert p5["dob"] == dt.date(2001, 3, 9)  # D/M/YYYY
    assert p5["phone"] == "+441516381234"
    assert p5["postcode"] == "CH41 6AB"

    p6 = got["P6", "caller"]
    assert p6["phone"] is None
    assert p6["raw"]["phone"] == "ex-directory"


def test_one_mention_per_role(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["agency", "source_id", "reported_at", "reporter_first_name", "reporter_last_name",
              "reporter_phone", "subject_first_name", "subject_last_name", "subject_dob",
              "subject_postcode"]  # fmt: skip
    rows = [
        ["council", "A1", "2024-05-01T10:00:00", "Mary", "Jones", "0151 111 2222",
         "Kevin", "Smith", "2004-07-07", "CH41 6AB"],
        ["council", "A2", "2024-05-01T10:00:00", None, None, None, "Kev", "Smith", None, None],
        ["council", "A3", "2024-05-01T10:00:00", "Anon", None, None, None, None, None, None],
        ["council", "A4", "2024-05-01T10:00:00", None, None, None, None, None, None, None],
    ]  # fmt: skip
    summary = run_import(settings, engine, "asb-reports", write_csv(tmp_path / "asb.csv", header, rows))
    assert (summary.imported, summary.quarantined) == (4, 0)
    got = mentions(engine)
    assert set(got) == {("A1", "reporter"), ("A1", "subject"), ("A2", "subject"), ("A3", "reporter")}
    assert got["A1", "reporter"]["last_name"] == "jones"
    assert got["A1", "reporter"]["phone"] == "+441511112222"
    assert got["A1", "subject"]["first_name"] == "kevin"
    assert got["A1", "subject"]["dob"] == dt.date(2004, 7, 7)
    assert got["A1", "subject"]["phone"] is None
    assert got["A2", "subject"]["first_name"] == "kev"
    assert got["A3", "reporter"]["raw"]["first_name"] == "Anon"


def test_intelligence_subject_and_associate(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["agency", "source_id", "recorded_at", "source_grade", "intel_grade", "handling_code",
              "subject_first_name", "subject_last_name", "associate_first_name",
              "associate_last_name", "associate_ref"]  # fmt: skip
    rows = [
        ["police", "I1", "2024-05-01T10:00:00", "2", "C", "P", "Lee", "O'NEILL", "Sam", "Ward", "N99"],
        ["police", "I2", "2024-05-01T10:00:00", "3", "D", "P", None, None, "Sam", "Ward", None],
    ]  # fmt: skip
    summary = run_import(settings, engine, "intelligence", write_csv(tmp_path / "intel.csv", header, rows))
    assert summary.imported == 2
    got = mentions(engine)
    assert set(got) == {("I1", "subject"), ("I1", "associate"), ("I2", "associate")}
    assert got["I1", "subject"]["last_name"] == "oneill"
    assert got["I1", "associate"]["agency_ref"] == "N99"


def test_fire_occupant_and_referral_subject(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    fire = write_csv(
        tmp_path / "fire.csv",
        ["source_id", "occurred_at", "incident_type", "occupant_last_name", "occupant_dob"],
        [["F1", "2024-05-01T10:00:00", "primary_fire", "Brown", "02/03/1940"],
         ["F2", "2024-05-01T10:00:00", "secondary_fire", None, None]],
    )  # fmt: skip
    referrals = write_csv(
        tmp_path / "ref.csv",
        ["agency", "source_id", "referred_at", "subject_first_name", "subject_phone"],
        [["fire", "R1", "2024-05-02T10:00:00", "Edna", "0151 222 3333"]],
    )
    assert run_import(settings, engine, "fire-incidents", fire).imported == 2
    assert run_import(settings, engine, "referrals", referrals).imported == 1
    got = mentions(engine)
    assert set(got) == {("F1", "occupant"), ("R1", "subject")}
    assert got["F1", "occupant"]["dob"] == dt.date(1940, 3, 2)
    assert got["R1", "subject"]["phone"] == "+441512223333"
