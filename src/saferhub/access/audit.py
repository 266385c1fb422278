"""The audit log: who looked at or changed personal data, when, from where and why.

Door: ``record(conn, reader=..., action=..., what=..., where_from=..., why=None)`` appends
one entry; ``verify(engine)`` checks the chain and names the first broken entry;
``recent(engine, last=20)`` lists the newest entries.

Each entry's hash is sha256(previous entry's hash + canonical JSON of the entry, its id
included), so changing, deleting or reordering any entry breaks the chain from there
on. Writers take turns on the one-row ``audit_head`` table (an UPDATE: a row lock on
PostgreSQL, the write lock on SQLite), so two writers can never fork the chain; the
head also shows entries cut off the end. Triggers refuse UPDATE and DELETE on
``audit_log`` (migration 0005).

``what`` holds opaque ids, counts and short labels only, never names or free text:
``record`` refuses anything else, and says which key without echoing the value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from saferhub.access.readers import Reader
from saferhub.store.audit_models import AuditEntry, AuditHead

GENESIS = "0" * 64
ACTIONS = ("view", "search", "export", "import", "change", "verify", "send", "deny", "sign_in", "sign_out")
MAX_IDS = 10_000

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_PERSONAL_KEY = re.compile(
    r"name|dob|birth|phone|mobile|address|postcode|email|street|description|concern|note|text"
)
_TOKEN = re.compile(r"^[A-Za-z0-9_.:/@+#\-]{1,120}$")
_LABEL = re.compile(r"^[a-z_.:/\-]{1,60}$")  # a word-only string must be a lower-case label
_POSTCODE = re.compile(r"^[a-z]{1,2}[0-9][a-z0-9]?[0-9][a-z]{2}$", re.IGNORECASE)
_PHONE = re.compile(r"^(?:\+?44|0)[0-9]{9,10}$")  # a UK phone number, written without spaces
# SaferHub's own opaque ids (person ids are "P" and 12 hex digits, which can happen to
# hold no decimal digit at all: PFDFFFABAFCCB); no name is made of A-F alone at that length.
_OWN_ID = re.compile(r"^P[0-9A-F]{12}$")


class AuditError(RuntimeError):
    """An entry the log refuses, or a log that cannot be written to."""


@dataclass(frozen=True)
class AuditRecord:
    """The entry just written."""

    id: int
    at: dt.datetime
    hash: str


@dataclass(frozen=True)
class AuditCheck:
    """The result of checking the chain: ok, or the first entry where it breaks and why."""

    ok: bool
    entries: int
    first_broken_id: int | None = None
    problem: str | None = None
    head_id: int = 0
    head_hash: str = GENESIS

    def describe(self) -> str:
        if self.ok:
            return f"OK: {self.entries:,} entries, chain intact; head {self.head_id} {self.head_hash}"
        return f"BROKEN at entry {self.first_broken_id}: {self.problem}"


def origin(channel: str = "cli") -> str:
    """Where an action came from: the channel and this machine's name."""
    return f"{channel}:{socket.gethostname()}"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """sha256 of the previous hash and the entry's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical(dict(fields))).encode("utf-8")).hexdigest()


def _fields(
    entry_id: int, at: dt.datetime, actor: str | None, agency: str, role: str, action: str,
    what: str, where_from: str, why: str | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "id": entry_id,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "agency": agency,
        "role": role,
        "action": action,
        "what": what,
        "where_from": where_from,
        "why": why,
    }


def check_what(what: Mapping[str, Any]) -> dict[str, Any]:
    """``what`` if it holds only opaque ids, counts and labels; AuditError otherwise."""
    if not isinstance(what, Mapping):
        raise AuditError("audit 'what' must be a mapping of keys to ids, counts or labels")
    _check(dict(what), "what", depth=0)
    return dict(what)


def _check(value: Any, where: str, depth: int) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if not _token_ok(value):
            raise AuditError(
                f"audit entry refused: {where} is not an opaque id, count or label "
                "(the audit log never holds names, addresses or free text)"
            )
        return
    if isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, list | tuple | dict):
                raise AuditError(f"audit entry refused: {where} nests lists")
            _check(item, f"{where}[]", depth)
        return
    if isinstance(value, dict) and depth < 2:
        for key, item in value.items():
            if not isinstance(key, str) or not _KEY.match(key):
                raise AuditError(f"audit entry refused: {where} has a key that is not a short identifier")
            if _PERSONAL_KEY.search(key):
                raise AuditError(f"audit entry refused: {where}['{key}'] names a personal detail")
            _check(item, f"{where}['{key}']", depth + 1)
        return
    raise AuditError(f"audit entry refused: {where} is of a kind the log does not hold")


def _token_ok(text: str) -> bool:
    if not _TOKEN.match(text) or _POSTCODE.match(text) or _PHONE.match(re.sub(r"[-.()]", "", text)):
        return False
    if "@" in text and "." in text.split("@")[-1]:
        return False  # an e-mail address
    has_digit = any(c.isdigit() for c in text)
    return has_digit or _LABEL.match(text) is not None or _OWN_ID.match(text) is not None


def record(
    conn: Connection,
    *,
    reader: Reader,
    action: str,
    what: Mapping[str, Any],
    where_from: str,
    why: str | None = None,
    at: dt.datetime | None = None,
) -> AuditRecord:
    """Append one entry in ``conn``'s transaction; it is kept only if that transaction commits.

    On SQLite call it before the transaction reads anything (or in a transaction of its
    own): its first statement takes the write lock, which a transaction that has already
    read cannot always get.
    """
    if action not in ACTIONS:
        raise AuditError(f"unknown audit action '{action}'; actions: {', '.join(ACTIONS)}")
    what_text = canonical(check_what(what))
    when = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    last_id, last_hash = _take_turn(conn)
    entry_id = last_id + 1
    fields = _fields(
        entry_id, when, reader.user, reader.agency, reader.role, action, what_text, where_from, why
    )
    digest = entry_hash(last_hash, fields)
    # Values as parameters of fixed statements (compiled once per engine): the head is locked
    # from here to the commit, so no time goes on building statements while it is held.
    conn.execute(
        _APPEND,
        dict(
            id=entry_id, at=when, actor=reader.user, agency=reader.agency, role=reader.role,
            action=action, what=what_text, where_from=where_from, why=why,
            prev_hash=last_hash, hash=digest,
        ),
    )  # fmt: skip
    conn.execute(_MOVE_HEAD, {"new_id": entry_id, "new_hash": digest})
    return AuditRecord(entry_id, when, digest)


_APPEND = insert(AuditEntry)
_MOVE_HEAD = (
    update(AuditHead)
    .where(AuditHead.slot == 1)
    .values(last_id=bindparam("new_id"), last_hash=bindparam("new_hash"))
)


def _take_turn(conn: Connection) -> tuple[int, str]:
    """Lock the head and read the last entry's id and hash (waits for any other writer)."""
    lock = (
        update(AuditHead)
        .where(AuditHead.slot == 1)
        .values(last_id=AuditHead.last_id)
        .returning(AuditHead.last_id, AuditHead.last_hash)
    )
    row = conn.execute(lock).first()
    if row is None:
        # A new or emptied log has no head yet: make it. Two first writers may race here;
        # ON CONFLICT makes the later one wait for the first and then take the head it
        # made, so both see one chain.
        make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(make(AuditHead).values(slot=1, last_id=0, last_hash=GENESIS).on_conflict_do_nothing())
        row = conn.execute(lock).first()
        assert row is not None
        # A log with entries but no head has been tampered with: refuse (this transaction,
        # and the head it made, roll back) rather than hide where it was cut.
        if int(row[0]) == 0 and conn.execute(select(AuditEntry.id).limit(1)).first() is not None:
            raise AuditError("the audit log has lost its head row; run 'saferhub audit verify'")
    return int(row[0]), str(row[1])


