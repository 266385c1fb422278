"""The JSON API under /api: the same services, access rules and audit as the pages.

Integrations send ``Authorization: Bearer <token>`` (``saferhub user token``); the
browser's session works too, with the CSRF token in ``X-CSRF-Token`` for changes.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from saferhub.web.api.common import ROUTER_ANSWERS
from saferhub.web.api.me import router as me_router
from saferhub.web.deps import Public
from saferhub.web.templating import render

API_MODULES = ("people", "places", "analysis", "cases", "actions", "imports", "audit")


def api_router() -> APIRouter:
    # Every route may answer 401 (no valid token), 403 (not for the role) and 422 (invalid).
    router = APIRouter(prefix="/api", responses=ROUTER_ANSWERS)
    router.include_router(me_router)
    for name in API_MODULES:
        try:
            module = importlib.import_module(f"saferhub.web.api.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"saferhub.web.api.{name}":
                raise
            continue
        router.include_router(module.router)
    return router


def install_api_docs(app: FastAPI) -> None:
    """Swagger UI served from SaferHub's own static files (no CDN, no inline script)."""

    @app.get(
        "/api/docs",
        name="api_docs",
        include_in_schema=False,
        dependencies=[Depends(Public("documentation of the API, no data"))],
    )
    def api_docs(request: Request) -> HTMLResponse:
        return render(request, "api_docs.html", {})
