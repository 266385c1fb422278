"""Hub-level services the CLI and web call: they read settings and open the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from saferhub.areas import load_areas
from saferhub.config import Settings
from saferhub.feeds import (
    FEEDS,
    FeedSpec,
    FileRefused,
    ImportSummary,
    import_file,
    known_agencies,
    load_mapping,
)
from saferhub.feeds.runner import PreparedImport, prepare_file, store_prepared
from saferhub.store import connect, upgrade

Progress = Callable[[str], None]


def open_store(settings: Settings) -> Engine:
    """The hub's database, brought up to the current schema."""
    url = settings.resolved_database_url()
    upgrade(url)
    return connect(url)


def _feed(feed: str, path: Path) -> FeedSpec:
    spec = FEEDS.get(feed)
    if spec is None:
        raise FileRefused(path.name, f"unknown feed '{feed}' (feeds: {', '.join(FEEDS)})")
    return spec


def import_partner_file(
    *,
    settings: Settings,
    engine: Engine,
    feed: str,
    path: Path,
    mapping: Path | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one file into ``feed`` as the settings say; FileRefused if it cannot be."""
    return import_file(
        engine=engine,
        feed=_feed(feed, path),
        path=path,
        areas=load_areas(settings.areas_file),
        agencies=known_agencies(settings.extra_agencies),
        quarantine_dir=settings.resolved_quarantine_dir(),
        mapping=load_mapping(mapping) if mapping else None,
        sheet=sheet,
        progress=progress,
    )


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file of a multi-file import: a summary, or why it was refused."""

    path: Path
    summary: ImportSummary | None = None
    refused: FileRefused | None = None


def import_partner_files(
    *,
    settings: Settings,
    engine: Engine,
    feed: str,
    paths: Sequence[Path],
    mapping: Path | None = None,
    sheet: str | None = None,
    progress: Callable[[Path], Progress] | None = None,
) -> Iterator[FileOutcome]:
    """Import several files, each atomically and in order, yielding each outcome as it lands.

    While one file is being stored, the next is read and validated on a second thread.
    polars, pyarrow and shapely work outside Python's global lock, and so does a
    PostgreSQL server; the SQLite driver holds the lock while it binds values, so on
    SQLite the overlap is small (measured: docs/benchmarks.md).
    """
    areas = load_areas(settings.areas_file)
    agencies = known_agencies(settings.extra_agencies)
    quarantine_dir = settings.resolved_quarantine_dir()
    parsed_mapping = load_mapping(mapping) if mapping else None

    def prepare(path: Path) -> PreparedImport:
        return prepare_file(
            feed=_feed(feed, path),
            path=path,
            areas=areas,
            agencies=agencies,
            mapping=parsed_mapping,
            sheet=sheet,
            progress=progress(path) if progress else None,
        )

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="saferhub-prepare") as pool:
        pending: Future[PreparedImport] | None = pool.submit(prepare, paths[0]) if paths else None
        for i, path in enumerate(paths):
            assert pending is not None
            current = pending
            pending = pool.submit(prepare, paths[i + 1]) if i + 1 < len(paths) else None
            try:
                prepared = current.result()
            except FileRefused as exc:
                yield FileOutcome(path=path, refused=exc)
                continue
            except BaseException:
                if pending is not None:
                    pending.cancel()
                raise
            summary = store_prepared(
                engine=engine,
                prepared=prepared,
                quarantine_dir=quarantine_dir,
                progress=progress(path) if progress else None,
            )
            yield FileOutcome(path=path, summary=summary)