def verify(engine: Engine, *, anchor: tuple[int, str] | None = None) -> AuditCheck:
    """Check every entry's hash and link, in id order; ``anchor`` (id, hash) noted earlier must hold."""
    columns = (
        AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.agency, AuditEntry.role,
        AuditEntry.action, AuditEntry.what, AuditEntry.where_from, AuditEntry.why,
        AuditEntry.prev_hash, AuditEntry.hash,
    )  # fmt: skip
    prev, expected, count = GENESIS, 1, 0
    anchor_seen = anchor is None
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # one snapshot for the head and every entry
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        head = conn.execute(select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.slot == 1)).first()
        rows = conn.execution_options(stream_results=True, yield_per=5_000).execute(
            select(*columns).order_by(AuditEntry.id)
        )
        for row in rows:
            problem = None
            if row.id != expected:
                gap = f"entry {expected}" if row.id == expected + 1 else f"entries {expected} to {row.id - 1}"
                problem = f"{gap} missing before it" if row.id > expected else "its id is out of order"
            elif row.prev_hash != prev:
                problem = "it does not follow the entry before it (entries deleted, reordered or replaced)"
            elif entry_hash(prev, _fields(*row[:9])) != row.hash:
                problem = "its contents do not match its hash (the entry was changed)"
            if problem:
                return AuditCheck(False, count, row.id, problem)
            if anchor is not None and row.id == anchor[0]:
                if row.hash != anchor[1]:
                    return AuditCheck(False, count, row.id, "it is not the entry noted as the anchor")
                anchor_seen = True
            prev, expected, count = row.hash, expected + 1, count + 1
    last_id = expected - 1
    head_id, head_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    if head is None and last_id:
        return AuditCheck(False, count, last_id, "the head row is missing")
    if head_id > last_id:
        return AuditCheck(False, count, last_id + 1, f"entries {last_id + 1} to {head_id} cut off the end")
    if head_id != last_id or head_hash != prev:
        return AuditCheck(False, count, last_id, "the head does not name the last entry")
    if not anchor_seen:
        assert anchor is not None
        return AuditCheck(False, count, anchor[0], "the entry noted as the anchor is gone")
    return AuditCheck(True, count, head_id=last_id, head_hash=prev)


AUDIT_SCHEMA = {
    "id": pl.Int64(), "at": pl.Datetime("us"), "actor": pl.String(), "agency": pl.String(),
    "role": pl.String(), "action": pl.String(), "what": pl.String(), "where_from": pl.String(),
    "why": pl.String(),
}  # fmt: skip


def recent(engine: Engine, *, last: int = 20) -> pl.DataFrame:
    """The newest ``last`` entries, newest first."""
    cols = [getattr(AuditEntry, name) for name in AUDIT_SCHEMA]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(AuditEntry.id.desc()).limit(last)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=AUDIT_SCHEMA, orient="row")
