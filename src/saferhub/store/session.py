"""Connections to the hub's database, bringing its schema up to date, and (SQLite) copying
the write-ahead log of an import's commits back into the database in the background."""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # a whole import (DDL for staging tables included) is one atomic transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # A new store gets 32 KiB pages (the default is 4 KiB): an import of the 55 police.uk
    # files runs about a tenth faster (docs/benchmarks.md). SQLite takes the page size only
    # before the first table exists, so a store made earlier keeps its own.
    cursor.execute("PRAGMA page_size=32768")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA temp_store=MEMORY")
    # Imports insert into large indexes at random keys: give SQLite room to cache them.
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


class WalCheckpointer:
    """Copies a SQLite store's write-ahead log back into the database on a thread of its own.

    With it, an import's commit only appends the file's pages to the log; copying them
    into the database (and the syncs that go with it) overlaps with preparing and merging
    the next file. A PASSIVE checkpoint never blocks the writer or readers, and SQLite
    keeps the log and database consistent whenever a copy stops. The thread ends after
    a few idle seconds, and at exit once its last copy is done.
    """

    IDLE_SECONDS = 3.0
    WAL_BYTES = 128 * 1024 * 1024  # copy once the log holds this much
    _lock = threading.Lock()
    _running: ClassVar[dict[str, WalCheckpointer]] = {}

    def __init__(self, path: str) -> None:
        self._path = path
        self._wanted = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="saferhub-wal-checkpoint", daemon=True)

    @classmethod
    def request(cls, path: str) -> None:
        with cls._lock:
            running = cls._running.get(path)
            if running is None:
                running = cls._running[path] = cls(path)
                running._thread.start()
            running._wanted.set()

    def _run(self) -> None:
        db: sqlite3.Connection | None = None
        try:
            # mode=rw: a store that has gone away is never created anew.
            db = sqlite3.connect(f"{Path(self._path).resolve().as_uri()}?mode=rw", uri=True)
            while True:
                self._wanted.wait(self.IDLE_SECONDS)
                with self._lock:
                    wanted = self._wanted.is_set()
                    self._wanted.clear()
                    if not wanted or self._stopping:
                        self._running.pop(self._path, None)  # a later request starts anew
                        break
                if _size(f"{self._path}-wal") < self.WAL_BYTES:
                    continue  # pages rewritten by the next commits are then copied once
                db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # idle or exiting: catch up
        except sqlite3.Error:
            with self._lock:
                if self._running.get(self._path) is self:
                    del self._running[self._path]
            # later commits' own checkpoints (or the next open) catch up
        finally:
            if db is not None:
                db.close()

    @classmethod
    def finish_all(cls) -> None:
        with cls._lock:
            running = list(cls._running.values())
            for checkpointer in running:
                checkpointer._stopping = True
                checkpointer._wanted.set()
        for checkpointer in running:
            checkpointer._thread.join()


atexit.register(WalCheckpointer.finish_all)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def sqlite_file(engine: Engine) -> str | None:
    """The path of ``engine``'s SQLite database file; None for PostgreSQL or in-memory."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return database if not database.startswith("file:") else None


def connect(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and their folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def describe_url(url: str) -> str:
    """The URL with any password hidden, fit to print."""
    return make_url(url).render_as_string(hide_password=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (creating it if it is a new SQLite file)."""
    engine = connect(url)
    try:
        with engine.begin() as connection:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def refresh_statistics(engine: Engine) -> None:
    """Bring the planner's statistics up to date after a bulk change (PostgreSQL only).

    A server with autovacuum off (as on the development machines) never analyses the tables
    a bulk import and a link run fill, and then reads a person's links by scanning the
    whole table. On SQLite the planner does without; nothing is done there.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
