"""Restricting stored partner records end to end, and the audit entry every look leaves."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import polars as pl
import pytest
from sqlalchemy import Engine, select

from saferhub.access import (
    AuditError,
    Reader,
    SharingAgreement,
    disclose,
    recent,
    record,
    restrict,
    visible_events,
)
from saferhub.store import Event, PersonMention

MENTION_COLUMNS = {
    "id": pl.Int64(), "feed": pl.String(), "agency": pl.String(), "source_id": pl.String(),
    "occurred_at": pl.Datetime("us"), "category": pl.String(), "ward_code": pl.String(),
    "latitude": pl.Float64(), "address": pl.String(), "role": pl.String(), "first_name": pl.String(),
    "last_name": pl.String(), "dob": pl.Date(), "phone": pl.String(), "postcode": pl.String(),
}  # fmt: skip


def _mentions(engine: Engine, where: object = None) -> pl.DataFrame:
    """Every event with the people named on it, as a profile page would read them."""
    stmt = select(
        Event.id, Event.feed, Event.agency, Event.source_id, Event.occurred_at, Event.category,
        Event.ward_code, Event.latitude, Event.address, PersonMention.role, PersonMention.first_name,
        PersonMention.last_name, PersonMention.dob, PersonMention.phone, PersonMention.postcode,
    ).outerjoin(PersonMention, PersonMention.event_id == Event.id)  # fmt: skip
    if where is not None:
        stmt = stmt.where(where)  # type: ignore[arg-type]
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=MENTION_COLUMNS, orient="row")


@pytest.fixture
def stored(import_synth: Callable[..., None], engine: Engine) -> pl.DataFrame:
    import_synth()
    frame = _mentions(engine)
    assert set(frame["feed"]) == {"calls", "asb-reports", "fire-incidents", "referrals", "intelligence"}
    return frame


def test_a_voluntary_partner_sees_referral_summaries_and_nothing_personal(
    stored: pl.DataFrame, agreement: SharingAgreement
) -> None:
    shown = restrict(stored, reader=Reader(agency="third_sector", role="officer"), agreement=agreement)
    others = shown.filter(pl.col("agency") != "third_sector")
    referrals = stored.filter((pl.col("feed") == "referrals") & (pl.col("agency") != "third_sector"))
    assert others.height == referrals.height > 0
    assert set(others["feed"]) == {"referrals"}
    for column in ("first_name", "last_name", "dob", "phone", "postcode", "address", "latitude"):
        assert others[column].is_null().all(), column
    assert others["ward_code"].to_list() == referrals["ward_code"].to_list()


def test_the_sql_filter_leaves_out_exactly_what_restrict_drops(
    stored: pl.DataFrame, engine: Engine, agreement: SharingAgreement
) -> None:
    for agency in ("third_sector", "council", "fire", "police"):
        reader = Reader(agency=agency)
        in_sql = _mentions(engine, visible_events(reader, agreement=agreement))
        in_python = restrict(stored, reader=reader, agreement=agreement)
        assert sorted(in_sql["id"].to_list()) == sorted(in_python["id"].to_list()), agency


def test_disclose_logs_the_records_it_showed(
    stored: pl.DataFrame, engine: Engine, agreement: SharingAgreement
) -> None:
    reader = Reader(agency="fire", role="officer", user="u-31")
    shown = disclose(
        stored, engine=engine, reader=reader, agreement=agreement, where_from="web:10.1.2.3",
        purpose="person_profile", why="welfare visit planned",
    )  # fmt: skip
    entry = recent(engine, last=1).row(0, named=True)
    what = json.loads(entry["what"])
    assert (entry["actor"], entry["agency"], entry["role"], entry["why"]) == (
        "u-31",
        "fire",
        "officer",
        "welfare visit planned",
    )
    assert what["rows"] == shown.height and what["withheld"] == stored.height - shown.height > 0
    assert what["event_ids"] == sorted(set(shown["id"].to_list()))
    names = {
        v.lower() for c in ("first_name", "last_name") for v in stored[c].drop_nulls().to_list() if len(v) > 3
    }
    assert names and not [n for n in names if n in entry["what"].lower()]


def test_a_look_that_cannot_be_logged_shows_nothing(
    engine: Engine, agreement: SharingAgreement, tamper: Callable[..., None]
) -> None:
    with engine.begin() as conn:
        record(conn, reader=Reader(agency="police"), action="view", what={"rows": 0}, where_from="cli:test")
    tamper("DELETE FROM audit_head")
    frame = pl.DataFrame({"id": [1], "feed": ["calls"], "agency": ["police"], "first_name": ["Alys"]})
    with pytest.raises(AuditError):
        disclose(frame, engine=engine, reader=Reader(agency="police"), agreement=agreement,
                 where_from="cli:test", purpose="search")  # fmt: skip


@pytest.mark.parametrize(
    "what",
    [
        {"person": "Alys"},
        {"person": "Alys Prothero"},
        {"person": "PROTHERO"},
        {"person": "PFADE"},
        {"caller": "07700 900461"},
        {"ref": "07700900461"},
        {"ref": "+447700900461"},
        {"ref": "0151-677-1592"},
        {"home": "CH41 5LH"},
        {"home": "ch415lh"},
        {"contact": "alys@example.org"},
        {"first_name": "x1"},
        {"search": "12 Marsh Lane"},
        {"ids": ["P000123", "Prothero"]},
        {"nested": {"deep": {"deeper": {"x": 1}}}},
        {"Bad Key": 1},
    ],
)
def test_the_log_refuses_anything_personal_in_what(what: dict[str, object], engine: Engine) -> None:
    with pytest.raises(AuditError) as refused, engine.begin() as conn:
        record(conn, reader=Reader(agency="police"), action="search", what=what, where_from="cli:test")
    for value in ("Alys", "Prothero", "07700", "CH41", "Marsh", "example.org"):
        assert value not in str(refused.value)
    assert recent(engine, last=5).height == 0


def test_the_log_takes_ids_counts_dates_and_labels(engine: Engine) -> None:
    what = {
        "purpose": "briefing:daily", "date": dt.date(2026, 11, 27).isoformat(), "feed": "asb-reports",
        "person_ids": ["P000123", "P004567", "PFDFFFABAFCCB"], "place_ids": ["PL00002235"],
        "refs": ["INT-26-000123"],
        "calls": ["20261127-000123", "CAD-20261127-0042"], "rows": 12, "share": 0.25, "ok": True,
        "nothing": None, "agency": "third_sector",
    }  # fmt: skip
    with engine.begin() as conn:
        record(conn, reader=Reader(agency="police"), action="export", what=what, where_from="cli:test")
    assert json.loads(recent(engine, last=1)["what"][0]) == what


def test_unknown_actions_are_refused(engine: Engine) -> None:
    with pytest.raises(AuditError, match="unknown audit action"), engine.begin() as conn:
        record(conn, reader=Reader(agency="police"), action="peek", what={}, where_from="cli:test")
