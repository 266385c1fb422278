"""Loading a batch of events and person mentions fast, idempotently and atomically.

Rows reach the database in bulk, never bound one by one from Python:

- SQLite: before the import's transaction, ``stage_batch`` writes the batch as Arrow
  (ADBC's SQLite driver) into a scratch staging file of its own; ``batch_transaction``
  attaches that file to the store's connection (SQLite allows ATTACH only outside a
  transaction) and opens the one transaction of the import. The store is never
  opened by the staging driver. Without ADBC, rows go into temporary tables by
  executemany instead.
- PostgreSQL: COPY into temporary staging tables inside the transaction.

Inside the transaction everything is set-based SQL: identity-key collisions are looked
for by a join, events are merged by one ``INSERT … SELECT … ON CONFLICT … DO UPDATE``
(rewritten only when their content changed) in key order, and mentions by another,
joined to their events by key. New rows are those whose id is above the largest id
before the batch, which gives the imported / updated / unchanged counts without a second
pass. The caller's transaction makes the whole batch atomic.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Column, Connection, Engine, MetaData, Table, func, select, text
from sqlalchemy.exc import IntegrityError

from saferhub.store.models import Event, PersonMention
from saferhub.store.session import WalCheckpointer, sqlite_file

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
_FLOATS = ("latitude", "longitude", "easting", "northing")
IMPORT_LOCK = 727_001  # PostgreSQL advisory lock: one import writes at a time.
STAGE_SCHEMA = "saferhub_stage"  # the staging file's name once attached (SQLite)
_STAGED = "saferhub.staged"  # key in Connection.info: the Staged batch of this transaction
_STAGED_KINDS = "saferhub.staged_kinds"  # key in Connection.info: name -> TABLE or VIEW


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


def _csv(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="", datetime_format="%Y-%m-%dT%H:%M:%S.%6f")
    return buffer.getvalue()


def _copy(conn: Connection, table: str, columns: tuple[str, ...], csv: bytes) -> None:
    raw = conn.connection.driver_connection
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT CSV)"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        copy.write(csv)


def append_frame(conn: Connection, table: str, frame: pl.DataFrame) -> None:
    """Append ``frame`` (columns named as in ``table``) in the caller's transaction, fast:
    COPY on PostgreSQL, executemany on SQLite (dates as the text SQLAlchemy reads back)."""
    if frame.height == 0:
        return
    columns = ", ".join(frame.columns)
    if conn.dialect.name == "postgresql":
        _copy(conn, table, tuple(frame.columns), _csv(frame))
        return
    marks = ", ".join("?" for _ in frame.columns)
    _executemany(conn, f"INSERT INTO {table} ({columns}) VALUES ({marks})", frame)


# ----------------------------------------------------------------------------------------
# The rows to stage, and the SQLite staging file


def event_rows(events: pl.DataFrame) -> pl.DataFrame:
    """The columns ``events`` are stored from, with fixed types, in the file's order.

    The file's order is usually time order, which keeps the time index's inserts local
    (sorting by identity key instead made a 1M-row file three times slower on SQLite).
    """
    typed = [
        pl.col(c).cast(
            pl.Int64 if c == "source_key" else pl.Float64 if c in _FLOATS else
            pl.Datetime("us") if c == "occurred_at" else pl.String
        )
        for c in EVENT_COLUMNS
    ]  # fmt: skip
    return events.select(typed)


def mention_rows(mentions: pl.DataFrame) -> pl.DataFrame:
    """The columns mentions are stored from, keyed by their event's identity key."""
    typed = [pl.col("source_key").cast(pl.Int64)] + [
        pl.col(c).cast(pl.Date if c == "dob" else pl.String) for c in MENTION_COLUMNS
    ]
    return mentions.select(typed)


@dataclass(frozen=True)
class Staged:
    """A batch made ready, before the store's transaction, to be staged in bulk inside it.

    SQLite: ``path`` is a scratch SQLite file (never the store) holding the staging
    tables, to be attached. PostgreSQL: ``csv`` holds each staging table's rows for COPY.
    ``tables`` gives each staged table's row count and columns, so that a frame is only
    ever read from what was staged for it.
    """

    tables: dict[str, tuple[int, tuple[str, ...]]]
    path: Path | None = None
    csv: dict[str, bytes] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path.parent, ignore_errors=True)


