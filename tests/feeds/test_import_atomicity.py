"""An import is one transaction: a failure, an interrupt or a killed process leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

import saferhub.feeds.runner
import saferhub.store.bulk
from feeds.helpers import counts, events, mentions, run_import, snapshot, write_csv
from saferhub.config import Settings

HEADER = ["agency", "source_id", "reported_at", "asb_type", "description",
          "reporter_last_name", "subject_first_name", "subject_last_name"]  # fmt: skip
FIRST = [
    ["council", "S1", "2024-05-01T10:00:00", "nuisance", "Noise", "Jones", "Kevin", "Smith"],
    ["council", "S2", "2024-05-02T10:00:00", "personal", "Threats", "Lee", "Kyle", "Brown"],
    ["council", "S3", "2024-05-03T10:00:00", "environmental", "Litter", None, None, None],
]  # fmt: skip
SECOND = [
    ["council", "S1", "2024-05-01T10:00:00", "nuisance", "Noise, again", "Jones", "Kevin", "Smith"],
    ["council", "S2", "2024-05-02T10:00:00", "personal", "Threats", "Lee", None, None],
    ["council", "S3", "2024-05-03T10:00:00", "environmental", "Litter", None, None, None],
    ["council", "S4", "2024-05-04T10:00:00", "nuisance", "New case", "Hill", "Tom", "Ward"],
    ["council", "S5", "not a date", "nuisance", "Bad row", None, None, None],
]  # fmt: skip


def _first_import(tmp_path: Path, settings: Settings, engine: Engine) -> Path:
    summary = run_import(settings, engine, "asb-reports", write_csv(tmp_path / "first.csv", HEADER, FIRST))
    assert (summary.imported, summary.quarantined) == (3, 0)
    return write_csv(tmp_path / "second.csv", HEADER, SECOND)


def _check_second_import_works(settings: Settings, engine: Engine, path: Path) -> None:
    summary = run_import(settings, engine, "asb-reports", path)
    assert (summary.read, summary.imported, summary.updated, summary.unchanged, summary.quarantined) == (
        5, 1, 3, 1, 1,
    )  # fmt: skip
    assert events(engine)["S1"]["attributes"]["description"] == "Noise, again"
    assert set(mentions(engine)) == {
        ("S1", "reporter"), ("S1", "subject"), ("S2", "reporter"), ("S4", "reporter"), ("S4", "subject"),
    }  # fmt: skip
    assert counts(engine) == {"imports": 2, "events": 4, "person_mentions": 5, "quarantined_rows": 1}


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
@pytest.mark.parametrize("where", ["after-events", "after-mentions"])
def test_failure_in_store_step_rolls_back(
    tmp_path: Path,
    settings: Settings,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    failure: type[BaseException],
    where: str,
) -> None:
    second = _first_import(tmp_path, settings, engine)
    before = snapshot(engine)
    seen: dict[str, Any] = {}

    real_stage = saferhub.store.bulk._stage
    real_update = saferhub.feeds.runner.update

    def stage(conn: Connection, name: str, frame: Any) -> None:
        if name == "stage_mentions":
            # The events upsert has run in this transaction: S4 is there, S1 changed.
            seen["events"] = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
            seen["s1"] = conn.execute(
                text("SELECT import_id FROM events WHERE source_id = 'S1'")
            ).scalar_one()
            if where == "after-events":
                raise failure("interrupted while storing")
        real_stage(conn, name, frame)

    def update(*args: Any, **kwargs: Any) -> Any:
        # The last statement of the import: events, mentions, quarantined rows and the
        # quarantine file are all written by now.
        seen["quarantine files"] = sorted(settings.resolved_quarantine_dir().iterdir())
        raise failure("interrupted at the very end")

    with monkeypatch.context() as patch:
        patch.setattr(saferhub.store.bulk, "_stage", stage)
        patch.setattr(saferhub.feeds.runner, "update", update)
        with pytest.raises(failure):
            run_import(settings, engine, "asb-reports", second)
    assert real_update is saferhub.feeds.runner.update

    assert seen["events"] == 4, "the failure was meant to come after the events were written"
    if where == "after-mentions":
        assert len(seen["quarantine files"]) == 1
    first_import_id = before["imports"][0][0]
    assert seen["s1"] != first_import_id, "S1 was meant to be rewritten before the failure"
    assert snapshot(engine) == before
    # Nor is a quarantine file left behind for an import that never happened.
    quarantine_dir = settings.resolved_quarantine_dir()
    assert not quarantine_dir.exists() or not any(quarantine_dir.iterdir())
    _check_second_import_works(settings, engine, second)


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path

    from sqlalchemy import text

    import saferhub.store.bulk as bulk
    from saferhub.config import get_settings
    from saferhub.services import import_partner_file, open_store

    real_stage = bulk._stage

    def stage(conn, name, frame):
        if name == "stage_mentions":
            n = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
            print(f"events in transaction: {n}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return real_stage(conn, name, frame)

    bulk._stage = stage
    settings = get_settings()
    engine = open_store(settings)
    import_partner_file(settings=settings, engine=engine, feed="asb-reports", path=Path(sys.argv[1]))
    print("not killed", flush=True)
    """
)


def test_killed_process_leaves_store_unchanged(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    second = _first_import(tmp_path, settings, engine)
    before = snapshot(engine)
    script = tmp_path / "kill_during_import.py"
    script.write_text(KILL_SCRIPT)

    done = subprocess.run(
        [sys.executable, str(script), str(second)],
        capture_output=True, text=True, env=dict(os.environ), timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "events in transaction: 4" in done.stdout  # killed after the events upsert
    assert "not killed" not in done.stdout

    engine.dispose()  # fresh connections, as a new process would have
    assert snapshot(engine) == before
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    _check_second_import_works(settings, engine, second)
