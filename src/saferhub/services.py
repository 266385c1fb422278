"""Hub-level services the CLI and web call: they read settings and open the store."""

from __future__ import annotations

from collections import deque
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
from saferhub.feeds.runner import PreparedImport, prepare_file, stage_prepared, store_prepared
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

    A three-stage pipeline: while one file is being stored, the next is being staged
    (written where the store can take it in bulk) and the one after that read, validated
    and placed, each on a thread of its own. polars, pyarrow, shapely, the staging writer
    and the database's set-based statements all work outside Python's global lock, so the
    stages overlap (measured: docs/benchmarks.md). At most LOOKAHEAD files wait ahead.
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

    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="saferhub-prepare") as preparing,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="saferhub-stage") as staging,
    ):

        def schedule(path: Path) -> Future[PreparedImport]:
            read = preparing.submit(prepare, path)
            return staging.submit(lambda: stage_prepared(engine=engine, prepared=read.result()))

        pending = deque(schedule(path) for path in paths[:LOOKAHEAD])
        try:
            for i, path in enumerate(paths):
                current = pending.popleft()
                if i + LOOKAHEAD < len(paths):
                    pending.append(schedule(paths[i + LOOKAHEAD]))
                try:
                    prepared = current.result()
                except FileRefused as exc:
                    yield FileOutcome(path=path, refused=exc)
                    continue
                summary = store_prepared(
                    engine=engine,
                    prepared=prepared,
                    quarantine_dir=quarantine_dir,
                    progress=progress(path) if progress else None,
                )
                yield FileOutcome(path=path, summary=summary)
        finally:
            # Stopped early (an error, an interrupt, the caller gone): files prepared
            # ahead are never stored, so their staging files go.
            for future in pending:
                if not future.cancel():
                    future.add_done_callback(_discard_prepared)


LOOKAHEAD = 2  # files prepared or staged ahead of the one being stored


def _discard_prepared(future: Future[PreparedImport]) -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().discard()
