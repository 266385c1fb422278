"""The case flow in the browser's pages and the API: a police analyst opens a case and sets an
action for fire; a fire officer sees and updates it; a voluntary-sector user cannot open the case
(404, exactly as an unknown id); forged forms change nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from saferhub.store.audit_models import AuditEntry
from saferhub.store.tasking_models import Action, Case, CaseNote
from saferhub.tasking.records import london_today
from web.conftest import Browser

SECRET_TITLE = "Exploitation at Flat 9 Quarry Road"


def rows(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def changes(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        found = conn.execute(
            select(AuditEntry.what).where(AuditEntry.action == "change").order_by(AuditEntry.id)
        )
        return [json.loads(r.what) for r in found]


def open_case(analyst: Browser, **fields: str) -> int:
    form = {
        "kind": "problem",
        "title": "ASB around the precinct",
        "summary": "Groups gathering",
        "stage": "analysis",
        "risk": "high",
        "owner_agency": "police",
        "owner_user": "",
    } | fields
    answer = analyst.post_form("/cases", form)
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def set_action(analyst: Browser, case_id: int, agency: str = "fire", user: str = "") -> None:
    due = (london_today() - dt.timedelta(days=2)).isoformat()
    answer = analyst.post_form(
        f"/cases/{case_id}/actions",
        {
            "title": "Home fire safety visit",
            "detail": "Check alarms",
            "assigned_agency": agency,
            "assigned_user": user,
            "due_on": due,
        },
    )
    assert answer.status_code == 303, answer.text


def test_the_case_flow(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    analyst = browser_as("police", "analyst")
    fire = browser_as("fire", "officer")
    case_id = open_case(analyst)
    page = analyst.client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "ASB around the precinct" in page.text and "Analysis" in page.text and "High risk" in page.text
    assert analyst.post_form(f"/cases/{case_id}/notes", {"text": "Met the residents"}).status_code == 303
    set_action(analyst, case_id, user=fire.user.username)
    listed = analyst.client.get("/cases").text
    assert f'href="/cases/{case_id}"' in listed and "1 overdue" in listed

    # The fire officer sees the action on their actions page, overdue, and the case (shared).
    mine = fire.client.get("/actions").text
    assert "Home fire safety visit" in mine and re.search(r'id="count-overdue">1<', mine)
    assert "2 days overdue" in mine
    action_id = int(re.search(r'action="/actions/(\d+)"', mine)[1])  # type: ignore[index]
    updated = fire.post_form(
        f"/actions/{action_id}", {"status": "done", "outcome": "Alarms fitted", "back": "/actions"}
    )
    assert updated.status_code == 303 and updated.headers["location"] == "/actions"
    with web_engine.connect() as conn:
        action = conn.execute(select(Action.status, Action.outcome, Action.completed_at)).one()
    assert action.status == "done" and action.outcome == "Alarms fitted" and action.completed_at is not None
    assert "Alarms fitted" in analyst.client.get(f"/cases/{case_id}").text
    assert "Home fire safety visit" not in fire.client.get("/actions").text  # finished: hidden by default
    assert "Home fire safety visit" in fire.client.get("/actions", params={"finished": "yes"}).text

    # The owner moves the case on; the log, stage and status change, each audited.
    assert (
        analyst.post_form(
            f"/cases/{case_id}", {"stage": "response", "risk": "medium", "status": "open"}
        ).status_code
        == 303
    )
    after = analyst.client.get(f"/cases/{case_id}").text
    assert "Response" in after and "Medium risk" in after and "Met the residents" in after
    kinds = [(c["object"], c["change"]) for c in changes(web_engine)]
    assert kinds == [
        ("case", "create"),
        ("case", "log_entry"),
        ("action", "create"),
        ("action", "update"),
        ("case", "update"),
    ]


def test_htmx_update_swaps_the_row(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    analyst = browser_as("police", "analyst")
    case_id = open_case(analyst)
    set_action(analyst, case_id)
    fire = browser_as("fire", "officer")
    action_id = int(re.search(r'action="/actions/(\d+)"', fire.client.get("/actions").text)[1])  # type: ignore[index]
    answer = fire.client.post(
        f"/actions/{action_id}",
        data={"status": "in_progress", "outcome": "Booked for Tuesday"},
        headers={"HX-Request": "true", "X-CSRF-Token": fire.csrf},
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith(f'<div id="action-{action_id}-update"') and "Saved" in answer.text
    assert "<html" not in answer.text
    wrong = fire.client.post(
        f"/actions/{action_id}",
        data={"status": "finished"},
        headers={"HX-Request": "true", "X-CSRF-Token": fire.csrf},
    )
    assert wrong.headers["HX-Retarget"] == f"#action-{action_id}-message" and "action status" in wrong.text


def test_a_voluntary_sector_user_cannot_open_the_case(
    browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    analyst = browser_as("police", "analyst")
    case_id = open_case(analyst, title=SECRET_TITLE)
    set_action(analyst, case_id, agency="third_sector")
    vcs = browser_as("third_sector", "officer")
    hidden = vcs.client.get(f"/cases/{case_id}")
    unknown = vcs.client.get("/cases/999999")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.text == unknown.text
    assert SECRET_TITLE not in hidden.text and SECRET_TITLE not in vcs.client.get("/cases").text
    api_hidden = vcs.client.get(f"/api/cases/{case_id}")
    api_unknown = vcs.client.get("/api/cases/999999")
    assert (
        api_hidden.status_code == api_unknown.status_code == 404 and api_hidden.json() == api_unknown.json()
    )
    # The action set for them is theirs to see and update, with the case reference but no link or detail.
    mine = vcs.client.get("/actions").text
    assert "Home fire safety visit" in mine and "Case not shared with your agency" in mine
    assert f'href="/cases/{case_id}"' not in mine and "Check alarms" not in mine and SECRET_TITLE not in mine
    action_id = int(re.search(r'action="/actions/(\d+)"', mine)[1])  # type: ignore[index]
    assert vcs.post_form(f"/actions/{action_id}", {"status": "in_progress", "outcome": ""}).status_code == 303
    # Writing to the case they cannot see: 404 as well, and nothing written.
    notes_before = rows(web_engine, CaseNote)
    assert vcs.post_form(f"/cases/{case_id}/notes", {"text": "hello"}).status_code == 404
    assert rows(web_engine, CaseNote) == notes_before


def test_a_partner_of_another_agency_reads_but_cannot_change(
    browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    analyst = browser_as("police", "analyst")
    case_id = open_case(analyst)
    council = browser_as("council", "analyst")
    page = council.client.get(f"/cases/{case_id}").text
    assert "ASB around the precinct" in page and "Change the case" not in page and "Set an action" not in page
    assert council.post_form(f"/cases/{case_id}", {"risk": "low"}).status_code == 403
    viewer = browser_as("police", "partner_viewer")
    assert viewer.client.get(f"/cases/{case_id}").status_code == 200
    assert viewer.post_form(f"/cases/{case_id}/notes", {"text": "x"}).status_code == 403
    assert viewer.client.get("/cases/new").status_code == 403
    with web_engine.connect() as conn:
        assert conn.execute(select(Case.risk)).scalar_one() == "high"
    assert browser_as("council", "auditor").client.get("/cases").status_code == 403


@pytest.mark.parametrize("token", [None, "forged"])
def test_forged_case_forms_change_nothing(
    browser_as: Callable[..., Browser], web_engine: Engine, token: str | None
) -> None:
    analyst = browser_as("police", "analyst")
    case_id = open_case(analyst)
    before = changes(web_engine)
    extra = {"csrf_token": token} if token else {}
    posts = {
        "/cases": {"kind": "problem", "title": "Forged", "risk": "low"},
        f"/cases/{case_id}": {"risk": "low"},
        f"/cases/{case_id}/notes": {"text": "forged"},
        f"/cases/{case_id}/actions": {"title": "x", "assigned_agency": "fire", "due_on": "2030-01-01"},
    }
    for path, data in posts.items():
        assert analyst.client.post(path, data=data | extra).status_code == 403, path
    assert rows(web_engine, Case) == 1 and rows(web_engine, CaseNote) == 0 and rows(web_engine, Action) == 0
    assert changes(web_engine) == before


def test_form_mistakes_are_explained(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    analyst = browser_as("police", "analyst")
    no_title = analyst.post_form("/cases", {"kind": "problem", "title": " "})
    assert no_title.status_code == 400 and "Give the case a title" in no_title.text
    case_id = open_case(analyst)
    no_date = analyst.post_form(
        f"/cases/{case_id}/actions", {"title": "Visit", "assigned_agency": "fire", "due_on": ""}
    )
    assert no_date.status_code == 400 and "date the action is due" in no_date.text
    fire_officer = browser_as("fire", "officer")
    wrong_agency = analyst.post_form(
        f"/cases/{case_id}/actions",
        {
            "title": "Visit",
            "assigned_agency": "council",
            "assigned_user": fire_officer.user.username,
            "due_on": "2030-01-01",
        },
    )
    assert wrong_agency.status_code == 400 and rows(web_engine, Action) == 0


def test_the_api_twins(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    analyst = browser_as("police", "analyst")
    headers = {"X-CSRF-Token": analyst.csrf}
    made = analyst.client.post(
        "/api/cases",
        json={"kind": "person", "title": "Frequent caller", "subtype": "frequent_caller"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["reference"].startswith("CASE-") and case["owner_agency"] == "police"
    action = analyst.client.post(
        f"/api/cases/{case['id']}/actions",
        headers=headers,
        json={"title": "Welfare visit", "assigned_agency": "ambulance", "due_on": "2030-01-01"},
    )
    assert action.status_code == 201 and action.json()["access"] == "full"
    assert (
        analyst.client.post("/api/cases", json={"kind": "problem", "title": "x"}).status_code == 403
    )  # no CSRF
    ambulance = browser_as("ambulance", "officer")
    listed = ambulance.client.get("/api/actions").json()
    assert [a["title"] for a in listed] == ["Welfare visit"]
    done = ambulance.client.patch(
        f"/api/actions/{listed[0]['id']}",
        json={"status": "done", "outcome": "Seen"},
        headers={"X-CSRF-Token": ambulance.csrf},
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    detail = analyst.client.get(f"/api/cases/{case['id']}").json()
    assert detail["actions"][0]["outcome"] == "Seen" and detail["may_change"] is True
    assert [c["id"] for c in analyst.client.get("/api/cases").json()] == [case["id"]]


def test_ids_too_large_for_the_store_are_refused_not_crashed(browser_as) -> None:  # type: ignore[no-untyped-def]
    me = browser_as("police", "analyst")
    for path in ("/cases/99999999999999999999", "/imports/99999999999999999999"):
        answer = me.client.get(path)
        assert answer.status_code == 422, (path, answer.status_code)
        assert "99999999999999999999" not in answer.text
