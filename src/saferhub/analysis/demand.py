"""Reading demand from the store for the people and place analyses: lean, set-based queries.

Each reader returns a polars frame with times as naive Europe/London wall-clock
datetimes (the store holds naive UTC), because calendar months and days are local.
Rows come through the driver's own fast path (a plain cursor on SQLite; COPY, or for
millions of rows one server-built text, on PostgreSQL), never as ORM objects. The bulk
reads take only ids, times and dates of every call; the listed few's details (agency,
category, channel) are read afterwards by primary key.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection, Select, literal, select, union_all

from saferhub.store.frames import joined_text, parse_text
from saferhub.store.models import Event
from saferhub.store.place_models import EventPlace, Place

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
E, EP, P = Event.__table__.c, EventPlace.__table__.c, Place.__table__.c


def utc_bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) as naive UTC for the local days ``first_day`` .. ``last_day`` inclusive."""

    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), LONDON).astimezone(UTC).replace(tzinfo=None)

    return utc(first_day), utc(last_day + dt.timedelta(days=1))


def _summer_time(year: int) -> tuple[dt.datetime, dt.datetime]:
    """UK summer time in naive UTC: from 01:00 UTC on the last Sunday of March to 01:00
    UTC on the last Sunday of October (the rule since 1996)."""

    def last_sunday(month: int) -> dt.date:
        day = dt.date(year, month, 31)
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)

    return (dt.datetime.combine(last_sunday(3), dt.time(1)), dt.datetime.combine(last_sunday(10), dt.time(1)))


def localise(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Naive UTC datetime columns as naive Europe/London wall-clock time. Several times
    faster than polars' time zone conversion on millions of rows (tested equal to it from
    1996 on): one comparison per summer in the data."""
    exprs = []
    for column in columns:
        utc = pl.col(column)
        low, high = frame.select(utc.min().dt.year().alias("a"), utc.max().dt.year().alias("b")).row(0)
        summer = pl.lit(False)
        for year in range(low or 0, (high or -1) + 1):
            begin, end = _summer_time(year)
            summer = summer | ((utc >= begin) & (utc < end))
        exprs.append(
            (utc + pl.when(summer).then(pl.duration(hours=1)).otherwise(pl.duration(hours=0))).alias(column)
        )
    return frame.with_columns(exprs)


def read_frame(conn: Connection, stmt: Select[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """A query's rows as a frame through the driver's fast path: COPY on PostgreSQL, a
    plain cursor on SQLite. Bound values are rendered as literals by SQLAlchemy."""
    return _read(
        conn, str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})), schema
    )


def _read(conn: Connection, sql: str, schema: dict[str, Any], bulk: bool = False) -> pl.DataFrame:
    """Datetime and date columns may arrive as text (SQLite) and are parsed here.

    ``bulk``: millions of rows of ids, numbers and dates (no text that could hold the
    separator). The database joins them into one text, parsed by polars: handing Python
    one row at a time costs more than the query (3.5 s against 4.5 s for three million
    rows on SQLite; PostgreSQL's COPY sends one message per row, which is worse). One
    text holds up to 1 GB, some 30 million rows here; beyond that rows come one by one.
    """
    text_schema = {k: (pl.String if v in (pl.Datetime, pl.Date) else v) for k, v in schema.items()}
    raw = conn.connection.driver_connection
    assert raw is not None
    joined = joined_text(conn, sql, len(schema)) if bulk else None
    if joined is not None:
        frame = parse_text(joined, text_schema, separator="\x1f", quote=None, nulls=[""])
    elif conn.dialect.name == "postgresql":
        buffer = io.BytesIO()
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT CSV)") as copy:
            for block in copy:
                buffer.write(block)
        frame = parse_text(buffer.getvalue(), text_schema, separator=",", quote='"', nulls=None)
    else:
        cursor = raw.cursor()
        try:
            rows = cursor.execute(sql).fetchall()
        finally:
            cursor.close()
        frame = pl.DataFrame(rows, schema=text_schema, orient="row")
    parse = [
        pl.col(k).str.to_datetime(time_unit="us", strict=False)
        if v == pl.Datetime
        else pl.col(k).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        for k, v in schema.items()
        if v in (pl.Datetime, pl.Date)
    ]
    return (frame.with_columns(parse) if parse else frame).rechunk()


def attended_flag(column: str = "attended") -> pl.Expr:
    """JSON true/false as SQLite (1/0) and PostgreSQL ('true'/'false') return it; null if unknown."""
    c = pl.col(column).str.to_lowercase()
    return (
        pl.when(c.is_in(["1", "true"]))
        .then(True)
        .when(c.is_in(["0", "false"]))
        .then(False)
        .otherwise(None)
        .alias(column)
    )


# ---------------------------------------------------------------------------- people
# The hot reads are written as SQL text so that SQLite can be told to walk person_links in
# mention order (NOT INDEXED) and reach mentions and events by their primary keys in
# order: mentions and events are stored in import order, so the join is a merge-like
# sequential pass instead of millions of random B-tree probes (0.9 s against 13 s for
# three million calls). PostgreSQL plans the same text as hash joins.


def tune(conn: Connection) -> None:
    """Settings for one analysis transaction on PostgreSQL: join links, mentions and events
    by merging them in key order (as SQLite is told to, NOT INDEXED) rather than hashing
    millions of rows (4.0 s against 6.4 s for three million calls); room in memory for the
    sort that needs; no JIT, which costs more than it saves on these plain joins."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_hashjoin = off")
        conn.exec_driver_sql("SET LOCAL work_mem = '512MB'")
        conn.exec_driver_sql("SET LOCAL jit = off")


