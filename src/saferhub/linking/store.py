"""Reading and writing the linking tables: the saved model, links, people, reviews, decisions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import splink
from sqlalchemy import Connection, Table, delete, func, insert, select, update

from saferhub.linking.model import MODEL_FORMAT
from saferhub.store.bulk import append_frame
from saferhub.store.frames import read_plain_frame
from saferhub.store.people_models import (
    Person,
    PersonIdEvent,
    PersonLink,
    PersonLinkDecision,
    PersonLinkModel,
    PersonLinkRun,
    PersonReviewPair,
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def table(model: type) -> Table:
    t = model.__table__  # type: ignore[attr-defined]
    assert isinstance(t, Table)
    return t


def insert_frame(conn: Connection, target: Table, frame: pl.DataFrame) -> None:
    """Append ``frame`` (columns named as in ``target``) fast, in the caller's transaction."""
    append_frame(conn, target.name, frame)


# ------------------------------------------------------------------------------ model


def latest_model(conn: Connection) -> tuple[int, dict[str, Any], int] | None:
    """The newest saved model this code can read: (version, Splink settings, trained on)."""
    t = table(PersonLinkModel)
    row = conn.execute(
        select(t.c.version, t.c.settings, t.c.trained_on)
        .where(t.c.model_format == MODEL_FORMAT)
        .order_by(t.c.version.desc())
        .limit(1)
    ).first()
    return (int(row.version), json.loads(row.settings), int(row.trained_on)) if row else None


