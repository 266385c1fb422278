"""Admin pages: only hub admins, forged forms change nothing, every change audited, tokens shown once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from saferhub.accounts import get_user, token_user
from saferhub.store.audit_models import AuditEntry
from web.conftest import Browser

ADMIN_PAGES = ("/admin", "/admin/users", "/admin/agencies", "/admin/sharing")


def audit_entries(engine: Engine, action: str | None = None) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [
        {"actor": r.actor, "action": r.action, "what": json.loads(r.what), "agency": r.agency}
        for r in rows
        if action is None or r.action == action
    ]


@pytest.mark.parametrize("role", ["analyst", "officer", "partner_viewer", "auditor"])
def test_admin_pages_refuse_everyone_but_hub_admins(browser_as: Callable[..., Browser], role: str) -> None:
    browser = browser_as("police", role)
    for path in ADMIN_PAGES:
        assert browser.client.get(path).status_code == 403, path
    answer = browser.post_form(
        "/admin/users",
        {"username": "x.y", "display_name": "X", "agency": "fire", "role": "hub_admin", "password": "p" * 20},
    )
    assert answer.status_code == 403


def test_admin_pages_open_for_a_hub_admin(browser_as: Callable[..., Browser]) -> None:
    admin = browser_as("council", "hub_admin")
    for path in ADMIN_PAGES:
        page = admin.client.get(path)
        assert page.status_code == 200, path
    agencies = admin.client.get("/admin/agencies").text
    assert "Merseyside Fire and Rescue Service" in agencies and "partner viewer" in agencies
    sharing = admin.client.get("/admin/sharing").text
    assert "SAFERHUB_SHARING_FILE" in sharing  # says how it is changed
    assert "Crime and Disorder Act" in sharing  # the rules with their basis
    decisions = admin.client.get("/admin/sharing", params={"agency": "third_sector", "role": "analyst"}).text
    assert "What Voluntary and community sector partners (analyst) sees" in decisions


def test_a_hub_admin_adds_and_changes_a_user_and_each_change_is_audited(
    browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    admin = browser_as("council", "hub_admin")
    form = {
        "username": "f.officer",
        "display_name": "Fiona Officer",
        "email": "",
        "agency": "fire",
        "role": "officer",
        "password": "a perfectly long password",
    }
    answer = admin.post_form("/admin/users", form)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/users?done=added"
    user = get_user(engine=web_engine, username="f.officer")
    assert user is not None and (user.agency, user.role, user.active) == ("fire", "officer", True)
    assert "f.officer" in admin.client.get("/admin/users").text

    # The same name again, an unknown agency, a short password: refused with the reason.
    assert "already a user" in admin.post_form("/admin/users", form).text
    assert (
        "unknown agency" in admin.post_form("/admin/users", {**form, "username": "b.c", "agency": "mi5"}).text
    )
    short = admin.post_form("/admin/users", {**form, "username": "c.d", "password": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.text

    changed = admin.post_form(
        f"/admin/users/{user.id}", {"agency": "fire", "role": "analyst", "active": "no"}
    )
    assert changed.status_code == 303
    after = get_user(engine=web_engine, user_id=user.id)
    assert after is not None and (after.role, after.active) == ("analyst", False)

    reset = admin.post_form(f"/admin/users/{user.id}/password", {"password": "n" * 14, "confirm": "n" * 14})
    assert reset.status_code == 303

    changes = [e["what"] for e in audit_entries(web_engine, "change")]
    assert {
        "object": "users",
        "change": "create",
        "user_ids": [user.id],
        "agency": "fire",
        "role": "officer",
    } in changes
    assert {
        "object": "users",
        "change": "update",
        "user_ids": [user.id],
        "fields": ["role", "active"],
    } in changes
    assert {"object": "users", "change": "password", "user_ids": [user.id]} in changes
    # No name, e-mail or password in the log.
    with web_engine.connect() as conn:
        everything = " ".join(r.what for r in conn.execute(select(AuditEntry.what)))
    assert "Fiona" not in everything and "perfectly" not in everything


def test_an_admin_cannot_lock_themselves_out(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    admin = browser_as("council", "hub_admin")
    answer = admin.post_form(
        f"/admin/users/{admin.user.id}", {"agency": "council", "role": "officer", "active": "yes"}
    )
    assert answer.status_code == 400 and "ask another hub admin" in answer.text
    same = get_user(engine=web_engine, user_id=admin.user.id)
    assert same is not None and same.role == "hub_admin"


def test_forged_admin_forms_change_nothing(
    browser_as: Callable[..., Browser], web_engine: Engine, make_user
) -> None:  # type: ignore[no-untyped-def]
    admin = browser_as("council", "hub_admin")
    victim = make_user("fire", "officer")
    for token in (None, "not-the-token"):
        data = {"agency": "police", "role": "hub_admin", "active": "yes"}
        if token is not None:
            data["csrf_token"] = token
        assert admin.client.post(f"/admin/users/{victim.id}", data=data).status_code == 403
        data = {
            "username": "evil",
            "display_name": "E",
            "agency": "police",
            "role": "hub_admin",
            "password": "p" * 20,
            **({"csrf_token": token} if token else {}),
        }
        assert admin.client.post("/admin/users", data=data).status_code == 403
        assert admin.client.post(f"/admin/users/{victim.id}/tokens", data={"name": "x"}).status_code == 403
    still = get_user(engine=web_engine, user_id=victim.id)
    assert still is not None and (still.agency, still.role) == ("fire", "officer")
    assert get_user(engine=web_engine, username="evil") is None
    assert audit_entries(web_engine, "change") == []


def test_an_api_token_is_shown_once_works_and_can_be_revoked(
    browser_as: Callable[..., Browser],
    web_engine: Engine,
    make_user,
    client,  # type: ignore[no-untyped-def]
) -> None:
    admin = browser_as("council", "hub_admin")
    integration = make_user("police", "analyst")
    made = admin.post_form(f"/admin/users/{integration.id}/tokens", {"name": "nightly export"})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    found = re.search(r'id="new-token">(shub_[A-Za-z0-9_\-]+)<', made.text)
    assert found is not None
    token = found[1]
    assert token_user(engine=web_engine, token=token) == get_user(engine=web_engine, user_id=integration.id)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["agency"] == "police"
    # Shown once: the user's page lists the token by name only.
    page = admin.client.get(f"/admin/users/{integration.id}").text
    assert "nightly export" in page and token not in page
    token_id = int(re.search(r"/tokens/(\d+)/revoke", page)[1])  # type: ignore[index]
    assert admin.post_form(f"/admin/users/{integration.id}/tokens/{token_id}/revoke", {}).status_code == 303
    assert token_user(engine=web_engine, token=token) is None
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    kinds = [(e["what"]["object"], e["what"]["change"]) for e in audit_entries(web_engine, "change")]
    assert kinds == [("api_tokens", "create"), ("api_tokens", "revoke")]
