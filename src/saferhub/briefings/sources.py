"""What a briefing reads from the store: events of a window of days, people's contacts, names.

Each reader returns a polars frame with times as London wall-clock time, read through the
driver's fast path (``analysis.demand.read_frame``). Nothing here decides who may see what:
the frames go through the access layer (``briefings.gate``) before any section uses them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Engine, and_, literal, or_, select

from saferhub.analysis.demand import localise, read_frame, utc_bounds
from saferhub.areas import Areas
from saferhub.store import Event, PersonMention
from saferhub.store.people_models import PersonLink
from saferhub.store.place_models import EventPlace

#: How the briefing groups events, in the order its tables list them (intelligence apart).
CATEGORY_LABELS = {
    "asb": "Anti-social behaviour",
    "deliberate_secondary_fire": "Deliberate secondary fires",
    "fire": "Other fires",
    "crime": "Crime",
    "domestic": "Domestic abuse",
    "mental_health": "Mental health",
    "welfare": "Welfare concerns",
    "medical": "Medical",
    "safeguarding": "Safeguarding referrals",
    "false_alarm": "False alarms",
    "hoax": "Hoax calls",
    "other": "Other",
}

EVENT_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "event_id": pl.Int64,
    "feed": pl.String,
    "agency": pl.String,
    "category": pl.String,
    "type": pl.String,
    "motive": pl.String,
    "occurred_at": pl.Datetime,
    "time_precision": pl.String,
    "lsoa_code": pl.String,
    "ward_code": pl.String,
    "easting": pl.Float64,
    "northing": pl.Float64,
}


def read_events(
    *, engine: Engine, first_day: dt.date, last_day: dt.date, areas: Areas, hotspot_only: bool = False
) -> pl.DataFrame:
    """Every event on London days ``first_day`` .. ``last_day``, with its briefing category
    (``group``), London day and neighbourhood; with ``hotspot_only`` only ASB and secondary
    fires. Events dated only to the month (police.uk) are left out: a count by day would
    pile them all on the 1st."""
    start, end = utc_bounds(first_day, last_day)
    e = Event.__table__.c
    stmt = select(
        e.id,
        e.feed,
        e.agency,
        e.category,
        e.type,
        Event.attributes["motive"].as_string(),
        e.occurred_at,
        e.time_precision,
        e.lsoa_code,
        e.ward_code,
        e.easting,
        e.northing,
    ).where(and_(e.occurred_at >= start, e.occurred_at < end, e.time_precision != "month"))
    # By category, so that the (category, occurred_at) index reads only the window's rows.
    stmt = stmt.where(e.category.in_(sorted(set(CATEGORY_LABELS) - {"deliberate_secondary_fire"})))
    if hotspot_only:
        stmt = stmt.where(
            or_(e.category == "asb", and_(e.feed == "fire-incidents", e.type == "secondary_fire"))
        )
    with engine.connect() as conn:
        frame = read_frame(conn, stmt, EVENT_SCHEMA)
    frame = localise(frame.with_columns(occurred_utc=pl.col("occurred_at")), "occurred_at")
    wards = areas.neighbourhood_of_ward()
    c = pl.col
    secondary = (
        (c("feed") == "fire-incidents") & (c("type") == "secondary_fire") & (c("motive") == "deliberate")
    )
    return frame.with_columns(
        day=c("occurred_at").dt.date(),
        group=pl.when(secondary).then(pl.lit("deliberate_secondary_fire")).otherwise(c("category")),
        neighbourhood=c("ward_code").replace_strict(wards, default=None, return_dtype=pl.String),
    )


CONTACT_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "person_id": pl.String,
    "event_id": pl.Int64,
    "role": pl.String,
    "feed": pl.String,
    "agency": pl.String,
    "category": pl.String,
    "occurred_at": pl.Datetime,
    "ward_code": pl.String,
}


def read_contacts(*, engine: Engine, first_day: dt.date, last_day: dt.date, areas: Areas) -> pl.DataFrame:
    """Every linked person's contacts with any partner on days ``first_day`` .. ``last_day``:
    person_id, event_id, role, feed, agency, category, occurred_at (local), ward_code,
    neighbourhood."""
    start, end = utc_bounds(first_day, last_day)
    e, m, link = Event.__table__.c, PersonMention.__table__.c, PersonLink.__table__.c
    stmt = (
        select(link.person_id, e.id, m.role, e.feed, e.agency, e.category, e.occurred_at, e.ward_code)
        .select_from(PersonLink.__table__)
        .join(PersonMention.__table__, m.id == link.mention_id)
        .join(Event.__table__, e.id == m.event_id)
        .where(e.occurred_at >= start, e.occurred_at < end)
    )
    with engine.connect() as conn:
        frame = read_frame(conn, stmt, CONTACT_SCHEMA)
    wards = areas.neighbourhood_of_ward()
    return localise(frame, "occurred_at").with_columns(
        neighbourhood=pl.col("ward_code").replace_strict(wards, default=None, return_dtype=pl.String)
    )


REFERRAL_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "person_id": pl.String,
    "event_id": pl.Int64,
    "agency": pl.String,
    "occurred_at": pl.Datetime,
    "vulnerabilities": pl.String,
    "risk": pl.String,
}


def read_referrals(*, engine: Engine, first_day: dt.date, last_day: dt.date) -> pl.DataFrame:
    """Safeguarding referrals of linked people (their subjects) on days ``first_day`` ..
    ``last_day``: person_id, event_id, agency, occurred_at, vulnerabilities (JSON text), risk."""
    start, end = utc_bounds(first_day, last_day)
    e, m, link = Event.__table__.c, PersonMention.__table__.c, PersonLink.__table__.c
    stmt = (
        select(
            link.person_id,
            e.id,
            e.agency,
            e.occurred_at,
            Event.attributes["vulnerabilities"].as_string(),
            Event.attributes["risk"].as_string(),
        )
        .select_from(PersonLink.__table__)
        .join(PersonMention.__table__, m.id == link.mention_id)
        .join(Event.__table__, e.id == m.event_id)
        .where(e.feed == "referrals", e.occurred_at >= start, e.occurred_at < end)
    )
    with engine.connect() as conn:
        frame = read_frame(conn, stmt, REFERRAL_SCHEMA)
    return localise(frame, "occurred_at")


PERSON_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "person_id": pl.String,
    "feed": pl.String,
    "agency": pl.String,
    "first_name": pl.String,
    "last_name": pl.String,
    "dob": pl.Date,
}


def read_person_mentions(*, engine: Engine, people: Sequence[str]) -> pl.DataFrame:
    """Every mention of these people: person_id, feed, agency, first_name, last_name, dob.
    Personal data: for the access layer to pass on or withhold, record by record."""
    ids = sorted(set(people))
    e, m, link = Event.__table__.c, PersonMention.__table__.c, PersonLink.__table__.c
    frames = [pl.DataFrame(schema=PERSON_SCHEMA)]
    for i in range(0, len(ids), 5000):
        stmt = (
            select(link.person_id, e.feed, e.agency, m.first_name, m.last_name, m.dob)
            .select_from(PersonLink.__table__)
            .join(PersonMention.__table__, m.id == link.mention_id)
            .join(Event.__table__, e.id == m.event_id)
            .where(link.person_id.in_(ids[i : i + 5000]))
        )
        with engine.connect() as conn:
            frames.append(read_frame(conn, stmt, PERSON_SCHEMA))
    return pl.concat(frames)


def name_and_age(mentions: pl.DataFrame, *, on: dt.date) -> pl.DataFrame:
    """person_id, name (the name given most often), age on ``on`` (from the date of birth
    given most often), from the mentions left after the access layer (emptied fields skipped)."""
    c = pl.col
    full = pl.concat_str(
        [c("first_name").str.to_titlecase(), c("last_name").str.to_titlecase()], separator=" "
    )
    names = _commonest(mentions.with_columns(value=full), "value").rename({"value": "name"})
    dobs = _commonest(mentions.with_columns(value=c("dob")), "value").rename({"value": "dob"})
    before_birthday = (on.month * 100 + on.day) < (c("dob").dt.month() * 100 + c("dob").dt.day())
    age = (pl.lit(on.year) - c("dob").dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int64)
    ids = mentions.select(pl.col("person_id").drop_nulls().unique())
    out = ids.join(names, on="person_id", how="left").join(dobs, on="person_id", how="left")
    return out.with_columns(age=age).select("person_id", "name", "age")


SOURCE_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "key": pl.String,
    "feed": pl.String,
    "agency": pl.String,
    "role": pl.String,
    "category": pl.String,
}


def read_person_sources(
    *, engine: Engine, people: Sequence[str], first_day: dt.date, last_day: dt.date
) -> pl.DataFrame:
    """person_id, feed, agency, role, category of every record naming these people on days
    ``first_day`` .. ``last_day`` (distinct): what put them on a list, for the access layer."""
    start, end = utc_bounds(first_day, last_day)
    e, m, link = Event.__table__.c, PersonMention.__table__.c, PersonLink.__table__.c
    ids = sorted(set(people))
    frames = [pl.DataFrame(schema=SOURCE_SCHEMA)]
    for i in range(0, len(ids), 5000):
        stmt = (
            select(link.person_id, e.feed, e.agency, m.role, e.category)
            .select_from(PersonLink.__table__)
            .join(PersonMention.__table__, m.id == link.mention_id)
            .join(Event.__table__, e.id == m.event_id)
            .where(link.person_id.in_(ids[i : i + 5000]), e.occurred_at >= start, e.occurred_at < end)
            .distinct()
        )
        with engine.connect() as conn:
            frames.append(read_frame(conn, stmt, SOURCE_SCHEMA))
    return pl.concat(frames).rename({"key": "person_id"})


def read_place_sources(
    *, engine: Engine, places: Sequence[str], first_day: dt.date, last_day: dt.date
) -> pl.DataFrame:
    """place_id, feed, agency, role (null), category of every record at these places on days
    ``first_day`` .. ``last_day`` (distinct)."""
    start, end = utc_bounds(first_day - dt.timedelta(days=400), last_day)  # ASB reports dated late
    e, ep = Event.__table__.c, EventPlace.__table__.c
    ids = sorted(set(places))
    frames = [pl.DataFrame(schema=SOURCE_SCHEMA)]
    for i in range(0, len(ids), 5000):
        stmt = (
            select(ep.place_id, e.feed, e.agency, literal(None).label("role"), e.category)
            .select_from(EventPlace.__table__)
            .join(Event.__table__, e.id == ep.event_id)
            .where(ep.place_id.in_(ids[i : i + 5000]), e.occurred_at >= start, e.occurred_at < end)
            .distinct()
        )
        with engine.connect() as conn:
            frames.append(read_frame(conn, stmt, SOURCE_SCHEMA))
    return pl.concat(frames).rename({"key": "place_id"})


def _commonest(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """person_id, column: the value given most often (ties: the greatest)."""
    return (
        frame.drop_nulls(["person_id", column])
        .group_by("person_id", column)
        .agg(n=pl.len())
        .sort(["person_id", "n", column], descending=[False, True, True])
        .unique("person_id", keep="first", maintain_order=True)
        .select("person_id", column)
    )
