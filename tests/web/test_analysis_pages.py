"""Demand, hotspot, briefing and home pages on the seeded synthetic hub, against its ground truth.

The planted frequent caller (from the generator's truth) must appear for the police, and
never for a voluntary-sector reader, who may not see police calls; every page writes an
audit entry of ids and counts; packs open only for their own agency.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from saferhub.store.audit_models import AuditEntry
from saferhub.web.deps import SESSION_COOKIE
from web.hub_fixture import POLICE_CALL_TEXT, SeededHub, seeded_hub  # noqa: F401 (a fixture)
from web.live_server import hub_app

WIRRAL_LON, WIRRAL_LAT = (-3.35, -2.85), (53.25, 53.50)


@pytest.fixture(scope="module")
def app(seeded_hub: SeededHub) -> FastAPI:  # noqa: F811
    return hub_app(seeded_hub)


@pytest.fixture
def client_as(app: FastAPI, seeded_hub: SeededHub) -> Iterator[Callable[[str, str], tuple[TestClient, str]]]:  # noqa: F811
    clients: list[TestClient] = []

    def make(agency: str, role: str) -> tuple[TestClient, str]:
        secret, csrf = seeded_hub.session(agency, role)
        client = TestClient(app, follow_redirects=False)
        client.cookies.set(SESSION_COOKIE, secret)
        clients.append(client)
        return client, csrf

    yield make
    for c in clients:
        c.close()


def entries_since(hub: SeededHub, first_id: int) -> list[dict[str, object]]:
    table = AuditEntry.__table__
    with hub.engine.connect() as conn:
        rows = conn.execute(select(table).where(table.c.id > first_id).order_by(table.c.id)).mappings().all()
    return [dict(r) for r in rows]


def head_id(hub: SeededHub) -> int:
    table = AuditEntry.__table__
    with hub.engine.connect() as conn:
        rows = conn.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).all()
    return int(rows[0][0]) if rows else 0


def what_of(entry: dict[str, object]) -> dict[str, object]:
    what = entry["what"]
    return json.loads(what) if isinstance(what, str) else what  # type: ignore[return-value]


def test_the_police_see_the_planted_frequent_caller_and_the_look_is_logged(
    seeded_hub: SeededHub,  # noqa: F811
    client_as: Callable[[str, str], tuple[TestClient, str]],
) -> None:
    client, _ = client_as("police", "analyst")
    person = seeded_hub.frequent_caller
    before = head_id(seeded_hub)
    page = client.get("/frequent-callers", params={"as_of": seeded_hub.today.isoformat()})
    assert page.status_code == 200
    assert f'href="/people/{person.person_id}"' in page.text
    # The page names no one: ids and counts only (names are on the person's profile).
    for personal in (person.first_name, person.last_name, person.phone):
        assert personal not in page.text
    entries = entries_since(seeded_hub, before)
    looks = [what_of(e) for e in entries if what_of(e).get("object") == "frequent_callers"]
    assert len(looks) == 1 and person.person_id in looks[0]["person_ids"]  # type: ignore[operator]
    assert entries[-1]["action"] == "view" and entries[-1]["agency"] == "police"
    text = json.dumps(looks[0])
    for personal in (person.first_name, person.last_name, person.phone):
        assert personal not in text

    api = client.get("/api/frequent-callers", params={"as_of": seeded_hub.today.isoformat()})
    assert api.status_code == 200
    body = api.json()
    listed = {p["person_id"]: p for p in body["people"]}
    assert person.person_id in listed and listed[person.person_id]["calls"] >= 3
    assert (
        sum(c["n"] for c in listed[person.person_id]["calls_by_agency"]) == listed[person.person_id]["calls"]
    )
    assert body["partial"] is False


def test_a_voluntary_partner_does_not_see_police_callers_or_call_details(
    seeded_hub: SeededHub,  # noqa: F811
    client_as: Callable[[str, str], tuple[TestClient, str]],
) -> None:
    person = seeded_hub.frequent_caller
    for role in ("analyst", "partner_viewer"):
        client, _ = client_as("third_sector", role)
        for path in ("/frequent-callers", "/repeat-victims", "/api/frequent-callers", "/api/repeat-victims"):
            answer = client.get(path, params={"as_of": seeded_hub.today.isoformat()})
            assert answer.status_code == 200, path
            assert person.person_id not in answer.text, path
            assert POLICE_CALL_TEXT not in answer.text and person.phone not in answer.text, path
        api = client.get("/api/frequent-callers", params={"as_of": seeded_hub.today.isoformat()}).json()
        # No calls are shared with the voluntary sector, so no one is on their list at all.
        assert api["people"] == [] and api["partial"] is True and api["some_withheld"] is True
        page = client.get("/frequent-callers", params={"as_of": seeded_hub.today.isoformat()})
        assert "the agreement does not give your agency in full are not shown" in page.text


def test_vulnerable_people_come_from_referrals_the_reader_may_see(
    seeded_hub: SeededHub,  # noqa: F811
    client_as: Callable[[str, str], tuple[TestClient, str]],
) -> None:
    from saferhub.briefings.sources import read_referrals

    day = seeded_hub.today
    referrals = read_referrals(
        engine=seeded_hub.engine, first_day=day.replace(year=day.year - 1), last_day=day
    )
    everyone = set(referrals["person_id"].drop_nulls())
    own = set(referrals.filter(referrals["agency"] == "third_sector")["person_id"].drop_nulls())
    police = {
        p["person_id"]
        for p in client_as("police", "analyst")[0].get("/api/vulnerable-people").json()["people"]
    }
    voluntary = {
        p["person_id"]
        for p in client_as("third_sector", "analyst")[0].get("/api/vulnerable-people").json()["people"]
    }
    assert police and police <= everyone
    # The voluntary sector sees other agencies' referrals only in summary (no person id):
    # their list is the people of their own referrals.
    assert voluntary <= own and voluntary < police | own


def test_auditors_do_not_open_people_lists(client_as: Callable[[str, str], tuple[TestClient, str]]) -> None:
    client, _ = client_as("police", "auditor")
    for path in ("/frequent-callers", "/vulnerable-people", "/api/repeat-victims", "/briefings"):
        assert client.get(path).status_code == 403, path
    assert client.get("/").status_code == 200


def test_changes_and_hotspots_answer_from_what_the_reader_may_see(
    seeded_hub: SeededHub,  # noqa: F811
    client_as: Callable[[str, str], tuple[TestClient, str]],
) -> None:
    police, _ = client_as("police", "analyst")
    voluntary, _ = client_as("third_sector", "partner_viewer")
    month = (seeded_hub.today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    before = head_id(seeded_hub)
    page = police.get("/changes", params={"period": month, "area_level": "ward"})
    assert page.status_code == 200 and "Poisson z-score" in page.text
    assert any(what_of(e).get("object") == "changes" for e in entries_since(seeded_hub, before))
    counted = police.get("/api/changes", params={"period": month, "area_level": "all"}).json()
    fewer = voluntary.get("/api/changes", params={"period": month, "area_level": "all"}).json()
    total = sum(r["after"] or 0 for r in counted["rows"] if r["comparison"] == "previous")
    seen = sum(r["after"] or 0 for r in fewer["rows"] if r["comparison"] == "previous")
    assert total > seen  # police calls are counted for the police only

    geo = police.get("/api/hotspots/current").json()
    assert geo["type"] == "FeatureCollection" and geo["saferhub"]["events"] > 0
    for feature in geo["features"]:
        for lon, lat in feature["geometry"]["coordinates"][0]:
            assert WIRRAL_LON[0] < lon < WIRRAL_LON[1] and WIRRAL_LAT[0] < lat < WIRRAL_LAT[1]
        # The chance test, shown in the tooltip: a hotspot has at least the events it needs around it.
        cell = feature["properties"]
        assert cell["neighbourhood_count"] >= cell["neighbourhood_needed"] > 0
    assert geo["saferhub"]["neighbourhood_needed"] > 0
    assert voluntary.get("/api/hotspots/current").json()["saferhub"]["events"] < geo["saferhub"]["events"]
    wards = police.get("/api/areas/wards").json()
    assert len(wards["features"]) >= 20 and all(f["properties"]["ward"] for f in wards["features"])
    page = police.get("/hotspots")
    assert page.status_code == 200
    needed = f"A hotspot also needs at least {geo['saferhub']['neighbourhood_needed']:,} events"
    assert needed in page.text and "Needed around" in page.text and "more than chance alone" in page.text
    assert police.get("/hotspots", params={"category": "not-a-category"}).status_code == 400
    assert police.get("/frequent-callers", params={"as_of": "2999-01-01"}).status_code == 400


def test_home_shows_the_briefing_actions_and_counts(
    seeded_hub: SeededHub,  # noqa: F811
    client_as: Callable[[str, str], tuple[TestClient, str]],
) -> None:
    client, _ = client_as("police", "analyst")
    page = client.get("/")
    assert page.status_code == 200
    assert (
        "Today's briefing" in page.text
        and "Actions due" in page.text
        and 'data-hotspots-url="/api/hotspots/current"' in page.text
    )
    # The day's work made, the counts fragment answers with the police's own counts.
    client.get("/frequent-callers")
    client.get("/api/hotspots/current")
    fragment = client.get("/home/headlines")
    assert fragment.status_code == 200 and "frequent callers" in fragment.text
    listed = len(client.get("/api/frequent-callers").json()["people"])
    assert f'<span class="app-headline__number">{listed:,}</span>' in fragment.text


def test_briefing_packs_are_made_opened_and_downloaded_by_their_agency_only(
    seeded_hub: SeededHub,  # noqa: F811
    client_as: Callable[[str, str], tuple[TestClient, str]],
) -> None:
    officer, officer_csrf = client_as("police", "officer")
    assert officer.post("/briefings/daily", data={"csrf_token": officer_csrf}).status_code == 403
    analyst, csrf = client_as("police", "analyst")
    assert analyst.post("/briefings/daily", data={}).status_code == 403  # no CSRF token
    made = analyst.post("/briefings/daily", data={"csrf_token": csrf})
    assert made.status_code == 303
    where = made.headers["location"]
    assert where.startswith(f"/briefings/daily/{seeded_hub.today.isoformat()}/") and where.endswith("-police")
    before = head_id(seeded_hub)
    html = officer.get(where)
    assert html.status_code == 200 and "sandbox" in html.headers["content-security-policy"]
    # The web version links the people on the pack to their profiles by opaque id.
    assert f'href="/people/{seeded_hub.frequent_caller.person_id}"' in html.text
    assert 'class="ref ref-person" data-person-id' not in html.text
    pdf = officer.get(where + ".pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    exports = [e for e in entries_since(seeded_hub, before) if e["action"] == "export"]
    assert [what_of(e)["format"] for e in exports] == ["html", "pdf"]
    assert f'href="{where}"' in officer.get("/briefings").text
    fire, _ = client_as("fire", "analyst")
    assert fire.get(where).status_code == 404 and fire.get(where + ".pdf").status_code == 404
    assert f'href="{where}"' not in fire.get("/briefings").text
    # Another agency's file name cannot be reached by changing the address.
    assert fire.get(where.replace("-police", "-fire/../x")).status_code == 404
    home = officer.get("/")
    assert f'href="{where}"' in home.text


def test_dates_with_no_past_to_read_are_refused(client_as) -> None:  # type: ignore[no-untyped-def]
    police, _ = client_as("police", "analyst")
    answer = police.get("/api/frequent-callers", params={"as_of": "0001-01-01"})
    assert answer.status_code == 400
    assert police.get("/api/changes", params={"period": "0000-01"}).status_code == 400
