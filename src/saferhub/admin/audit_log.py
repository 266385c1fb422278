"""The audit log as auditors and hub admins read it: a page of entries by action, agency and
date, and the check of its hash chain. Reading the log is itself recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from saferhub.access import ACTIONS, AuditCheck, Reader, record, verify
from saferhub.admin import AdminDenied
from saferhub.store.audit_models import AuditEntry

AUDIT_READERS = frozenset({"auditor", "hub_admin"})
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime  # naive UTC
    actor: str | None
    agency: str
    role: str
    action: str
    what: str  # canonical JSON of ids, counts and labels
    where_from: str
    why: str | None


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[AuditRow, ...]
    total: int  # entries matching the filters
    page: int
    pages: int


def _log(engine: Engine, reader: Reader, action: str, what: dict[str, Any], where_from: str) -> None:
    with engine.begin() as conn:
        record(conn, reader=reader, action=action, what=what, where_from=where_from)


def _require_reader(engine: Engine, reader: Reader, where_from: str) -> None:
    if reader.role not in AUDIT_READERS:
        _log(engine, reader, "deny", {"object": "audit_log"}, where_from)
        raise AdminDenied("only auditors and hub admins read the audit log")


def audit_entries(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    action: str | None = None,
    agency: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> AuditPage:
    """Newest first; ``since``/``until`` are whole UTC days, inclusive. The look is logged
    (before reading, so the page shows it among the newest entries)."""
    _require_reader(engine, reader, where_from)
    if action is not None and action not in ACTIONS:
        raise ValueError(f"unknown action '{action}'; actions: {', '.join(ACTIONS)}")
    conditions = []
    if action:
        conditions.append(AuditEntry.action == action)
    if agency:
        conditions.append(AuditEntry.agency == agency)
    if since:
        conditions.append(AuditEntry.at >= dt.datetime.combine(since, dt.time()))
    if until and until < dt.date.max:  # the last day there is has no day after it
        conditions.append(AuditEntry.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    page = max(1, page)
    filters = [
        k for k, v in (("action", action), ("agency", agency), ("since", since), ("until", until)) if v
    ]
    _log(engine, reader, "view", {"purpose": "audit_log", "page": page, "filters": filters}, where_from)
    columns = (
        AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.agency, AuditEntry.role,
        AuditEntry.action, AuditEntry.what, AuditEntry.where_from, AuditEntry.why,
    )  # fmt: skip
    with engine.connect() as conn:
        total = int(
            conn.execute(select(func.count()).select_from(AuditEntry).where(*conditions)).scalar_one()
        )
        rows = conn.execute(
            select(*columns)
            .where(*conditions)
            .order_by(AuditEntry.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
    pages = max(1, -(-total // page_size))
    return AuditPage(tuple(AuditRow(*r) for r in rows), total, page, pages)


def check_chain(*, engine: Engine, reader: Reader, where_from: str) -> AuditCheck:
    """Walk the hash chain (``saferhub.access.verify``); the check is logged as 'verify'."""
    _require_reader(engine, reader, where_from)
    check = verify(engine)
    what = {"entries": check.entries, "ok": check.ok, "first_broken_id": check.first_broken_id}
    _log(engine, reader, "verify", what, where_from)
    return check
