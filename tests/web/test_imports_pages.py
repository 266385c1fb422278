"""Imports from the web: a good file with a bad row (quarantined with line and reasons, counts
adding up), a bad file (refused whole, one line, nothing stored), who sees the row values."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from saferhub.store import Event, ImportRun, QuarantinedRow
from saferhub.store.audit_models import AuditEntry
from web.conftest import Browser

HEADER = "agency,source_id,received_at,channel,category,caller_first_name,outcome"
GOOD_FILE = "\n".join(
    [
        HEADER,
        "police,W1,2024-05-01T10:00:00,999,asb,Annabel,done",  # line 2
        "police,W2,2024-05-01T11:00:00,101,crime,,done",  # line 3
        "police,W3,2024-02-30T10:00:00,carrier pigeon,asb,Zebedee,done",  # line 4: two reasons
        "police,W4,2024-05-02T09:00:00,999,other,,",  # line 5
    ]
).encode()


def upload(browser: Browser, feed: str, name: str, content: bytes, csrf: str | None = "session"):  # type: ignore[no-untyped-def]
    data = {"feed": feed}
    if csrf is not None:
        data["csrf_token"] = browser.csrf if csrf == "session" else csrf
    return browser.client.post("/imports", data=data, files={"file": (name, content, "text/csv")})


def count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def audit(engine: Engine, action: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.what).where(AuditEntry.action == action)).all()
    return [json.loads(r.what) for r in rows]


@pytest.mark.parametrize(
    "agency,role", [("police", "officer"), ("police", "partner_viewer"), ("fire", "auditor")]
)
def test_imports_are_for_hub_admins_and_analysts_only(
    browser_as: Callable[..., Browser], web_engine: Engine, agency: str, role: str
) -> None:
    browser = browser_as(agency, role)
    assert browser.client.get("/imports").status_code == 403
    assert upload(browser, "calls", "calls.csv", GOOD_FILE).status_code == 403
    assert count(web_engine, ImportRun) == 0


def test_a_good_file_with_a_bad_row(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    analyst = browser_as("police", "analyst")
    answer = upload(analyst, "calls", "calls may.csv", GOOD_FILE)
    assert answer.status_code == 303
    import_id = int(answer.headers["location"].rsplit("/", 1)[1])
    with web_engine.connect() as conn:
        run = conn.execute(select(ImportRun).where(ImportRun.id == import_id)).one()
        rows = conn.execute(select(QuarantinedRow.line, QuarantinedRow.reasons)).all()
    assert (run.read, run.imported, run.updated, run.quarantined) == (4, 3, 0, 1)
    assert run.file_name == "calls-may.csv"  # the sent name, in plain characters
    assert count(web_engine, Event) == 3
    assert [r.line for r in rows] == [4]
    page = analyst.client.get(f"/imports/{import_id}").text
    counts = dict(re.findall(r'data-count="(\w+)">([\d,]+)<', page))
    assert counts == {"read": "4", "imported": "3", "updated": "0", "unchanged": "0", "quarantined": "1"}
    assert "The counts add up" in page
    line_and_reasons = re.search(
        r'<td class="govuk-table__cell govuk-table__cell--numeric">4</td>(.*?)</tr>', page, re.S
    )
    assert line_and_reasons is not None
    assert "received_at" in line_and_reasons[1] and "channel" in line_and_reasons[1]
    assert "Zebedee" in page  # the analyst of the file's own agency sees the row as sent
    assert {
        "feed": "calls",
        "import_id": import_id,
        "read": 4,
        "imported": 3,
        "updated": 0,
        "unchanged": 0,
        "quarantined": 1,
    } in audit(web_engine, "import")
    views = [w for w in audit(web_engine, "view") if w.get("object") == "quarantined_rows"]
    assert views[-1]["shown"] == 1 and views[-1]["import_ids"] == [import_id]

    # The same file again: nothing new, every row already held and unchanged; still adds up.
    again = upload(analyst, "calls", "calls may.csv", GOOD_FILE)
    second = analyst.client.get(again.headers["location"]).text
    counts = dict(re.findall(r'data-count="(\w+)">([\d,]+)<', second))
    assert counts == {"read": "4", "imported": "0", "updated": "3", "unchanged": "3", "quarantined": "1"}
    assert count(web_engine, Event) == 3
    listing = analyst.client.get("/imports").text
    assert listing.count("calls-may.csv") == 2


def test_another_agencys_analyst_sees_reasons_but_not_values(
    browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    police = browser_as("police", "analyst")
    import_id = int(upload(police, "calls", "calls.csv", GOOD_FILE).headers["location"].rsplit("/", 1)[1])
    fire = browser_as("fire", "analyst")
    page = fire.client.get(f"/imports/{import_id}")
    assert page.status_code == 200
    assert "Zebedee" not in page.text and "The values of 1 of these rows are not shown" in page.text
    assert "carrier pigeon" in page.text or "channel" in page.text  # the reasons are there
    views = [w for w in audit(web_engine, "view") if w.get("object") == "quarantined_rows"]
    assert views[-1]["shown"] == 0 and views[-1]["withheld"] == 1


def test_a_bad_file_is_refused_whole_with_one_line(
    browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    admin = browser_as("police", "hub_admin")
    bad = b"who,what\nAnnabel,something\n"  # none of the contract's columns
    answer = upload(admin, "calls", "wrong.csv", bad)
    assert answer.status_code == 400
    message = re.search(r'<ul class="govuk-list govuk-error-summary__list"><li>(.*?)</li>', answer.text, re.S)
    assert message is not None
    assert "\n" not in message[1].strip() and "wrong.csv" in message[1] and "refused" in message[1]
    assert "Annabel" not in answer.text
    assert count(web_engine, ImportRun) == 0 and count(web_engine, Event) == 0
    assert {"feed": "calls", "refused": True} in audit(web_engine, "import")


def test_forged_uploads_import_nothing(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    analyst = browser_as("police", "analyst")
    assert upload(analyst, "calls", "calls.csv", GOOD_FILE, csrf=None).status_code == 403
    assert upload(analyst, "calls", "calls.csv", GOOD_FILE, csrf="forged").status_code == 403
    assert count(web_engine, ImportRun) == 0 and audit(web_engine, "import") == []


def test_an_unknown_import_is_not_found(browser_as: Callable[..., Browser]) -> None:
    assert browser_as("police", "analyst").client.get("/imports/999").status_code == 404
