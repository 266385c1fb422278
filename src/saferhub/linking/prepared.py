"""Every mention's comparison fields, kept between link runs so a daily run reads only what is new.

A mention changes only when an import writes its event, and each event names the import
that last wrote it (``events.import_id``). So the fields of the last run are kept in the
store (``person_link_prepared``) with the newest import they include, and the next run
reads and prepares only the mentions of events written since, drops mentions that are
gone, and finishes the fields that depend on all mentions (``features.finish``). The saved
rows are rewritten only when that share grows large (``RESAVE_SHARE``). A
change to ``features.prepare_rows`` (``ROWS_FORMAT``), to the nickname table or to polars
starts afresh (``made_by``).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, delete, func, insert, select, text

from saferhub.linking.features import (
    MENTION_COLUMNS,
    MENTION_FIELDS,
    ROW_COLUMNS,
    ROWS_FORMAT,
    fingerprint,
    prepare_rows,
)
from saferhub.linking.nicknames import nickname_groups
from saferhub.store.frames import read_frame
from saferhub.store.models import ImportRun
from saferhub.store.people_models import PersonLinkPrepared

KEPT = [*ROW_COLUMNS, "event_id", "fingerprint"]
_EVERY_MENTION = (
    f"SELECT e.id AS event_id, {MENTION_FIELDS} FROM person_mentions m JOIN events e ON e.id = m.event_id"
)
# Events written after an import (new or changed), each with its mentions now (none if all gone).
_WRITTEN_AFTER = (
    f"SELECT e.id AS event_id, {MENTION_FIELDS} FROM events e"
    " LEFT JOIN person_mentions m ON m.event_id = e.id WHERE e.import_id > {since}"
)
_SCHEMA = {"event_id": pl.Int64} | {c: pl.String for c in MENTION_COLUMNS} | {"mention_id": pl.Int64}


@dataclass(frozen=True)
class PreparedRows:
    rows: pl.DataFrame  # ROW_COLUMNS, event_id and fingerprint, by mention id
    through_import: int  # every mention of events written up to this import is in ``rows``
    prepared: int  # mentions read and prepared by this run (the rest were kept)
    kept: bool  # whether the store's saved rows were used


def made_by() -> str:
    """What made saved rows: their format, the nickname table and polars (whose hash makes
    the fingerprint). Rows made by anything else are made afresh."""
    names = hashlib.sha256(repr(sorted(nickname_groups().items())).encode()).hexdigest()[:16]
    return f"rows {ROWS_FORMAT}; nicknames {names}; polars {pl.__version__}"


def newest_import(conn: Connection) -> int:
    """The newest import whose mentions a run may count on seeing.

    PostgreSQL: imports may commit out of id order, so wait for those in flight (a SHARE
    lock on ``imports`` conflicts with their insert) before reading the newest id; any
    import that starts later takes a higher id. SQLite: one writer at a time, so ids are
    committed in order.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE imports IN SHARE MODE"))
    newest = conn.execute(select(func.coalesce(func.max(ImportRun.id), 0))).scalar_one()
    conn.commit()
    return int(newest)


def read_rows(conn: Connection) -> PreparedRows:
    """The prepared rows of every mention now in the store (see the module doc)."""
    through = newest_import(conn)
    saved = conn.execute(
        select(PersonLinkPrepared.through_import, PersonLinkPrepared.rows).where(
            PersonLinkPrepared.made_by == made_by()
        )
    ).first()
    if saved is None:
        mentions = _read(conn, _EVERY_MENTION)
        return PreparedRows(_prepared(mentions), through, mentions.height, kept=False)
    kept = pl.read_parquet(io.BytesIO(saved.rows))
    written = _read(conn, _WRITTEN_AFTER.format(since=int(saved.through_import)))
    changed = written.filter(pl.col("mention_id").is_not_null())
    fresh = _prepared(changed).select(kept.columns)
    rows = kept.filter(~pl.col("event_id").is_in(written["event_id"].unique().implode()))
    # New mentions have new ids; only a changed one (same id) needs the rows sorted again.
    last_kept = rows["mention_id"].max() if rows.height else None
    in_order = last_kept is None or fresh.is_empty() or fresh["mention_id"].min() > last_kept  # type: ignore[operator]
    rows = pl.concat([rows, fresh])
    return PreparedRows(rows if in_order else rows.sort("mention_id"), through, changed.height, kept=True)


def _read(conn: Connection, sql: str) -> pl.DataFrame:
    return read_frame(conn, sql, _SCHEMA).sort("mention_id")


def _prepared(mentions: pl.DataFrame) -> pl.DataFrame:
    return prepare_rows(mentions).with_columns(
        event_id=mentions["event_id"], fingerprint=fingerprint(mentions)
    )


# Saved rows are rewritten once the mentions read afresh since reach this share of all:
# until then each run reads a little more (a day's mentions, then two days'...), which
# costs far less than writing every mention's rows again each day.
RESAVE_SHARE = 0.05


def save_rows(conn: Connection, prepared: PreparedRows) -> bool:
    """Keep ``prepared`` for the next run, in the caller's transaction, when worth it.

    Returns whether the rows were written.
    """
    if prepared.kept and prepared.prepared <= RESAVE_SHARE * prepared.rows.height:
        return False
    buffer = io.BytesIO()
    # Uncompressed: written and read in half a second at a million mentions, against two
    # for lz4 (133 MB against 77).
    prepared.rows.select(KEPT).write_parquet(buffer, compression="uncompressed", statistics=False)
    conn.execute(delete(PersonLinkPrepared))
    conn.execute(
        insert(PersonLinkPrepared).values(
            id=1,
            made_by=made_by(),
            through_import=prepared.through_import,
            mentions=prepared.rows.height,
            rows=buffer.getvalue(),
        )
    )
    return True
