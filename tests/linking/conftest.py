"""Small synthetic partner files with linkage ground truth, shared by the linking tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from saferhub.config import Settings
from saferhub.services import import_partner_file
from saferhub.synth import generate

FEEDS = {
    "calls": "calls.csv.gz",
    "asb-reports": "asb-reports.csv.gz",
    "fire-incidents": "fire-incidents.csv.gz",
    "referrals": "referrals.csv.gz",
    "intelligence": "intelligence.csv.gz",
}


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2,300 person mentions over 90 days: small enough for seconds, with truth."""
    out = tmp_path_factory.mktemp("synth")
    generate(out_dir=out, days=90, seed=7, scale=0.05)
    return out


@pytest.fixture
def import_feeds(settings: Settings, engine: Engine, synth_dir: Path) -> Callable[..., None]:
    def run(*feeds: str) -> None:
        for feed in feeds or tuple(FEEDS):
            import_partner_file(settings=settings, engine=engine, feed=feed, path=synth_dir / FEEDS[feed])

    return run


@pytest.fixture
def truth(synth_dir: Path) -> pl.DataFrame:
    from saferhub.linking.evaluate import read_truth

    return read_truth(synth_dir / "truth" / "mentions.csv")
