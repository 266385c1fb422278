"""Every route declares who may use it: ``Allow`` (roles) or ``Public`` (with a reason).

Read from the app's own route table, so a route added later cannot escape the check.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount

from saferhub.web.deps import Public
from saferhub.web.route_table import route_table


def test_every_route_declares_exactly_one_permission(app: FastAPI) -> None:
    undeclared = []
    table = route_table(app)
    assert any(e.path == "/" for e in table) and any(e.path == "/api/me" for e in table)
    for entry in table:
        if isinstance(entry.route, Mount):
            assert entry.path.startswith("/static"), f"unexpected mount {entry.path}"
        elif isinstance(entry.route, APIRoute):
            if entry.permissions_found != 1:
                undeclared.append(f"{sorted(entry.methods)} {entry.path}")
        else:
            # FastAPI's own schema route: the API's description, no data.
            assert entry.path == "/api/openapi.json", f"unchecked route {entry.path}"
    assert undeclared == []


def test_public_routes_are_only_the_way_in_and_documentation(app: FastAPI) -> None:
    public = {e.path for e in route_table(app) if isinstance(e.permission, Public)}
    assert public == {"/sign-in", "/health", "/api/docs"}
