"""Users, passwords, sessions and tokens at the service level."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from saferhub.accounts import (
    AccountError,
    SignInRefused,
    authenticate,
    create_user,
    issue_token,
    revoke_token,
    session_user,
    set_password,
    token_user,
    update_user,
)
from saferhub.store.account_models import ApiToken, SignInAttempt, User, WebSession

PASSWORD = "twelve chars or more"


def _user(engine: Engine, name: str = "j.smith", role: str = "officer"):  # type: ignore[no-untyped-def]
    return create_user(
        engine=engine,
        username=name,
        display_name="J Smith",
        agency="police",
        role=role,
        password=PASSWORD,
        agencies=("police", "fire"),
    )


def test_passwords_are_stored_as_argon2_hashes_only(engine: Engine) -> None:
    user = _user(engine)
    with engine.connect() as conn:
        stored = conn.execute(select(User.password_hash).where(User.id == user.id)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "agency", "role", "password", "problem"),
    [
        ("Bad Name!", "police", "officer", PASSWORD, "user name"),
        ("ok.name", "mi5", "officer", PASSWORD, "unknown agency"),
        ("ok.name", "police", "superuser", PASSWORD, "unknown role"),
        ("ok.name", "police", "officer", "short", "at least 12"),
    ],
)
def test_a_user_that_cannot_be_made_is_refused_with_the_reason(
    engine: Engine, username: str, agency: str, role: str, password: str, problem: str
) -> None:
    with pytest.raises(AccountError, match=problem):
        create_user(
            engine=engine,
            username=username,
            display_name="x",
            agency=agency,
            role=role,
            password=password,
            agencies=("police", "fire"),
        )


def test_user_names_are_unique_whatever_the_case(engine: Engine) -> None:
    _user(engine, "j.smith")
    with pytest.raises(AccountError, match="already"):
        _user(engine, "J.Smith")


def test_a_session_lasts_a_shift_and_ends_when_the_role_changes(engine: Engine) -> None:
    user = _user(engine)
    start = dt.datetime(2026, 11, 26, 8, 0)
    result = authenticate(engine=engine, username="j.smith", password=PASSWORD, address="10.0.0.1", now=start)
    assert (
        session_user(engine=engine, secret=result.session_secret, now=start + dt.timedelta(hours=9))
        is not None
    )
    assert (
        session_user(engine=engine, secret=result.session_secret, now=start + dt.timedelta(hours=11)) is None
    )
    again = authenticate(engine=engine, username="j.smith", password=PASSWORD, address="10.0.0.1")
    update_user(engine=engine, user_id=user.id, role="partner_viewer")
    assert session_user(engine=engine, secret=again.session_secret) is None


def test_a_new_password_ends_sessions_and_the_old_one_stops_working(engine: Engine) -> None:
    user = _user(engine)
    result = authenticate(engine=engine, username="j.smith", password=PASSWORD, address="a")
    set_password(engine=engine, user_id=user.id, password="another long password")
    assert session_user(engine=engine, secret=result.session_secret) is None
    with pytest.raises(SignInRefused):
        authenticate(engine=engine, username="j.smith", password=PASSWORD, address="a")
    assert authenticate(engine=engine, username="j.smith", password="another long password", address="a")


def test_an_inactive_user_cannot_sign_in_or_use_a_token(engine: Engine) -> None:
    user = _user(engine)
    token = issue_token(engine=engine, user_id=user.id, name="feed")
    assert token_user(engine=engine, token=token) is not None
    update_user(engine=engine, user_id=user.id, active=False)
    assert token_user(engine=engine, token=token) is None
    with pytest.raises(SignInRefused):
        authenticate(engine=engine, username="j.smith", password=PASSWORD, address="a")


def test_tokens_are_kept_as_hashes_and_can_be_revoked(engine: Engine) -> None:
    user = _user(engine)
    token = issue_token(engine=engine, user_id=user.id, name="feed")
    with engine.connect() as conn:
        row = conn.execute(select(ApiToken.id, ApiToken.token_hash)).one()
    assert token not in row.token_hash
    revoke_token(engine=engine, token_id=row.id)
    assert token_user(engine=engine, token=token) is None


def test_too_many_failures_from_one_address_stop_every_name(engine: Engine) -> None:
    _user(engine)
    now = dt.datetime(2026, 11, 26, 9, 0)
    for i in range(20):
        with pytest.raises(SignInRefused):
            authenticate(engine=engine, username=f"guess{i}", password="x", address="10.9.9.9", now=now)
    with pytest.raises(SignInRefused) as refused:
        authenticate(engine=engine, username="j.smith", password=PASSWORD, address="10.9.9.9", now=now)
    assert refused.value.limited
    later = now + dt.timedelta(minutes=16)
    assert authenticate(engine=engine, username="j.smith", password=PASSWORD, address="10.9.9.9", now=later)


def test_old_attempts_and_expired_sessions_are_forgotten_at_the_next_sign_in(engine: Engine) -> None:
    _user(engine)
    day = dt.datetime(2026, 11, 20, 9, 0)
    with pytest.raises(SignInRefused):
        authenticate(engine=engine, username="j.smith", password="wrong", address="10.0.0.2", now=day)
    old = authenticate(engine=engine, username="j.smith", password=PASSWORD, address="10.0.0.2", now=day)
    later = day + dt.timedelta(hours=12)  # the first session has expired; attempts are half a day old
    kept = authenticate(engine=engine, username="j.smith", password=PASSWORD, address="10.0.0.2", now=later)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SignInAttempt)).scalar_one() == 3
        sessions = set(conn.execute(select(WebSession.id)).scalars())
    assert len(sessions) == 1  # the expired one is gone
    assert session_user(engine=engine, secret=kept.session_secret, now=later) is not None
    # deleted, not just expired: not even at a time it was valid
    assert session_user(engine=engine, secret=old.session_secret, now=day) is None
    next_week = day + dt.timedelta(days=7)
    authenticate(engine=engine, username="j.smith", password=PASSWORD, address="10.0.0.2", now=next_week)
    with engine.connect() as conn:
        attempts = conn.execute(select(SignInAttempt.at)).scalars().all()
    assert attempts == [next_week]  # only the day's own attempt is left
