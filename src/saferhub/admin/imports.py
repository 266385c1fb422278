"""Partner files imported from the web: the upload, past imports, and a file's quarantined rows.

Hub admins and analysts import. A quarantined row's values are the partner's record as
sent (personal data): they are shown only to hub admins and analysts of the agency the
row belongs to, and every look is audited; its line and reasons (which never hold a
personal value) are shown to anyone who may see imports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from saferhub.access import Reader, record
from saferhub.admin import AdminDenied
from saferhub.config import Settings
from saferhub.feeds import FEEDS, FileRefused, ImportSummary
from saferhub.services import import_partner_file
from saferhub.store import Event, ImportRun, QuarantinedRow

IMPORTERS = frozenset({"hub_admin", "analyst"})
QUARANTINE_PAGE = 500  # rows shown at once; the CSV in the quarantine folder has them all


@dataclass(frozen=True)
class ImportView:
    """One past import: counts only. ``read = imported + updated + quarantined``;
    ``unchanged`` is the part of ``updated`` whose content was already held."""

    id: int
    feed: str
    file_name: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    read: int
    imported: int
    updated: int
    unchanged: int
    quarantined: int

    @property
    def adds_up(self) -> bool:
        return self.read == self.imported + self.updated + self.quarantined


@dataclass(frozen=True)
class QuarantinedView:
    """A refused row: its line and reasons; ``fields`` (as sent) only where the reader may see them."""

    id: int
    line: int
    reasons: tuple[str, ...]
    fields: dict[str, Any] | None


@dataclass(frozen=True)
class ImportDetails:
    run: ImportView
    rows: tuple[QuarantinedView, ...]
    withheld: int  # rows whose values the reader may not see
    more: int  # quarantined rows beyond the first QUARANTINE_PAGE


def _log(engine: Engine, reader: Reader, action: str, what: dict[str, Any], where_from: str) -> None:
    with engine.begin() as conn:
        record(conn, reader=reader, action=action, what=what, where_from=where_from)


def _require_importer(engine: Engine, reader: Reader, where_from: str) -> None:
    if reader.role not in IMPORTERS:
        _log(engine, reader, "deny", {"object": "imports"}, where_from)
        raise AdminDenied("only hub admins and analysts import partner files")


def import_upload(
    *, settings: Settings, engine: Engine, reader: Reader, where_from: str, feed: str, path: Path
) -> ImportSummary:
    """Import a file the reader sent; FileRefused (store unchanged, refusal audited) if it cannot be."""
    _require_importer(engine, reader, where_from)
    if feed not in FEEDS:
        raise FileRefused(path.name, f"unknown feed '{feed}' (feeds: {', '.join(FEEDS)})")
    try:
        summary = import_partner_file(settings=settings, engine=engine, feed=feed, path=path)
    except FileRefused:
        _log(engine, reader, "import", {"feed": feed, "refused": True}, where_from)
        raise
    what = {
        "feed": feed, "import_id": summary.import_id, "read": summary.read, "imported": summary.imported,
        "updated": summary.updated, "unchanged": summary.unchanged, "quarantined": summary.quarantined,
    }  # fmt: skip
    _log(engine, reader, "import", what, where_from)
    return summary


def _view(row: Any) -> ImportView:
    return ImportView(
        id=row.id, feed=row.feed, file_name=row.file_name, started_at=row.started_at,
        finished_at=row.finished_at, read=row.read, imported=row.imported, updated=row.updated,
        unchanged=row.unchanged, quarantined=row.quarantined,
    )  # fmt: skip


def past_imports(*, engine: Engine, reader: Reader, where_from: str, limit: int = 100) -> list[ImportView]:
    """The newest imports (file names and counts: no personal data)."""
    _require_importer(engine, reader, where_from)
    with engine.connect() as conn:
        rows = conn.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)).all()
    return [_view(r) for r in rows]


def import_run(*, engine: Engine, reader: Reader, where_from: str, import_id: int) -> ImportView | None:
    """One import's counts (no personal data), or None if there is no such import."""
    _require_importer(engine, reader, where_from)
    with engine.connect() as conn:
        row = conn.execute(select(ImportRun).where(ImportRun.id == import_id)).first()
    return None if row is None else _view(row)


def _row_agency(fields: dict[str, Any], default: str | None) -> str | None:
    for key, value in fields.items():
        if key.strip().lower() == "agency" and isinstance(value, str) and value.strip():
            return value.strip().lower()
    return default


def import_details(
    *, engine: Engine, reader: Reader, where_from: str, import_id: int
) -> ImportDetails | None:
    """An import's counts and quarantined rows (None if there is no such import).

    A row's values are shown to a hub admin or analyst of the row's agency (its ``agency``
    as sent, else the feed's own agency, else the file's one agency); withheld otherwise.
    """
    _require_importer(engine, reader, where_from)
    with engine.connect() as conn:
        run = conn.execute(select(ImportRun).where(ImportRun.id == import_id)).first()
        if run is None:
            return None
        rows = conn.execute(
            select(QuarantinedRow.id, QuarantinedRow.line, QuarantinedRow.reasons, QuarantinedRow.fields)
            .where(QuarantinedRow.import_id == import_id)
            .order_by(QuarantinedRow.line, QuarantinedRow.id)
            .limit(QUARANTINE_PAGE)
        ).all()
        stored = {
            a for (a,) in conn.execute(select(Event.agency).distinct().where(Event.import_id == import_id))
        }
    spec = FEEDS.get(run.feed)
    default = spec.default_agency if spec is not None else None
    sent = [_row_agency(dict(r.fields or {}), default) for r in rows]
    agencies = stored | {a for a in sent if a}
    file_agency = next(iter(agencies)) if len(agencies) == 1 else None
    views: list[QuarantinedView] = []
    shown: list[int] = []
    for row, agency in zip(rows, sent, strict=True):
        owner = agency or file_agency
        visible = owner is not None and owner == reader.agency
        if visible:
            shown.append(row.id)
        views.append(
            QuarantinedView(row.id, row.line, tuple(row.reasons or ()), dict(row.fields) if visible else None)
        )
    withheld = len(views) - len(shown)
    what = {"object": "quarantined_rows", "import_ids": [import_id], "row_ids": shown, "shown": len(shown),
            "withheld": withheld}  # fmt: skip
    _log(engine, reader, "view", what, where_from)
    return ImportDetails(_view(run), tuple(views), withheld, max(0, run.quarantined - len(views)))
