"""The app's routes as a table: path, methods, name and the permission each declares.

The access matrix test and the docs read it, so a route added later is checked like the
rest. (FastAPI 0.16x includes routers lazily; ``iter_route_contexts`` flattens them.)
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from saferhub.web.deps import Allow, Public

try:  # FastAPI >= 0.160
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI keeps a flat list
    iter_route_contexts = None  # type: ignore[assignment]


@dataclass(frozen=True)
class RouteEntry:
    path: str
    methods: frozenset[str]
    name: str
    permission: Allow | Public | None
    permissions_found: int
    route: BaseRoute


def _permissions(route: APIRoute) -> list[Allow | Public]:
    found: list[Allow | Public] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if isinstance(dependency.call, Allow | Public):
            found.append(dependency.call)
        stack.extend(dependency.dependencies)
    return found


def route_table(app: FastAPI) -> list[RouteEntry]:
    """Every route the app answers, with its declared permission (None: none declared)."""
    entries: list[RouteEntry] = []
    contexts = iter_route_contexts(app.routes) if iter_route_contexts is not None else None
    pairs = (
        [(c.original_route, c.path_format or c.path or "") for c in contexts]
        if contexts is not None
        else [(r, getattr(r, "path", "")) for r in app.routes]
    )
    for route, path in pairs:
        methods = frozenset(getattr(route, "methods", None) or ())
        name = getattr(route, "name", "") or ""
        if isinstance(route, APIRoute):
            found = _permissions(route)
            entries.append(RouteEntry(path, methods, name, found[0] if found else None, len(found), route))
        else:
            entries.append(RouteEntry(path, methods, name, None, 0, route))
    return entries
