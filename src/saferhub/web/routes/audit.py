"""The audit log viewer (auditors and hub admins): entries by action, agency and date, a page
at a time, and the check of the hash chain. Reading the log is itself recorded."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from saferhub.access import ACTIONS, AuditCheck
from saferhub.admin import audit_log
from saferhub.web.deps import Actor, Allow, engine_of
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
AUDITORS = Allow(frozenset({"auditor", "hub_admin"}), personal=False)
AuditorActor = Annotated[Actor, Depends(AUDITORS)]


def parse_day(text: str | None) -> dt.date | None:
    """A date from a filter box (YYYY-MM-DD); None if empty; ValueError if not a date."""
    text = (text or "").strip()
    return dt.date.fromisoformat(text) if text else None


def _page(
    request: Request, actor: Actor, *, action: str, agency: str, since: str, until: str, page: int,
    check: AuditCheck | None = None,
) -> HTMLResponse:  # fmt: skip
    error = None
    try:
        since_day, until_day = parse_day(since), parse_day(until)
    except ValueError:
        error, since_day, until_day = "Enter dates as year-month-day, for example 2026-11-27.", None, None
    chosen_action = action if action in ACTIONS else None
    entries = audit_log.audit_entries(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, action=chosen_action,
        agency=agency or None, since=since_day, until=until_day, page=page,
    )  # fmt: skip
    filters = {k: v for k, v in (("action", chosen_action), ("agency", agency), ("since", since_day),
                                 ("until", until_day)) if v}  # fmt: skip

    def page_link(number: int) -> str:
        return "/audit?" + urlencode({**{k: str(v) for k, v in filters.items()}, "page": number})

    agencies = ["hub", *request.app.state.agreement.agencies]
    context = {
        "title": "Audit log", "entries": entries, "actions": ACTIONS, "agencies": agencies,
        "action": chosen_action or "", "agency": agency, "since": since, "until": until, "error": error,
        "check": check, "page_link": page_link,
    }  # fmt: skip
    return render(request, "audit.html", context, actor=actor, status_code=400 if error else 200)


@router.get("/audit", name="audit_log")
def audit_page(
    request: Request,
    actor: AuditorActor,
    action: Annotated[str, Query(max_length=20)] = "",
    agency: Annotated[str, Query(max_length=60, pattern=r"^[a-z0-9_]*$")] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    return _page(request, actor, action=action, agency=agency, since=since, until=until, page=page)


@router.post("/audit/verify", name="audit_verify")
def verify_page(request: Request, actor: AuditorActor) -> HTMLResponse:
    check = audit_log.check_chain(engine=engine_of(request), reader=actor.reader, where_from=actor.where_from)
    return _page(request, actor, action="", agency="", since="", until="", page=1, check=check)
