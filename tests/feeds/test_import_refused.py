"""Files the hub refuses whole: FileRefused in one line naming the file, the store untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from feeds.helpers import (
    GOOD_CALLS,
    REFUSED_FILES,
    counts,
    refused_file,
    run_import,
    snapshot,
    write_text,
)
from saferhub.config import Settings
from saferhub.feeds import FileRefused


@pytest.mark.parametrize("case", sorted(REFUSED_FILES))
def test_refused_file_leaves_store_unchanged(
    tmp_path: Path, settings: Settings, engine: Engine, case: str
) -> None:
    # A store that already holds something, so "unchanged" is not just "empty".
    first = run_import(settings, engine, "calls", write_text(tmp_path / "first.csv", GOOD_CALLS))
    assert first.imported == 1
    before = snapshot(engine)
    quarantine_dir = settings.resolved_quarantine_dir()
    files_before = sorted(quarantine_dir.rglob("*")) if quarantine_dir.exists() else []

    folder = tmp_path / "in"
    folder.mkdir()
    path = refused_file(folder, case)
    with pytest.raises(FileRefused) as refused:
        run_import(settings, engine, "calls", path)

    message = str(refused.value)
    assert path.name in message
    assert "\n" not in message
    assert refused.value.file == path.name
    assert snapshot(engine) == before
    now = sorted(quarantine_dir.rglob("*")) if quarantine_dir.exists() else []
    assert now == files_before


def test_sheet_option_on_a_csv_is_refused(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    path = write_text(tmp_path / "calls.csv", GOOD_CALLS)
    with pytest.raises(FileRefused, match=r"calls\.csv"):
        run_import(settings, engine, "calls", path, sheet="Calls")
    assert counts(engine) == {"imports": 0, "events": 0, "person_mentions": 0, "quarantined_rows": 0}


def test_unknown_sheet_is_refused(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Calls"
    sheet.append(["agency", "source_id", "received_at"])
    path = tmp_path / "calls.xlsx"
    book.save(path)
    with pytest.raises(FileRefused, match="Calls"):
        run_import(settings, engine, "calls", path, sheet="Fires")
    assert counts(engine)["imports"] == 0


def test_unknown_feed_is_refused(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    path = write_text(tmp_path / "calls.csv", GOOD_CALLS)
    with pytest.raises(FileRefused, match="unknown feed"):
        run_import(settings, engine, "parking-tickets", path)
    assert counts(engine)["imports"] == 0
