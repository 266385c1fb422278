"""Fixtures shared by the whole suite.

Every test that touches the store runs on the backend named by
``SAFERHUB_TEST_DATABASE_URL`` (PostgreSQL in CI's second pass) or, by default, on a
fresh SQLite file. On PostgreSQL each test session gets its own database, and each
test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from saferhub.config import Settings, get_settings
from saferhub.store import Base, connect, upgrade

POSTGRES_URL = os.environ.get("SAFERHUB_TEST_DATABASE_URL")
# Rich sizes tables to the terminal; pytest-xdist workers have none and would get 80
# columns, cutting the ids the CLI tests look for. One width for every run.
os.environ["COLUMNS"] = "200"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def backend() -> str:
    return "postgresql" if POSTGRES_URL else "sqlite"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A database of this session's own on the PostgreSQL server, dropped at the end."""
    if not POSTGRES_URL:
        yield None
        return
    admin_url = make_url(POSTGRES_URL)
    name = f"saferhub_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path, postgres_database: str | None) -> Iterator[str]:
    """An empty, migrated database for one test."""
    if postgres_database is None:
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        upgrade(url)
        yield url
        return
    engine = connect(postgres_database)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield postgres_database


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for a hub in ``tmp_path``, also seen by the CLI through the environment."""
    monkeypatch.setenv("SAFERHUB_DATA_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("SAFERHUB_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.exists():
        pytest.skip(f"the shared data folder is not at {path}")
    return path
