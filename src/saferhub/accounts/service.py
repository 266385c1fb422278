"""Users and how they prove who they are: Argon2 passwords, sessions, API tokens, sign-in limits.

Secrets (session cookies, API tokens) are random, shown once, and stored only as SHA-256;
passwords only as Argon2id hashes. Sign-in is limited per user name and per address, and
every answer to a failed sign-in is the same, so it tells a guesser nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute

from saferhub.access import ROLES, Reader
from saferhub.store.account_models import ApiToken, SignInAttempt, User, WebSession

SESSION_HOURS = 10  # a working shift; signing in again after that is expected
MAX_FAILURES_PER_USER = 5  # in FAILURE_WINDOW
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,79}$")
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so both take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A user cannot be created or changed as asked (the message says why, with no secrets)."""


class SignInRefused(Exception):
    """Sign-in failed: wrong name or password, inactive user, or too many tries."""

    def __init__(self, message: str, *, limited: bool = False) -> None:
        super().__init__(message)
        self.limited = limited


@dataclass(frozen=True)
class UserView:
    """A user as the app shows them: no password hash."""

    id: int
    username: str
    display_name: str
    email: str | None
    agency: str
    role: str
    active: bool
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None


@dataclass(frozen=True)
class SignInResult:
    user: UserView
    session_secret: str  # goes in the cookie; the store keeps only its hash
    csrf_token: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_USERS: Table = User.__table__  # type: ignore[assignment]


def _view(row: Any) -> UserView:
    """A user from a row of the users table (Core, not ORM: no session needed)."""
    user = row._mapping
    return UserView(
        id=user["id"],
        username=user["username"],
        display_name=user["display_name"],
        email=user["email"],
        agency=user["agency"],
        role=user["role"],
        active=bool(user["active"]),
        created_at=user["created_at"],
        last_sign_in_at=user["last_sign_in_at"],
    )


def reader_for(user: UserView) -> Reader:
    """The reader a signed-in user acts as: their agency, role and user name."""
    return Reader(agency=user.agency, role=user.role, user=user.username)


