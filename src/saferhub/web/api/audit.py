"""The audit log in the JSON API (auditors and hub admins): entries by action, agency and date,
and the chain check. Reading it is recorded, as on the page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict

from saferhub.access.audit import ACTIONS
from saferhub.admin import audit_log
from saferhub.web.api.common import UtcDateTime, answers
from saferhub.web.deps import Actor, Allow, engine_of

router = APIRouter(prefix="/audit", tags=["audit"])
Auditor = Annotated[Actor, Depends(Allow(frozenset({"auditor", "hub_admin"}), personal=False))]


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcDateTime
    actor: str | None
    agency: str
    role: str
    action: str
    what: str
    where_from: str
    why: str | None


class AuditPageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    entries: list[AuditEntryOut]
    total: int
    page: int
    pages: int


class ChainCheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ok: bool
    entries: int
    first_broken_id: int | None
    problem: str | None
    head_id: int
    head_hash: str


@router.get("", name="api_audit_log", response_model=AuditPageOut, responses=answers(400))
def entries(
    request: Request,
    actor: Auditor,
    action: Annotated[str | None, Query(max_length=20)] = None,
    agency: Annotated[str | None, Query(max_length=60)] = None,
    since: Annotated[dt.date | None, Query(description="UTC day, inclusive")] = None,
    until: Annotated[dt.date | None, Query(description="UTC day, inclusive")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> AuditPageOut:
    """Newest first, 50 a page."""
    try:
        found = audit_log.audit_entries(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, action=action,
            agency=agency, since=since, until=until, page=page,
        )  # fmt: skip
    except ValueError:  # the message would repeat what was sent
        raise HTTPException(400, f"action is one of: {', '.join(ACTIONS)}") from None
    return AuditPageOut.model_validate(found)


@router.post("/verify", name="api_audit_verify", response_model=ChainCheckOut)
def verify(request: Request, actor: Auditor) -> ChainCheckOut:
    """Walk the hash chain; the check is itself logged."""
    check = audit_log.check_chain(engine=engine_of(request), reader=actor.reader, where_from=actor.where_from)
    return ChainCheckOut.model_validate(check)
