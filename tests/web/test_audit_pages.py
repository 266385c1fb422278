"""The audit log viewer: auditors and hub admins only, filters, pages, the chain check, and
reading the log is itself recorded."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select, text

from saferhub.access import Reader, record
from saferhub.store.audit_models import AuditEntry
from web.conftest import Browser


def entries(engine: Engine) -> list[tuple[str, str | None, dict[str, object]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.what).order_by(AuditEntry.id)
        )
        return [(r.action, r.actor, json.loads(r.what)) for r in rows]


def shown_ids(page: str) -> list[int]:
    body = page.split('id="entries"', 1)[1]
    return [
        int(i)
        for i in re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>', body)
    ]


@pytest.mark.parametrize("role", ["analyst", "officer", "partner_viewer"])
def test_only_auditors_and_hub_admins_read_the_log(
    browser_as: Callable[..., Browser], web_engine: Engine, role: str
) -> None:
    browser = browser_as("police", role)
    assert browser.client.get("/audit").status_code == 403
    assert browser.post_form("/audit/verify", {}).status_code == 403
    assert entries(web_engine)[-1][:2] == ("deny", browser.user.username)


def test_reading_the_log_is_recorded_and_filters_work(
    browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    auditor = browser_as("council", "auditor")
    page = auditor.client.get("/audit")
    assert page.status_code == 200
    action, actor, what = entries(web_engine)[-1]
    assert (action, actor, what["purpose"]) == ("view", auditor.user.username, "audit_log")
    # The newest entry shown is the look itself.
    assert shown_ids(page.text)[0] == len(entries(web_engine))

    only_sign_ins = auditor.client.get("/audit", params={"action": "sign_in"}).text
    sign_ins = [i + 1 for i, (a, _, _) in enumerate(entries(web_engine)) if a == "sign_in"]
    assert shown_ids(only_sign_ins) == sorted(sign_ins, reverse=True)
    nothing = auditor.client.get("/audit", params={"agency": "fire", "since": "2026-01-01"}).text
    assert shown_ids(nothing) == []
    future = auditor.client.get("/audit", params={"since": "2999-01-01"}).text
    assert "0 entries" in future
    bad_date = auditor.client.get("/audit", params={"since": "27/11/2026"})
    assert bad_date.status_code == 400 and "year-month-day" in bad_date.text
    assert entries(web_engine)[-1][2]["filters"] == []  # the bad date was not used


def test_pages_of_fifty(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    with web_engine.begin() as conn:
        for i in range(60):
            record(
                conn,
                reader=Reader(agency="fire", role="officer", user="x"),
                action="search",
                what={"n": i},
                where_from="test:1",
            )
    admin = browser_as("council", "hub_admin")
    first = admin.client.get("/audit", params={"agency": "fire"}).text
    second = admin.client.get("/audit", params={"agency": "fire", "page": 2}).text
    assert len(shown_ids(first)) == 50 and len(shown_ids(second)) == 10
    assert shown_ids(first)[0] == 60 and shown_ids(second)[-1] == 1
    assert 'href="/audit?agency=fire&amp;page=2"' in first


def test_the_chain_check(browser_as: Callable[..., Browser], web_engine: Engine) -> None:
    auditor = browser_as("council", "auditor")
    ok = auditor.post_form("/audit/verify", {})
    assert ok.status_code == 200 and re.search(r'id="check-result">OK: \d+ entries, chain intact', ok.text)
    assert [e for e in entries(web_engine) if e[0] == "verify"][-1][2]["ok"] is True
    assert auditor.client.post("/audit/verify").status_code == 403  # no CSRF token
    if web_engine.dialect.name == "sqlite":
        with web_engine.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("UPDATE audit_log SET what = '{}' WHERE id = 2"))
    else:
        with web_engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            conn.execute(text("UPDATE audit_log SET what = '{}' WHERE id = 2"))
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    broken = auditor.post_form("/audit/verify", {})
    assert "BROKEN at entry 2" in broken.text


def test_the_last_date_there_is_is_a_filter_not_a_crash(browser_as) -> None:  # type: ignore[no-untyped-def]
    auditor = browser_as("police", "auditor")
    answer = auditor.client.get("/audit", params={"until": "9999-12-31"})
    assert answer.status_code == 200