def _lit(conn: Connection, value: Any) -> str:
    """A value as an SQL literal, quoted by SQLAlchemy for this dialect."""
    return str(literal(value).compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def _json(conn: Connection, column: str, key: str) -> str:
    if conn.dialect.name == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def _people_from(conn: Connection, among: Sequence[str] | None = None) -> str:
    """Links, mentions and events; ``among``: the few person ids to read (by the person_id
    index, not the pass in mention order)."""
    if among is not None:
        return (
            "person_links l CROSS JOIN person_mentions m CROSS JOIN events e "
            f"WHERE l.person_id IN {_in(conn, among)} AND m.id = l.mention_id AND e.id = m.event_id"
        )
    hint = " NOT INDEXED" if conn.dialect.name == "sqlite" else ""
    return (
        f"person_links l{hint} CROSS JOIN person_mentions m CROSS JOIN events e "
        "WHERE m.id = l.mention_id AND e.id = m.event_id"
    )


def _epoch(conn: Connection, column: str) -> str:
    """Seconds since 1970 of a naive UTC datetime column: an integer is far cheaper to fetch
    and parse than text."""
    if conn.dialect.name == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    if sqlite3.sqlite_version_info >= (3, 38):
        return f"unixepoch({column})"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _window(conn: Connection, start: dt.datetime, end: dt.datetime) -> str:
    return f"e.occurred_at >= {_lit(conn, start)} AND e.occurred_at < {_lit(conn, end)}"


def read_sql(conn: Connection, sql: str, schema: dict[str, Any], bulk: bool = False) -> pl.DataFrame:
    """Rows of SQL text as a frame through the driver's fast path (see ``read_frame``);
    ``bulk``: millions of rows with no text that could hold a separator (ids, numbers, dates)."""
    return _read(conn, sql, schema, bulk)


def _from_epoch(column: str) -> pl.Expr:
    return pl.from_epoch(pl.col(column), time_unit="s").cast(pl.Datetime("us")).alias(column)


def caller_calls(
    conn: Connection, *, start: dt.datetime, end: dt.datetime, among: Sequence[str] | None = None
) -> pl.DataFrame:
    """Every named call in [start, end), and every date of birth any mention gives, in one
    pass: person_id, event_id and at (local; both null on a row that only gives a date of
    birth), dob.

    Millions of rows, so only what the thresholds need, on PostgreSQL read in parts at once
    (``_in_parts``). A filter on people in SQL costs more than it saves on SQLite (a
    B-tree probe per row), so that is done in polars; but ``among``, a few person ids,
    reads only theirs (by the person_id index), in one part.

    Each column the database turns into text costs about as much as the join itself, so
    a call's event id and time come packed in one whole number (``_packed_call``)."""
    call = f"(m.role = 'caller' AND e.feed = 'calls' AND {_window(conn, start, end)})"
    packed, unpack = _packed_call(conn, start, end)

    def sql(mentions: str) -> str:
        return (
            f"SELECT l.person_id, CASE WHEN {call} THEN {packed} END, m.dob "
            f"FROM {_people_from(conn, among)} {mentions}AND ({call} OR m.dob IS NOT NULL)"
        )

    schema = {"person_id": pl.String, "call": pl.Int64, "dob": pl.Date}
    rows = _in_parts(conn, sql, schema, parts=1 if among is not None else None)
    rows = rows.select("person_id", *unpack, "dob")
    return localise(rows.with_columns(_from_epoch("at")), "at")


def _packed_call(conn: Connection, start: dt.datetime, end: dt.datetime) -> tuple[str, list[pl.Expr]]:
    """SQL for a call's event id and time as one number, event id * 2^k + seconds since
    ``start`` (2^k seconds cover [start, end)); and the polars expressions that take the
    ``call`` column apart again into event_id and at (seconds since 1970)."""
    base = int(start.replace(tzinfo=UTC).timestamp())
    bits = max(1, int((end - start).total_seconds())).bit_length()
    event = "CAST(e.id AS BIGINT)" if conn.dialect.name == "postgresql" else "e.id"
    packed = f"({event} * {2**bits} + ({_epoch(conn, 'e.occurred_at')} - {base}))"
    call = pl.col("call")
    unpack = [(call // 2**bits).alias("event_id"), (call % 2**bits + base).alias("at")]
    return packed, unpack


def _in_parts(
    conn: Connection, sql: Callable[[str], str], schema: dict[str, Any], parts: int | None = None
) -> pl.DataFrame:
    """The rows of ``sql(mentions)`` (a bulk read). On PostgreSQL the mentions are split
    into as many ranges of ids as there are cores, each read at the same time on a
    connection of its own: the driver lets other threads run while the server works, and
    one query uses one core (5 million calls: 6.0 s against 15.6 s, a machine otherwise
    busy with one core's work). ``mentions`` is the condition on ``l`` and ``m`` for one
    range ('' for all). SQLite reads in one part: two parts took more CPU (12.6 s against
    8.0 s, the threads contending inside SQLite) and, on the shared machine, longer.

    The first range is read on ``conn``, the others in transactions of their own; as
    each statement on PostgreSQL sees the writes committed before it, a write committed
    as they start may be seen by some ranges and not others (docs/decisions/0010)."""
    if parts is None:
        parts = _cores() if conn.dialect.name == "postgresql" else 1
    low, high = (None, None)
    if parts > 1:
        low, high = conn.exec_driver_sql("SELECT min(mention_id), max(mention_id) FROM person_links").one()
    if low is None or high is None or high - low < parts:
        return read_sql(conn, sql(""), schema, bulk=True)
    cuts = [low + (high + 1 - low) * i // parts for i in range(parts)] + [high + 1]
    ranges = [
        f"AND l.mention_id >= {a} AND l.mention_id < {b} AND m.id >= {a} AND m.id < {b} "
        for a, b in itertools.pairwise(cuts)
    ]

    def read_apart(mentions: str) -> pl.DataFrame:
        with conn.engine.connect() as other:
            tune(other)
            _one_core(other)
            return read_sql(other, sql(mentions), schema, bulk=True)

    with ThreadPoolExecutor(max_workers=parts - 1) as pool:
        others = [pool.submit(read_apart, mentions) for mentions in ranges[1:]]
        _one_core(conn)
        first = read_sql(conn, sql(ranges[0]), schema, bulk=True)
        _one_core(conn, False)
        return pl.concat([first, *(part.result() for part in others)])


def _one_core(conn: Connection, on: bool = True) -> None:
    """PostgreSQL: no parallel workers for the transaction's queries (``on``; back to the
    default when not), as the parts already use every core between them. (A worker of a
    parallel merge join sorts the whole of its inner side again: on two cores, three
    sorts of millions of rows.)"""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL max_parallel_workers_per_gather {'= 0' if on else 'TO DEFAULT'}")


def _cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def best_dobs(dobs: pl.DataFrame, key: str = "person_id") -> pl.DataFrame:
    """Each person's best-known date of birth from (person_id, dob) rows, one per mention:
    the one given most often (ties: the latest date). person_id, dob; ``key`` names the
    person column."""
    counted = dobs.drop_nulls("dob").group_by(key, "dob").agg(n=pl.len())
    return (
        counted.sort([key, "n", "dob"], descending=[False, True, True])
        .unique(key, keep="first", maintain_order=True)
        .select(key, "dob")
    )


def call_details(conn: Connection, *, event_ids: Sequence[int]) -> pl.DataFrame:
    """event_id, agency, category, channel, attended of the given (listed few's) calls."""
    schema = {
        "event_id": pl.Int64,
        "agency": pl.String,
        "category": pl.String,
        "channel": pl.String,
        "attended": pl.String,
    }
    ids = sorted({int(x) for x in event_ids})
    frames = []
    for i in range(0, len(ids), 20_000):
        chunk = ", ".join(map(str, ids[i : i + 20_000]))
        sql = (
            f"SELECT e.id, e.agency, e.category, {_json(conn, 'e.attributes', 'channel')}, "
            f"{_json(conn, 'e.attributes', 'attended')} FROM events e WHERE e.id IN ({chunk})"
        )
        frames.append(read_sql(conn, sql, schema))
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=schema)
    return frame.with_columns(attended_flag())


def _in(conn: Connection, values: Sequence[str]) -> str:
    return "(" + ", ".join(_lit(conn, str(v)) for v in values) + ")" if values else "(NULL)"


def victim_incidents(
    conn: Connection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    call_categories: Sequence[str],
    call_agencies: Sequence[str] | None = None,
    among: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Crime and ASB incidents people reported: named callers of calls in the categories
    (and agencies, when given), and reporters of ASB reports (dated when reported).
    person_id, event_id, feed, agency, category, at (local), occurred (local).

    ``among``: the person ids to read (a few, reached by the person_id index); everyone
    when None."""
    agencies = f"AND e.agency IN {_in(conn, call_agencies)} " if call_agencies is not None else ""
    people = _people_from(conn, among)
    calls = (
        f"SELECT l.person_id, e.id, e.feed, e.agency, e.category, e.occurred_at, NULL, e.occurred_at "
        f"FROM {people} AND m.role = 'caller' AND e.feed = 'calls' "
        f"AND e.category IN {_in(conn, call_categories)} {agencies}AND {_window(conn, start, end)}"
    )
    # A report is dated when it was made; the window is widened for behaviour that went on
    # long before the report (occurred_at) and for the report's own timestamp, then cut
    # exactly on reported_at below.
    wide = _window(conn, start - dt.timedelta(days=400), end + dt.timedelta(days=1))
    reports = (
        f"SELECT l.person_id, e.id, e.feed, e.agency, e.category, e.occurred_at, "
        f"{_json(conn, 'e.attributes', 'reported_at')}, e.occurred_at "
        f"FROM {people} AND m.role = 'reporter' AND e.feed = 'asb-reports' AND {wide}"
    )
    schema = {
        "person_id": pl.String,
        "event_id": pl.Int64,
        "feed": pl.String,
        "agency": pl.String,
        "category": pl.String,
        "at": pl.Datetime,
        "reported": pl.String,
        "occurred": pl.Datetime,
    }
    frame = pl.concat([read_sql(conn, calls, schema), read_sql(conn, reports, schema)])
    return _date_reports(frame, start, end)


def _date_reports(frame: pl.DataFrame, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    """ASB reports dated by reported_at (stored as ISO text, UTC 'Z' or with an offset)."""
    reported = (
        pl.col("reported")
        .str.replace("Z$", "+00:00")
        .str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
        .dt.replace_time_zone(None)
    )
    frame = frame.with_columns(at=pl.coalesce(reported, pl.col("at"))).drop("reported")
    frame = frame.filter((pl.col("at") >= start) & (pl.col("at") < end))
    return localise(frame, "at", "occurred")


# ---------------------------------------------------------------------------- places


def _places_from(conn: Connection) -> str:
    hint = " NOT INDEXED" if conn.dialect.name == "sqlite" else ""
    return f"event_places ep{hint} CROSS JOIN events e WHERE e.id = ep.event_id AND ep.place_id IS NOT NULL"


def place_calls(conn: Connection, *, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    """Every call (named or not) at a place in [start, end), lean: place_id, event_id, at (local)."""
    packed, unpack = _packed_call(conn, start, end)
    sql = (
        f"SELECT ep.place_id, {packed} FROM {_places_from(conn)} "
        f"AND e.feed = 'calls' AND {_window(conn, start, end)}"
    )
    rows = read_sql(conn, sql, {"place_id": pl.String, "call": pl.Int64}, bulk=True)
    return localise(rows.select("place_id", *unpack).with_columns(_from_epoch("at")), "at")


def place_incidents(
    conn: Connection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    feeds: Sequence[str],
    among: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Incidents at places in [start, end): place_id, event_id, feed, agency, category,
    type, motive, at (local). ASB reports are dated when reported.

    ``among``: the place ids to read (a few: they are reached by the place_id index
    rather than by a pass over every place); all places when None."""
    wide = _window(conn, start - dt.timedelta(days=400), end + dt.timedelta(days=1))
    where = f"e.feed IN {_in(conn, feeds)} AND {wide}"
    if among is None:
        source = f"{_places_from(conn)} AND {where}"
    else:
        source = (
            "event_places ep CROSS JOIN events e WHERE e.id = ep.event_id "
            f"AND ep.place_id IN {_in(conn, among)} AND {where}"
        )
    sql = (
        f"SELECT ep.place_id, e.id, e.feed, e.agency, e.category, e.type, "
        f"{_json(conn, 'e.attributes', 'motive')}, e.occurred_at, "
        f"{_json(conn, 'e.attributes', 'reported_at')}, e.occurred_at "
        f"FROM {source}"
    )
    schema = {
        "place_id": pl.String,
        "event_id": pl.Int64,
        "feed": pl.String,
        "agency": pl.String,
        "category": pl.String,
        "type": pl.String,
        "motive": pl.String,
        "at": pl.Datetime,
        "reported": pl.String,
        "occurred": pl.Datetime,
    }
    return _date_reports(read_sql(conn, sql, schema), start, end).drop("occurred")


def place_kinds(conn: Connection, place_ids: Sequence[str]) -> pl.DataFrame:
    """place_id, kind, ward_code of the given places (``place_details`` without the
    addresses partners wrote, which are many rows to read)."""
    schema = {"place_id": pl.String, "kind": pl.String, "ward_code": pl.String}
    ids = sorted({str(x) for x in place_ids})
    frames = [
        read_frame(
            conn, select(P.place_id, P.kind, P.ward_code).where(P.place_id.in_(ids[i : i + 20_000])), schema
        )
        for i in range(0, len(ids), 20_000)
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def place_details(conn: Connection, place_ids: Sequence[str]) -> pl.DataFrame:
    """place_id, kind, ward_code, and every address text partners wrote for it (`;`-joined)."""
    schema = {"place_id": pl.String, "kind": pl.String, "ward_code": pl.String, "address": pl.String}
    if not place_ids:
        return pl.DataFrame(schema=schema)
    ids = list(place_ids)
    places = select(P.place_id, P.kind, P.ward_code, P.address).where(P.place_id.in_(ids))
    written = (
        select(EP.place_id, literal(None), literal(None), E.address)
        .select_from(EventPlace.__table__)
        .join(Event.__table__, E.id == EP.event_id)
        .where(EP.place_id.in_(ids), E.address.is_not(None))
        .distinct()
    )
    frame = read_frame(conn, union_all(places, written).subquery().select(), schema)
    return frame.group_by("place_id").agg(
        pl.col("kind").drop_nulls().first(),
        pl.col("ward_code").drop_nulls().first(),
        pl.col("address").drop_nulls().str.to_lowercase().str.join(";"),
    )
