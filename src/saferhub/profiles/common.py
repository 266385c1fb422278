"""Pieces the profile services share: id shapes, today's date, standards, the audit entries."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from saferhub.access import Reader, record
from saferhub.analysis.standards import Standards, load_standards
from saferhub.config import Settings
from saferhub.profiles.reading import LONDON
from saferhub.profiles.results import NotFound

PERSON_ID = re.compile(r"^P[0-9A-F]{12}$")
PLACE_ID = re.compile(r"^PL[0-9]{4,12}$")


def london_today() -> dt.date:
    return dt.datetime.now(LONDON).date()


def standards_of(settings: Settings | None) -> Standards:
    """The hub's standards, read once per file (and again when the file changes)."""
    path = settings.standards_file if settings is not None else None
    stamp = path.stat().st_mtime_ns if path is not None and path.exists() else 0
    return _standards(path, stamp)


@functools.lru_cache(maxsize=8)
def _standards(path: Path | None, stamp: int) -> Standards:
    return load_standards(path)


def audit(engine: Engine, *, reader: Reader, action: str, what: dict[str, Any], where_from: str) -> None:
    """One audit entry in a transaction of its own, written before anything is returned."""
    with engine.begin() as conn:
        record(conn, reader=reader, action=action, what=what, where_from=where_from)


def not_found(
    engine: Engine,
    *,
    reader: Reader,
    where_from: str,
    purpose: str,
    key: str,
    asked: str,
    shape: re.Pattern[str],
) -> NotFound:
    """The one answer for an unknown id and for an id the reader may see nothing of: the
    same error, and the same audit entry (the id only if it has an id's shape)."""
    what: dict[str, Any] = {"purpose": purpose, "found": False}
    if shape.match(asked):
        what[key] = asked
    audit(engine, reader=reader, action="deny", what=what, where_from=where_from)
    return NotFound(key.removesuffix("_id"))
