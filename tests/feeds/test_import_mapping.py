"""Partner mapping files: own column names, own codes, defaults and date formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from feeds.helpers import counts, events, mentions, quarantined, run_import, snapshot, write_csv, write_text
from saferhub.config import Settings
from saferhub.feeds import FileRefused

MAPPING = """
[columns]
source_id = "Incident No"
received_at = "Date/Time Received"
category = "Incident Category"
caller_dob = "Caller D.O.B."
channel = "How"

[values.category]
"ASB - Nuisance" = "asb"
"Concern for welfare" = "welfare"

[values.channel]
"Nine nine nine" = "999"

[defaults]
agency = "police"

[formats]
received_at = "%d/%m/%Y %H:%M"
caller_dob = "%d.%m.%Y"
"""

PARTNER_HEADER = ["Incident No", "Date/Time Received", "Incident Category", "How",
                  "Caller D.O.B.", "caller_last_name", "Beat"]  # fmt: skip


def test_mapping_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    mapping = write_text(tmp_path / "merseyside.toml", MAPPING)
    rows = [
        ["MP-1", "31/03/2024 01:30", "asb - nuisance", "NINE NINE NINE", "07.07.1990", "Smith", "B1"],
        ["MP-2", "14/07/2024 22:15", "CONCERN FOR WELFARE", "101", None, None, "B2"],
        # A value the map does not know passes through and must then be valid itself.
        ["MP-3", "15/07/2024 09:00", "crime", "phone", None, None, "B3"],
        ["MP-4", "15/07/2024 09:00", "Shoplifting", "phone", None, None, "B4"],  # line 5
        ["MP-5", "31/02/2024 09:00", "crime", "phone", None, None, "B5"],  # line 6
    ]  # fmt: skip
    path = write_csv(tmp_path / "partner.csv", PARTNER_HEADER, rows)
    summary = run_import(settings, engine, "calls", path, mapping=mapping)
    assert (summary.read, summary.imported, summary.quarantined) == (5, 3, 2)

    got = events(engine)
    assert set(got) == {"MP-1", "MP-2", "MP-3"}
    m1 = got["MP-1"]
    assert (m1["agency"], m1["category"]) == ("police", "asb")  # agency from [defaults]
    assert m1["attributes"]["channel"] == "999"
    assert m1["occurred_at"] == dt.datetime(2024, 3, 31, 1, 30)  # in the DST gap: GMT
    assert m1["extra"] == {"Beat": "B1"}  # unmapped partner columns are kept as sent
    assert got["MP-2"]["category"] == "welfare"
    assert got["MP-2"]["occurred_at"] == dt.datetime(2024, 7, 14, 21, 15)
    assert got["MP-3"]["category"] == "crime"
    caller = mentions(engine)["MP-1", "caller"]
    assert caller["dob"] == dt.date(1990, 7, 7)
    assert caller["last_name"] == "smith"

    bad = quarantined(engine, summary.import_id)
    assert sorted(bad) == [5, 6]
    assert any("category" in r for r in bad[5]["reasons"])
    assert bad[5]["fields"]["Incident Category"] == "Shoplifting"  # as the partner sent it
    assert any("received_at" in r for r in bad[6]["reasons"])


def test_mapping_default_does_not_override_a_value(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    mapping = write_text(tmp_path / "m.toml", '[defaults]\nagency = "council"\n')
    rows = [["housing", "A", "2024-05-01T10:00:00"], [None, "B", "2024-05-01T10:00:00"]]
    path = write_csv(tmp_path / "calls.csv", ["agency", "source_id", "received_at"], rows)
    summary = run_import(settings, engine, "calls", path, mapping=mapping)
    assert summary.imported == 2
    got = events(engine)
    assert (got["A"]["agency"], got["B"]["agency"]) == ("housing", "council")


def test_mapping_naming_a_missing_column_refuses_the_file(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    ok = write_csv(tmp_path / "ok.csv", ["agency", "source_id", "received_at"],
                   [["police", "A", "2024-05-01T10:00:00"]])  # fmt: skip
    run_import(settings, engine, "calls", ok)
    before = snapshot(engine)
    mapping = write_text(tmp_path / "m.toml", MAPPING)
    path = write_csv(tmp_path / "partner.csv", [h for h in PARTNER_HEADER if h != "How"],
                     [["MP-1", "31/03/2024 01:30", "asb", None, None, None]])  # fmt: skip
    with pytest.raises(FileRefused) as refused:
        run_import(settings, engine, "calls", path, mapping=mapping)
    assert "partner.csv" in str(refused.value)
    assert "How" in str(refused.value)
    assert snapshot(engine) == before
    assert counts(engine)["imports"] == 1
