"""Hub-level services the CLI and web call: they read settings and open the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from saferhub.areas import load_areas
from saferhub.config import Settings
from saferhub.feeds import FEEDS, FileRefused, ImportSummary, import_file, known_agencies, load_mapping
from saferhub.store import connect, upgrade


def open_store(settings: Settings) -> Engine:
    """The hub's database, brought up to the current schema."""
    url = settings.resolved_database_url()
    upgrade(url)
    return connect(url)


def import_partner_file(
    *,
    settings: Settings,
    engine: Engine,
    feed: str,
    path: Path,
    mapping: Path | None = None,
    sheet: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Import one file into ``feed`` as the settings say; FileRefused if it cannot be."""
    spec = FEEDS.get(feed)
    if spec is None:
        raise FileRefused(path.name, f"unknown feed '{feed}' (feeds: {', '.join(FEEDS)})")
    return import_file(
        engine=engine,
        feed=spec,
        path=path,
        areas=load_areas(settings.areas_file),
        agencies=known_agencies(settings.extra_agencies),
        quarantine_dir=settings.resolved_quarantine_dir(),
        mapping=load_mapping(mapping) if mapping else None,
        sheet=sheet,
        progress=progress,
    )
