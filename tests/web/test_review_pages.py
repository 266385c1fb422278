"""The review queue of uncertain links in the page and the API, on the seeded hub: analysts see
pairs side by side and decide with a reason; officers and partners get 403; a forged decision
(no or a wrong CSRF token) is refused and stores nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from saferhub.store.people_models import PersonLinkDecision, PersonReviewPair
from web.hub_fixture import SeededHub, seeded_hub_once
from web.profile_clients import (
    api,
    audit_since,
    last_audit_id,
    signed_in,
)

PAIR = re.compile(r'name="pair_id" value="(\d+)"')


@pytest.fixture(scope="module")
def hub() -> SeededHub:
    return seeded_hub_once()


def _count(hub: SeededHub, table: type) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_queue_for_an_analyst(hub: SeededHub) -> None:
    before = last_audit_id(hub)
    page = signed_in(hub, "police", "analyst").client.get("/review")
    assert page.status_code == 200
    pairs = PAIR.findall(page.text)
    queue = api(hub, "police", "analyst").get("/api/review", params={"limit": 10}).json()
    assert [int(p) for p in pairs] == [item["pair_id"] for item in queue["items"]]
    assert queue["total"] >= len(pairs) > 0, "the seeded hub queues no pairs to review"
    assert "First record" in page.text and "Second record" in page.text and 'name="why"' in page.text
    entries = audit_since(hub, before)
    views = [w for _, act, w in entries if act == "view" and w.get("purpose") == "review_queue"]
    assert views and views[0]["pair_ids"] == [int(p) for p in pairs]


def test_only_admins_and_analysts_review(hub: SeededHub) -> None:
    for agency, role in (("police", "officer"), ("police", "partner_viewer"), ("police", "auditor")):
        assert signed_in(hub, agency, role).client.get("/review").status_code == 403, role
        assert api(hub, agency, role).get("/api/review").status_code == 403, role
    assert signed_in(hub, "police", "hub_admin").client.get("/review").status_code == 200


def test_a_forged_decision_stores_nothing(hub: SeededHub) -> None:
    analyst = signed_in(hub, "police", "analyst")
    pair = PAIR.findall(analyst.client.get("/review").text)[-1]
    decisions, queued = _count(hub, PersonLinkDecision), _count(hub, PersonReviewPair)
    form = {"pair_id": pair, "decision": "same", "why": "forged"}
    for token in (None, "not-the-token"):
        data = form if token is None else {**form, "csrf_token": token}
        answer = analyst.client.post("/review", data=data)
        assert answer.status_code == 403
    json_forged = analyst.client.post("/api/review/decisions", json={"pair_id": int(pair), "same": True})
    assert json_forged.status_code == 403
    assert _count(hub, PersonLinkDecision) == decisions and _count(hub, PersonReviewPair) == queued


def test_a_decision_is_recorded_with_its_reason(hub: SeededHub) -> None:
    analyst = signed_in(hub, "police", "analyst")
    pair = PAIR.findall(analyst.client.get("/review").text)[-1]
    decisions = _count(hub, PersonLinkDecision)
    before = last_audit_id(hub)
    answer = analyst.post_form("/review", {"pair_id": pair, "decision": "different", "why": "different DOB"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/review?decided=different&pair={pair}"
    assert _count(hub, PersonLinkDecision) == decisions + 1
    changes = [w for _, act, w in audit_since(hub, before) if act == "change"]
    assert changes == [changes[0]] and changes[0]["pair_id"] == int(pair)
    assert changes[0]["decision"] == "different"
    again = analyst.post_form("/review", {"pair_id": pair, "decision": "same"})
    assert again.status_code == 404  # no longer queued