def save_model(conn: Connection, model: dict[str, Any], trained_on: int) -> int:
    t = table(PersonLinkModel)
    result = conn.execute(
        insert(t).values(
            created_at=utcnow(),
            model_format=MODEL_FORMAT,
            splink_version=splink.__version__,
            trained_on=trained_on,
            settings=json.dumps(model, indent=1, sort_keys=True),
        )
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


# ------------------------------------------------------------------------------ links


def read_links(conn: Connection) -> pl.DataFrame:
    # Ids and hashes only (no free text), so the fast plain read applies.
    return read_plain_frame(
        conn,
        "SELECT mention_id, person_id, fingerprint FROM person_links",
        {"mention_id": pl.Int64, "person_id": pl.String, "fingerprint": pl.String},
    )


def write_links(conn: Connection, links: pl.DataFrame, previous: pl.DataFrame, run_id: int) -> None:
    """Make person_links equal ``links`` (mention_id, person_id, fingerprint, linkable)."""
    t = table(PersonLink)
    changed = links.join(
        previous.select("mention_id", old=pl.col("person_id"), old_fp=pl.col("fingerprint")),
        on="mention_id",
        how="left",
    ).filter(
        pl.col("old").is_null()
        | (pl.col("old") != pl.col("person_id"))
        | (pl.col("old_fp") != pl.col("fingerprint"))
    )
    if changed.height > 0.5 * max(previous.height, 1) or previous.height == 0:
        # Rewriting most rows: cheaper to rebuild the index once than to update it per row.
        indexes = list(t.indexes)
        for index in indexes:
            index.drop(conn)
        conn.execute(delete(t))
        insert_frame(
            conn,
            t,
            links.select(
                "mention_id", "person_id", "fingerprint", "linkable", run_id=pl.lit(run_id, pl.Int64)
            ),
        )
        for index in indexes:
            index.create(conn)
        return
    stale = changed.filter(pl.col("old").is_not_null())["mention_id"].to_list()
    for start in range(0, len(stale), 10_000):
        conn.execute(delete(t).where(t.c.mention_id.in_(stale[start : start + 10_000])))
    rows = changed.select(links.columns)
    insert_frame(
        conn,
        t,
        rows.select("mention_id", "person_id", "fingerprint", "linkable", run_id=pl.lit(run_id, pl.Int64)),
    )


def add_people(conn: Connection, person_ids: list[str]) -> None:
    """Add the people among ``person_ids`` that the store does not know yet."""
    t = table(Person)
    wanted = sorted(set(person_ids))
    known: set[str] = set()
    for start in range(0, len(wanted), 10_000):
        chunk = wanted[start : start + 10_000]
        known.update(conn.execute(select(t.c.id).where(t.c.id.in_(chunk))).scalars())
    fresh = [p for p in wanted if p not in known]
    insert_frame(
        conn,
        t,
        pl.DataFrame({"id": fresh}, schema={"id": pl.String}).with_columns(
            created_at=pl.lit(utcnow()), merged_into=pl.lit(None, pl.String)
        ),
    )


def retire_people(conn: Connection, merged: dict[str, str]) -> None:
    t = table(Person)
    for old, new in merged.items():
        conn.execute(update(t).where(t.c.id == old).values(merged_into=new))


def record_id_events(conn: Connection, run_id: int, events: list[dict[str, Any]]) -> None:
    if events:
        now = utcnow()
        conn.execute(insert(table(PersonIdEvent)), [{**e, "run_id": run_id, "at": now} for e in events])


# ------------------------------------------------------------------------------ runs


def start_run(conn: Connection, mode: str, model_version: int | None) -> int:
    result = conn.execute(
        insert(table(PersonLinkRun)).values(
            started_at=utcnow(),
            mode=mode,
            model_version=model_version,
            mentions=0,
            new_mentions=0,
            people=0,
            merges=0,
            splits=0,
            review_pairs=0,
        )
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def finish_run(conn: Connection, run_id: int, **counts: int | str | None) -> None:
    t = table(PersonLinkRun)
    conn.execute(update(t).where(t.c.id == run_id).values(finished_at=utcnow(), **counts))


def last_run_model(conn: Connection) -> int | None:
    """The model version of the last run that linked anything."""
    t = table(PersonLinkRun)
    return conn.execute(
        select(t.c.model_version)
        .where(t.c.mode.in_(["full", "incremental"]))
        .order_by(t.c.id.desc())
        .limit(1)
    ).scalar()


# ------------------------------------------------------------------------------ decisions


def read_decisions(conn: Connection, *, pending_only: bool = False) -> pl.DataFrame:
    t = table(PersonLinkDecision)
    query = select(t.c.mention_l, t.c.mention_r, t.c.decision)
    if pending_only:
        query = query.where(t.c.applied_run_id.is_(None))
    rows = conn.execute(query).all()
    return pl.DataFrame(rows, schema={"l": pl.Int64, "r": pl.Int64, "decision": pl.String}, orient="row")


def mark_decisions_applied(conn: Connection, run_id: int) -> None:
    t = table(PersonLinkDecision)
    conn.execute(update(t).where(t.c.applied_run_id.is_(None)).values(applied_run_id=run_id))


def count_people(conn: Connection) -> int:
    t = table(PersonLink)
    return int(conn.execute(select(func.count(func.distinct(t.c.person_id)))).scalar() or 0)


# ------------------------------------------------------------------------------ review


def replace_review_pairs(
    conn: Connection, pairs: pl.DataFrame, *, run_id: int, model_version: int, keep_others: bool
) -> int:
    """Store ``pairs`` (l, r, p, w, evidence) as the queue; without ``keep_others``, only them."""
    t = table(PersonReviewPair)
    if not keep_others:
        conn.execute(delete(t))
    elif pairs.height:
        existing = pl.DataFrame(
            conn.execute(select(t.c.mention_l, t.c.mention_r)).all(),
            schema={"l": pl.Int64, "r": pl.Int64},
            orient="row",
        )
        pairs = pairs.join(existing, on=["l", "r"], how="anti")
    if pairs.height:
        insert_frame(
            conn,
            t,
            pairs.select(
                mention_l="l",
                mention_r="r",
                match_probability="p",
                match_weight="w",
                evidence=pl.Series([json.dumps(e) for e in pairs["evidence"]], dtype=pl.String),
                model_version=pl.lit(model_version, pl.Int64),
                run_id=pl.lit(run_id, pl.Int64),
            ),
        )
    return int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)


def count_review_pairs(conn: Connection) -> int:
    t = table(PersonReviewPair)
    return int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)


def drop_settled_review_pairs(conn: Connection) -> None:
    """Remove queued pairs now decided, or whose two mentions are now one person."""
    t, links, d = table(PersonReviewPair), table(PersonLink), table(PersonLinkDecision)
    decided = select(d.c.id).where(d.c.mention_l == t.c.mention_l, d.c.mention_r == t.c.mention_r)
    left, right = links.alias("a"), links.alias("b")
    same = (
        select(left.c.mention_id)
        .join(right, left.c.person_id == right.c.person_id)
        .where(left.c.mention_id == t.c.mention_l, right.c.mention_id == t.c.mention_r)
    )
    conn.execute(delete(t).where(decided.exists() | same.exists()))