def _adbc_sqlite() -> Any:
    try:
        import adbc_driver_sqlite.dbapi as adbc_sqlite
    except ImportError:  # an optional fast path; the store works without it
        return None
    return adbc_sqlite


_STAGE_PREFIX = "saferhub-stage-"


def _remove_orphaned_staging() -> None:
    """Remove staging folders left by processes that no longer run (killed mid-import)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_STAGE_PREFIX}*-*"):
        pid = folder.name.removeprefix(_STAGE_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # alive, or another user's: not ours to remove


def stage_batch(engine: Engine, *, events: pl.DataFrame, mentions: pl.DataFrame) -> Staged | None:
    """Make the batch's rows ready to be staged by ``write_batch`` in ``engine``'s store.

    SQLite: the rows are written as Arrow (ADBC's SQLite driver) to a scratch file, which
    ``batch_transaction`` attaches; None if that driver is missing (``write_batch`` then
    stages by executemany). PostgreSQL: the rows as CSV for COPY. Touches no store, so it
    may run while another file is being stored; ``Staged.discard`` removes the file.
    """
    frames = {
        "stage_events": event_rows(events),
        "stage_mentions": mention_rows(mentions),
    }
    tables = {n: (f.height, tuple(f.columns)) for n, f in frames.items()}
    if engine.dialect.name == "postgresql":
        # Events usually go straight into the table (``_copy_new_events``), with the
        # import's id, which is known only in the transaction; mentions are staged.
        mentions_only = {"stage_mentions": tables["stage_mentions"]}
        return Staged(tables=mentions_only, csv={"stage_mentions": _csv(frames["stage_mentions"])})
    adbc_sqlite = _adbc_sqlite()
    if engine.dialect.name != "sqlite" or adbc_sqlite is None:
        return None
    _remove_orphaned_staging()
    folder = Path(tempfile.mkdtemp(prefix=f"{_STAGE_PREFIX}{os.getpid()}-"))
    path = folder / "stage.db"
    try:
        # A throwaway file written and read once: no journal, no syncs, and the largest
        # pages (a third faster to write than the default 4 KiB).
        with adbc_sqlite.connect(str(path), autocommit=True) as db, db.cursor() as cursor:
            cursor.execute("PRAGMA page_size=65536")
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            for name, frame in frames.items():
                cursor.adbc_ingest(name, _sqlite_values(frame).to_arrow(), mode="create")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Staged(tables=tables, path=path)


@contextlib.contextmanager
def batch_transaction(engine: Engine, staged: Staged | None = None) -> Iterator[Connection]:
    """One transaction for one batch; with ``staged`` (SQLite), its file attached first.

    On a SQLite file, the commit leaves copying the write-ahead log into the database
    to a background thread (``session.WalCheckpointer``). The staging file is detached and
    deleted afterwards, whatever happened.
    """
    database = sqlite_file(engine)
    if (staged is None or staged.path is None) and database is None:
        with engine.begin() as conn:
            if staged is not None:
                conn.info[_STAGED] = staged
            try:
                yield conn
            finally:
                conn.info.pop(_STAGED, None)
                conn.info.pop(_STAGED_KINDS, None)
        return
    try:
        with engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            autocheckpoint = raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            attached = False
            try:
                # Both outside any transaction (SQLAlchemy begins one at the first statement).
                if database is not None:
                    raw.execute("PRAGMA wal_autocheckpoint=0")
                if staged is not None and staged.path is not None:
                    raw.execute(f"ATTACH DATABASE ? AS {STAGE_SCHEMA}", (str(staged.path),))
                    attached = True
                    conn.info[_STAGED] = staged
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop(_STAGED, None)
                conn.info.pop(_STAGED_KINDS, None)
                try:
                    if attached:
                        raw.execute(f"DETACH DATABASE {STAGE_SCHEMA}")
                    raw.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")
                except Exception:
                    conn.invalidate()  # never hand a connection so changed back to the pool
        if database is not None:
            WalCheckpointer.request(database)
    finally:
        if staged is not None:
            staged.discard()


def _stage(conn: Connection, name: str, frame: pl.DataFrame) -> None:
    """Make ``frame`` readable as ``name`` in this transaction: a view of the attached
    staging file, or a temporary table filled from what ``stage_batch`` prepared, or
    else a temporary table filled now."""
    staged: Staged | None = conn.info.get(_STAGED)
    kinds = conn.info.setdefault(_STAGED_KINDS, {})
    if staged is not None and staged.tables.get(name) == (frame.height, tuple(frame.columns)):
        if staged.path is not None:
            conn.execute(text(f"CREATE TEMP VIEW {name} AS SELECT * FROM {STAGE_SCHEMA}.{name}"))
            kinds[name] = "VIEW"
            return
        if name in staged.csv:
            _stage_table(name, tuple(frame.columns)).create(conn)
            kinds[name] = "TABLE"
            if frame.height:
                _copy(conn, name, tuple(frame.columns), staged.csv[name])
            return
    _stage_table(name, tuple(frame.columns)).create(conn)
    kinds[name] = "TABLE"
    append_frame(conn, name, frame)


def _unstage(conn: Connection, name: str) -> None:
    kind = conn.info.get(_STAGED_KINDS, {}).pop(name, "TABLE")
    conn.execute(text(f"DROP {kind} {name}"))


# ----------------------------------------------------------------------------------------
# Identity keys


class KeyCollision(RuntimeError):
    """Two different identities share a 64-bit key: astronomically rare, never merged silently."""


def source_keys(frame: pl.DataFrame) -> pl.Series:
    """The stable 64-bit digest of each row's (agency, feed, source_id), as a signed integer."""
    identities = frame.select(
        pl.concat_str([pl.col(c) for c in IDENTITY], separator="\x1f").cast(pl.Binary).alias("identity")
    )["identity"]
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(i, digest_size=8).digest() for i in identities.to_list()])
    keys = np.frombuffer(digests, dtype=">i8").astype(np.int64)
    return pl.Series("source_key", keys, dtype=pl.Int64)


