"""A small synthetic hub, imported, linked and placed once for all the briefing tests.

A year of Wirral at scale 0.1 (seed 3), ending on the generator's default last day
(Wednesday 25 November 2026), with its ground truth in ``truth/``. The store is this
module's own (SQLite, or PostgreSQL when SAFERHUB_TEST_DATABASE_URL is set); the tests
only read it, apart from the audit entries each pack adds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from analysis.test_frequent_callers_synthetic import database
from saferhub.analysis import evaluate_people as ev
from saferhub.config import Settings
from saferhub.store import connect

SEED, SCALE, DAYS = 3, 0.1, 365


@dataclass
class Hub:
    engine: Engine
    settings: Settings
    files: Path  # the partner files
    truth: Path
    out: Path  # where tests write packs


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    tmp = tmp_path_factory.mktemp("briefings")
    for url in database(tmp):
        engine = connect(url)
        settings = Settings(database_url=url, data_dir=tmp / "hub")
        truth = ev.build_synthetic_hub(
            settings=settings, engine=engine, out_dir=tmp / "synth", days=DAYS, seed=SEED, scale=SCALE
        )
        yield Hub(engine, settings, tmp / "synth", truth, tmp / "packs")
        engine.dispose()
