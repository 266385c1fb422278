"""The review queue for uncertain links, behind the access layer.

Doors: ``review_items(engine=, reader=, agreement=, where_from=, limit=)`` and
``review_decision(..., pair=, same=, why=)``, over ``linking.review``. Only hub admins and
analysts review links (others get ``Denied``), and only pairs whose two records their
agency sees in full: deciding needs every detail of both. A pair the reader may not see
is as unknown as a pair that does not exist (``NotFound``). Views and decisions are
written to the audit log (pair and mention ids, never the details shown).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from saferhub.access import Level, Reader, SharingAgreement, record
from saferhub.linking.review import ReviewItem, decide, review_queue
from saferhub.profiles.common import audit
from saferhub.profiles.results import (
    Denied,
    EvidencePart,
    NotFound,
    ReviewEntry,
    ReviewMention,
    ReviewOutcome,
    ReviewQueue,
)
from saferhub.store.models import Event, PersonMention
from saferhub.store.people_models import PersonReviewPair

REVIEWERS = ("hub_admin", "analyst")
Q = PersonReviewPair.__table__.c


def _check_role(engine: Engine, reader: Reader, where_from: str, purpose: str) -> None:
    if reader.role not in REVIEWERS:
        audit(engine, reader=reader, action="deny", what={"purpose": purpose}, where_from=where_from)
        raise Denied("reviewing links is for hub admins and analysts")


def _sees_whole(reader: Reader, agreement: SharingAgreement, feed: str, agency: str) -> bool:
    return agreement.decide(reader, feed, agency).level is Level.FULL


def _visible_pairs(
    engine: Engine, reader: Reader, agreement: SharingAgreement
) -> tuple[list[int], list[int]]:
    """Ids of every queued pair, and of those whose two records the reader sees in full,
    both in queue order."""
    left, right = PersonMention.__table__.alias("ml"), PersonMention.__table__.alias("mr")
    el, er = Event.__table__.alias("el"), Event.__table__.alias("er")
    stmt = (
        select(Q.id, el.c.feed, el.c.agency, er.c.feed, er.c.agency)
        .select_from(PersonReviewPair.__table__)
        .join(left, left.c.id == Q.mention_l)
        .join(el, el.c.id == left.c.event_id)
        .join(right, right.c.id == Q.mention_r)
        .join(er, er.c.id == right.c.event_id)
        .order_by(Q.match_probability.desc(), Q.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    decided: dict[tuple[str, str], bool] = {}

    def ok(feed: str, agency: str) -> bool:
        if (feed, agency) not in decided:
            decided[feed, agency] = _sees_whole(reader, agreement, feed, agency)
        return decided[feed, agency]

    return [int(r[0]) for r in rows], [int(r[0]) for r in rows if ok(r[1], r[2]) and ok(r[3], r[4])]


def review_items(
    *, engine: Engine, reader: Reader, agreement: SharingAgreement, where_from: str, limit: int = 20
) -> ReviewQueue:
    """The queued pairs this reader may decide, closest to the line first, and how many there are."""
    _check_role(engine, reader, where_from, "review_queue")
    everyone, allowed = _visible_pairs(engine, reader, agreement)
    wanted = allowed[:limit]
    items: list[ReviewItem] = []
    if wanted:
        # linking.review lists the queue in the same order: read it down to the last wanted pair.
        queue, _ = review_queue(engine=engine, limit=everyone.index(wanted[-1]) + 1)
        items = [i for i in queue if i.pair_id in set(wanted)]
    entries = tuple(_entry(i) for i in items)
    audit(
        engine,
        reader=reader,
        action="view",
        what={
            "purpose": "review_queue",
            "pair_ids": [e.pair_id for e in entries],
            "mention_ids": [m for e in entries for m in (e.left.mention_id, e.right.mention_id)],
            "rows": len(entries),
            "total": len(allowed),
        },
        where_from=where_from,
    )
    return ReviewQueue(entries, len(allowed))


def _entry(item: ReviewItem) -> ReviewEntry:
    assert item.pair_id is not None

    def side(view: Any) -> ReviewMention:
        return ReviewMention(
            view.mention_id,
            view.feed,
            view.agency,
            view.source_id,
            view.role,
            view.person_id,
            dict(view.fields),
        )

    parts = tuple(
        EvidencePart(str(p.get("comparison")), str(p.get("level")), float(p.get("weight", 0.0)))
        for p in item.evidence
    )
    return ReviewEntry(
        item.pair_id, item.match_probability, item.match_weight, side(item.left), side(item.right), parts
    )


def review_decision(
    *,
    engine: Engine,
    reader: Reader,
    agreement: SharingAgreement,
    where_from: str,
    pair: int,
    same: bool,
    why: str | None = None,
) -> ReviewOutcome:
    """Record that the two mentions of queued ``pair`` are (``same``) or are not one person;
    the next link run applies it. The entry is written to the audit log first."""
    _check_role(engine, reader, where_from, "review_decision")
    left, right = PersonMention.__table__.alias("ml"), PersonMention.__table__.alias("mr")
    el, er = Event.__table__.alias("el"), Event.__table__.alias("er")
    with engine.connect() as conn:
        row = conn.execute(
            select(Q.mention_l, Q.mention_r, el.c.feed, el.c.agency, er.c.feed, er.c.agency)
            .join(left, left.c.id == Q.mention_l)
            .join(el, el.c.id == left.c.event_id)
            .join(right, right.c.id == Q.mention_r)
            .join(er, er.c.id == right.c.event_id)
            .where(Q.id == int(pair))
        ).first()
    if row is None or not (
        _sees_whole(reader, agreement, row[2], row[3]) and _sees_whole(reader, agreement, row[4], row[5])
    ):
        audit(
            engine, reader=reader, action="deny",
            what={"purpose": "review_decision", "pair_id": int(pair), "found": False}, where_from=where_from,
        )  # fmt: skip
        raise NotFound("review pair")
    decision = "same" if same else "different"
    mentions = (int(row[0]), int(row[1]))
    with engine.begin() as conn:
        record(
            conn,
            reader=reader,
            action="change",
            what={
                "purpose": "review_decision",
                "pair_id": int(pair),
                "mention_ids": list(mentions),
                "decision": decision,
            },
            where_from=where_from,
            why=why,
        )
    decide(
        engine=engine,
        decision=decision,
        decided_by=reader.user or f"{reader.agency}:{reader.role}",
        pair_id=int(pair),
        note=why,
    )
    return ReviewOutcome(int(pair), mentions, decision)
