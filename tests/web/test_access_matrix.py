"""Every route × every role × police, council, fire and the voluntary sector: allow, deny, redact.

Read from ``route_table(app)``, so a route added later is checked like the rest:

- a role the route's ``Allow`` does not name is refused: 403 on a page, 403 or 404 on the
  API, and the refusal is in the audit log;
- a role it names gets the page (200); on a route about one record (a path parameter), a
  reader the agreement or tasking rules keep from that record may get 403/404 instead;
- changes (POST, ...) are sent without the CSRF token: an allowed role then meets the CSRF
  refusal with no ``deny`` entry, a refused role the role check with one, so nothing changes;
- no answer to anyone holds a planted string the agreement hides from them (a police call's
  outcome, intelligence text, the frequent caller's surname, a case log entry);
- without signing in, pages send the browser to sign in and the API answers 401.

Path parameters come from the seeded hub; a route whose parameter it cannot fill fails
``test_every_path_parameter_can_be_filled`` by name, so no new route escapes the matrix.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from saferhub.access import ROLES
from saferhub.web.deps import SESSION_COOKIE, Allow, Public
from saferhub.web.route_table import RouteEntry, route_table
from web.hub_fixture import SeededHub, seeded_hub  # noqa: F401 (a fixture)
from web.live_server import hub_app

AGENCIES = ("police", "council", "fire", "third_sector")
SAFE = ("GET",)
# Readers who may be kept from one record by the agreement or tasking rules even where
# their role may use the route: they may get 403/404 on a record's own page.
RESTRICTED_ROLES = frozenset({"auditor", "partner_viewer"})
RESTRICTED_AGENCIES = frozenset({"third_sector"})
# Routes that answer a GET with a redirect by design: name -> where to.
REDIRECTS: dict[str, str] = {}


def _case_value(hub: SeededHub, agency: str, typed_int: bool) -> str:
    assert hub.case_id is not None and hub.case_reference is not None, "the seeded hub has no case"
    return str(hub.case_id) if typed_int else hub.case_reference


def _pack_part(index: int) -> Callable[[SeededHub, str, bool], str]:
    def part(hub: SeededHub, agency: str, typed_int: bool) -> str:
        assert agency in hub.packs, f"the seeded hub has no briefing pack for {agency}"
        return hub.packs[agency][index]

    return part


def _pair(hub: SeededHub, agency: str, typed_int: bool) -> str:
    assert hub.pair_id is not None, "the seeded hub's review queue is empty"
    return str(hub.pair_id)


# Path parameter name -> its value from the seeded hub, for a reader of ``agency``
# (``typed_int``: the route wants an int, e.g. a case's id rather than its reference).
PATH_VALUES: dict[str, Callable[[SeededHub, str, bool], str]] = {
    "person_id": lambda hub, agency, _: hub.frequent_caller.person_id,
    "place_id": lambda hub, agency, _: hub.place_id,
    "event_id": lambda hub, agency, _: str(hub.event_id),
    "case_id": _case_value,
    "case": _case_value,
    "case_ref": _case_value,
    "reference": _case_value,
    "action_id": lambda hub, agency, _: str(hub.fire_action_id),
    "user_id": lambda hub, agency, _: str(hub.user("police", "analyst").id),
    "token_id": lambda hub, agency, _: str(hub.token_id),
    "import_id": lambda hub, agency, _: str(hub.import_id),
    "pair_id": _pair,
    "kind": _pack_part(0),  # a briefing pack of the reader's own agency
    "folder": _pack_part(1),
    "stem": _pack_part(2),
    "agency": lambda hub, agency, _: "fire",
    "date": lambda hub, agency, _: hub.today.isoformat(),
    "day": lambda hub, agency, _: hub.today.isoformat(),
}
# Required query parameters -> a value (never a name: no personal data in URLs).
QUERY_VALUES: dict[str, Callable[[SeededHub], str]] = {
    "date": lambda hub: hub.today.isoformat(),
    "as_of": lambda hub: hub.today.isoformat(),
    "day": lambda hub: hub.today.isoformat(),
}


@dataclass(frozen=True)
class Request:
    entry: RouteEntry
    method: str
    url: str | None  # None: a parameter the hub cannot fill
    missing: tuple[str, ...]

    @property
    def api(self) -> bool:
        return self.entry.path.startswith("/api")

    @property
    def label(self) -> str:
        return f"{self.method} {self.entry.path} ({self.entry.name})"


def _is_int(field: object) -> bool:
    annotation = getattr(getattr(field, "field_info", None), "annotation", None)
    return annotation is int or getattr(field, "type_", None) is int


def requests_for(app: FastAPI, hub: SeededHub, agency: str) -> list[Request]:
    """One request per checked route and method, with parameters filled from the hub for a
    reader of ``agency``."""
    found = []
    for entry in route_table(app):
        if not isinstance(entry.route, APIRoute):
            continue
        url, missing = entry.path, []
        for field in entry.route.dependant.path_params:
            fill = PATH_VALUES.get(field.name)
            try:
                if fill is None:
                    raise AssertionError("no value for it")
                url = url.replace(f"{{{field.name}}}", fill(hub, agency, _is_int(field)))
            except AssertionError as why:
                missing.append(f"path parameter {{{field.name}}} ({why})")
        query = {}
        for field in entry.route.dependant.query_params:
            if field.field_info.is_required():
                value = QUERY_VALUES.get(field.name)
                if value is None:
                    missing.append(f"query parameter {field.name}")
                else:
                    query[field.name] = value(hub)
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        for method in sorted(entry.methods - {"HEAD", "OPTIONS"}):
            found.append(Request(entry, method, None if missing else url, tuple(missing)))
    return found


@pytest.fixture(scope="module")
def app(seeded_hub: SeededHub) -> FastAPI:  # noqa: F811
    return hub_app(seeded_hub)


@pytest.fixture(scope="module")
def requests_of(app: FastAPI, seeded_hub: SeededHub) -> Callable[[str], list[Request]]:  # noqa: F811
    return lambda agency: requests_for(app, seeded_hub, agency)


@pytest.fixture(scope="module")
def client_as(app: FastAPI, seeded_hub: SeededHub) -> Iterator[Callable[[str, str], TestClient]]:  # noqa: F811
    made: dict[tuple[str, str], TestClient] = {}

    def open_as(agency: str, role: str) -> TestClient:
        if (agency, role) not in made:
            secret, _csrf = seeded_hub.session(agency, role)
            client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
            client.cookies.set(SESSION_COOKIE, secret)
            made[(agency, role)] = client
        return made[(agency, role)]

    yield open_as
    for client in made.values():
        client.close()


def _last_audit_id(hub: SeededHub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM audit_log")).scalar_one())


def _denials_since(hub: SeededHub, after: int) -> list[str]:
    """Route names of the ``deny`` entries written after entry ``after``."""
    with hub.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT what FROM audit_log WHERE id > :after AND action = 'deny'"), {"after": after}
        ).all()
    return [str(json.loads(row[0]).get("route", "")) for row in rows]


def _leaks(body: str, hidden: dict[str, str]) -> list[str]:
    lowered = body.lower()
    return [what for what, value in hidden.items() if value and value.lower() in lowered]


def check_reader(
    client: TestClient, hub: SeededHub, requests: list[Request], agency: str, role: str
) -> list[str]:
    """Every problem one reader meets across the route table."""
    problems: list[str] = []
    hidden = hub.hidden_from(agency, role)
    restricted = role in RESTRICTED_ROLES or agency in RESTRICTED_AGENCIES
    for req in requests:
        permission = req.entry.permission
        if req.url is None or isinstance(permission, Public) or not isinstance(permission, Allow):
            continue  # unfillable: its own test fails; Public: checked below; undeclared: test_route_table
        allowed = permission.allows(role)
        before = _last_audit_id(hub)
        answer = client.request(req.method, req.url)
        denied_logged = req.entry.name in _denials_since(hub, before)
        status = answer.status_code
        if status >= 500:
            problems.append(f"{req.label}: server error {status}")
            continue
        if req.method not in SAFE:
            if status != 403:
                problems.append(f"{req.label}: a change without the CSRF token answered {status}, not 403")
            elif allowed and denied_logged:
                problems.append(f"{req.label}: refused for a role its Allow names")
            elif not allowed and not denied_logged:
                problems.append(f"{req.label}: refused, but not by the role check (no deny entry)")
        elif not allowed:
            expected = {403, 404} if req.api else {403}
            if status not in expected:
                problems.append(f"{req.label}: a role it does not allow got {status}, not {sorted(expected)}")
            elif not denied_logged and status == 403:
                problems.append(f"{req.label}: refused without a deny entry in the audit log")
        else:
            record_route = isinstance(req.entry.route, APIRoute) and bool(
                req.entry.route.dependant.path_params
            )
            ok = {200}
            if record_route and restricted:
                ok |= {403, 404}
            if status in (301, 302, 303, 307, 308):
                where = answer.headers.get("location", "")
                if REDIRECTS.get(req.entry.name) != where:
                    problems.append(f"{req.label}: redirected to {where!r}, not a documented redirect")
            elif status not in ok:
                problems.append(f"{req.label}: a role it allows got {status}, not {sorted(ok)}")
        for what in _leaks(answer.text, hidden):
            problems.append(f"{req.label}: shows the {what}, which the agreement hides from them ({status})")
    return problems


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("agency", AGENCIES)
def test_route_allows_denies_and_redacts(
    agency: str,
    role: str,
    client_as: Callable[[str, str], TestClient],
    requests_of: Callable[[str], list[Request]],
    seeded_hub: SeededHub,  # noqa: F811
) -> None:
    requests = requests_of(agency)
    assert len(requests) >= 3, "the route table is nearly empty"
    problems = check_reader(client_as(agency, role), seeded_hub, requests, agency, role)
    assert problems == [], f"{agency} {role}:\n" + "\n".join(problems)


def test_every_path_parameter_can_be_filled(requests_of: Callable[[str], list[Request]]) -> None:
    """A route the matrix cannot call is a route it does not check: name it."""
    unfilled = sorted(
        {f"{r.label}: {', '.join(r.missing)}" for a in AGENCIES for r in requests_of(a) if r.url is None}
    )
    assert unfilled == [], (
        "add these parameters to PATH_VALUES / QUERY_VALUES (and the seeded hub):\n" + "\n".join(unfilled)
    )


def test_without_signing_in_pages_send_to_sign_in_and_the_api_answers_401(
    app: FastAPI, requests_of: Callable[[str], list[Request]]
) -> None:
    problems = []
    requests = requests_of("police")
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as anonymous:
        for req in requests:
            if req.url is None:
                continue
            answer = anonymous.request(req.method, req.url)
            if isinstance(req.entry.permission, Public):
                if req.method == "GET" and answer.status_code != 200:
                    problems.append(f"{req.label}: public, but answered {answer.status_code}")
            elif req.api and answer.status_code != 401:
                problems.append(f"{req.label}: answered {answer.status_code} without a token, not 401")
            elif not req.api and (answer.status_code != 303 or answer.headers.get("location") != "/sign-in"):
                problems.append(f"{req.label}: answered {answer.status_code}, not a redirect to /sign-in")
    assert problems == [], "\n".join(problems)


def test_planted_strings_are_shown_to_readers_entitled_to_them(
    client_as: Callable[[str, str], TestClient],
    requests_of: Callable[[str], list[Request]],
    seeded_hub: SeededHub,  # noqa: F811
) -> None:
    """The redaction checks above could fail: each planted string is on some page or API
    answer for a reader entitled to it (the police analyst sees them all)."""
    reader = ("police", "analyst")
    entitled = seeded_hub.shown_to(*reader)
    assert set(entitled) == {
        "police call outcome", "caller's surname", "intelligence text (code P)",
        "intelligence text (code C, police only)", "case log entry",
    }  # fmt: skip
    client = client_as(*reader)
    seen: set[str] = set()
    for req in requests_of("police"):
        if req.url is None or req.method != "GET":
            continue
        body = client.get(req.url).text.lower()
        seen |= {what for what, value in entitled.items() if value.lower() in body}
    assert seen == set(entitled), (
        f"no route shows {sorted(set(entitled) - seen)} to the police analyst: "
        "the redaction checks prove nothing for those strings"
    )


def test_the_hidden_strings_follow_the_agreement(seeded_hub: SeededHub) -> None:  # noqa: F811
    """The expectations themselves, against the shipped agreement's own words."""
    assert "police call outcome" in seeded_hub.hidden_from("third_sector", "officer")
    assert "intelligence text (code P)" in seeded_hub.hidden_from("fire", "analyst")
    assert "intelligence text (code P)" not in seeded_hub.hidden_from("council", "analyst")
    assert "intelligence text (code C, police only)" in seeded_hub.hidden_from("council", "analyst")
    assert seeded_hub.hidden_from("police", "analyst") == {}
    assert dt.date.fromisoformat(seeded_hub.frequent_caller.dob) < seeded_hub.today
