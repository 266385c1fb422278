"""A working day in headless Chromium, as the hub's partners would use SaferHub.

Sign in; open today's briefing; find the planted frequent caller (ground truth from the
generator) and open their profile; open a case and set an action for the fire service; see
it as a fire service officer; and, as a voluntary-sector user, fail to see intelligence or
police call details, by page and by direct API request.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from web.hub_fixture import (
    CASE_NOTE_TEXT,
    INTEL_C_TEXT,
    INTEL_P_TEXT,
    PASSWORD,
    POLICE_CALL_TEXT,
    SeededHub,
)
from web.live_server import LiveServer, signed_in_page
from web.test_access_matrix import requests_for


def _hidden_in(page: Page, hub: SeededHub, agency: str, role: str) -> list[str]:
    body = page.content().lower()
    return [what for what, value in hub.hidden_from(agency, role).items() if value.lower() in body]


def test_sign_in_and_out(chromium: Browser, live_server: LiveServer, seeded_hub: SeededHub) -> None:
    page = signed_in_page(chromium, live_server, seeded_hub.username("police", "analyst"))
    expect(page.locator(".app-account")).to_contain_text("Signed in as")
    expect(page.locator(".app-account")).to_contain_text("Merseyside Police")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def test_a_wrong_password_is_refused(
    chromium: Browser, live_server: LiveServer, seeded_hub: SeededHub
) -> None:
    page = chromium.new_context(base_url=live_server.url).new_page()
    page.goto("/sign-in")
    page.fill("#username", seeded_hub.username("council", "analyst"))
    page.fill("#password", PASSWORD + " but wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def test_open_todays_briefing(chromium: Browser, live_server: LiveServer, seeded_hub: SeededHub) -> None:
    page = signed_in_page(chromium, live_server, seeded_hub.username("police", "analyst"))
    page.get_by_role("link", name="Briefings", exact=True).first.click()
    title = f"Daily hub briefing for {seeded_hub.today:%A %-d %B %Y}"
    page.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/briefings/daily/{seeded_hub.today.isoformat()}/"))
    # The police pack covers yesterday: the planted police intelligence is in it.
    expect(page.locator("body")).to_contain_text(INTEL_P_TEXT)


def test_find_the_planted_frequent_caller_and_open_their_profile(
    chromium: Browser, live_server: LiveServer, seeded_hub: SeededHub
) -> None:
    person = seeded_hub.frequent_caller
    page = signed_in_page(chromium, live_server, seeded_hub.username("police", "analyst"))
    # On the frequent-callers list (the generator planted them: truth/people.csv) ...
    page.get_by_role("link", name="Demand", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/frequent-callers"))
    page.locator(f'a[href="/people/{person.person_id}"]').first.click()
    expect(page).to_have_url(re.compile(rf"/people/{person.person_id}$"))
    expect(page.locator("h1")).to_contain_text(re.compile(person.last_name, re.IGNORECASE))
    # ... and by searching their name (sent in a form, never in the address).
    page.get_by_role("link", name="Search", exact=True).first.click()
    page.fill("#query", f"{person.first_name} {person.last_name}")
    page.get_by_role("button", name="Search").click()
    result = page.locator(f'#people-results a[href="/people/{person.person_id}"]')
    expect(result).to_be_visible()
    assert person.last_name.lower() not in page.url.lower()
    result.click()
    expect(page).to_have_url(re.compile(rf"/people/{person.person_id}$"))
    expect(page.locator("body")).to_contain_text(POLICE_CALL_TEXT)


def test_open_a_case_and_set_an_action_the_fire_service_sees(
    chromium: Browser, live_server: LiveServer, seeded_hub: SeededHub
) -> None:
    tag = uuid.uuid4().hex[:6]
    title, task = f"Deliberate fires behind the shops {tag}", f"Fit a letterbox guard {tag}"
    page = signed_in_page(chromium, live_server, seeded_hub.username("council", "analyst"))
    page.get_by_role("link", name="Cases", exact=True).first.click()
    page.get_by_role("button", name="Open a case").click()
    page.check("#kind-problem")
    page.fill("#title", title)
    page.get_by_role("button", name="Open case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("h1")).to_contain_text(title)
    page.get_by_text("Set an action for a partner").click()
    page.fill("#action-title", task)
    page.select_option("#assigned_agency", "fire")
    page.fill("#due_on", seeded_hub.today.isoformat())
    page.get_by_role("button", name="Set action").click()
    expect(page.locator("body")).to_contain_text(task)

    fire = signed_in_page(chromium, live_server, seeded_hub.username("fire", "officer"))
    fire.get_by_role("link", name="Actions", exact=True).first.click()
    expect(fire.locator("body")).to_contain_text(task)
    # The ambulance service was not given it.
    ambulance = signed_in_page(chromium, live_server, seeded_hub.username("ambulance", "officer"))
    ambulance.goto("/actions")
    expect(ambulance.locator("body")).not_to_contain_text(task)


def test_the_voluntary_sector_sees_no_intelligence_or_police_calls_by_page(
    chromium: Browser, live_server: LiveServer, seeded_hub: SeededHub
) -> None:
    person = seeded_hub.frequent_caller
    page = signed_in_page(chromium, live_server, seeded_hub.username("third_sector", "officer"))
    problems: dict[str, list[str]] = {}
    answer = page.goto(f"/people/{person.person_id}")
    assert answer is not None and answer.status in (403, 404), (
        f"person profile answered {answer and answer.status}"
    )
    problems["person"] = _hidden_in(page, seeded_hub, "third_sector", "officer")
    page.goto("/search")
    page.fill("#query", f"{person.first_name} {person.last_name}")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(f'a[href="/people/{person.person_id}"]').count() == 0
    problems["search"] = _hidden_in(page, seeded_hub, "third_sector", "officer")
    answer = page.goto(f"/cases/{seeded_hub.case_id}")
    assert answer is not None and answer.status in (403, 404), (
        f"the police case answered {answer and answer.status}"
    )
    problems["case"] = _hidden_in(page, seeded_hub, "third_sector", "officer")
    # Their own action on that case is theirs to see, without the case's log.
    page.goto("/actions")
    expect(page.locator("body")).to_contain_text("Offer befriending support")
    problems["actions"] = _hidden_in(page, seeded_hub, "third_sector", "officer")
    page.goto("/briefings")
    page.get_by_role(
        "link", name=f"Daily hub briefing for {seeded_hub.today:%A %-d %B %Y}", exact=True
    ).click()
    problems["briefing"] = _hidden_in(page, seeded_hub, "third_sector", "officer")
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("agency", ["third_sector", "fire"])
def test_no_intelligence_or_police_call_details_by_direct_api_request(
    live_server: LiveServer, seeded_hub: SeededHub, agency: str
) -> None:
    """Every GET of the API with an API token, ids filled from the hub: nothing hidden leaks."""
    from web.live_server import hub_app

    token = seeded_hub.token(agency, "officer")
    hidden = seeded_hub.hidden_from(agency, "officer")
    assert INTEL_P_TEXT in hidden.values() and INTEL_C_TEXT in hidden.values()
    if agency == "third_sector":
        assert {POLICE_CALL_TEXT, CASE_NOTE_TEXT} <= set(hidden.values())
    leaks, statuses = [], {}
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}) as api:
        for req in requests_for(hub_app(seeded_hub), seeded_hub, agency):
            if not req.api or req.method != "GET" or req.url is None:
                continue
            answer = api.get(req.url)
            statuses[req.url] = answer.status_code
            assert answer.status_code < 500, f"{req.label}: {answer.status_code}"
            leaks += [
                f"{req.label}: {what}"
                for what, value in hidden.items()
                if value.lower() in answer.text.lower()
            ]
    assert statuses.get(f"/api/people/{seeded_hub.frequent_caller.person_id}") in (
        (403, 404) if agency == "third_sector" else (200,)
    ), statuses
    assert leaks == []
