"""Each feed of the contract: a small valid file, written by hand, imports as the contract says.

Also the file-level rules every feed shares: header matching, free column order, unknown
columns kept, UTF-8 BOM, ``.csv.gz``, ``.xlsx`` (with a chosen sheet), header-only files,
and Europe/London local times across the DST changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from feeds.helpers import (
    assert_adds_up,
    counts,
    events,
    mentions,
    quarantined,
    run_import,
    write_csv,
    write_text,
)
from saferhub.config import Settings

# Points in Wirral (the hub's configured area) and one in London (in the UK, outside it).
BIRKENHEAD = (53.3934, -3.0148)
WALLASEY = (53.4233, -3.0650)
LONDON = (51.5072, -0.1276)


def _located_in_wirral(ev: dict) -> None:
    assert ev["lsoa_code"] is not None and ev["lsoa_code"].startswith("E01")
    assert ev["ward_code"] is not None and ev["ward_code"].startswith("E05")
    assert ev["easting"] is not None and 300_000 < ev["easting"] < 345_000
    assert ev["northing"] is not None and 375_000 < ev["northing"] < 400_000


def _check(ev: dict, **expected: object) -> None:
    for key, value in expected.items():
        assert ev[key] == value, f"{ev['source_id']}.{key}: {ev[key]!r} != {value!r}"


# ------------------------------------------------------------------------------ calls

CALLS_HEADER = [
    " Received_At ", "AGENCY", "source_id ", "Channel", "call_type", "Category", "PRIORITY",
    "attended", "outcome", "latitude", "longitude", "Location_Address", "location_postcode",
    "Radio Channel", "officer NOTE",
]  # fmt: skip
CALLS_ROWS = [
    ["2024-07-14T22:15:00", "police", "C-1001", "999", "ASB youths", "asb", "emergency",
     "true", "Words of advice", *BIRKENHEAD, "12 Argyle Street,  Birkenhead", "ch41 6ab", "Ch 5", ""],
    ["2024-01-10T08:00:00", "ambulance", "C-1002", "112", "Fall", "medical", "priority",
     "false", "", None, None, None, None, "Ch 2", "Patient conveyed"],
    ["2024-02-01T12:00:00+00:00", "council", "C-1003", "online", None, "welfare", "scheduled",
     None, None, *LONDON, None, None, None, None],
]  # fmt: skip


def test_calls_valid_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    path = write_csv(tmp_path / "calls.csv", CALLS_HEADER, CALLS_ROWS)
    summary = run_import(settings, engine, "calls", path)

    assert (summary.read, summary.imported, summary.updated, summary.quarantined) == (3, 3, 0, 0)
    assert summary.quarantine is None
    assert_adds_up(summary)
    got = events(engine)
    assert set(got) == {"C-1001", "C-1002", "C-1003"}

    c1 = got["C-1001"]
    _check(
        c1, feed="calls", agency="police", category="asb", type="ASB youths",
        occurred_at=dt.datetime(2024, 7, 14, 21, 15),  # BST: UTC+1
        time_precision="second", postcode="CH41 6AB", address="12 Argyle Street, Birkenhead",
        latitude=BIRKENHEAD[0], longitude=BIRKENHEAD[1], import_id=summary.import_id,
    )  # fmt: skip
    assert c1["occurred_at"].tzinfo is None
    assert c1["attributes"] == {
        "channel": "999", "priority": "emergency", "attended": True, "outcome": "Words of advice",
    }  # fmt: skip
    # Unknown columns are kept under their header as sent (trimmed), empty cells as null.
    assert c1["extra"] == {"Radio Channel": "Ch 5", "officer NOTE": None}
    _located_in_wirral(c1)

    c2 = got["C-1002"]
    _check(
        c2, agency="ambulance", category="medical", type="Fall",
        occurred_at=dt.datetime(2024, 1, 10, 8, 0),  # GMT
        latitude=None, longitude=None, easting=None, northing=None, lsoa_code=None,
        ward_code=None, postcode=None, address=None,
    )  # fmt: skip
    assert c2["attributes"] == {
        "channel": "112", "priority": "priority", "attended": False, "outcome": None,
    }  # fmt: skip
    assert c2["extra"] == {"Radio Channel": "Ch 2", "officer NOTE": "Patient conveyed"}

    c3 = got["C-1003"]
    _check(c3, agency="council", category="welfare", type=None, occurred_at=dt.datetime(2024, 2, 1, 12, 0))
    # In the UK but outside the hub's area: placed on the grid, in no LSOA.
    assert c3["easting"] == pytest.approx(530_043, abs=5)
    assert c3["lsoa_code"] is None and c3["ward_code"] is None
    assert c3["attributes"]["channel"] == "online"

    assert mentions(engine) == {}  # no caller columns at all
    assert counts(engine)["quarantined_rows"] == 0


# ------------------------------------------------------------------------ asb-reports


def test_asb_reports_valid_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["source_id", "agency", "reported_at", "occurred_at", "asb_type", "description",
              "risk", "latitude", "longitude", "Case Officer"]  # fmt: skip
    rows = [
        ["ASB/24/001", "council", "2024-06-03T09:30:00", "2024-06-01T23:10:00", "nuisance",
         "Loud music every night", "medium", *WALLASEY, "J. Bloggs"],
        ["ASB/24/002", "housing", "2024-12-02T10:00:00", None, "environmental",
         "Fly-tipping behind the garages", "standard", None, None, None],
        ["ASB/24/003", "police", "2024-03-05T16:45:00Z", "2024-03-05T15:00:00", "personal",
         None, "high", None, None, "PC 123"],
    ]  # fmt: skip
    summary = run_import(settings, engine, "asb-reports", write_csv(tmp_path / "asb.csv", header, rows))

    assert (summary.read, summary.imported, summary.quarantined) == (3, 3, 0)
    assert_adds_up(summary)
    got = events(engine)
    a1, a2, a3 = got["ASB/24/001"], got["ASB/24/002"], got["ASB/24/003"]
    _check(
        a1,
        feed="asb-reports",
        agency="council",
        category="asb",
        type="nuisance",
        occurred_at=dt.datetime(2024, 6, 1, 22, 10),
    )
    assert a1["attributes"] == {
        "reported_at": "2024-06-03T08:30:00Z", "description": "Loud music every night",
        "risk": "medium",
    }  # fmt: skip
    assert a1["extra"] == {"Case Officer": "J. Bloggs"}
    _located_in_wirral(a1)
    # Without occurred_at the event happened when it was reported.
    _check(a2, agency="housing", type="environmental", occurred_at=dt.datetime(2024, 12, 2, 10, 0))
    assert a2["attributes"]["risk"] == "standard"
    _check(a3, agency="police", type="personal", occurred_at=dt.datetime(2024, 3, 5, 15, 0))
    assert a3["attributes"]["description"] is None


# --------------------------------------------------------------------- fire-incidents


def test_fire_incidents_valid_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    # No agency column: the contract makes it default to "fire". Locations as BNG.
    header = ["incident_type", "source_id", "occurred_at", "motive", "property_type",
              "casualties", "easting", "northing", "Station"]  # fmt: skip
    rows = [
        ["secondary_fire", "F1", "2024-08-20T21:05:00", "deliberate", "refuse", "0",
         "332613", "388987", "Birkenhead"],
        ["primary_fire", "F2", "2024-11-05T19:30:00", "accidental", "dwelling", "2",
         None, None, "Wallasey"],
        ["false_alarm_good_intent", "F3", "2024-02-14T07:00:00", None, None, None,
         None, None, None],
        ["special_service", "F4", "2024-02-15T07:00:00", None, "vehicle", None, None, None, None],
    ]  # fmt: skip
    summary = run_import(settings, engine, "fire-incidents", write_csv(tmp_path / "fire.csv", header, rows))

    assert (summary.read, summary.imported, summary.quarantined) == (4, 4, 0)
    got = events(engine)
    f1 = got["F1"]
    _check(
        f1,
        feed="fire-incidents",
        agency="fire",
        category="fire",
        type="secondary_fire",
        occurred_at=dt.datetime(2024, 8, 20, 20, 5),
    )
    assert f1["attributes"] == {"motive": "deliberate", "property_type": "refuse", "casualties": 0}
    assert f1["extra"] == {"Station": "Birkenhead"}
    # Easting/northing given: WGS84 is filled in from them.
    assert f1["latitude"] == pytest.approx(BIRKENHEAD[0], abs=1e-4)
    assert f1["longitude"] == pytest.approx(BIRKENHEAD[1], abs=1e-4)
    _located_in_wirral(f1)
    _check(got["F2"], category="fire", type="primary_fire", occurred_at=dt.datetime(2024, 11, 5, 19, 30))
    assert got["F2"]["attributes"]["casualties"] == 2
    _check(got["F3"], agency="fire", category="false_alarm", type="false_alarm_good_intent")
    _check(got["F4"], category="other", type="special_service")


# -------------------------------------------------------------------------- referrals


def test_referrals_valid_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["agency", "source_id", "referred_at", "vulnerabilities", "concern", "risk",
              "consent", "location_postcode", "Referrer Team"]  # fmt: skip
    rows = [
        ["third_sector", "R-1", "2024-04-02T14:00:00", "mental_health;alcohol;isolation",
         "Lives alone, not eating", "high", "given", "CH44 9AA", "Outreach"],
        ["fire", "R-2", "2024-04-03T10:00:00", "hoarding; fire_risk", None, "medium",
         "override", None, None],
        ["police", "R-3", "2024-04-04T10:00:00", None, None, None, "not_sought", None, None],
    ]  # fmt: skip
    summary = run_import(settings, engine, "referrals", write_csv(tmp_path / "ref.csv", header, rows))

    assert (summary.read, summary.imported, summary.quarantined) == (3, 3, 0)
    got = events(engine)
    r1 = got["R-1"]
    _check(
        r1,
        feed="referrals",
        agency="third_sector",
        category="safeguarding",
        type="referral",
        occurred_at=dt.datetime(2024, 4, 2, 13, 0),
        postcode="CH44 9AA",
    )
    assert r1["attributes"] == {
        "vulnerabilities": ["mental_health", "alcohol", "isolation"],
        "concern": "Lives alone, not eating", "risk": "high", "consent": "given",
    }  # fmt: skip
    assert r1["extra"] == {"Referrer Team": "Outreach"}
    assert got["R-2"]["attributes"]["vulnerabilities"] == ["hoarding", "fire_risk"]
    assert got["R-2"]["attributes"]["consent"] == "override"
    assert got["R-3"]["attributes"]["vulnerabilities"] is None


# ----------------------------------------------------------------------- intelligence


def test_intelligence_valid_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    header = ["agency", "source_id", "recorded_at", "source_grade", "intel_grade",
              "handling_code", "handling_conditions", "text", "tags", "latitude", "longitude",
              "Originator"]  # fmt: skip
    rows = [
        ["police", "INT-1", "2024-09-09T09:09:00", "2", "B", "P", None,
         "Address used for dealing", "drugs;county_lines", *BIRKENHEAD, "DC 42"],
        ["police", "INT-2", "2024-09-10T10:00:00", "1", "A", "C",
         "Do not share outside CSP", "Vulnerable adult cuckooed", "cuckooing", None, None, None],
    ]  # fmt: skip
    summary = run_import(settings, engine, "intelligence", write_csv(tmp_path / "intel.csv", header, rows))

    assert (summary.read, summary.imported, summary.quarantined) == (2, 2, 0)
    got = events(engine)
    i1, i2 = got["INT-1"], got["INT-2"]
    _check(
        i1,
        feed="intelligence",
        agency="police",
        category="intelligence",
        type="2BP",
        occurred_at=dt.datetime(2024, 9, 9, 8, 9),
    )
    assert i1["attributes"] == {
        "source_grade": "2", "intel_grade": "B", "handling_code": "P",
        "handling_conditions": None, "text": "Address used for dealing",
        "tags": ["drugs", "county_lines"],
    }  # fmt: skip
    assert i1["extra"] == {"Originator": "DC 42"}
    _located_in_wirral(i1)
    _check(i2, type="1AC")
    assert i2["attributes"]["handling_conditions"] == "Do not share outside CSP"
    assert i2["attributes"]["tags"] == ["cuckooing"]


# ------------------------------------------------------------------- police-uk-street

POLICE_UK_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip


def police_uk_row(crime_id: str | None, crime_type: str, *, lon: str = "-3.014800",
                  lat: str = "53.393400", location: str = "On or near Argyle Street",
                  outcome: str | None = None) -> list[str | None]:  # fmt: skip
    return [crime_id, "2024-03", "Merseyside Police", "Merseyside Police", lon, lat, location,
            "E01007126", "Wirral 014A", crime_type, outcome, None]  # fmt: skip


def test_police_uk_street_valid_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    crime = "a1b2c3" * 10
    rows = [
        police_uk_row(crime, "Burglary", outcome="Under investigation"),
        police_uk_row(None, "Anti-social behaviour"),
        police_uk_row(None, "Anti-social behaviour", lon="", lat="", location="No location"),
        police_uk_row("ff" * 32, "Violence and sexual offences"),
    ]
    path = write_csv(tmp_path / "2024-03-merseyside-street.csv", POLICE_UK_HEADER, rows)
    summary = run_import(settings, engine, "police-uk-street", path)

    assert (summary.read, summary.imported, summary.quarantined) == (4, 4, 0)
    got = events(engine)
    assert len(got) == 4
    burglary = got[crime]
    _check(burglary, feed="police-uk-street", agency="police", category="crime", type="burglary",
           occurred_at=dt.datetime(2024, 3, 1), time_precision="month", address=None,
           postcode=None)  # fmt: skip
    assert burglary["attributes"] == {
        "crime_type": "Burglary", "reported_by": "Merseyside Police",
        "falls_within": "Merseyside Police", "location_description": "On or near Argyle Street",
        "published_lsoa_code": "E01007126", "published_lsoa_name": "Wirral 014A",
        "last_outcome_category": "Under investigation", "context": None,
    }  # fmt: skip
    _located_in_wirral(burglary)
    assert got["ff" * 32]["type"] == "violent-crime"
    asb = [e for sid, e in got.items() if sid not in (crime, "ff" * 32)]
    assert {e["category"] for e in asb} == {"asb"}
    assert {e["type"] for e in asb} == {"anti-social-behaviour"}
    assert all(e["source_id"] for e in asb)
    # The "No location" row has no point and so no area.
    assert sorted(e["latitude"] is None for e in asb) == [False, True]


# ------------------------------------------------------------ file-level format rules


@pytest.mark.parametrize(
    ("name", "bom", "gz"),
    [("plain.csv", False, False), ("bom.csv", True, False), ("data.csv.gz", False, True),
     ("bom.csv.gz", True, True)],
)  # fmt: skip
def test_bom_and_gzip_are_accepted(
    tmp_path: Path, settings: Settings, engine: Engine, name: str, bom: bool, gz: bool
) -> None:
    # The BOM sits right before the first header, which must still be recognised.
    header = ["agency", "source_id", "received_at", "category", "Notes"]
    rows = [["police", "B1", "2024-05-01T10:00:00", "crime", "n1"],
            ["fire", "B2", "2024-05-02T10:00:00", "fire", "n2"],
            ["police", "B3", "not a date", "crime", "n3"]]  # fmt: skip
    path = write_csv(tmp_path / name, header, rows, bom=bom, gz=gz)
    summary = run_import(settings, engine, "calls", path)
    assert (summary.read, summary.imported, summary.quarantined) == (3, 2, 1)
    got = events(engine)
    assert set(got) == {"B1", "B2"}
    assert got["B1"]["agency"] == "police"
    assert got["B1"]["occurred_at"] == dt.datetime(2024, 5, 1, 9, 0)
    assert got["B2"]["extra"] == {"Notes": "n2"}
    assert list(quarantined(engine, summary.import_id)) == [4]


def test_crlf_line_ends_and_blank_lines(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    text = (
        "agency,source_id,received_at\r\n"
        "police,L1,2024-05-01T10:00:00\r\n"
        "\r\n"
        "police,L2,2024-05-01T25:00:00\r\n"
        "police,L3,2024-05-01T10:00:00"  # no line end after the last row
    )
    summary = run_import(settings, engine, "calls", write_text(tmp_path / "crlf.csv", text))
    assert (summary.read, summary.imported, summary.quarantined) == (3, 2, 1)
    assert set(events(engine)) == {"L1", "L3"}
    assert list(quarantined(engine, summary.import_id)) == [4]


def test_unnamed_columns(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    # A column with values but no header is kept (never silently dropped); the empty column
    # that a trailing comma makes carries nothing and is not kept.
    text = (
        "agency,source_id,,received_at,\n"
        "police,U1,desk 4,2024-05-01T10:00:00,\n"
        "police,U2,,2024-05-01T10:00:00,\n"
    )
    summary = run_import(settings, engine, "calls", write_text(tmp_path / "unnamed.csv", text))
    assert (summary.imported, summary.quarantined) == (2, 0)
    got = events(engine)
    assert got["U1"]["extra"] == {"column 3": "desk 4"}
    assert got["U2"]["extra"] == {"column 3": None}


def test_header_only_file_imports_nothing(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    path = write_csv(tmp_path / "empty-calls.csv", ["agency", "source_id", "received_at"], [])
    summary = run_import(settings, engine, "calls", path)
    assert (summary.read, summary.imported, summary.updated, summary.quarantined) == (0, 0, 0, 0)
    assert counts(engine) == {"imports": 1, "events": 0, "person_mentions": 0, "quarantined_rows": 0}


def test_xlsx_second_sheet(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Cover"
    cover.append(["This workbook holds calls for service"])
    sheet = book.create_sheet("Calls")
    sheet.append(["Agency", " Source_ID", "received_at", "caller_first_name", "caller_dob",
                  "caller_phone", "latitude", "longitude", "Shift"])  # fmt: skip
    sheet.append(
        [
            "police",
            "X1",
            dt.datetime(2024, 5, 1, 10, 30),
            "Ann",
            dt.date(1980, 2, 1),
            1511234567,
            BIRKENHEAD[0],
            BIRKENHEAD[1],
            3,
        ]
    )  # row 2
    sheet.append([])  # row 3: blank, skipped
    # row 4: an impossible date of birth, as text
    sheet.append(["police", "X2", "2024-05-01T11:00:00", None, "31/02/1980", None, None, None, None])
    # row 5: latitude 95
    sheet.append(["police", "X3", dt.datetime(2024, 12, 1, 0, 0), None, None, None, 95, -3, None])
    # row 6: a date cell for a datetime column, a date of birth as ISO text
    sheet.append(["police", "X4", dt.date(2024, 12, 2), None, "1975-06-30", None, None, None, "late"])
    path = tmp_path / "calls.xlsx"
    book.save(path)

    summary = run_import(settings, engine, "calls", path, sheet="Calls")
    assert (summary.read, summary.imported, summary.quarantined) == (4, 2, 2)
    assert_adds_up(summary)
    got = events(engine)
    assert set(got) == {"X1", "X4"}
    _check(got["X1"], agency="police", occurred_at=dt.datetime(2024, 5, 1, 9, 30))
    assert got["X1"]["extra"] == {"Shift": "3"}
    _located_in_wirral(got["X1"])
    _check(got["X4"], occurred_at=dt.datetime(2024, 12, 2, 0, 0))
    people = mentions(engine)
    # An Excel date cell is a date of birth; a number cell lost its leading 0 but is a phone.
    assert people["X1", "caller"]["dob"] == dt.date(1980, 2, 1)
    assert people["X1", "caller"]["phone"] == "+441511234567"
    assert people["X4", "caller"]["dob"] == dt.date(1975, 6, 30)

    rows = quarantined(engine, summary.import_id)
    assert list(rows) == [4, 5]  # the sheet's own row numbers
    assert any("caller_dob" in r for r in rows[4]["reasons"])
    assert any("latitude" in r for r in rows[5]["reasons"])
    assert rows[4]["fields"]["caller_dob"] == "31/02/1980"


def test_xlsx_first_sheet_by_default(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["source_id", "occurred_at", "incident_type"])
    sheet.append(["FX1", dt.datetime(2024, 6, 1, 12, 0), "chimney_fire"])
    book.create_sheet("Other").append(["nothing"])
    path = tmp_path / "fire.xlsx"
    book.save(path)
    summary = run_import(settings, engine, "fire-incidents", path)
    assert (summary.read, summary.imported) == (1, 1)
    _check(
        events(engine)["FX1"], agency="fire", type="chimney_fire", occurred_at=dt.datetime(2024, 6, 1, 11, 0)
    )


# ------------------------------------------------------------------- London local time


LOCAL_TIMES = [
    # Spring gap: 01:30 does not exist in London; read with the offset before it (GMT).
    ("2024-03-31T01:30:00", dt.datetime(2024, 3, 31, 1, 30)),
    ("2024-03-31T00:59:59", dt.datetime(2024, 3, 31, 0, 59, 59)),
    ("2024-03-31T02:00:00", dt.datetime(2024, 3, 31, 1, 0)),
    # Autumn overlap: 01:30 happens twice; the first (BST) is taken.
    ("2024-10-27T01:30:00", dt.datetime(2024, 10, 27, 0, 30)),
    ("2024-10-27T02:30:00", dt.datetime(2024, 10, 27, 2, 30)),
    # An explicit offset is honoured as written.
    ("2024-10-27T01:30:00+01:00", dt.datetime(2024, 10, 27, 0, 30)),
    ("2024-10-27T01:30:00+00:00", dt.datetime(2024, 10, 27, 1, 30)),
    ("2024-03-31T02:30:00+01:00", dt.datetime(2024, 3, 31, 1, 30)),
    ("2024-07-01T12:00:00Z", dt.datetime(2024, 7, 1, 12, 0)),
    ("2024-07-01T12:00:00-05:00", dt.datetime(2024, 7, 1, 17, 0)),
    ("2024-07-01T12:00", dt.datetime(2024, 7, 1, 11, 0)),
    ("2024-07-01", dt.datetime(2024, 6, 30, 23, 0)),
]


def test_local_times_to_utc(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    rows = [["police", f"T{i}", local] for i, (local, _) in enumerate(LOCAL_TIMES)]
    path = write_csv(tmp_path / "calls.csv", ["agency", "source_id", "received_at"], rows)
    summary = run_import(settings, engine, "calls", path)
    assert (summary.imported, summary.quarantined) == (len(LOCAL_TIMES), 0)
    got = events(engine)
    for i, (local, utc) in enumerate(LOCAL_TIMES):
        occurred = got[f"T{i}"]["occurred_at"]
        assert occurred.tzinfo is None
        assert occurred == utc, f"{local} -> {occurred}, expected {utc} UTC"