def _check(username: str, role: str, agency: str, agencies: tuple[str, ...] | None) -> None:
    if not _USERNAME.match(username):
        raise AccountError("a user name is 2-80 characters: lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise AccountError(f"unknown role '{role}'; the roles are: {', '.join(ROLES)}")
    if agencies is not None and agency not in agencies:
        raise AccountError(f"unknown agency '{agency}'; the agencies are: {', '.join(agencies)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    *,
    engine: Engine,
    username: str,
    display_name: str,
    agency: str,
    role: str,
    password: str,
    email: str | None = None,
    agencies: tuple[str, ...] | None = None,
) -> UserView:
    """Add a user; ``agencies`` (the sharing agreement's) checks the agency if given."""
    username = username.strip().lower()
    agency = agency.strip().lower()
    _check(username, role, agency, agencies)
    _check_password(password)
    with engine.begin() as conn:
        taken = conn.execute(select(User.id).where(User.username == username)).first()
        if taken is not None:
            raise AccountError(f"there is already a user '{username}'")
        new_id = conn.execute(
            _USERS.insert().values(
                username=username,
                display_name=display_name.strip() or username,
                email=email,
                agency=agency,
                role=role,
                password_hash=_hasher.hash(password),
                active=True,
                created_at=_now(),
            )
        ).inserted_primary_key
    user = get_user(engine=engine, user_id=int(new_id[0]))  # type: ignore[index]
    assert user is not None
    return user


def get_user(*, engine: Engine, username: str | None = None, user_id: int | None = None) -> UserView | None:
    """One user by name or id, or None."""
    query = select(_USERS)
    if user_id is not None:
        query = query.where(User.id == user_id)
    elif username is not None:
        query = query.where(User.username == username.strip().lower())
    else:
        raise ValueError("get_user needs a username or a user_id")
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return _view(row) if row is not None else None


def list_users(*, engine: Engine, agency: str | None = None) -> list[UserView]:
    query = select(_USERS).order_by(User.agency, User.username)
    if agency is not None:
        query = query.where(User.agency == agency)
    with engine.connect() as conn:
        return [_view(u) for u in conn.execute(query)]


def update_user(
    *,
    engine: Engine,
    user_id: int,
    display_name: str | None = None,
    email: str | None = None,
    agency: str | None = None,
    role: str | None = None,
    active: bool | None = None,
    agencies: tuple[str, ...] | None = None,
) -> UserView:
    """Change a user's details; deactivating or changing agency or role ends their sessions."""
    current = get_user(engine=engine, user_id=user_id)
    if current is None:
        raise AccountError("no such user")
    values: dict[str, object] = {}
    if display_name is not None:
        values["display_name"] = display_name.strip() or current.username
    if email is not None:
        values["email"] = email.strip() or None
    if agency is not None:
        values["agency"] = agency.strip().lower()
    if role is not None:
        values["role"] = role
    if active is not None:
        values["active"] = active
    _check(
        current.username,
        str(values.get("role", current.role)),
        str(values.get("agency", current.agency)),
        agencies,
    )
    ends_sessions = any(k in values for k in ("agency", "role")) or active is False
    with engine.begin() as conn:
        if values:
            conn.execute(update(User).where(User.id == user_id).values(**values))
        if ends_sessions:
            conn.execute(delete(WebSession).where(WebSession.user_id == user_id))
    user = get_user(engine=engine, user_id=user_id)
    assert user is not None
    return user


def set_password(*, engine: Engine, user_id: int, password: str) -> None:
    """A new password; the user's sessions end."""
    _check_password(password)
    with engine.begin() as conn:
        done = conn.execute(
            update(User).where(User.id == user_id).values(password_hash=_hasher.hash(password))
        ).rowcount
        if not done:
            raise AccountError("no such user")
        conn.execute(delete(WebSession).where(WebSession.user_id == user_id))


def _recent_failures(
    conn: Connection, column: InstrumentedAttribute[str], value: str, since: dt.datetime
) -> int:
    query = (
        select(func.count())
        .select_from(SignInAttempt)
        .where(column == value, SignInAttempt.at >= since, SignInAttempt.succeeded.is_(False))
    )
    return int(conn.execute(query).scalar_one())


KEEP_ATTEMPTS = dt.timedelta(days=1)  # far longer than FAILURE_WINDOW; the audit log keeps sign-ins


def _forget_old(conn: Connection, when: dt.datetime) -> None:
    """Housekeeping at each sign-in: attempts older than a day (they only count towards the
    15-minute limits; the audit log records every sign-in) and sessions that have expired."""
    conn.execute(delete(SignInAttempt).where(SignInAttempt.at < when - KEEP_ATTEMPTS))
    conn.execute(delete(WebSession).where(WebSession.expires_at <= when))


def authenticate(
    *, engine: Engine, username: str, password: str, address: str, now: dt.datetime | None = None
) -> SignInResult:
    """Check a name and password and open a session, or raise SignInRefused.

    Too many failures for the name (5 in 15 minutes) or from the address (20) refuse
    further tries until the window passes, whatever the password.
    """
    when = now or _now()
    name = username.strip().lower()[:80]
    since = when - FAILURE_WINDOW
    with engine.connect() as conn:
        limited = (
            _recent_failures(conn, SignInAttempt.username, name, since) >= MAX_FAILURES_PER_USER
            or _recent_failures(conn, SignInAttempt.address, address, since) >= MAX_FAILURES_PER_ADDRESS
        )
        row = conn.execute(select(_USERS).where(User.username == name)).first()
    if limited:
        raise SignInRefused("Too many attempts to sign in. Wait 15 minutes and try again.", limited=True)
    ok = False
    try:
        ok = _hasher.verify(row._mapping["password_hash"] if row is not None else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    ok = ok and row is not None and bool(row._mapping["active"])
    with engine.begin() as conn:
        conn.execute(insert(SignInAttempt).values(at=when, username=name, address=address[:80], succeeded=ok))
        _forget_old(conn, when)
        if ok and row is not None:
            values: dict[str, object] = {"last_sign_in_at": when}
            if _hasher.check_needs_rehash(row._mapping["password_hash"]):
                values["password_hash"] = _hasher.hash(password)
            conn.execute(update(User).where(User.id == row._mapping["id"]).values(**values))
    if not ok or row is None:
        raise SignInRefused("The user name or password is not right.")
    user = get_user(engine=engine, user_id=int(row._mapping["id"]))
    assert user is not None
    secret, csrf = start_session(engine=engine, user_id=user.id, now=when)
    return SignInResult(user=user, session_secret=secret, csrf_token=csrf)


def start_session(*, engine: Engine, user_id: int, now: dt.datetime | None = None) -> tuple[str, str]:
    """A new session for the user: (cookie secret, CSRF token)."""
    when = now or _now()
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(WebSession).values(
                id=_digest(secret),
                user_id=user_id,
                csrf_token=csrf,
                created_at=when,
                expires_at=when + dt.timedelta(hours=SESSION_HOURS),
                last_seen_at=when,
            )
        )
    return secret, csrf


def session_user(
    *, engine: Engine, secret: str, now: dt.datetime | None = None
) -> tuple[UserView, str] | None:
    """The active user of a session cookie and the session's CSRF token, or None."""
    if not secret or len(secret) > 200:
        return None
    when = now or _now()
    with engine.connect() as conn:
        row = conn.execute(
            select(_USERS, WebSession.csrf_token)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.id == _digest(secret), WebSession.expires_at > when, User.active.is_(True))
        ).first()
    if row is None:
        return None
    return _view(row), str(row._mapping["csrf_token"])


def end_session(*, engine: Engine, secret: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(WebSession).where(WebSession.id == _digest(secret)))


def issue_token(*, engine: Engine, user_id: int, name: str) -> str:
    """A new API token for the user, returned once: only its hash is kept."""
    token = "shub_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(ApiToken).values(
                user_id=user_id, name=name[:120], token_hash=_digest(token), created_at=_now()
            )
        )
    return token


def token_user(*, engine: Engine, token: str) -> UserView | None:
    """The active user an API token acts for, or None (unknown, revoked, user inactive)."""
    if not token or len(token) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(_USERS)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None), User.active.is_(True)
            )
        ).first()
    return _view(row) if row is not None else None


def revoke_token(*, engine: Engine, token_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=_now()))
