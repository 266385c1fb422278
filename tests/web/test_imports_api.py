"""Imports through the API: a partner system sends its export with a token, gets the counts
(adding up), the quarantined rows by line and reason, and a refused file changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from saferhub.accounts import issue_token
from saferhub.store import Event, ImportRun
from web.conftest import Browser
from web.test_imports_pages import GOOD_FILE, audit, count


def integration(app: FastAPI, engine: Engine, browser: Browser) -> TestClient:
    """A client that authenticates as an integration does: a bearer token, no cookie."""
    token = issue_token(engine=engine, user_id=browser.user.id, name="nightly export")
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def send(client: TestClient, feed: str, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post("/api/imports", data={"feed": feed}, files={"file": (name, content, "text/csv")})


def test_a_partner_system_sends_a_file_and_reads_what_became_of_it(
    app: FastAPI, browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    client = integration(app, web_engine, browser_as("police", "analyst"))
    answer = send(client, "calls", "calls may.csv", GOOD_FILE)
    assert answer.status_code == 201, answer.text
    run = answer.json()
    assert (run["read"], run["imported"], run["updated"], run["quarantined"]) == (4, 3, 0, 1)
    assert run["read"] == run["imported"] + run["updated"] + run["quarantined"]
    assert run["file_name"] == "calls-may.csv" and run["started_at"].endswith("Z")
    assert count(web_engine, Event) == 3
    details = client.get(f"/api/imports/{run['id']}").json()
    assert [(r["line"], r["fields"]["caller_first_name"]) for r in details["rows"]] == [(4, "Zebedee")]
    assert any("received_at" in reason for reason in details["rows"][0]["reasons"])
    assert [r["id"] for r in client.get("/api/imports").json()] == [run["id"]]

    again = send(client, "calls", "calls may.csv", GOOD_FILE).json()  # idempotent
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 3, 3)
    assert count(web_engine, Event) == 3
    assert client.get("/api/imports/999").status_code == 404

    # Another agency's analyst sees the line and reasons, not the row as sent.
    fire = integration(app, web_engine, browser_as("fire", "analyst"))
    row = fire.get(f"/api/imports/{run['id']}").json()["rows"][0]
    assert row["fields"] is None and row["line"] == 4
    assert "Zebedee" not in fire.get(f"/api/imports/{run['id']}").text


def test_a_refused_file_or_feed_changes_nothing(
    app: FastAPI, browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    client = integration(app, web_engine, browser_as("council", "hub_admin"))
    bad = send(client, "calls", "wrong.csv", b"who,what\nAnnabel,something\n")
    assert bad.status_code == 400
    detail = bad.json()["detail"]
    assert "\n" not in detail and "wrong.csv" in detail and "refused" in detail and "Annabel" not in detail
    assert send(client, "calls", "empty.csv", b"").status_code == 400
    assert send(client, "no-such-feed", "calls.csv", GOOD_FILE).status_code == 400
    assert count(web_engine, ImportRun) == 0 and count(web_engine, Event) == 0
    assert {"feed": "calls", "refused": True} in audit(web_engine, "import")


def test_only_importers_and_never_a_forged_browser_request(
    app: FastAPI, browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    officer = integration(app, web_engine, browser_as("police", "officer"))
    assert send(officer, "calls", "calls.csv", GOOD_FILE).status_code == 403
    assert officer.get("/api/imports").status_code == 403
    analyst = browser_as("police", "analyst")  # a browser session needs its CSRF token
    assert send(analyst.client, "calls", "calls.csv", GOOD_FILE).status_code == 403
    answer = analyst.client.post(
        "/api/imports",
        data={"feed": "calls"},
        files={"file": ("calls.csv", GOOD_FILE, "text/csv")},
        headers={"X-CSRF-Token": analyst.csrf},
    )
    assert answer.status_code == 201
    assert count(web_engine, ImportRun) == 1
