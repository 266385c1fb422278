"""A NUL character in any text a client sends is refused (400) and nothing is stored.

PostgreSQL cannot store one (schemathesis found POST /api/cases crashing with a 500 there);
SQLite would store it silently. Both backends must answer the same.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select

from saferhub.store.tasking_models import Case
from saferhub.web.nul_bytes import REFUSAL, has_nul
from web.conftest import Browser


def cases(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Case)).scalar_one())


def test_nul_in_json_forms_and_queries_is_refused(
    browser_as: Callable[..., Browser], web_engine: Engine
) -> None:
    analyst = browser_as("police", "analyst")
    headers = {"X-CSRF-Token": analyst.csrf}
    answer = analyst.client.post("/api/cases", json={"kind": "problem", "title": "ASB\x00"}, headers=headers)
    assert answer.status_code == 400 and REFUSAL in answer.text
    form = {"kind": "problem", "title": "ASB\x00 at the shops", "stage": "analysis", "risk": "high"}
    page = analyst.post_form("/cases", form)
    assert page.status_code == 400 and "ASB" not in page.text  # the error page echoes nothing
    assert analyst.client.get("/api/cases", params={"status": "open\x00"}).status_code == 400
    assert cases(web_engine) == 0

    # The same requests without the NUL go through: the check refuses only what it should.
    made = analyst.client.post("/api/cases", json={"kind": "problem", "title": "ASB"}, headers=headers)
    assert made.status_code == 201, made.text
    typed = analyst.client.post(
        "/api/cases", json={"kind": "problem", "title": r"typed \u0000 literally"}, headers=headers
    )
    assert typed.status_code == 201 and typed.json()["title"] == r"typed \u0000 literally"
    assert cases(web_engine) == 2


def test_has_nul_reads_each_encoding() -> None:
    json_type, form_type = "application/json", "application/x-www-form-urlencoded"
    assert has_nul(query="q=a%00b", content_type="", body=b"")
    assert not has_nul(query="q=a%2500b", content_type="", body=b"")  # "%00" typed by a user
    assert has_nul(query="", content_type=form_type, body=b"title=a%00")
    assert not has_nul(query="", content_type=form_type, body=b"title=a%2500")
    assert has_nul(query="", content_type=json_type, body=b'{"t": "a\\u0000"}')
    assert has_nul(query="", content_type=json_type, body=b'{"t": "a\\\\\\u0000"}')  # \\ then NUL
    assert not has_nul(query="", content_type=json_type, body=b'{"t": "a\\\\u0000"}')  # "\u0000" typed
    assert not has_nul(query="", content_type="multipart/form-data; boundary=x", body=b"PK\x03\x04\x00")
