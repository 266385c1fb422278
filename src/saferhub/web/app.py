"""The hub workspace: a FastAPI app of pages (Jinja2 + HTMX) and a JSON API under /api.

``create_app(settings)`` opens the store and the sharing agreement once; every route is a
few lines over a service and declares who may use it (``saferhub.web.deps.Allow``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from saferhub.access import agreement_for
from saferhub.config import Settings
from saferhub.services import open_store
from saferhub.web.deps import BadCsrf, Forbidden, NotSignedIn, current_actor
from saferhub.web.nul_bytes import MarkNulBytes, refuse_nul_bytes
from saferhub.web.security import SecurityHeaders
from saferhub.web.templating import render

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("saferhub.web")

_MESSAGES = {
    400: ("The request could not be understood", "Check what you entered and try again."),
    403: (
        "You cannot see this page",
        "Your role or agency does not give access to it. "
        "Ask your hub administrator if you think you need it.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. "
        "The record may not exist, or the sharing agreement may not let you see it.",
    ),
    405: ("That cannot be done here", "Go back and try again."),
    422: ("Some of what you entered is not right", "Go back, check the form and try again."),
    429: ("Too many requests", "Wait a few minutes and try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. The problem has been logged (without any personal data).",
    ),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


async def _error(request: Request, status: int, detail: str | None = None) -> Response:
    title, advice = _MESSAGES.get(status, _MESSAGES[400])
    if _wants_json(request):
        return JSONResponse({"detail": detail or title}, status_code=status)
    actor = await current_actor(request)
    return render(
        request,
        "error.html",
        {"title": title, "advice": advice, "status": status},
        actor=actor,
        status_code=status,
    )


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if exc.api:
            return JSONResponse(
                {"detail": "Not signed in: send a valid API token."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        # HTMX follows this header instead of swapping a sign-in page into a fragment.
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/sign-in"})
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return await _error(request, 403)

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, exc: BadCsrf) -> Response:
        return await _error(request, 403, "The form had expired or was not sent by SaferHub.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Only our own plain messages are shown; never a value from the request.
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else None
        return await _error(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            # Field locations and messages only: the values sent may be personal data.
            errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
            return JSONResponse({"detail": errors}, status_code=422)
        return await _error(request, 422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # The type and the route only: messages and locals can carry personal data.
        route = getattr(request.scope.get("route"), "name", "unknown")
        log.error("unhandled %s in route %s", type(exc).__name__, route)
        return await _error(request, 500)


def close_app(app: FastAPI) -> None:
    """At shutdown: let background work on the day's cache finish (it holds the store's
    connections), then close the store's connections. Safe to call twice."""
    cache = getattr(app.state, "workspace_cache", None)
    if cache is not None and not cache.wait_for_background():
        log.warning("background work was still running at shutdown")
    app.state.engine.dispose()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    close_app(app)


def create_app(settings: Settings) -> FastAPI:
    """The workspace for one hub's settings."""
    from saferhub.web.api import api_router, install_api_docs
    from saferhub.web.routes import page_routers

    app = FastAPI(
        title="SaferHub API",
        version="1",
        summary="The hub's records, analyses, cases and actions, under the same access rules as the pages.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan,
        dependencies=[Depends(refuse_nul_bytes)],
    )
    app.state.settings = settings
    app.state.engine = open_store(settings)
    app.state.agreement = agreement_for(settings)
    app.state.agency_names = {key: a.name for key, a in app.state.agreement.agencies.items()}
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in page_routers():
        app.include_router(router)
    app.include_router(api_router())
    install_api_docs(app)
    _install_error_pages(app)
    app.add_middleware(MarkNulBytes)
    app.add_middleware(SecurityHeaders, tile_url=settings.tile_url)
    return app


def app_from_settings() -> FastAPI:
    """The app for this machine's settings (``saferhub serve`` starts each worker with it)."""
    from saferhub.config import get_settings

    return create_app(get_settings())
