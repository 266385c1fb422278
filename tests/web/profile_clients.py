"""Clients on the seeded hub's app signed in as one agency and role (a session with its CSRF
token, or an API token), and the audit entries a test wrote, for the profile page tests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from saferhub.store.audit_models import AuditEntry
from saferhub.web.deps import SESSION_COOKIE
from web.hub_fixture import SeededHub
from web.live_server import hub_app

HREF = re.compile(r'(?:href|action|hx-post|hx-get)="([^"]*)"')


@dataclass
class Signed:
    client: TestClient
    csrf: str

    def post_form(self, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self.client.post(path, data={**data, "csrf_token": self.csrf}, **kwargs)


def signed_in(hub: SeededHub, agency: str, role: str) -> Signed:
    secret, csrf = hub.session(agency, role)
    client = TestClient(hub_app(hub), follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, secret)
    return Signed(client, csrf)


def api(hub: SeededHub, agency: str, role: str) -> TestClient:
    client = TestClient(hub_app(hub), follow_redirects=False)
    client.headers["Authorization"] = f"Bearer {hub.token(agency, role)}"
    return client


def last_audit_id(hub: SeededHub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)).scalar() or 0)


def audit_since(hub: SeededHub, after: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(agency, action, what) of the entries written after entry ``after``."""
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.agency, AuditEntry.action, AuditEntry.what)
            .where(AuditEntry.id > after)
            .order_by(AuditEntry.id)
        ).all()
    for agency, action, what in rows:
        yield agency, action, json.loads(what)


def addresses_in(html: str) -> list[str]:
    """Every link, form action and HTMX address a page holds."""
    return HREF.findall(html)
