"""Intelligence for each reader, end to end on synthetic data: read, restrict, log.

The expectation per report comes from the partner file itself (its handling code and
conditions) and the policy in words: what each of the generator's four conditions
allows is written out here by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import polars as pl
import pytest
from sqlalchemy import Engine

from saferhub.access import Reader, SharingAgreement, intelligence_for, intelligence_report, recent
from saferhub.synth.intel import CONDITIONS

# Which agencies each of the generator's conditions lets see the content.
ALLOWED_BY = {
    CONDITIONS[0]: {"police"},  # not outside Merseyside Police
    CONDITIONS[1]: {"police", "council"},  # council ASB team only
    CONDITIONS[2]: {"police", "housing"},  # police and housing only
    CONDITIONS[3]: {"police"},  # names no agency: the originator only
}
INTEL_LEVEL = {"police": "full", "council": "summary", "housing": "summary"}


def _expected(agency: str, code: str, conditions: str | None) -> str:
    level = INTEL_LEVEL.get(agency, "none")
    if level == "none":
        return "none"
    if code == "C" and agency not in ALLOWED_BY[conditions or ""]:
        return "notice"
    return level


@pytest.fixture
def intelligence(import_synth: Callable[..., None], synth_intelligence: pl.DataFrame) -> pl.DataFrame:
    import_synth("intelligence")
    coded = synth_intelligence["handling_code"].value_counts()
    assert set(coded["handling_code"]) == {"P", "C"}, "the synthetic file should hold both codes"
    return synth_intelligence


@pytest.mark.parametrize("agency", ["police", "council", "housing", "fire", "ambulance", "third_sector"])
def test_each_agency_sees_what_the_handling_codes_allow(
    agency: str, engine: Engine, intelligence: pl.DataFrame, agreement: SharingAgreement
) -> None:
    reader = Reader(agency=agency, role="analyst", user="u-7")
    shown = intelligence_report(engine=engine, reader=reader, agreement=agreement, where_from="cli:test")
    by_ref = {row["source_id"]: row for row in shown.iter_rows(named=True)}
    counts = {"full": 0, "summary": 0, "notice": 0, "none": 0}
    for sent in intelligence.iter_rows(named=True):
        want = _expected(agency, sent["handling_code"], sent["handling_conditions"])
        counts[want] += 1
        got = by_ref.get(sent["source_id"])
        if want == "none":
            assert got is None
            continue
        assert got is not None and got["handling_code"] == sent["handling_code"]
        if want == "notice":
            assert not got["shown"] and got["text"] is None and got["tags"] is None
            assert got["subject_person_id"] is None and got["handling_conditions"] is None
            assert got["notice"] == (
                "Restricted intelligence exists (handling code C): ask Merseyside Police "
                f"intelligence unit, ref {sent['source_id']}"
            )
            continue
        assert got["shown"] and got["notice"] is None
        assert got["text"] == sent["text"]
        assert got["source_grade"] == sent["source_grade"] and got["intel_grade"] == sent["intel_grade"]
        if want == "summary":  # sanitised text, never the subject's details or exact place
            assert got["latitude"] is None and got["subject_person_id"] is None and got["redacted"]
        else:
            assert not got["redacted"]
            assert (got["latitude"] is not None) == (sent["latitude"] is not None)
    if agency in ("council", "housing"):
        assert counts["summary"] > 0 and counts["notice"] > 0, counts
    if agency in ("fire", "ambulance", "third_sector"):
        assert shown.height == 0


def test_partner_viewers_and_auditors_get_notices_only(
    engine: Engine, intelligence: pl.DataFrame, agreement: SharingAgreement
) -> None:
    for role in ("partner_viewer", "auditor"):
        shown = intelligence_report(
            engine=engine,
            reader=Reader(agency="police", role=role),
            agreement=agreement,
            where_from="cli:test",
        )
        assert shown.height == intelligence.height
        assert not shown["shown"].any() and shown["text"].is_null().all()
        assert shown["notice"].is_not_null().all()


def test_each_look_is_logged_with_ids_and_counts_only(
    engine: Engine, intelligence: pl.DataFrame, agreement: SharingAgreement
) -> None:
    shown = intelligence_report(
        engine=engine, reader=Reader(agency="council", user="u-9"), agreement=agreement,
        where_from="web:10.0.0.4", purpose="briefing:daily:2026-11-27",
    )  # fmt: skip
    entry = recent(engine, last=1).row(0, named=True)
    what = json.loads(entry["what"])
    assert entry["actor"] == "u-9" and entry["agency"] == "council" and entry["action"] == "view"
    assert what["rows"] == shown.height and what["content_shown"] == int(shown["shown"].sum())
    assert what["notices"] == shown.height - what["content_shown"]
    assert sorted(what["event_ids"]) == sorted(shown["id"].to_list())
    personal = {
        v.lower()
        for col in (
            "subject_first_name",
            "subject_last_name",
            "subject_phone",
            "subject_postcode",
            "subject_dob",
        )
        for v in intelligence[col].drop_nulls().to_list()
    }
    text = entry["what"].lower()
    assert personal and not [v for v in personal if len(v) >= 4 and v in text]
    words = {
        str(v).lower() for value in what.values() for v in (value if isinstance(value, list) else [value])
    }
    assert not words & personal


def test_unknown_or_missing_handling_codes_fail_closed(agreement: SharingAgreement) -> None:
    frame = pl.DataFrame({
        "agency": ["police", "police", "police"], "source_id": ["I-1", "I-2", "I-3"],
        "handling_code": ["X", None, "C"], "handling_conditions": [None, None, None],
        "text": ["a", "b", "c"],
    })  # fmt: skip
    shown = intelligence_for(frame, reader=Reader(agency="council"), agreement=agreement)
    assert not shown["shown"].any() and shown["text"].is_null().all()
    assert shown["notice"][1] == (
        "Restricted intelligence exists (handling code not stated): ask Merseyside Police "
        "intelligence unit, ref I-2"
    )
    own = intelligence_for(frame, reader=Reader(agency="police"), agreement=agreement)
    assert own["shown"].all() and own["text"].to_list() == ["a", "b", "c"]
