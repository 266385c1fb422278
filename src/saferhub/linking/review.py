"""The review queue: pairs the model is unsure of, the evidence for each, and decisions.

A decision (same / different person) is stored against the two mentions and always
beats the model: the next ``saferhub link`` applies it, merging or splitting people and
recording the change. Any two mentions can be explained the same way, queued or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from splink import DuckDBAPI
from sqlalchemy import Engine, delete, select

from saferhub.linking import store
from saferhub.linking.features import prepare, read_mentions
from saferhub.linking.model import make_linker, model_input, term_frequencies
from saferhub.linking.scores import evidence, scored_pairs
from saferhub.store.models import Event, PersonMention
from saferhub.store.people_models import PersonLink, PersonLinkDecision, PersonReviewPair

DECISIONS = ("same", "different")
SHOWN_FIELDS = ("first_name", "last_name", "dob", "phone", "address", "postcode", "agency_ref")


class ReviewError(ValueError):
    """A review request that cannot be carried out (unknown pair or mention, bad decision)."""


@dataclass
class MentionView:
    mention_id: int
    feed: str
    agency: str
    source_id: str
    role: str
    person_id: str | None
    fields: dict[str, str | None]


@dataclass
class ReviewItem:
    pair_id: int | None
    match_probability: float
    match_weight: float
    left: MentionView
    right: MentionView
    evidence: list[dict[str, Any]] = field(default_factory=list)


def _mentions(engine: Engine, ids: list[int]) -> dict[int, MentionView]:
    m, e, links = PersonMention.__table__.c, Event.__table__.c, PersonLink.__table__.c
    query = (
        select(m.id, e.feed, e.agency, e.source_id, m.role, links.person_id, *[m[f] for f in SHOWN_FIELDS])
        .join_from(PersonMention.__table__, Event.__table__, m.event_id == e.id)
        .outerjoin(PersonLink.__table__, links.mention_id == m.id)
        .where(m.id.in_(ids))
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {
        int(r[0]): MentionView(
            int(r[0]),
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            {f: (None if v is None else str(v)) for f, v in zip(SHOWN_FIELDS, r[6:], strict=True)},
        )
        for r in rows
    }


def review_queue(*, engine: Engine, limit: int = 20) -> tuple[list[ReviewItem], int]:
    """The queued pairs most worth a look (closest to the line first) and the queue's size."""
    t = PersonReviewPair.__table__.c
    with engine.connect() as conn:
        total = len(conn.execute(select(t.id)).all())
        rows = conn.execute(
            select(t.id, t.mention_l, t.mention_r, t.match_probability, t.match_weight, t.evidence)
            .order_by(t.match_probability.desc(), t.id)
            .limit(limit)
        ).all()
    views = _mentions(engine, [r[1] for r in rows] + [r[2] for r in rows])
    items = [
        ReviewItem(int(r[0]), float(r[3]), float(r[4]), views[r[1]], views[r[2]], list(r[5]))
        for r in rows
        if r[1] in views and r[2] in views
    ]
    return items, total


def decide(
    *,
    engine: Engine,
    decision: str,
    decided_by: str,
    pair_id: int | None = None,
    mentions: tuple[int, int] | None = None,
    note: str | None = None,
) -> tuple[int, int]:
    """Record that two mentions are (``same``) or are not (``different``) one person.

    Name the pair by its queue ``pair_id`` or by its two ``mentions``. A later decision
    on the same two mentions replaces the earlier one. Returns the two mention ids.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}")
    if not decided_by.strip():
        raise ReviewError("say who decided (--by)")
    q = store.table(PersonReviewPair)
    with engine.begin() as conn:
        if pair_id is not None:
            row = conn.execute(select(q.c.mention_l, q.c.mention_r).where(q.c.id == pair_id)).first()
            if row is None:
                raise ReviewError(f"no pair {pair_id} in the review queue")
            low, high = int(row[0]), int(row[1])
        elif mentions is not None:
            low, high = sorted(int(x) for x in mentions)
            if low == high:
                raise ReviewError("a mention is always the same person as itself")
            m = PersonMention.__table__.c
            found = conn.execute(select(m.id).where(m.id.in_([low, high]))).scalars().all()
            if len(found) != 2:
                raise ReviewError("no such mention")
        else:
            raise ReviewError("name a pair (--pair) or two mentions (--mentions)")
        d = store.table(PersonLinkDecision)
        conn.execute(delete(d).where(d.c.mention_l == low, d.c.mention_r == high))
        conn.execute(
            d.insert().values(
                mention_l=low,
                mention_r=high,
                decision=decision,
                decided_by=decided_by.strip(),
                decided_at=store.utcnow(),
                note=note,
                applied_run_id=None,
            )
        )
        conn.execute(delete(q).where(q.c.mention_l == low, q.c.mention_r == high))
    return low, high


def explain(*, engine: Engine, mentions: tuple[int, int]) -> ReviewItem:
    """Why the model thinks two mentions are, or are not, one person: its waterfall."""
    low, high = sorted(int(x) for x in mentions)
    with engine.connect() as conn:
        saved = store.latest_model(conn)
        everyone = read_mentions(conn)
    if saved is None:
        raise ReviewError("there is no linkage model yet: run saferhub link first")
    model = saved[1]
    views = _mentions(engine, [low, high])
    if low not in views or high not in views:
        raise ReviewError("no such mention")
    frame = model_input(prepare(everyone).with_columns(linkable=pl.lit(True)))
    db_api = DuckDBAPI()
    linker = make_linker(db_api, frame, model, frequencies=term_frequencies(frame))
    pair = frame.filter(pl.col("mention_id").is_in([low, high])).sort("mention_id")
    left = db_api.register(pair.head(1).to_arrow(), table_name="explain_l")
    right = db_api.register(pair.tail(1).to_arrow(), table_name="explain_r")
    scored = linker.inference.score_pairs(left, right)
    edges = scored_pairs(db_api, scored.physical_name, model)
    row = edges.row(0, named=True)
    return ReviewItem(
        None, float(row["p"]), float(row["w"]), views[low], views[high], evidence(edges.head(1), model)[0]
    )
