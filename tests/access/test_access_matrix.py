"""Every reader agency x role x feed x owning agency against the shipped agreement.

The expected level is written out here from the agreement's policy in words (issue 5 and
6), not computed by the code under test: statutory partners share incidents in full
(s115), intelligence goes in full to police and in summary to the council and housing,
voluntary partners see referral summaries only, auditors no personal data, partner
viewers no intelligence content.
"""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest

from saferhub.access import ROLES, Reader, SharingAgreement, intelligence_for, restrict
from saferhub.feeds import FEEDS

STATUTORY = {"police", "council", "fire", "ambulance", "housing"}
INCIDENTS = {"calls", "asb-reports", "fire-incidents", "referrals"}
AGENCIES = ("police", "council", "fire", "ambulance", "housing", "third_sector", "wirral_housing")

PERSONAL = (
    "caller_first_name", "caller_last_name", "caller_dob", "caller_phone", "caller_address",
    "caller_postcode", "latitude", "longitude", "easting", "northing", "location_address",
    "person_id", "place_id", "outcome", "description", "concern", "officer_remarks",
    "date_of_birth", "uprn", "unlisted_number",  # not named in the agreement: never in a summary
)  # fmt: skip
KEPT_IN_SUMMARY = (
    "id",
    "feed",
    "agency",
    "source_id",
    "occurred_at",
    "category",
    "ward_code",
    "risk",
    "n_calls",
)


def expected(reader: str, role: str, feed: str, owner: str) -> str:
    if feed == "police-uk-street" or owner == reader:
        level = "full"
    elif feed in INCIDENTS:
        if reader in STATUTORY:
            level = "full"
        elif reader == "third_sector" and feed == "referrals":
            level = "summary"
        else:
            level = "none"
    else:
        level = {"police": "full", "council": "summary", "housing": "summary"}.get(reader, "none")
    if role == "auditor" and level == "full":
        level = "summary"
    if feed == "intelligence" and level != "none" and role in ("partner_viewer", "auditor"):
        level = "notice"
    return level


def records() -> pl.DataFrame:
    rows = []
    for i, (feed, owner) in enumerate(itertools.product(FEEDS, AGENCIES), 1):
        rows.append({
            "id": i, "feed": feed, "agency": owner, "source_id": f"{owner[:3].upper()}-{i:04d}",
            "occurred_at": dt.datetime(2026, 11, 2, 9, 30), "category": "asb", "ward_code": "E05000958",
            "risk": "high", "n_calls": i % 7, "caller_first_name": "Alys", "caller_last_name": "Prothero",
            "caller_dob": dt.date(1961, 4, 9), "caller_phone": "07700900461",
            "caller_address": "12 Marsh Lane", "caller_postcode": "CH41 5LH", "latitude": 53.39,
            "longitude": -3.02, "easting": 332000.0, "northing": 389000.0,
            "location_address": "Marsh Lane", "person_id": "P000123", "place_id": "PL000045",
            "outcome": "Words of advice to Alys", "description": "Shouting at neighbour",
            "concern": "Lives alone", "officer_remarks": "Known to Alys's son",
            "date_of_birth": dt.date(1961, 4, 9), "uprn": 41234567, "unlisted_number": 3.5,
            "handling_code": "P", "handling_conditions": None,
            "text": "Subject believed to be supplying drugs" if feed == "intelligence" else None,
            "tags": ["drugs"],
        })  # fmt: skip
    return pl.DataFrame(rows)


READERS = [(a, r) for a in AGENCIES for r in ROLES]


@pytest.mark.parametrize(("agency", "role"), READERS, ids=[f"{a}-{r}" for a, r in READERS])
def test_every_record_is_shown_summarised_or_withheld_as_agreed(
    agency: str, role: str, agreement: SharingAgreement
) -> None:
    frame = records()
    reader = Reader(agency=agency, role=role, user="u-1")
    shown = restrict(frame, reader=reader, agreement=agreement)
    notices = intelligence_for(
        frame.filter(pl.col("feed") == "intelligence"), reader=reader, agreement=agreement
    )
    by_id = {row["id"]: row for row in shown.iter_rows(named=True)}
    notice_by_id = {row["id"]: row for row in notices.iter_rows(named=True)}
    checked = {"full": 0, "summary": 0, "notice": 0, "none": 0}
    for original in frame.iter_rows(named=True):
        level = expected(agency, role, original["feed"], original["agency"])
        checked[level] += 1
        where = f"{agency}/{role} reading {original['agency']}'s {original['feed']}"
        got = by_id.get(original["id"])
        if level == "none":
            assert got is None, f"{where}: should be withheld"
            assert original["id"] not in notice_by_id
            continue
        assert got is not None, f"{where}: should be shown ({level})"
        if level == "full":
            assert not got["redacted"], where
            assert {k: got[k] for k in original} == original, where
            continue
        assert got["redacted"], where
        leaked = [c for c in PERSONAL if got[c] is not None]
        assert not leaked, f"{where}: personal fields shown at {level}: {leaked}"
        assert got["ward_code"] == original["ward_code"] and got["source_id"] == original["source_id"], where
        if level == "summary":
            assert all(got[c] == original[c] for c in KEPT_IN_SUMMARY), where
            intel_text = original["feed"] == "intelligence"
            assert (got["text"] is not None) == intel_text, f"{where}: sanitised text only for intelligence"
        else:  # notice: intelligence the role may not read
            assert got["text"] is None and got["tags"] is None and got["n_calls"] is None, where
            notice = notice_by_id[original["id"]]
            assert not notice["shown"] and original["source_id"] in notice["notice"], where
    assert sum(checked.values()) == frame.height


def test_the_matrix_covers_every_level(agreement: SharingAgreement) -> None:
    levels = {expected(a, r, f, o) for a, r in READERS for f in FEEDS for o in AGENCIES}
    assert levels == {"full", "summary", "notice", "none"}


@pytest.mark.parametrize("role", ROLES)
def test_the_voluntary_sector_sees_no_intelligence_and_no_police_calls(
    role: str, agreement: SharingAgreement
) -> None:
    frame = records()
    reader = Reader(agency="third_sector", role=role)
    shown = restrict(frame, reader=reader, agreement=agreement)
    others = shown.filter(pl.col("agency") != "third_sector")
    assert others.filter(pl.col("feed") == "intelligence").height == 0
    assert others.filter(pl.col("feed").is_in(["calls", "asb-reports", "fire-incidents"])).height == 0
    assert set(others["feed"]) <= {"referrals", "police-uk-street"}
    assert others.filter(pl.col("feed") == "referrals")["redacted"].all()
    own_intel = intelligence_for(
        frame.filter(pl.col("feed") == "intelligence"), reader=reader, agreement=agreement
    ).filter(pl.col("agency") != "third_sector")
    assert own_intel.height == 0


def test_an_agency_the_agreement_does_not_name_sees_only_its_own(agreement: SharingAgreement) -> None:
    shown = restrict(records(), reader=Reader(agency="wirral_housing"), agreement=agreement)
    assert set(shown.filter(pl.col("feed") != "police-uk-street")["agency"]) == {"wirral_housing"}


def test_records_of_no_stated_agency_are_withheld(agreement: SharingAgreement) -> None:
    frame = records().head(3).with_columns(pl.lit(None, pl.String).alias("agency"))
    assert restrict(frame, reader=Reader(agency="police"), agreement=agreement).height == 0