def _refuse_batch_collisions(events: pl.DataFrame) -> None:
    keys = events["source_key"].n_unique()
    if keys == events.height:  # every key distinct: no two identities can share one
        return
    if events.select(pl.struct(IDENTITY).n_unique()).item() != keys:
        raise KeyCollision("two records in this file share an identity key; nothing was stored")


_HELD_BY_ANOTHER = "a record's identity key is held by another record; nothing was stored"
_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def _is_collision(exc: IntegrityError) -> bool:
    """Whether the upsert failed on the NOT NULL that ``_upsert_events_sql`` sets off on purpose."""
    message = str(exc.orig)
    return "source_id" in message and ("NOT NULL" in message or "not-null" in message)


# ----------------------------------------------------------------------------------------
# The batch


def _upsert_events_sql() -> str:
    """Insert new events; rewrite a stored one whose content changed; refuse a key collision.

    A staged key held in the store by a different identity would be merged by a plain
    upsert. Here the update sets ``source_id`` to NULL for such a row, which its NOT NULL
    constraint refuses, so the statement fails before anything is merged: the collision
    check costs nothing when there is none (a separate join cost a second per 0.8M rows).
    """
    cols = ", ".join(EVENT_COLUMNS)
    same = " AND ".join(f"events.{c} = excluded.{c}" for c in IDENTITY)
    updates = ", ".join(
        f"{c} = CASE WHEN {same} THEN excluded.{c} END" if c == "source_id" else f"{c} = excluded.{c}"
        for c in (*EVENT_COLUMNS, "import_id")
        if c not in EVENT_KEY
    )
    differs = " OR ".join(f"events.{c} <> excluded.{c}" for c in ("content_hash", *IDENTITY))
    # "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT.
    return (
        f"INSERT INTO events ({cols}, import_id) "
        f"SELECT {cols}, :import_id FROM stage_events WHERE true "
        f"ON CONFLICT ({', '.join(EVENT_KEY)}) DO UPDATE SET {updates} WHERE {differs}"
    )


def _join(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in EVENT_KEY)


