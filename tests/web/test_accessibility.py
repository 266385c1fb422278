"""axe-core finds no WCAG 2.2 A/AA violations on the main pages, in headless Chromium.

axe is SaferHub's own copy (static/vendor/axe, from npm at setup), loaded from the app's
origin so the page's Content Security Policy stays as served.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from saferhub.web.app import STATIC
from web.hub_fixture import SeededHub, seeded_hub  # noqa: F401 (a fixture)
from web.live_server import LiveServer, chromium, live_server, signed_in_page  # noqa: F401 (fixtures)

AXE = Path(STATIC) / "vendor" / "axe" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# name -> (who signs in: agency, role or None for nobody; the page's path from the hub)
PAGES: dict[str, tuple[tuple[str, str] | None, Callable[[SeededHub], str]]] = {
    "sign-in": (None, lambda hub: "/sign-in"),
    "home": (("police", "analyst"), lambda hub: "/"),
    "search": (("police", "analyst"), lambda hub: "/search"),
    "person profile": (("police", "analyst"), lambda hub: f"/people/{hub.frequent_caller.person_id}"),
    "place profile": (("police", "analyst"), lambda hub: f"/places/{hub.place_id}"),
    "frequent callers": (("police", "analyst"), lambda hub: "/frequent-callers"),
    "hotspots": (("police", "analyst"), lambda hub: "/hotspots"),
    "cases": (("police", "analyst"), lambda hub: "/cases"),
    "a case": (("police", "analyst"), lambda hub: f"/cases/{hub.case_id}"),
    "actions": (("fire", "officer"), lambda hub: "/actions"),
    "briefings": (("police", "analyst"), lambda hub: "/briefings"),
    "admin": (("police", "hub_admin"), lambda hub: "/admin"),
    "audit": (("police", "auditor"), lambda hub: "/audit"),
}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{', '.join(v.get('tags', []))}]")
        for node in v.get("nodes", [])[:5]:
            lines.append(
                f"    at {node.get('target')}: {(node.get('failureSummary') or '').splitlines()[-1:]}"
            )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def pages_of(chromium: Browser, live_server: LiveServer, seeded_hub: SeededHub) -> Callable[..., Page]:  # noqa: F811
    signed_in: dict[tuple[str, str] | None, Page] = {}

    def page_for(who: tuple[str, str] | None) -> Page:
        if who not in signed_in:
            if who is None:
                signed_in[who] = chromium.new_context(base_url=live_server.url).new_page()
            else:
                signed_in[who] = signed_in_page(chromium, live_server, seeded_hub.username(*who))
        return signed_in[who]

    return page_for


def test_axe_is_installed() -> None:
    assert AXE.is_file(), f"{AXE} is missing: run scripts/setup.sh (frontend/build.mjs copies it)"


@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_violations(name: str, pages_of: Callable[..., Page], seeded_hub: SeededHub) -> None:  # noqa: F811
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: run scripts/setup.sh")
    who, path = PAGES[name]
    page = pages_of(who)
    answer = page.goto(path(seeded_hub))
    assert answer is not None and answer.status == 200, (
        f"{name}: {path(seeded_hub)} answered {answer and answer.status}"
    )
    violations = axe_violations(page)
    assert violations == [], f"{name} ({page.url}) has WCAG violations:\n{describe(violations)}"


def test_no_wcag_violations_in_search_results(pages_of: Callable[..., Page], seeded_hub: SeededHub) -> None:  # noqa: F811
    page = pages_of(("police", "analyst"))
    page.goto("/search")
    person = seeded_hub.frequent_caller
    page.fill("#query", f"{person.first_name} {person.last_name}")
    page.get_by_role("button", name="Search").click()
    page.locator(f'#people-results a[href="/people/{person.person_id}"]').wait_for()
    violations = axe_violations(page)
    assert violations == [], f"search results have WCAG violations:\n{describe(violations)}"


def test_axe_finds_a_planted_violation(pages_of: Callable[..., Page]) -> None:
    """The checks above could fail: an image without a text alternative is reported."""
    page = pages_of(None)
    page.goto("/sign-in")
    page.evaluate(
        "() => { const i = document.createElement('img');"
        " i.src = '/static/vendor/govuk/assets/images/favicon.ico';"
        " document.querySelector('main').append(i); }"
    )
    assert "image-alt" in {v["id"] for v in axe_violations(page)}
