"""``saferhub import`` in a subprocess, as a partner or a scheduler would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from feeds.helpers import (
    GOOD_CALLS,
    REFUSED_FILES,
    cli,
    counts,
    events,
    import_run,
    read_quarantine_csv,
    refused_file,
    run_import,
    snapshot,
    write_csv,
    write_text,
)
from saferhub.config import Settings

SUMMARY_KEYS = {"file", "feed", "read", "imported", "updated", "quarantined", "quarantine"}
CALLS_HEADER = ["agency", "source_id", "received_at", "category", "caller_last_name"]


def _calls(tmp_path: Path) -> tuple[Path, Path]:
    good = write_csv(tmp_path / "good.csv", CALLS_HEADER, [
        ["police", "J1", "2024-05-01T10:00:00", "asb", "Smith"],
        ["fire", "J2", "2024-05-01T11:00:00", "fire", None],
    ])  # fmt: skip
    mixed = write_csv(tmp_path / "mixed.csv.gz", CALLS_HEADER, [
        ["police", "J3", "2024-05-02T10:00:00", "crime", None],
        ["police", "J4", "2024-05-02T10:00:00", "burglary", None],  # line 3: unknown category
        ["police", "J5", "2024-05-02", "crime", "Jones"],
    ], gz=True)  # fmt: skip
    return good, mixed


def test_json_summary_per_file(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    good, mixed = _calls(tmp_path)
    done = cli("import", "calls", str(good), str(mixed), "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 2, done.stdout
    first, second = (json.loads(line) for line in lines)
    assert set(first) >= SUMMARY_KEYS and set(second) >= SUMMARY_KEYS

    assert Path(first["file"]).name == "good.csv" and first["feed"] == "calls"
    assert (first["read"], first["imported"], first["updated"], first["quarantined"]) == (2, 2, 0, 0)
    assert first["quarantine"] is None
    assert Path(second["file"]).name == "mixed.csv.gz"
    assert (second["read"], second["imported"], second["updated"], second["quarantined"]) == (3, 2, 0, 1)
    # The quarantine file is where the summary says, beside the hub's other quarantine files.
    quarantine = Path(second["quarantine"])
    assert quarantine.is_file()
    assert quarantine.is_relative_to(settings.resolved_quarantine_dir())
    assert [(r["line"], r["source_id"]) for r in read_quarantine_csv(quarantine)] == [("3", "J4")]

    # The subprocess wrote to this test's store.
    assert set(events(engine)) == {"J1", "J2", "J3", "J5"}
    assert counts(engine)["person_mentions"] == 2
    run = import_run(engine, second["import_id"])
    assert (run["read"], run["imported"], run["quarantined"]) == (3, 2, 1)


def test_plain_output_is_a_summary_table(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    good, mixed = _calls(tmp_path)
    done = cli("import", "calls", str(good), str(mixed))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Import summary" in out
    for heading in ("file", "feed", "read", "imported", "updated", "quarantined"):
        assert heading in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if "│ calls" in line}
    assert set(rows) == {"good.csv", "mixed.csv.gz"}
    cells = [c.strip() for c in rows["mixed.csv.gz"].split("│")[1:-1]]
    assert cells == ["mixed.csv.gz", "calls", "3", "2", "0", "0", "1"]
    assert "1 rows of mixed.csv.gz quarantined" in out.replace("\n", " ")
    assert "{" not in out  # not JSON
    assert counts(engine)["events"] == 4


def test_mapping_option(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    mapping = write_text(tmp_path / "partner.toml", (
        '[columns]\nsource_id = "Log No"\nreceived_at = "Logged"\n'
        '[values.category]\n"Youths causing annoyance" = "asb"\n'
        '[defaults]\nagency = "police"\n'
        '[formats]\nreceived_at = "%d/%m/%Y %H:%M"\n'
    ))  # fmt: skip
    path = write_csv(tmp_path / "export.csv", ["Log No", "Logged", "Category"],
                     [["L-77", "14/07/2024 22:15", "YOUTHS CAUSING ANNOYANCE"]])  # fmt: skip
    done = cli("import", "calls", str(path), "--mapping", str(mapping), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] == 1
    event = events(engine)["L-77"]
    assert (event["agency"], event["category"]) == ("police", "asb")
    assert event["occurred_at"].isoformat() == "2024-07-14T21:15:00"


# The refusals the contract names; each runs in its own process.
CLI_REFUSED = ["empty", "gz-not-gzip", "truncated-gzip", "latin-1", "binary", "missing-required-column"]


@pytest.mark.parametrize("case", CLI_REFUSED)
def test_refused_file_exits_2_with_one_line(
    tmp_path: Path, settings: Settings, engine: Engine, case: str
) -> None:
    run_import(settings, engine, "calls", write_text(tmp_path / "first.csv", GOOD_CALLS))
    before = snapshot(engine)
    folder = tmp_path / "in"
    folder.mkdir()
    path = refused_file(folder, case)

    done = cli("import", "calls", str(path))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert path.name in lines[0]
    assert "Import summary" not in done.stdout
    assert snapshot(engine) == before


def test_refused_files_among_good_ones(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = [refused_file(folder, case) for case in sorted(REFUSED_FILES) if case != "truncated-gzip"]
    good = write_text(tmp_path / "good.csv", GOOD_CALLS)
    done = cli("import", "calls", *map(str, bad[:3]), str(good), *map(str, bad[3:]), "--json")
    # One refused file makes the exit status 2; the good file is still imported.
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    stderr = done.stderr.strip().splitlines()
    assert len(stderr) == len(bad)
    for line, path in zip(stderr, bad, strict=True):
        assert path.name in line
    summaries = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [Path(s["file"]).name for s in summaries] == [p.name for p in [*bad[:3], good, *bad[3:]]]
    assert summaries[3]["imported"] == 1
    assert all(s["imported"] == 0 and s.get("refused") for s in summaries if s is not summaries[3])
    assert counts(engine) == {"imports": 1, "events": 1, "person_mentions": 0, "quarantined_rows": 0}
