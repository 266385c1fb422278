"""The place profile in the page and the API, on the seeded hub: the police see the planted
call at its place with the residents linked to their profiles; a voluntary-sector user gets
404 exactly as for an unknown place; a place is found by postcode through the POST search."""

from __future__ import annotations

import pytest

from web.hub_fixture import POLICE_CALL_ID, POLICE_CALL_TEXT, SeededHub, seeded_hub_once
from web.profile_clients import (
    api,
    audit_since,
    last_audit_id,
    signed_in,
)


@pytest.fixture(scope="module")
def hub() -> SeededHub:
    return seeded_hub_once()


def test_place_profile_for_the_police(hub: SeededHub) -> None:
    police = signed_in(hub, "police", "analyst")
    before = last_audit_id(hub)
    page = police.client.get(f"/places/{hub.place_id}")
    assert page.status_code == 200
    assert POLICE_CALL_ID in page.text and POLICE_CALL_TEXT in page.text
    assert "Incidents here" in page.text and "People who live here" in page.text
    entries = audit_since(hub, before)
    views = [w for _, act, w in entries if act == "view" and w.get("purpose") == "place_profile"]
    assert len(views) == 1 and hub.event_id in views[0]["event_ids"]
    body = api(hub, "police", "analyst").get(f"/api/places/{hub.place_id}").json()
    for resident in body["residents"]:
        assert f'href="/people/{resident["person_id"]}"' in page.text
    if body["latitude"] is not None:
        assert 'data-module="app-place-map"' in page.text
        assert "/static/js/place-map.js" in page.text


def test_place_found_by_postcode(hub: SeededHub) -> None:
    body = api(hub, "police", "analyst").get(f"/api/places/{hub.place_id}").json()
    assert body["place_id"] == hub.place_id
    if not body["postcode"]:
        return
    found = signed_in(hub, "police", "analyst").post_form("/search", {"query": body["postcode"]})
    assert found.status_code == 200 and f'href="/places/{hub.place_id}"' in found.text
    answer = api(hub, "police", "analyst").post("/api/places/search", json={"query": body["postcode"]})
    assert hub.place_id in [p["place_id"] for p in answer.json()["places"]]


def test_voluntary_sector_gets_404_for_the_place(hub: SeededHub) -> None:
    voluntary = signed_in(hub, "third_sector", "officer")
    page = voluntary.client.get(f"/places/{hub.place_id}")
    unknown = voluntary.client.get("/places/PL99999999")
    assert page.status_code == unknown.status_code == 404 and page.text == unknown.text
    assert api(hub, "third_sector", "officer").get(f"/api/places/{hub.place_id}").status_code == 404
