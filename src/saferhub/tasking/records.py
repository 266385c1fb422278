"""Reading tasking rows into views, case references, users by name, and the audit entries.

Internal to the tasking service: nothing here checks who may see what.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Row, func, select

from saferhub.access import Reader, record
from saferhub.store.account_models import User
from saferhub.store.tasking_models import Action, Case
from saferhub.tasking.errors import TaskingDenied, TaskingError, opaque
from saferhub.tasking.views import ActionView, CaseView

LONDON = ZoneInfo("Europe/London")
PREFIX = "CASE"
MAX_TITLE = 200


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def london_today() -> dt.date:
    return dt.datetime.now(LONDON).date()


# ------------------------------------------------------------------ input


def choice(value: str | None, choices: type[Any], what: str) -> str | None:
    if value is None:
        return None
    text = value.strip().lower().replace(" ", "_").replace("-", "_")
    allowed = [c.value for c in choices]
    if text not in allowed:
        raise TaskingError(f"unknown {what} '{value}'; choose one of: {', '.join(allowed)}")
    return text


def title_text(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise TaskingError("a title cannot be empty")
    if len(text) > MAX_TITLE:
        raise TaskingError(f"a title has at most {MAX_TITLE} characters")
    return text


def who(reader: Reader) -> str:
    """How a change names who made it: the user, or the agency and role of a pack."""
    return reader.user or f"{reader.agency} ({reader.role})"


# ------------------------------------------------------------------ references


def placeholder_reference() -> str:
    """A unique stand-in while a new case's number is worked out (20 characters, never shown)."""
    return "NEW-" + secrets.token_hex(8)


def next_reference(conn: Connection, *, year: int) -> str:
    """The next free reference of ``year``: CASE-26-0001, CASE-26-0002, … (numbers grow past 9999)."""
    prefix = f"{PREFIX}-{year % 100:02d}-"
    last = conn.execute(
        select(Case.reference)
        .where(Case.reference.like(prefix + "%"))
        .order_by(func.length(Case.reference).desc(), Case.reference.desc())
        .limit(1)
    ).scalar()
    number = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def case_lookup(case: int | str) -> Any:
    """The WHERE clause for a case given by id or reference (any case of letters)."""
    if isinstance(case, int):
        return Case.id == case
    text = str(case).strip()
    if text.isdigit():
        return Case.id == int(text)
    return Case.reference == text.upper()


# ------------------------------------------------------------------ users


def user_id(conn: Connection, username: str | None, *, agency: str, what: str) -> int | None:
    """The id of an active user of ``agency``; TaskingError naming the problem otherwise."""
    if username is None or not username.strip():
        return None
    row = conn.execute(
        select(User.id, User.agency, User.active).where(User.username == username.strip().lower())
    ).first()
    if row is None or not row.active:
        raise TaskingError(f"there is no active user '{username.strip().lower()}'")
    if row.agency != agency:
        raise TaskingError(f"the {what} must be a user of {agency}")
    return int(row.id)


def usernames(conn: Connection, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = conn.execute(select(User.id, User.username).where(User.id.in_(wanted))).all()
    return {int(r.id): str(r.username) for r in rows}


# ------------------------------------------------------------------ views


def case_view(
    row: Row[Any], names: Mapping[int, str], *, open_actions: int = 0, overdue: int = 0
) -> CaseView:
    return CaseView(
        id=row.id, reference=row.reference, kind=row.kind, subtype=row.subtype, title=row.title,
        summary=row.summary, stage=row.stage, status=row.status, risk=row.risk,
        owner_agency=row.owner_agency, owner_user=names.get(row.owner_user_id) if row.owner_user_id else None,
        created_at=row.created_at, created_by=row.created_by, updated_at=row.updated_at,
        closed_at=row.closed_at, open_actions=open_actions, overdue_actions=overdue,
    )  # fmt: skip


ACTION_COLUMNS = (*Action.__table__.c, Case.reference.label("case_reference"))


def action_view(row: Row[Any], names: Mapping[int, str], *, full: bool) -> ActionView:
    return ActionView(
        id=row.id, case_id=row.case_id, case_reference=row.case_reference, title=row.title,
        detail=row.detail if full else None, assigned_agency=row.assigned_agency,
        assigned_user=names.get(row.assigned_user_id) if row.assigned_user_id else None,
        due_on=row.due_on, status=row.status, outcome=row.outcome, created_at=row.created_at,
        created_by=row.created_by, updated_at=row.updated_at, completed_at=row.completed_at,
        access="full" if full else "assigned",
    )  # fmt: skip


# ------------------------------------------------------------------ audit


def log(engine: Engine, *, reader: Reader, action: str, what: Mapping[str, Any], where_from: str) -> None:
    """One audit entry in a transaction of its own (a look, a search or a refusal)."""
    with engine.begin() as conn:
        record(conn, reader=reader, action=action, what=what, where_from=where_from)


def deny(
    engine: Engine, error: TaskingDenied, *, reader: Reader, where_from: str, what: Mapping[str, Any]
) -> TaskingDenied:
    """Write the refusal to the audit log and give back the error to raise."""
    log(engine, reader=reader, action="deny", what=what, where_from=where_from)
    return error


def case_what(case_id: int) -> dict[str, Any]:
    return {"object": "case", "case_ids": [case_id]}


def asked(case: int | str) -> dict[str, Any]:
    """How a refused request names the case it asked for (the id or reference typed: opaque)."""
    text = str(case).strip()[:40]
    if isinstance(case, int) or text.isdigit():
        return {"object": "case", "case_ids": [int(text)]}
    return {"object": "case", "case_reference": text.upper() if opaque(text) else "not-a-reference"}
