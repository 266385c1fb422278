"""Cases and actions as the web, the API and the CLI show them: frozen dataclasses, no ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from saferhub.tasking.enums import UNFINISHED


@dataclass(frozen=True)
class CaseView:
    """A case the reader may see. ``stage`` only for problems, ``subtype`` only for people."""

    id: int
    reference: str  # CASE-26-0001
    kind: str
    subtype: str | None
    title: str
    summary: str | None
    stage: str | None
    status: str
    risk: str
    owner_agency: str
    owner_user: str | None  # user name
    created_at: dt.datetime  # naive UTC, as every time in the store
    created_by: str
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    open_actions: int = 0
    overdue_actions: int = 0  # as of the London day the case was read


@dataclass(frozen=True)
class LinkView:
    """A person, place or event (by hub id) the case is about, and in what role."""

    id: int
    kind: str
    ref: str
    role: str | None
    added_at: dt.datetime
    added_by: str


@dataclass(frozen=True)
class NoteView:
    """One entry in a case's log."""

    id: int
    at: dt.datetime
    author: str
    author_agency: str
    text: str


@dataclass(frozen=True)
class ActionView:
    """An action as the reader may see it.

    ``access`` is ``full`` (part of a case the reader sees: ``detail`` given) or
    ``assigned`` (assigned to the reader's agency on a case they may not see: the case
    reference, title, due date, status, assignee and outcome; ``detail`` is None).
    """

    id: int
    case_id: int
    case_reference: str
    title: str
    detail: str | None
    assigned_agency: str
    assigned_user: str | None
    due_on: dt.date
    status: str
    outcome: str | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    access: str = "full"

    def is_overdue(self, as_of: dt.date) -> bool:
        """Not finished and due before ``as_of`` (an action due today is due, not overdue)."""
        return self.status in UNFINISHED and self.due_on < as_of

    def days_overdue(self, as_of: dt.date) -> int:
        return max(0, (as_of - self.due_on).days) if self.status in UNFINISHED else 0


@dataclass(frozen=True)
class CaseDetail:
    """A case with its links, log and actions, and what the reader may do with it."""

    case: CaseView
    links: tuple[LinkView, ...]
    notes: tuple[NoteView, ...]
    actions: tuple[ActionView, ...]
    may_change: bool  # details, links, actions: the owner agency or a hub admin
    may_add_note: bool


@dataclass(frozen=True)
class ActionsDue:
    """An agency's unfinished actions: overdue, and due within ``days`` of ``as_of``."""

    as_of: dt.date
    days: int
    overdue: tuple[ActionView, ...]
    due_soon: tuple[ActionView, ...]
