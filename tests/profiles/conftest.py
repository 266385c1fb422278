"""A small synthetic hub, imported, linked and placed once for all the profile tests.

A year of Wirral at scale 0.05 (seed 5), with its ground truth. The store is the session's
own (SQLite, or PostgreSQL when SAFERHUB_TEST_DATABASE_URL is set); the tests read it and
add audit entries, and one test records a review decision (on a pair no other test uses).
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from sqlalchemy import select

from analysis.test_frequent_callers_synthetic import database
from profiles.helpers import Hub
from saferhub.access import load_agreement
from saferhub.analysis import evaluate_people as ev
from saferhub.config import Settings
from saferhub.linking import person_links
from saferhub.store import connect
from saferhub.store.models import Event

SEED, SCALE, DAYS = 5, 0.05, 365
KEY = ["feed", "agency", "source_id"]


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    tmp = tmp_path_factory.mktemp("profiles")
    for url in database(tmp):
        engine = connect(url)
        settings = Settings(database_url=url, data_dir=tmp / "hub")
        truth = ev.build_synthetic_hub(
            settings=settings, engine=engine, out_dir=tmp / "synth", days=DAYS, seed=SEED, scale=SCALE
        )
        e = Event.__table__.c
        with engine.connect() as conn:
            events = pl.DataFrame(
                [tuple(r) for r in conn.execute(select(e.id, e.feed, e.agency, e.source_id)).all()],
                schema={"event_id": pl.Int64, "feed": pl.String, "agency": pl.String, "source_id": pl.String},
                orient="row",
            )
        mentions = pl.read_csv(truth / "mentions.csv", infer_schema=False).rename({"person_id": "truth_id"})
        links = person_links(engine=engine).join(events, on=KEY).join(mentions, on=[*KEY, "role"], how="left")
        yield Hub(engine, settings, truth, load_agreement(), links)
        engine.dispose()
