"""The audit log: append-only, hash-chained, and verify names the first broken entry."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from saferhub.access import AuditError, Reader, recent, record, verify

ANALYST = Reader(agency="council", role="analyst", user="u-0042")


def _write(engine: Engine, n: int, reader: Reader = ANALYST) -> None:
    for i in range(n):
        with engine.begin() as conn:
            record(
                conn, reader=reader, action="view", where_from="cli:test",
                what={"purpose": "briefing:daily", "rows": i, "event_ids": [10 + i, 20 + i]},
            )  # fmt: skip


def test_an_untouched_log_verifies(engine: Engine) -> None:
    assert verify(engine).ok and verify(engine).entries == 0
    _write(engine, 5)
    check = verify(engine)
    assert check.ok and check.entries == 5 and check.head_id == 5 and check.first_broken_id is None
    newest = recent(engine, last=2)
    assert newest["id"].to_list() == [5, 4]
    assert newest["actor"].to_list() == ["u-0042", "u-0042"]


def test_an_entry_is_kept_only_if_its_transaction_commits(engine: Engine) -> None:
    _write(engine, 2)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        record(conn, reader=ANALYST, action="view", what={"rows": 1}, where_from="cli:test")
        raise RuntimeError("the service failed after logging")
    _write(engine, 1)
    check = verify(engine)
    assert check.ok and check.entries == 3 and check.head_id == 3


def test_the_database_refuses_changes_and_deletions(engine: Engine) -> None:
    _write(engine, 3)
    for statement in ("UPDATE audit_log SET what = '{}' WHERE id = 2", "DELETE FROM audit_log WHERE id = 2"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert verify(engine).ok


def test_a_changed_what_is_the_first_broken_entry(engine: Engine, tamper: Callable[..., None]) -> None:
    _write(engine, 6)
    tamper('UPDATE audit_log SET what = \'{"purpose":"briefing:daily","rows":0}\' WHERE id = 4')
    check = verify(engine)
    assert not check.ok and check.first_broken_id == 4
    assert "contents" in (check.problem or "")


def test_a_rehashed_change_breaks_the_next_entry(engine: Engine, tamper: Callable[..., None]) -> None:
    """Someone who changes an entry and recomputes its hash still breaks the link after it."""
    from saferhub.access.audit import entry_hash
    from saferhub.store.audit_models import AuditEntry

    _write(engine, 5)
    with engine.connect() as conn:
        row = conn.execute(select(AuditEntry.__table__).where(AuditEntry.id == 3)).mappings().one()
    fields = {k: row[k] for k in ("id", "actor", "agency", "role", "action", "where_from", "why")}
    fields["at"] = row["at"].isoformat(timespec="microseconds")
    fields["what"] = '{"rows":0}'
    forged = entry_hash(row["prev_hash"], fields)
    tamper(f"UPDATE audit_log SET what = '{{\"rows\":0}}', hash = '{forged}' WHERE id = 3")
    assert verify(engine).first_broken_id == 4


def test_a_deleted_entry_breaks_the_one_after(engine: Engine, tamper: Callable[..., None]) -> None:
    _write(engine, 6)
    tamper("DELETE FROM audit_log WHERE id = 3")
    check = verify(engine)
    assert not check.ok and check.first_broken_id == 4 and "entry 3 missing" in (check.problem or "")


def test_renumbered_entries_after_a_deletion_still_break(engine: Engine, tamper: Callable[..., None]) -> None:
    _write(engine, 5)
    moves = [f"UPDATE audit_log SET id = {i - 1} WHERE id = {i}" for i in (3, 4, 5)]
    tamper("DELETE FROM audit_log WHERE id = 2", *moves, "UPDATE audit_head SET last_id = 4")
    assert verify(engine).first_broken_id == 2


def test_reordered_entries_break_at_the_first_moved(engine: Engine, tamper: Callable[..., None]) -> None:
    _write(engine, 6)
    tamper(
        "UPDATE audit_log SET id = -3 WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 4",
        "UPDATE audit_log SET id = 4 WHERE id = -3",
    )
    check = verify(engine)
    assert not check.ok and check.first_broken_id == 3


def test_entries_cut_off_the_end_are_found(engine: Engine, tamper: Callable[..., None]) -> None:
    _write(engine, 5)
    tamper("DELETE FROM audit_log WHERE id >= 4")
    check = verify(engine)
    assert not check.ok and check.first_broken_id == 4 and "cut off the end" in (check.problem or "")


def test_a_lost_head_stops_the_log_rather_than_hiding_the_cut(
    engine: Engine, tamper: Callable[..., None]
) -> None:
    _write(engine, 3)
    tamper("DELETE FROM audit_head")
    assert not verify(engine).ok
    with pytest.raises(AuditError, match="lost its head"), engine.begin() as conn:
        record(conn, reader=ANALYST, action="view", what={"rows": 1}, where_from="cli:test")


def test_an_anchor_noted_earlier_must_still_be_there(engine: Engine, tamper: Callable[..., None]) -> None:
    _write(engine, 4)
    noted = verify(engine)
    anchor = (noted.head_id, noted.head_hash)
    _write(engine, 2)
    assert verify(engine, anchor=anchor).ok
    assert not verify(engine, anchor=(4, "f" * 64)).ok
    # The whole log replaced by a fresh, self-consistent one: only the anchor shows it.
    tamper("DELETE FROM audit_log", "DELETE FROM audit_head")
    _write(engine, 5, Reader(agency="police", role="analyst", user="someone-else"))
    assert verify(engine).ok
    check = verify(engine, anchor=anchor)
    assert not check.ok and check.first_broken_id == 4


def test_two_writers_never_fork_the_chain(database_url: str) -> None:
    from saferhub.store import connect

    engines = [connect(database_url) for _ in range(4)]
    errors: list[BaseException] = []

    def writer(engine: Engine, who: int) -> None:
        try:
            _write(engine, 15, Reader(agency="police", role="officer", user=f"u-{who}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(e, i)) for i, e in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors, errors
        check = verify(engines[0])
        assert check.ok and check.entries == 60 and check.head_id == 60
        actors = recent(engines[0], last=60)["actor"].value_counts()
        assert sorted(actors["count"].to_list()) == [15, 15, 15, 15]
    finally:
        for e in engines:
            e.dispose()
