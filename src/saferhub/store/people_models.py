"""Tables for people linked across agencies: ids, links, the model, reviews and decisions.

A person id is opaque and stable: cases and actions point at it, and merges and splits
are recorded (``person_id_events``) so they can follow a person whose id was retired.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saferhub.store.models import Base, JSONType


class PersonLinkModel(Base):
    """One trained linkage model (Splink settings JSON), versioned; the newest is used."""

    __tablename__ = "person_link_models"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    model_format: Mapped[int] = mapped_column(Integer)
    splink_version: Mapped[str] = mapped_column(String(20))
    trained_on: Mapped[int] = mapped_column(Integer)  # mentions it was trained on
    settings: Mapped[str] = mapped_column(Text)  # Splink's JSON, byte for byte


class PersonLinkPrepared(Base):
    """Every mention's comparison fields as the last link run made them (one row).

    Only imports write mentions, and an event names the import that last wrote it, so the
    next run prepares afresh only the mentions of events written after ``through_import``.
    It holds the same personal data as ``person_mentions``, in another form.
    """

    __tablename__ = "person_link_prepared"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    made_by: Mapped[str] = mapped_column(String(100))  # what made the rows (prepared.made_by)
    through_import: Mapped[int] = mapped_column(Integer)
    mentions: Mapped[int] = mapped_column(Integer)
    rows: Mapped[bytes] = mapped_column(LargeBinary)  # Parquet


class Person(Base):
    """A person the hub knows of. ``merged_into`` is set when a merge retired this id."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    merged_into: Mapped[str | None] = mapped_column(String(16))


class PersonLink(Base):
    """Which person a mention is. ``fingerprint`` detects a mention whose details changed."""

    __tablename__ = "person_links"
    __table_args__ = (Index("ix_person_links_person", "person_id"),)

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("person_mentions.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(24))
    linkable: Mapped[bool] = mapped_column(Boolean)
    run_id: Mapped[int] = mapped_column(Integer)


class PersonLinkRun(Base):
    """One run of ``saferhub link``: what it did, in counts only."""

    __tablename__ = "person_link_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    mode: Mapped[str] = mapped_column(String(20))  # full, incremental, nothing
    model_version: Mapped[int | None] = mapped_column(Integer)
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    new_mentions: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    merges: Mapped[int] = mapped_column(Integer, default=0)
    splits: Mapped[int] = mapped_column(Integer, default=0)
    review_pairs: Mapped[int] = mapped_column(Integer, default=0)


class PersonIdEvent(Base):
    """A merge or split of people, so that whatever points at a person can follow them."""

    __tablename__ = "person_id_events"
    __table_args__ = (Index("ix_person_id_events_person", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(10))  # merged, split
    person_id: Mapped[str] = mapped_column(String(16))  # the person that continues
    other_person_id: Mapped[str] = mapped_column(String(16))  # retired (merged) or new (split)
    mentions: Mapped[int] = mapped_column(Integer)  # mentions that moved
    reason: Mapped[str] = mapped_column(String(20))  # model, decision


class PersonReviewPair(Base):
    """Two mentions the model is unsure of, waiting for a person to decide."""

    __tablename__ = "person_review_pairs"
    __table_args__ = (UniqueConstraint("mention_l", "mention_r", name="uq_person_review_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_l: Mapped[int] = mapped_column(ForeignKey("person_mentions.id", ondelete="CASCADE"))
    mention_r: Mapped[int] = mapped_column(ForeignKey("person_mentions.id", ondelete="CASCADE"))
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    # Per comparison: level and match weight (no personal data): the waterfall.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    model_version: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int] = mapped_column(Integer)


class PersonLinkDecision(Base):
    """A reviewer's word that two mentions are, or are not, one person: it beats the model."""

    __tablename__ = "person_link_decisions"
    __table_args__ = (UniqueConstraint("mention_l", "mention_r", name="uq_person_decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_l: Mapped[int] = mapped_column(ForeignKey("person_mentions.id", ondelete="CASCADE"))
    mention_r: Mapped[int] = mapped_column(ForeignKey("person_mentions.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(10))  # same, different
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    applied_run_id: Mapped[int | None] = mapped_column(Integer)  # the run that applied it
