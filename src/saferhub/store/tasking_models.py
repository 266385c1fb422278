"""Tables of the hub's tasking: cases, what they link to, their notes and their actions.

A case's title, notes and action texts may name people, so everything here is personal
data: it is read only through the tasking service, which applies access control and
writes the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saferhub.store.models import Base


class Case(Base):
    """A problem (place or issue, SARA stages), a person, or a proactive operation."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # CASE-26-0001
    kind: Mapped[str] = mapped_column(String(20))  # problem, person, operation
    subtype: Mapped[str | None] = mapped_column(String(40))  # frequent_caller, vulnerable_person, asb_victim
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(20))  # problem: scanning, analysis, response, assessment
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, closed
    risk: Mapped[str] = mapped_column(String(20))  # low, medium, high
    owner_agency: Mapped[str] = mapped_column(String(60), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)  # naive UTC
    created_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CaseLink(Base):
    """A person, place, event or intelligence report a case is about, and in what role."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "kind", "ref", name="uq_case_links_case_kind_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # person, place, event
    ref: Mapped[str] = mapped_column(String(40))  # person id, place id or event id
    role: Mapped[str | None] = mapped_column(String(40))  # subject, victim, target, address, associate
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    added_by: Mapped[str] = mapped_column(String(80))


Index("ix_case_links_kind_ref", CaseLink.kind, CaseLink.ref)


class CaseNote(Base):
    """One entry in a case's log: who wrote what, when."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(80))
    author_agency: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)


class Action(Base):
    """A piece of work on a case, assigned to an agency (and perhaps a named officer)."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    assigned_agency: Mapped[str] = mapped_column(String(60))
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, in_progress, done, cancelled
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


Index("ix_actions_agency_status_due", Action.assigned_agency, Action.status, Action.due_on)
