"""The API's shared pieces: timestamps answered in UTC with an offset, and every operation
documenting the error answers it can give (401, 403, 422; 400 and 404 where they occur)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from saferhub.web.api import api_router
from saferhub.web.api.common import UtcDateTime


class _Stamped(BaseModel):
    at: UtcDateTime


def _document() -> dict[str, Any]:
    app = FastAPI()
    app.include_router(api_router())
    return app.openapi()


def test_a_naive_store_time_is_answered_as_utc_with_its_offset() -> None:
    assert _Stamped(at=dt.datetime(2026, 7, 1, 9, 30)).model_dump_json() == '{"at":"2026-07-01T09:30:00Z"}'
    summer = dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert _Stamped(at=summer).at == dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)


def test_every_operation_documents_its_error_answers() -> None:
    operations = {
        (method.upper(), path): op
        for path, item in _document()["paths"].items()
        for method, op in item.items()
    }
    assert len(operations) > 10
    for key, op in operations.items():
        assert {"400", "401", "403", "422"} <= set(op["responses"]), key  # 400: a NUL in the text
        assert op["responses"]["401"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }, key
    for key in [("GET", "/api/people/{person_id}"), ("GET", "/api/places/{place_id}"),
                ("POST", "/api/review/decisions"), ("GET", "/api/cases/{case_id}"),
                ("PATCH", "/api/actions/{action_id}")]:  # fmt: skip
        assert "404" in operations[key]["responses"], key
    for key in [("GET", "/api/cases"), ("POST", "/api/cases"), ("PATCH", "/api/cases/{case_id}"),
                ("GET", "/api/frequent-callers"), ("GET", "/api/changes"), ("GET", "/api/hotspots"),
                ("GET", "/api/audit")]:  # fmt: skip
        assert "400" in operations[key]["responses"], key


def test_the_documented_times_are_date_times() -> None:
    schemas = _document()["components"]["schemas"]
    assert schemas["CaseOut"]["properties"]["created_at"]["format"] == "date-time"
    assert schemas["AuditEntryOut"]["properties"]["at"]["format"] == "date-time"