def _merge_mentions(conn: Connection, *, import_id: int, before: int, changed: int) -> None:
    fresh = "e.import_id = :import_id"
    if changed:
        # A changed event keeps only the roles it now has. Every step is an index lookup
        # (the batch's roles get an index of their own), so this stays linear in the batch.
        roles = "SELECT DISTINCT source_key, role FROM stage_mentions"
        conn.execute(text(f"CREATE TEMP TABLE stage_roles AS {roles}"))
        conn.execute(text("CREATE INDEX stage_roles_key ON stage_roles (source_key, role)"))
        conn.execute(
            text(
                "DELETE FROM person_mentions WHERE id IN (SELECT pm.id FROM stage_events s "
                f"JOIN events e ON {_join('e', 's')} JOIN person_mentions pm ON pm.event_id = e.id "
                f"WHERE {fresh} AND e.id <= :before AND NOT EXISTS (SELECT 1 FROM stage_roles r "
                f"WHERE {_join('r', 's')} AND r.role = pm.role))"
            ),
            {"import_id": import_id, "before": before},
        )
        conn.execute(text("DROP TABLE stage_roles"))
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


def _copy_new_events(conn: Connection, events: pl.DataFrame, import_id: int) -> bool:
    """PostgreSQL: COPY the batch straight into ``events`` if none of its keys is stored yet.

    The usual case (new records) then skips the staging table and the merge. The COPY runs
    under a savepoint: at the first key already in the store, PostgreSQL's unique index
    stops it, the savepoint undoes it, and False sends the batch the merging way.
    """
    rows = event_rows(events).with_columns(pl.lit(import_id, pl.Int64).alias("import_id"))
    try:
        with conn.begin_nested():
            _copy(conn, "events", tuple(rows.columns), _csv(rows))
    except Exception as exc:
        if getattr(exc, "sqlstate", None) == _UNIQUE_VIOLATION:
            return False
        raise
    return True


def _merge_events(conn: Connection, *, import_id: int, before: int) -> tuple[int, int]:
    """Upsert the staged events; (rows written, of which new)."""
    try:
        if conn.dialect.name == "postgresql":
            written, imported = conn.execute(
                text(
                    f"WITH w AS ({_upsert_events_sql()} RETURNING id) "
                    "SELECT count(*), count(*) FILTER (WHERE id > :before) FROM w"
                ),
                {"import_id": import_id, "before": before},
            ).one()
            return int(written), int(imported)
        written = conn.execute(text(_upsert_events_sql()), {"import_id": import_id}).rowcount
    except IntegrityError as exc:
        if _is_collision(exc):
            raise KeyCollision(_HELD_BY_ANOTHER) from exc
        raise
    # New rows take ids above the largest before the batch (a rowid range: no scan).
    new = select(func.count()).select_from(Event).where(Event.id > before)
    return written, conn.execute(new).scalar_one()


def write_batch(
    conn: Connection, *, events: pl.DataFrame, mentions: pl.DataFrame, import_id: int
) -> BatchCounts:
    """Merge ``events`` (keyed by agency, feed, source_id) and their ``mentions`` into the store.

    ``mentions`` carries the event key columns plus MENTION_COLUMNS. An event seen before is
    updated in place when its content changed (its id and its mentions' ids are kept); a
    mention whose role is no longer on a changed event is removed. Runs in the caller's
    transaction (``batch_transaction``, which also attaches a ``stage_batch`` file).
    """
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_LOCK})
    _refuse_batch_collisions(events)
    if events.height == 0 and mentions.height == 0:
        return BatchCounts(imported=0, updated=0, unchanged=0)
    if events["source_id"].null_count():  # then a NOT NULL failure could mean something else
        raise ValueError("an event without a source_id reached the store")
    before = conn.execute(select(func.coalesce(func.max(Event.id), 0))).scalar_one()
    staged_events = not (postgres and events.height and _copy_new_events(conn, events, import_id))
    if staged_events:
        _stage(conn, "stage_events", event_rows(events))
        written, imported = _merge_events(conn, import_id=import_id, before=before)
    else:
        written = imported = events.height
    changed = written - imported

    if mentions.height or changed:
        _stage(conn, "stage_mentions", mention_rows(mentions))
        _merge_mentions(conn, import_id=import_id, before=before, changed=changed)
        _unstage(conn, "stage_mentions")
    if staged_events:
        _unstage(conn, "stage_events")
    updated = events.height - imported
    return BatchCounts(imported=imported, updated=updated, unchanged=updated - changed)
