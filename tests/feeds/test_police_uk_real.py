"""The real data.police.uk street files for Merseyside (shared/data/police_uk) import completely.

A subset of three monthly files runs in the normal suite; the whole set is marked slow.
Our own LSOA assignment of each point is compared with the LSOA police.uk published for it
(kept in ``attributes["published_lsoa_code"]``) on the Wirral rows.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from feeds.helpers import assert_adds_up, counts, run_import
from saferhub.config import Settings
from saferhub.store import Event

SUBSET = ("2014-02", "2019-06", "2021-09")
LSOA_AGREEMENT = 0.99


def _street_files(shared_data: Path) -> list[Path]:
    folder = shared_data / "police_uk" / "merseyside" / "street"
    files = sorted(folder.glob("*-merseyside-street.csv*"))
    if not files:
        pytest.skip(f"no police.uk street files in {folder}")
    return files


def _read(path: Path) -> tuple[int, set[str]]:
    """Records in the file and its Crime IDs, read independently of the importer."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    crime_id = rows[0].index("Crime ID")
    ids = [r[crime_id] for r in rows[1:] if r[crime_id]]
    assert len(ids) == len(set(ids)), f"{path.name} repeats a Crime ID"
    return len(rows) - 1, set(ids)


def _wirral_agreement(engine: Engine) -> tuple[int, int]:
    """(Wirral rows with a point, those whose LSOA we assign = the published one)."""
    with engine.connect() as conn:
        rows = conn.execute(select(Event.lsoa_code, Event.attributes, Event.latitude)).all()
    total = agree = 0
    for lsoa, attributes, latitude in rows:
        name = (attributes or {}).get("published_lsoa_name") or ""
        if not name.startswith("Wirral") or latitude is None:
            continue
        total += 1
        agree += lsoa == attributes["published_lsoa_code"]
    return total, agree


def _import_all(files: list[Path], settings: Settings, engine: Engine) -> None:
    """Import every file, then all again; check every count against the files themselves.

    A few 2014 crimes appear again, with a later outcome, in a later month's file: with the
    same Crime ID they are the same record, which the later file updates (the contract's
    identity rule), so they count as updated, not imported.
    """
    read = {path: _read(path) for path in files}
    seen: set[str] = set()
    for path in files:
        rows, ids = read[path]
        summary = run_import(settings, engine, "police-uk-street", path)
        assert_adds_up(summary)
        known = len(ids & seen)
        assert (summary.read, summary.imported, summary.updated, summary.quarantined) == (
            rows, rows - known, known, 0,
        ), path.name  # fmt: skip
        assert summary.quarantine is None
        seen |= ids
    distinct = sum(rows - len(ids) for rows, ids in read.values()) + len(seen)
    assert counts(engine)["events"] == distinct
    assert counts(engine)["quarantined_rows"] == 0

    for path in files:
        rows, ids = read[path]
        shared = sum(len(ids & other) for p, (_, other) in read.items() if p != path)
        again = run_import(settings, engine, "police-uk-street", path)
        assert (again.read, again.imported, again.updated, again.quarantined) == (
            rows, 0, rows, 0,
        ), path.name  # fmt: skip
        # Only a crime that another file also holds is rewritten (its outcome differs).
        assert again.unchanged == rows - shared, path.name
    assert counts(engine)["events"] == distinct


def _check_agreement(engine: Engine, record_property: pytest.RecordProperty) -> None:
    total, agree = _wirral_agreement(engine)
    assert total > 1000, "expected thousands of Wirral rows"
    share = agree / total
    record_property("wirral_lsoa_agreement", f"{agree}/{total} = {share:.4f}")
    print(f"Wirral LSOA agreement with police.uk: {agree}/{total} = {share:.4%}")
    assert share >= LSOA_AGREEMENT, f"LSOA agreement {share:.4%} < {LSOA_AGREEMENT:.0%}"


def test_police_uk_subset(
    shared_data: Path, settings: Settings, engine: Engine, record_property: pytest.RecordProperty
) -> None:
    files = [p for p in _street_files(shared_data) if p.name[:7] in SUBSET]
    assert len(files) == len(SUBSET), "the subset's files are not all in shared/data"
    _import_all(files, settings, engine)
    _check_agreement(engine, record_property)


@pytest.mark.slow
def test_police_uk_all_files(
    request: pytest.FixtureRequest,
    shared_data: Path,
    settings: Settings,
    engine: Engine,
    record_property: pytest.RecordProperty,
) -> None:
    # Minutes, not seconds: the suite's default run leaves it out; ``-m slow`` runs it.
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the whole police.uk set takes minutes; run it with -m slow")
    _import_all(_street_files(shared_data), settings, engine)
    _check_agreement(engine, record_property)
