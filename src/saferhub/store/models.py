"""Tables of the system of record.

Times are stored as naive UTC datetimes on every backend; feeds convert from
Europe/London local time on import. Feed-specific validated fields live in
``attributes`` and columns a partner sent beyond the contract in ``extra``,
so nothing a partner sent is dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    pass


class ImportRun(Base):
    """One file imported into one feed: what was read and what became of it."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    read: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    quarantine_path: Mapped[str | None] = mapped_column(String(1000))


class Event(Base):
    """Something a partner recorded: a call, an ASB report, a fire, a referral, intelligence."""

    __tablename__ = "events"
    __table_args__ = (
        # Identity is (agency, feed, source_id); the unique index holds its 64-bit digest,
        # which keeps the index small and imports fast (see docs/decisions/0001).
        UniqueConstraint("source_key", name="uq_events_source_key"),
        Index("ix_events_category_time", "category", "occurred_at"),
        Index("ix_events_lsoa", "lsoa_code"),
        Index("ix_events_feed_time", "feed", "occurred_at"),  # migration 0004
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str] = mapped_column(String(60))
    source_id: Mapped[str] = mapped_column(String(200))
    source_key: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    time_precision: Mapped[str] = mapped_column(String(10), default="second")
    category: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    easting: Mapped[float | None] = mapped_column(Float)
    northing: Mapped[float | None] = mapped_column(Float)
    lsoa_code: Mapped[str | None] = mapped_column(String(12))
    ward_code: Mapped[str | None] = mapped_column(String(12))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The import that brought it. Written only by that import's own transaction, so
    # PostgreSQL does not check it row by row (migration 0009, decision 0007); SQLite
    # stores keep the foreign key of migration 0001.
    import_id: Mapped[int] = mapped_column(Integer)


class PersonMention(Base):
    """A person as one agency recorded them on one event, raw and normalised."""

    __tablename__ = "person_mentions"
    __table_args__ = (
        UniqueConstraint("event_id", "role", name="uq_mentions_event_role"),
        Index("ix_mentions_dob", "dob"),
        # searching people by surname or phone (migration 0008)
        Index("ix_mentions_last_name", "last_name"),
        Index("ix_mentions_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Written only by the import that writes its event, in the same statement: like
    # Event.import_id, PostgreSQL does not check it row by row (migration 0009); SQLite
    # stores keep the foreign key (ON DELETE CASCADE) of migration 0001.
    event_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    dob: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    agency_ref: Mapped[str | None] = mapped_column(String(200))


class QuarantinedRow(Base):
    """A row refused by validation: its line, its fields as sent, and every reason."""

    __tablename__ = "quarantined_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType)
    reasons: Mapped[list[str]] = mapped_column(JSONType)
