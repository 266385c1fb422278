"""Who is asking, and may they: the permission every route declares, applied as a dependency.

A route shows personal data only through services that take the acting ``Reader``; this
module finds that reader (a session cookie for pages, a bearer token for integrations),
checks the route's ``Allow`` and, for changes made with a cookie, the CSRF token. A route
without an ``Allow`` is refused by the access matrix test, so none can forget its check.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from saferhub.access import ROLES, Reader, SharingAgreement, record
from saferhub.accounts import UserView, reader_for, session_user, token_user
from saferhub.config import Settings

SESSION_COOKIE = "saferhub_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EVERYONE = frozenset(ROLES)
STAFF = frozenset({"hub_admin", "analyst", "officer", "partner_viewer"})
WORKERS = frozenset({"hub_admin", "analyst", "officer"})


@dataclass(frozen=True)
class Actor:
    """The signed-in user a request acts for, as services need them."""

    user: UserView
    reader: Reader
    where_from: str  # web:<address> or api:<address>
    csrf_token: str | None  # None when the request came with an API token
    via: Literal["session", "token"]


class NotSignedIn(Exception):
    """No valid session or token: pages send the browser to sign in, the API answers 401."""

    def __init__(self, api: bool) -> None:
        super().__init__("not signed in")
        self.api = api


class Forbidden(Exception):
    """Signed in, but this route is not for the user's role (403, with no detail)."""


class BadCsrf(Exception):
    """A change sent without the session's CSRF token (a forged form): 403."""


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def agreement_of(request: Request) -> SharingAgreement:
    agreement: SharingAgreement = request.app.state.agreement
    return agreement


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _find_user(request: Request) -> tuple[UserView, str | None, Literal["session", "token"]] | None:
    engine = engine_of(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = token_user(engine=engine, token=header[7:].strip())
        return (user, None, "token") if user is not None else None
    secret = request.cookies.get(SESSION_COOKIE, "")
    found = session_user(engine=engine, secret=secret) if secret else None
    return (found[0], found[1], "session") if found is not None else None


async def current_actor(request: Request) -> Actor | None:
    """The signed-in actor, or None; cached on the request."""
    if hasattr(request.state, "actor"):
        cached: Actor | None = request.state.actor
        return cached
    found = await run_in_threadpool(_find_user, request)
    actor = None
    if found is not None:
        user, csrf, via = found
        channel = "api" if via == "token" else "web"
        actor = Actor(
            user=user,
            reader=reader_for(user),
            where_from=f"{channel}:{client_address(request)}",
            csrf_token=csrf,
            via=via,
        )
    request.state.actor = actor
    return actor


async def _csrf_sent(request: Request) -> str:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


def _log_denial(engine: Engine, actor: Actor, route_name: str) -> None:
    with engine.begin() as conn:
        record(
            conn, reader=actor.reader, action="deny", what={"route": route_name}, where_from=actor.where_from
        )


class Allow:
    """A route's permission: the roles that may use it, and whether it shows personal data.

    Used as ``Depends(Allow(...))``; returns the ``Actor``. ``personal`` routes go through
    services that apply the sharing agreement and write the audit log; the matrix test
    checks both the roles and the redaction.
    """

    def __init__(self, roles: frozenset[str] = STAFF, *, personal: bool = True) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        self.roles = frozenset(roles)
        self.personal = personal

    def allows(self, role: str) -> bool:
        return role in self.roles

    def __repr__(self) -> str:
        return f"Allow({sorted(self.roles)}, personal={self.personal})"

    async def __call__(self, request: Request) -> Actor:
        actor = await current_actor(request)
        if actor is None:
            raise NotSignedIn(api=_is_api(request))
        if not self.allows(actor.user.role):
            route = request.scope.get("route")
            name = getattr(route, "name", None) or "unknown"
            await run_in_threadpool(_log_denial, engine_of(request), actor, name)
            raise Forbidden()
        if request.method not in SAFE_METHODS and actor.via == "session":
            sent = await _csrf_sent(request)
            if not actor.csrf_token or not secrets.compare_digest(sent, actor.csrf_token):
                raise BadCsrf()
        return actor


class Public:
    """A route anyone may use without signing in (sign-in page, static files, health)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __call__(self) -> None:
        return None
