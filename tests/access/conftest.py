"""Fixtures for the access tests: the shipped agreement, synthetic partner files, tampering."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, text

from saferhub.access import SharingAgreement, load_agreement
from saferhub.config import Settings
from saferhub.services import import_partner_file
from saferhub.synth import generate

SYNTH_FEEDS = {
    "calls": "calls.csv.gz",
    "asb-reports": "asb-reports.csv.gz",
    "fire-incidents": "fire-incidents.csv.gz",
    "referrals": "referrals.csv.gz",
    "intelligence": "intelligence.csv.gz",
}


@pytest.fixture(scope="session")
def agreement() -> SharingAgreement:
    return load_agreement()


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four months of a small Wirral: about 200 intelligence logs, a quarter of them graded C."""
    out = tmp_path_factory.mktemp("access-synth")
    generate(out_dir=out, days=120, seed=11, scale=0.08)
    return out


@pytest.fixture
def import_synth(settings: Settings, engine: Engine, synth_dir: Path) -> Callable[..., None]:
    def run(*feeds: str) -> None:
        for feed in feeds or tuple(SYNTH_FEEDS):
            path = synth_dir / SYNTH_FEEDS[feed]
            import_partner_file(settings=settings, engine=engine, feed=feed, path=path)

    return run


@pytest.fixture(scope="session")
def synth_intelligence(synth_dir: Path) -> pl.DataFrame:
    """The intelligence file as the partner sent it: the ground truth of handling codes."""
    return pl.read_csv(synth_dir / "intelligence.csv.gz", infer_schema=False)


@contextmanager
def _tampering(engine: Engine) -> Iterator[Connection]:
    """A transaction in which the append-only triggers do not fire (an attacker with the
    database owner's rights)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        yield conn


@pytest.fixture
def tamper(engine: Engine) -> Callable[..., None]:
    def run(*statements: str) -> None:
        with _tampering(engine) as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)

    return run
