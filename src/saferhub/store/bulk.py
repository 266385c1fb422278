"""Loading a batch of events and person mentions fast, idempotently and atomically.

Events go straight into ``events`` with one INSERT … ON CONFLICT … DO UPDATE (rows from
executemany on SQLite; COPY into a staging table on PostgreSQL). A row whose content
is unchanged is not rewritten. New rows are the ones whose id is above the largest id
before the batch, which gives the imported / updated / unchanged counts without a
second pass. Mentions are staged and merged by event key. The caller's transaction
makes the whole batch atomic.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Column, Connection, MetaData, Table, func, select, text

from saferhub.store.models import Event, PersonMention

EVENT_COLUMNS = (
    "feed", "agency", "source_id", "source_key", "occurred_at", "time_precision", "category", "type",
    "address", "postcode", "latitude", "longitude", "easting", "northing",
    "lsoa_code", "ward_code", "attributes", "extra", "content_hash",
)  # fmt: skip
EVENT_KEY = ("source_key",)
IDENTITY = ("agency", "feed", "source_id")
MENTION_COLUMNS = (
    "role", "raw", "first_name", "last_name", "dob", "phone", "address", "postcode", "agency_ref",
)  # fmt: skip
IMPORT_LOCK = 727_001  # PostgreSQL advisory lock: one import writes at a time.


@dataclass(frozen=True)
class BatchCounts:
    imported: int
    updated: int
    unchanged: int


def _table(model: type) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _stage_table(name: str, columns: tuple[str, ...]) -> Table:
    events, mentions = _table(Event), _table(PersonMention)
    cols = [
        Column(c, (events.c[c] if c in events.c and c not in MENTION_COLUMNS else mentions.c[c]).type)
        for c in columns
    ]
    return Table(name, MetaData(), *cols, prefixes=["TEMPORARY"])


def _sqlite_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetimes and dates as the text SQLAlchemy's SQLite types read back."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S.%6f"))
        elif dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
    return frame.with_columns(exprs) if exprs else frame


def _executemany(conn: Connection, sql: str, frame: pl.DataFrame) -> None:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, _sqlite_values(frame).iter_rows())
    finally:
        cursor.close()


def append_frame(conn: Connection, table: str, frame: pl.DataFrame) -> None:
    """Append ``frame`` (columns named as in ``table``) in the caller's transaction, fast:
    COPY on PostgreSQL, executemany on SQLite (dates as the text SQLAlchemy reads back)."""
    if frame.height == 0:
        return
    columns = ", ".join(frame.columns)
    if conn.dialect.name == "postgresql":
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="", datetime_format="%Y-%m-%dT%H:%M:%S.%6f")
        raw = conn.connection.driver_connection
        sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT CSV)"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            copy.write(buffer.getvalue())
        return
    marks = ", ".join("?" for _ in frame.columns)
    _executemany(conn, f"INSERT INTO {table} ({columns}) VALUES ({marks})", frame)


def _stage(conn: Connection, name: str, frame: pl.DataFrame) -> None:
    _stage_table(name, tuple(frame.columns)).create(conn)
    append_frame(conn, name, frame)


def _upsert_events_sql(source: str) -> str:
    cols = ", ".join(EVENT_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*EVENT_COLUMNS, "import_id") if c not in EVENT_KEY)
    return (
        f"INSERT INTO events ({cols}, import_id) {source} "
        f"ON CONFLICT ({', '.join(EVENT_KEY)}) DO UPDATE SET {updates} "
        "WHERE events.content_hash <> excluded.content_hash"
    )


class KeyCollision(RuntimeError):
    """Two different identities share a 64-bit key: astronomically rare, never merged silently."""


def source_keys(frame: pl.DataFrame) -> pl.Series:
    """The stable 64-bit digest of each row's (agency, feed, source_id), as a signed integer."""
    identities = frame.select(
        pl.concat_str([pl.col(c) for c in IDENTITY], separator="\x1f").alias("identity")
    )["identity"]
    keys = [
        int.from_bytes(hashlib.blake2b(i.encode("utf-8"), digest_size=8).digest(), "big", signed=True)
        for i in identities.to_list()
    ]
    return pl.Series("source_key", keys, dtype=pl.Int64)


