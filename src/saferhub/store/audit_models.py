"""Tables of the audit log: every look at and change to personal data, hash-chained.

``audit_log`` is append-only (triggers refuse UPDATE and DELETE, see migration 0005) and
each entry carries the hash of the one before it. ``audit_head`` is one row naming the
last entry: writers lock it to take their turn, and it shows when entries were cut off
the end of the log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saferhub.store.models import Base


class AuditEntry(Base):
    """Who did what to which records (opaque ids and counts only), when, from where and why."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC
    actor: Mapped[str | None] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20), index=True)
    what: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    where_from: Mapped[str] = mapped_column(String(200))
    why: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry of the chain (one row, ``slot`` 1)."""

    __tablename__ = "audit_head"

    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
