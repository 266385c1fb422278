"""Staff accounts as a hub admin manages them: list, add, change, reset passwords, API tokens.

Thin, audited wrappers over ``saferhub.accounts``: each checks the acting reader is a hub
admin (``AdminDenied`` otherwise, logged as a denial) and writes one audit entry (user and
token ids only, never names or secrets).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from saferhub.access import Reader, record
from saferhub.accounts import (
    AccountError,
    UserView,
    create_user,
    get_user,
    issue_token,
    list_users,
    revoke_token,
    set_password,
    update_user,
)
from saferhub.admin import AdminDenied
from saferhub.store.account_models import ApiToken

ADMINS = frozenset({"hub_admin"})


@dataclass(frozen=True)
class TokenView:
    """An API token as listed: its name and dates, never the token itself."""

    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _log(engine: Engine, reader: Reader, action: str, what: dict[str, Any], where_from: str) -> None:
    with engine.begin() as conn:
        record(conn, reader=reader, action=action, what=what, where_from=where_from)


def require_admin(engine: Engine, reader: Reader, where_from: str, doing: str) -> None:
    """AdminDenied (and a 'deny' entry) unless ``reader`` is a hub admin."""
    if reader.role not in ADMINS:
        _log(engine, reader, "deny", {"object": "users", "change": doing}, where_from)
        raise AdminDenied("only hub admins manage staff accounts")


def staff(*, engine: Engine, reader: Reader, where_from: str, agency: str | None = None) -> list[UserView]:
    """Every staff account (or one agency's), by agency and user name."""
    require_admin(engine, reader, where_from, "list")
    users = list_users(engine=engine, agency=agency)
    _log(engine, reader, "view", {"object": "users", "user_ids": [u.id for u in users]}, where_from)
    return users


def staff_member(*, engine: Engine, reader: Reader, where_from: str, user_id: int) -> UserView:
    require_admin(engine, reader, where_from, "view")
    user = get_user(engine=engine, user_id=user_id)
    if user is None:
        raise AccountError("no such user")
    _log(engine, reader, "view", {"object": "users", "user_ids": [user.id]}, where_from)
    return user


def add_staff(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    agencies: tuple[str, ...],
    username: str,
    display_name: str,
    agency: str,
    role: str,
    password: str,
    email: str | None = None,
) -> UserView:
    """A new account of one of the agreement's agencies."""
    require_admin(engine, reader, where_from, "create")
    user = create_user(
        engine=engine, username=username, display_name=display_name, agency=agency, role=role,
        password=password, email=email or None, agencies=agencies,
    )  # fmt: skip
    what = {
        "object": "users",
        "change": "create",
        "user_ids": [user.id],
        "agency": user.agency,
        "role": user.role,
    }
    _log(engine, reader, "change", what, where_from)
    return user


def change_staff(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    agencies: tuple[str, ...],
    user_id: int,
    agency: str | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> UserView:
    """A new agency, role or active state (the user's sessions end when any of them changes)."""
    require_admin(engine, reader, where_from, "update")
    before = get_user(engine=engine, user_id=user_id)
    if before is None:
        raise AccountError("no such user")
    if before.username == reader.user and (active is False or (role is not None and role != before.role)):
        raise AccountError("you cannot deactivate yourself or change your own role; ask another hub admin")
    user = update_user(
        engine=engine, user_id=user_id, agency=agency, role=role, active=active, agencies=agencies
    )
    fields = [
        name
        for name, old, new in (
            ("agency", before.agency, user.agency),
            ("role", before.role, user.role),
            ("active", before.active, user.active),
        )
        if old != new
    ]
    what = {"object": "users", "change": "update", "user_ids": [user.id], "fields": fields}
    _log(engine, reader, "change", what, where_from)
    return user


def reset_password(*, engine: Engine, reader: Reader, where_from: str, user_id: int, password: str) -> None:
    """Set a new password (the admin passes it on to the user out of band); their sessions end."""
    require_admin(engine, reader, where_from, "password")
    set_password(engine=engine, user_id=user_id, password=password)
    _log(
        engine, reader, "change", {"object": "users", "change": "password", "user_ids": [user_id]}, where_from
    )


def api_tokens(*, engine: Engine, reader: Reader, where_from: str, user_id: int) -> list[TokenView]:
    """The user's API tokens, newest first (names and dates only)."""
    require_admin(engine, reader, where_from, "tokens")
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                ApiToken.id, ApiToken.name, ApiToken.created_at, ApiToken.last_used_at, ApiToken.revoked_at
            )
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.id.desc())
        ).all()
    return [TokenView(*row) for row in rows]


def make_api_token(*, engine: Engine, reader: Reader, where_from: str, user_id: int, name: str) -> str:
    """A new token for the user, returned once (only its hash is kept)."""
    require_admin(engine, reader, where_from, "token")
    if get_user(engine=engine, user_id=user_id) is None:
        raise AccountError("no such user")
    label = name.strip()
    if not label:
        raise AccountError("give the token a name that says what uses it")
    token = issue_token(engine=engine, user_id=user_id, name=label)
    with engine.connect() as conn:
        token_id = conn.execute(
            select(ApiToken.id).where(ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
        ).scalar_one()
    what = {"object": "api_tokens", "change": "create", "user_ids": [user_id], "token_ids": [token_id]}
    _log(engine, reader, "change", what, where_from)
    return token


def revoke_api_token(*, engine: Engine, reader: Reader, where_from: str, user_id: int, token_id: int) -> None:
    """Revoke one of the user's tokens (a token of another user is refused as unknown)."""
    require_admin(engine, reader, where_from, "token")
    with engine.connect() as conn:
        owner = conn.execute(select(ApiToken.user_id).where(ApiToken.id == token_id)).scalar_one_or_none()
    if owner != user_id:
        raise AccountError("no such token")
    revoke_token(engine=engine, token_id=token_id)
    what = {"object": "api_tokens", "change": "revoke", "user_ids": [user_id], "token_ids": [token_id]}
    _log(engine, reader, "change", what, where_from)
