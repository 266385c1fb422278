"""The app's Jinja2 templates and what every page gets: the user, CSRF token and navigation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from saferhub.web.deps import Actor

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# (label, path, roles that see the link)
NAVIGATION: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("Home", "/", frozenset({"hub_admin", "analyst", "officer", "partner_viewer", "auditor"})),
    ("Search", "/search", frozenset({"hub_admin", "analyst", "officer", "partner_viewer"})),
    ("Cases", "/cases", frozenset({"hub_admin", "analyst", "officer", "partner_viewer"})),
    ("Actions", "/actions", frozenset({"hub_admin", "analyst", "officer", "partner_viewer"})),
    ("Demand", "/frequent-callers", frozenset({"hub_admin", "analyst", "officer", "partner_viewer"})),
    ("Hotspots", "/hotspots", frozenset({"hub_admin", "analyst", "officer", "partner_viewer"})),
    ("Briefings", "/briefings", frozenset({"hub_admin", "analyst", "officer", "partner_viewer"})),
    ("Admin", "/admin", frozenset({"hub_admin"})),
    ("Audit log", "/audit", frozenset({"auditor", "hub_admin"})),
)


def _date(value: dt.date | dt.datetime | None, fmt: str = "%-d %b %Y") -> str:
    return value.strftime(fmt) if value is not None else ""


def _datetime(value: dt.datetime | None) -> str:
    return value.strftime("%-d %b %Y %H:%M") if value is not None else ""


TEMPLATES.env.filters["date"] = _date
TEMPLATES.env.filters["datetime"] = _datetime


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page, with the actor, their CSRF token and the navigation they may follow."""
    role = actor.user.role if actor is not None else None
    page: dict[str, Any] = {
        "actor": actor,
        "csrf_token": actor.csrf_token if actor is not None else None,
        "navigation": [(label, path) for label, path, roles in NAVIGATION if role in roles],
        "current_path": request.url.path,
        "agency_names": request.app.state.agency_names,
    }
    page.update(context or {})
    return TEMPLATES.TemplateResponse(request, template, page, status_code=status_code)