def _refuse_key_collisions(conn: Connection, events: pl.DataFrame) -> None:
    """Stop the import if a key is shared by different identities, in the batch or the store."""
    ids = events.select("source_key", *IDENTITY)
    if ids.select(pl.struct(IDENTITY).n_unique()).item() != ids["source_key"].n_unique():
        raise KeyCollision("two records in this file share an identity key; nothing was stored")
    if ids.height == 0:
        return
    _stage(conn, "stage_keys", ids)
    clash = " OR ".join(f"e.{c} <> s.{c}" for c in IDENTITY)
    found = conn.execute(
        text(f"SELECT count(*) FROM stage_keys s JOIN events e ON e.source_key = s.source_key WHERE {clash}")
    ).scalar_one()
    conn.execute(text("DROP TABLE stage_keys"))
    if found:
        raise KeyCollision("a record's identity key is held by another record; nothing was stored")


def _join(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in EVENT_KEY)


def write_batch(
    conn: Connection, *, events: pl.DataFrame, mentions: pl.DataFrame, import_id: int
) -> BatchCounts:
    """Merge ``events`` (keyed by agency, feed, source_id) and their ``mentions`` into the store.

    ``mentions`` carries the event key columns plus MENTION_COLUMNS. An event seen before is
    updated in place when its content changed (its id and its mentions' ids are kept); a
    mention whose role is no longer on a changed event is removed.
    """
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_LOCK})
    _refuse_key_collisions(conn, events)
    before = conn.execute(select(func.coalesce(func.max(Event.id), 0))).scalar_one()
    rows = events.select(EVENT_COLUMNS)
    changed_before = conn.connection.driver_connection.total_changes if not postgres else 0  # type: ignore[union-attr]
    if postgres:
        _stage(conn, "stage_events", rows)
        result = conn.execute(
            text(
                _upsert_events_sql(
                    f"SELECT {', '.join(EVENT_COLUMNS)}, :import_id FROM stage_events WHERE true"
                )
            ),
            {"import_id": import_id},
        )
        written = result.rowcount
        conn.execute(text("DROP TABLE stage_events"))
    elif rows.height:
        marks = ", ".join("?" for _ in EVENT_COLUMNS)
        _executemany(
            conn,
            _upsert_events_sql(f"VALUES ({marks}, {int(import_id)})"),
            rows,
        )
        written = conn.connection.driver_connection.total_changes - changed_before  # type: ignore[union-attr]
    else:
        written = 0
    imported = conn.execute(select(func.count()).select_from(Event).where(Event.id > before)).scalar_one()
    changed = written - imported

    if mentions.height or changed:
        _stage(conn, "stage_mentions", mentions.select((*EVENT_KEY, *MENTION_COLUMNS)))
        fresh = "e.import_id = :import_id"
        if changed:
            conn.execute(
                text(
                    "DELETE FROM person_mentions WHERE event_id IN (SELECT e.id FROM events e "
                    f"WHERE {fresh} AND e.id <= :before) AND NOT EXISTS (SELECT 1 FROM stage_mentions m "
                    f"JOIN events e2 ON {_join('e2', 'm')} WHERE e2.id = person_mentions.event_id "
                    "AND m.role = person_mentions.role)"
                ),
                {"import_id": import_id, "before": before},
            )
        mcols = ", ".join(MENTION_COLUMNS)
        mupdates = ", ".join(f"{c} = excluded.{c}" for c in MENTION_COLUMNS if c != "role")
        conn.execute(
            text(
                f"INSERT INTO person_mentions (event_id, {mcols}) "
                f"SELECT e.id, {', '.join('m.' + c for c in MENTION_COLUMNS)} "
                f"FROM stage_mentions m JOIN events e ON {_join('e', 'm')} WHERE {fresh} "
                f"ON CONFLICT (event_id, role) DO UPDATE SET {mupdates}"
            ),
            {"import_id": import_id},
        )
        conn.execute(text("DROP TABLE stage_mentions"))
    updated = events.height - imported
    return BatchCounts(imported=imported, updated=updated, unchanged=updated - changed)
