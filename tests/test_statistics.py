"""After a link run the PostgreSQL planner knows the tables (autovacuum may be off)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text

from saferhub.store.session import refresh_statistics

COUNT = text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'person_mentions'")


def test_statistics_are_brought_up_to_date(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        refresh_statistics(engine)  # nothing to do on SQLite, and no error
        pytest.skip("PostgreSQL only: SQLite's planner does without")
    with engine.connect() as conn:
        before = conn.execute(COUNT).scalar_one()
    refresh_statistics(engine)
    after = before
    for _ in range(50):  # the statistics views catch up within a moment
        with engine.connect() as conn:
            after = conn.execute(COUNT).scalar_one()
        if after > before:
            break
        time.sleep(0.1)
    assert after > before
