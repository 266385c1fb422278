"""Cached lists and maps are made again after an import or a link run, not only next day."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from saferhub.store.people_models import PersonLinkRun
from saferhub.web import workspace


def test_a_link_run_changes_the_key_of_the_days_results(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workspace, "_VERSION_SECONDS", 0.0)
    request = SimpleNamespace(app=app)
    before = workspace.data_version(request)  # type: ignore[arg-type]
    with app.state.engine.begin() as conn:
        run = {"started_at": dt.datetime(2026, 11, 26, 9), "mode": "incremental"}
        conn.execute(insert(PersonLinkRun).values(**run))
    after = workspace.data_version(request)  # type: ignore[arg-type]
    assert after[1] == before[1] + 1
    made = []
    cache = workspace.DayCache()
    for version in (before, after):
        cache.get(("people", dt.date(2026, 11, 26), version), dt.date(2026, 11, 26), lambda: made.append(1))
    assert len(made) == 2  # the list made before the run is not served after it
