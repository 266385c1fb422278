"""Signing in and out, sessions, CSRF, security headers and API tokens."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.web.conftest import PASSWORD, Browser, sign_in

from saferhub.access import recent, verify
from saferhub.accounts import UserView, issue_token
from saferhub.store.account_models import WebSession


def test_pages_send_a_stranger_to_sign_in(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in"


def test_signing_in_opens_the_home_page_and_is_logged(
    client: TestClient, make_user: Callable[..., UserView], web_engine: Engine
) -> None:
    user = make_user("fire", "officer", display_name="Fiona Fireofficer")
    answer = sign_in(client, user.username)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert "Fiona Fireofficer" in home.text
    entries = recent(web_engine, last=5).to_dicts()
    assert any(e["action"] == "sign_in" and e["actor"] == user.username for e in entries)
    assert verify(web_engine).ok


def test_cookies_are_secure_unless_the_settings_say_local_http(app, make_user) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = app.state.settings.model_copy(update={"secure_cookies": True})
    user = make_user("police", "analyst")
    with TestClient(app, follow_redirects=False, base_url="https://testserver") as secure:
        answer = sign_in(secure, user.username)
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


def test_a_wrong_password_says_nothing_about_which_part_was_wrong(
    client: TestClient, make_user: Callable[..., UserView]
) -> None:
    user = make_user("police", "analyst")
    wrong_password = sign_in(client, user.username, "not the password at all")
    unknown_user = sign_in(client, "nobody.here", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "user name or password is not right" in wrong_password.text
    assert "user name or password is not right" in unknown_user.text
    assert client.get("/").status_code == 303  # still not signed in


def test_guessing_is_stopped_after_five_failures_even_with_the_right_password(
    client: TestClient, make_user: Callable[..., UserView]
) -> None:
    user = make_user("council", "officer")
    for _ in range(5):
        assert sign_in(client, user.username, "wrong guess number").status_code == 401
    blocked = sign_in(client, user.username, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text


def test_the_sign_in_form_needs_its_own_token(client: TestClient, make_user: Callable[..., UserView]) -> None:
    user = make_user("police", "officer")
    client.get("/sign-in")
    forged = client.post(
        "/sign-in", data={"username": user.username, "password": PASSWORD, "csrf_token": "x"}
    )
    assert forged.status_code == 400
    assert client.get("/").status_code == 303


def test_sign_out_needs_the_csrf_token_and_ends_the_session(
    browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    me = browser_as("police", "analyst")
    forged = me.client.post("/sign-out", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert me.client.get("/").status_code == 200  # still signed in
    done = me.post_form("/sign-out", {})
    assert done.status_code == 303
    with web_engine.connect() as conn:
        assert conn.execute(select(WebSession.id).where(WebSession.user_id == me.user.id)).first() is None
    assert me.client.get("/").status_code == 303


def test_every_page_carries_the_security_headers(browser_as: Callable[..., Browser]) -> None:
    me = browser_as("police", "analyst")
    for path in ("/", "/sign-in", "/no-such-page"):
        headers = me.client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_the_api_wants_a_token(
    client: TestClient, make_user: Callable[..., UserView], web_engine: Engine
) -> None:
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Bearer shub_made_up"}).status_code == 401
    user = make_user("fire", "analyst")
    token = issue_token(engine=web_engine, user_id=user.id, name="test integration")
    answer = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json() == {
        "username": user.username,
        "display_name": user.display_name,
        "agency": "fire",
        "role": "analyst",
    }


def test_the_openapi_schema_and_its_docs_need_no_cdn(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    assert "/api/me" in schema["paths"]
    docs = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
