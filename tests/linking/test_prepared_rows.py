"""Prepared mention rows kept between link runs equal rows made afresh from the store."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import Engine, delete, func, select

from linking.helpers import write_calls
from saferhub.config import Settings
from saferhub.linking import link_people
from saferhub.linking.prepared import read_rows, save_rows
from saferhub.services import import_partner_file
from saferhub.store.people_models import PersonLinkPrepared

MEGAN = {"caller_first_name": "Megan", "caller_last_name": "Reed", "caller_dob": "07/04/1998"}
JOHN = {"caller_first_name": "John", "caller_last_name": "Ellis", "caller_phone": "07700 900123"}
SARAH = {"caller_first_name": "Sarah", "caller_last_name": "Hughes", "caller_postcode": "CH41 5AB",
         "caller_address": "14 Park Rd"}  # fmt: skip
AHMED = {"caller_first_name": "Ahmed", "caller_last_name": "Khan", "caller_dob": "1980-02-01"}


def _import(
    tmp_path: Path, settings: Settings, engine: Engine, name: str, rows: list[dict[str, str]]
) -> None:
    path = write_calls(tmp_path / name, rows)
    import_partner_file(settings=settings, engine=engine, feed="calls", path=path)


def test_kept_rows_follow_new_changed_and_removed_mentions(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    _import(tmp_path, settings, engine, "first.csv.gz", [MEGAN, JOHN, SARAH, AHMED])
    link_people(engine=engine)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PersonLinkPrepared)).scalar_one() == 1
    # The next file: Megan's record corrected, John's caller removed, Sarah and Ahmed as
    # they were, and a new call.
    married = {**MEGAN, "caller_last_name": "Ellis"}
    anonymous = {"caller_first_name": "", "caller_last_name": "", "caller_phone": ""}
    _import(tmp_path, settings, engine, "second.csv.gz", [married, anonymous, SARAH, AHMED, JOHN])
    with engine.connect() as conn:
        kept = read_rows(conn)
        conn.execute(delete(PersonLinkPrepared))
        conn.commit()
        fresh = read_rows(conn)
    assert kept.kept and not fresh.kept
    # Only the two events the second file wrote with a caller were read again.
    assert kept.prepared == 2 and fresh.prepared == 4
    assert kept.rows.equals(fresh.rows.select(kept.rows.columns))
    assert kept.through_import == fresh.through_import == 2
    assert kept.rows.height == 4  # John's first call no longer names anyone
    surnames = dict(zip(kept.rows["fn"].to_list(), kept.rows["ln"].to_list(), strict=True))
    assert surnames == {"megan": "ellis", "sarah": "hughes", "ahmed": "khan", "john": "ellis"}


def test_kept_rows_are_written_again_only_when_much_was_read_afresh(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    _import(tmp_path, settings, engine, "calls.csv.gz", [MEGAN, JOHN, SARAH, AHMED] * 30)
    with engine.connect() as conn:
        fresh = read_rows(conn)
    with engine.begin() as conn:
        assert save_rows(conn, fresh)  # nothing saved yet
        kept = dataclasses.replace(fresh, kept=True, prepared=1)
        assert not save_rows(conn, kept)  # 1 of 120 read afresh: not worth writing
        assert save_rows(conn, dataclasses.replace(kept, prepared=60))
