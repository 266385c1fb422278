"""Search and the person profile in the pages and the API, on the seeded hub: a police analyst
finds the planted frequent caller (ground truth from the generator) by a POST, opens their
profile with the planted police call on it; a voluntary-sector user gets 404 by page and API
exactly as for an unknown id; no name is ever in an address; each look is in the audit log."""

from __future__ import annotations

import pytest

from saferhub.access import ROLES
from web.hub_fixture import (
    INTEL_C_ID,
    INTEL_C_TEXT,
    POLICE_CALL_ID,
    POLICE_CALL_TEXT,
    SeededHub,
    seeded_hub_once,
)
from web.profile_clients import (
    addresses_in,
    api,
    audit_since,
    last_audit_id,
    signed_in,
)


@pytest.fixture(scope="module")
def hub() -> SeededHub:
    return seeded_hub_once()


def _names(hub: SeededHub) -> list[str]:
    person = hub.frequent_caller
    return [person.first_name.lower(), person.last_name.lower(), person.phone, person.dob]


def test_search_by_post_finds_the_planted_caller(hub: SeededHub) -> None:
    person = hub.frequent_caller
    police = signed_in(hub, "police", "analyst")
    form = police.client.get("/search")
    assert form.status_code == 200 and 'method="post" action="/search"' in form.text
    before = last_audit_id(hub)
    found = police.post_form("/search", {"query": f"{person.first_name} {person.last_name}"})
    assert found.status_code == 200
    assert f'href="/people/{person.person_id}"' in found.text
    assert "<html" in found.text  # without JavaScript the whole page comes back
    searches = [w for a, act, w in audit_since(hub, before) if act == "search" and a == "police"]
    assert any(w.get("purpose") == "search_people" and person.person_id in w["person_ids"] for w in searches)
    # A name cannot be an address: places are not searched (nor logged as searched), and the
    # page says so rather than "no places found".
    assert not any(w.get("purpose") == "search_places" for w in searches)
    assert "Places were not searched" in found.text and "No places found" not in found.text
    # The request went to /search with the name in its body: no address on the page carries it.
    assert str(found.url).endswith("/search")
    for address in addresses_in(found.text):
        assert not any(name in address.lower() for name in _names(hub)), address


def test_search_by_date_of_birth_and_htmx_fragment(hub: SeededHub) -> None:
    person = hub.frequent_caller
    police = signed_in(hub, "police", "analyst")
    query = f"{person.last_name} {person.dob}"
    fragment = police.post_form("/search", {"query": query}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and f"/people/{person.person_id}" in fragment.text
    empty = police.post_form("/search", {"query": "  "})
    assert empty.status_code == 400 and "govuk-error-summary" in empty.text


def test_profile_shows_the_police_their_events(hub: SeededHub) -> None:
    person = hub.frequent_caller
    police = signed_in(hub, "police", "analyst")
    before = last_audit_id(hub)
    page = police.client.get(f"/people/{person.person_id}")
    assert page.status_code == 200
    assert POLICE_CALL_ID in page.text and POLICE_CALL_TEXT in page.text
    assert INTEL_C_TEXT in page.text  # police-only intelligence, and this is the police
    assert "Frequent caller" in page.text
    assert person.last_name.lower() in page.text.lower()  # the page names them ...
    title = page.text.split("<title>")[1].split("</title>")[0]
    assert person.last_name.lower() not in title.lower()  # ... but not in the tab (browser history)
    assert f'href="/cases/new?person={person.person_id}"' in page.text
    if hub.case_id is not None:
        assert f'href="/cases/{hub.case_id}"' in page.text
    entries = list(audit_since(hub, before))
    views = [w for a, act, w in entries if act == "view" and w.get("purpose") == "person_profile"]
    assert len(views) == 1 and views[0]["person_id"] == person.person_id
    assert hub.event_id in views[0]["event_ids"]
    assert len(entries) == 1  # one look, one entry: the cases and actions shown are in it
    if hub.case_id is not None:
        assert hub.case_id in views[0]["case_ids"]
        assert {hub.fire_action_id, hub.voluntary_action_id} <= set(views[0]["action_ids"])
        assert "Home fire safety visit" in page.text  # the actions are still on the page


def test_council_sees_a_notice_for_police_only_intelligence(hub: SeededHub) -> None:
    person = hub.frequent_caller
    council = signed_in(hub, "council", "analyst")
    page = council.client.get(f"/people/{person.person_id}")
    assert page.status_code == 200
    assert INTEL_C_TEXT not in page.text
    assert INTEL_C_ID in page.text and "Restricted intelligence" in page.text  # shown, not hidden


def test_voluntary_sector_gets_404_by_page_and_api(hub: SeededHub) -> None:
    person = hub.frequent_caller
    voluntary = signed_in(hub, "third_sector", "officer")
    before = last_audit_id(hub)
    page = voluntary.client.get(f"/people/{person.person_id}")
    unknown = voluntary.client.get("/people/PFFFFFFFFFFFF")
    assert page.status_code == unknown.status_code == 404
    assert page.text == unknown.text
    assert person.last_name not in page.text
    answer = api(hub, "third_sector", "officer").get(f"/api/people/{person.person_id}")
    assert answer.status_code == 404 and person.last_name not in answer.text
    denials = [w for a, act, w in audit_since(hub, before) if act == "deny" and a == "third_sector"]
    assert sum(w.get("person_id") == person.person_id for w in denials) == 2  # page and API
    found = voluntary.post_form("/search", {"query": f"{person.first_name} {person.last_name}"})
    assert found.status_code == 200 and person.person_id not in found.text


def test_the_api_twins(hub: SeededHub) -> None:
    person = hub.frequent_caller
    police = api(hub, "police", "analyst")
    found = police.post("/api/people/search", json={"query": f"{person.first_name} {person.last_name}"})
    assert found.status_code == 200
    assert person.person_id in [p["person_id"] for p in found.json()["people"]]
    profile = police.get(f"/api/people/{person.person_id}")
    assert profile.status_code == 200
    body = profile.json()
    assert body["person_id"] == person.person_id
    assert POLICE_CALL_ID in {e["source_id"] for e in body["timeline"]}
    assert police.post("/api/people/search", json={"query": ""}).status_code == 422


def test_who_may_search(hub: SeededHub) -> None:
    for role in ROLES:
        answer = signed_in(hub, "police", role).client.get("/search")
        assert answer.status_code == (403 if role == "auditor" else 200), role
