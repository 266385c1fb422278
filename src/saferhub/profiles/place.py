"""A place's profile: the incidents there, the people who give it as home, whether it is a
repeat location, and its cases.

Door: ``place_profile(engine=, reader=, agreement=, where_from=, place_id=, as_of=None)``.
Only what the access layer lets through is returned; the look is written to the audit log.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Engine

from saferhub.access import Reader, SharingAgreement
from saferhub.config import Settings
from saferhub.profiles import reading
from saferhub.profiles.cases import work_for
from saferhub.profiles.common import PLACE_ID, audit, london_today, not_found, standards_of
from saferhub.profiles.flags import repeat_location_flag
from saferhub.profiles.results import PlaceProfile, Resident
from saferhub.profiles.visibility import (
    best_name,
    full_rows,
    restricted_events,
    restricted_mentions,
    timeline,
)


def place_profile(
    *,
    engine: Engine,
    reader: Reader,
    agreement: SharingAgreement,
    where_from: str,
    place_id: str,
    as_of: dt.date | None = None,
    settings: Settings | None = None,
) -> PlaceProfile:
    """The place as ``reader`` may see it; NotFound if unknown or none of its records
    (incidents there, people living there) is the reader's to see in full."""
    as_of = as_of or london_today()
    asked = place_id.strip().upper()
    info = None
    with engine.connect() as conn:
        if PLACE_ID.match(asked):
            info = reading.place(conn, asked)
        if info is not None:
            at_place = reading.place_event_ids(conn, [asked])
            events = reading.events(conn, at_place["event_id"].to_list())
            homes = reading.place_residents(conn, [asked])
    if info is not None:
        shown = restricted_events(events, reader=reader, agreement=agreement)
        residents = full_rows(restricted_mentions(homes, reader=reader, agreement=agreement))
        whole_events = shown.filter(pl.col("level") == "full")
    if info is None or (whole_events.height == 0 and residents.height == 0):
        raise not_found(
            engine, reader=reader, where_from=where_from, purpose="place_profile",
            key="place_id", asked=asked, shape=PLACE_ID,
        )  # fmt: skip
    entries = timeline(
        shown, pl.DataFrame(schema={"event_id": pl.Int64, "role": pl.String}), agreement=agreement
    )
    people = _residents(residents)
    flag = repeat_location_flag(whole_events, place_id=asked, as_of=as_of, standards=standards_of(settings))
    work = work_for(engine=engine, reader=reader, place_id=asked)
    audit(
        engine,
        reader=reader,
        action="view",
        what={
            "purpose": "place_profile",
            "place_id": asked,
            "event_ids": sorted(e.event_id for e in entries),
            "rows": len(entries),
            "summaries": sum(e.level == "summary" for e in entries),
            "notices": sum(e.level == "notice" for e in entries),
            "person_ids": [p.person_id for p in people],
            **work.audit,  # the cases shown with the profile: one look, one entry
        },
        where_from=where_from,
    )
    return PlaceProfile(
        place_id=asked,
        as_of=as_of,
        address=info["address"],
        postcode=info["postcode"],
        kind=info["kind"],
        building_id=info["building_id"],
        ward_code=info["ward_code"],
        lsoa_code=info["lsoa_code"],
        incidents=entries,
        residents=people,
        repeat_location=flag,
        cases=work.cases,
        cases_available=work.available,
        latitude=info["latitude"],
        longitude=info["longitude"],
    )


def _residents(mentions: pl.DataFrame) -> tuple[Resident, ...]:
    out = []
    for (person_id,), rows in mentions.group_by("person_id", maintain_order=True):
        name, _ = best_name(rows)
        last = rows["occurred_at"].max()
        out.append(
            Resident(
                person_id=str(person_id),
                name=name,
                mentions=rows.height,
                last_seen=reading.to_london(last) if isinstance(last, dt.datetime) else None,
            )
        )
    return tuple(
        sorted(out, key=lambda r: (r.last_seen is None, -(r.last_seen.timestamp() if r.last_seen else 0)))
    )
