"""Reading one person's or one place's records from the store (unrestricted: the caller
passes every frame through the access layer before anyone sees it).

The reads are small (one person, one place), by indexed keys, with bound parameters:
user input never becomes SQL text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection, Select, Text, cast, select

from saferhub.store.models import Event, PersonMention
from saferhub.store.people_models import Person, PersonLink
from saferhub.store.place_models import EventPlace, MentionPlace, Place

LONDON = ZoneInfo("Europe/London")
E, M, L = Event.__table__.c, PersonMention.__table__.c, PersonLink.__table__.c
EP, MP, P = EventPlace.__table__.c, MentionPlace.__table__.c, Place.__table__.c

# Feed attributes taken out of the JSON into columns of their own, so that the sharing
# agreement's field rules apply to each by name (coded fields kept in a summary, free text not).
ATTRIBUTES = (
    "channel", "priority", "attended", "outcome", "reported_at", "description", "risk",
    "vulnerabilities", "concern", "consent", "motive", "property_type", "casualties",
    "source_grade", "intel_grade", "handling_code", "handling_conditions", "text", "tags",
)  # fmt: skip

MENTION_SCHEMA: dict[str, Any] = {
    "person_id": pl.String, "mention_id": pl.Int64, "role": pl.String, "first_name": pl.String,
    "last_name": pl.String, "dob": pl.Date, "phone": pl.String, "home_address": pl.String,
    "home_postcode": pl.String, "agency_ref": pl.String, "event_id": pl.Int64, "feed": pl.String,
    "agency": pl.String, "source_id": pl.String, "occurred_at": pl.Datetime("us"),
    "fingerprint": pl.String,
}  # fmt: skip
EVENT_SCHEMA: dict[str, Any] = {
    "event_id": pl.Int64, "feed": pl.String, "agency": pl.String, "source_id": pl.String,
    "occurred_at": pl.Datetime("us"), "time_precision": pl.String, "category": pl.String,
    "type": pl.String, "address": pl.String, "postcode": pl.String, "ward_code": pl.String,
    "lsoa_code": pl.String, **{a: pl.String for a in ATTRIBUTES},
}  # fmt: skip

_MENTION_COLUMNS = (
    L.person_id, M.id, M.role, M.first_name, M.last_name, M.dob, M.phone, M.address, M.postcode,
    M.agency_ref, E.id, E.feed, E.agency, E.source_id, E.occurred_at, L.fingerprint,
)  # fmt: skip


def to_london(moment: dt.datetime | None) -> dt.datetime | None:
    """A naive UTC datetime from the store as an aware Europe/London one."""
    return None if moment is None else moment.replace(tzinfo=dt.UTC).astimezone(LONDON)


def frame_of(rows: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def current_person(conn: Connection, person_id: str) -> tuple[str, tuple[str, ...]] | None:
    """The person ``person_id`` names now (following merges) and the retired ids on the way."""
    seen: list[str] = []
    current = person_id
    for _ in range(20):  # a chain of merges is short; a loop would be a bug, not a person
        row = conn.execute(select(Person.merged_into).where(Person.id == current)).first()
        if row is None:
            return None
        if row[0] is None:
            return current, tuple(seen)
        seen.append(current)
        current = str(row[0])
    return None


def _mentions_query() -> Select[Any]:
    return (
        select(*_MENTION_COLUMNS)
        .select_from(PersonLink.__table__)
        .join(PersonMention.__table__, M.id == L.mention_id)
        .join(Event.__table__, E.id == M.event_id)
    )


def person_mentions(conn: Connection, person_ids: Sequence[str]) -> pl.DataFrame:
    """Every mention of these people, with its record's feed, agency and time."""
    if not person_ids:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    rows = conn.execute(_mentions_query().where(L.person_id.in_(sorted(set(person_ids))))).all()
    return frame_of(rows, MENTION_SCHEMA)


def mentions_where(conn: Connection, *clauses: Any) -> pl.DataFrame:
    """Linked mentions matching ``clauses`` on person_mentions (a search's candidates)."""
    rows = conn.execute(_mentions_query().where(*clauses)).all()
    return frame_of(rows, MENTION_SCHEMA)


def events(conn: Connection, event_ids: Sequence[int]) -> pl.DataFrame:
    """These records, with their feed attributes as columns."""
    ids = sorted({int(i) for i in event_ids})
    if not ids:
        return pl.DataFrame(schema=EVENT_SCHEMA)
    out = []
    for start in range(0, len(ids), 5_000):
        stmt = select(
            E.id, E.feed, E.agency, E.source_id, E.occurred_at, E.time_precision, E.category, E.type,
            E.address, E.postcode, E.ward_code, E.lsoa_code, cast(E.attributes, Text),
        ).where(E.id.in_(ids[start : start + 5_000]))  # fmt: skip
        for row in conn.execute(stmt):
            attributes = json.loads(row[-1]) if row[-1] else {}
            out.append((*row[:-1], *(_text(attributes.get(a)) for a in ATTRIBUTES)))
    return frame_of(out, EVENT_SCHEMA)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def place(conn: Connection, place_id: str) -> dict[str, Any] | None:
    columns = (P.place_id, P.address, P.postcode, P.kind, P.building_id, P.ward_code, P.lsoa_code)
    row = conn.execute(select(*columns, P.latitude, P.longitude).where(P.place_id == place_id)).first()
    return dict(row._mapping) if row else None


def place_event_ids(conn: Connection, place_ids: Sequence[str]) -> pl.DataFrame:
    """place_id, event_id of every record that happened at these places."""
    rows = conn.execute(select(EP.place_id, EP.event_id).where(EP.place_id.in_(list(place_ids)))).all()
    return frame_of(rows, {"place_id": pl.String, "event_id": pl.Int64})


def place_residents(conn: Connection, place_ids: Sequence[str]) -> pl.DataFrame:
    """Mentions giving these places as home, with their person and record."""
    rows = conn.execute(
        _mentions_query()
        .add_columns(MP.place_id)
        .join(MentionPlace.__table__, MP.mention_id == M.id)
        .where(MP.place_id.in_(list(place_ids)))
    ).all()
    return frame_of(rows, {**MENTION_SCHEMA, "place_id": pl.String})


def place_records(conn: Connection, place_ids: Sequence[str]) -> pl.DataFrame:
    """place_id, event_id, feed, agency of the records at these places (for a search's counts)."""
    rows = conn.execute(
        select(EP.place_id, E.id, E.feed, E.agency)
        .select_from(EventPlace.__table__)
        .join(Event.__table__, E.id == EP.event_id)
        .where(EP.place_id.in_(list(place_ids)))
    ).all()
    return frame_of(
        rows, {"place_id": pl.String, "event_id": pl.Int64, "feed": pl.String, "agency": pl.String}
    )


def place_homes(conn: Connection, place_ids: Sequence[str]) -> pl.DataFrame:
    """place_id, person_id, feed, agency of the mentions giving these places as home."""
    rows = conn.execute(
        select(MP.place_id, L.person_id, E.feed, E.agency)
        .select_from(MentionPlace.__table__)
        .join(PersonMention.__table__, M.id == MP.mention_id)
        .join(PersonLink.__table__, L.mention_id == M.id)
        .join(Event.__table__, E.id == M.event_id)
        .where(MP.place_id.in_(list(place_ids)))
    ).all()
    return frame_of(
        rows, {"place_id": pl.String, "person_id": pl.String, "feed": pl.String, "agency": pl.String}
    )
