"""Cases: open, find, read, change, link and add to their log, for a reader, through the rules.

Every function is keyword-only and takes the ``engine``, the acting ``reader`` and
``where_from`` (``saferhub.access.origin()``); every look, search, change and refusal is
written to the audit log (ids and counts only). A case the reader may not see raises
the same ``TaskingDenied`` as one that does not exist. Actions are in ``actions.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, exists, func, insert, select, text, update
from sqlalchemy import case as sql_case
from sqlalchemy.exc import IntegrityError

from saferhub.access import Reader, record
from saferhub.store.tasking_models import Action, Case, CaseLink, CaseNote
from saferhub.tasking import permissions as rules
from saferhub.tasking import records
from saferhub.tasking.enums import UNFINISHED, CaseKind, CaseStatus, LinkKind, PersonSubtype, Risk, Stage
from saferhub.tasking.errors import TaskingDenied, TaskingError, no_case
from saferhub.tasking.records import (
    ACTION_COLUMNS,
    asked,
    case_what,
    choice,
    deny,
    london_today,
    now_utc,
    title_text,
    who,
)
from saferhub.tasking.refs import hub_id
from saferhub.tasking.views import CaseDetail, CaseView, LinkView, NoteView

REFERENCE_TRIES = 5
REFERENCE_LOCK = 0x5AFE_CA5E  # PostgreSQL advisory lock key for numbering cases


def _kind_fields(kind: str, stage: str | None, subtype: str | None) -> tuple[str | None, str | None]:
    """SARA stages only for problems (scanning to begin with); a subtype only, and always, for people."""
    if kind != CaseKind.PROBLEM and stage is not None:
        raise TaskingError("only problem cases have a SARA stage")
    if kind != CaseKind.PERSON and subtype is not None:
        raise TaskingError("only person cases have a subtype")
    if kind == CaseKind.PERSON and subtype is None:
        choices = ", ".join(s.value for s in PersonSubtype)
        raise TaskingError(f"a person case needs a subtype: {choices}")
    if kind == CaseKind.PROBLEM and stage is None:
        stage = Stage.SCANNING.value
    return stage, subtype


# ------------------------------------------------------------------ opening a case


def create_case(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    kind: str,
    title: str,
    summary: str | None = None,
    stage: str | None = None,
    subtype: str | None = None,
    risk: str = "medium",
    owner_agency: str | None = None,
    owner_user: str | None = None,
) -> CaseView:
    """Open a case owned by the reader's agency (a hub admin may name another partner)."""
    kind_ = choice(kind, CaseKind, "kind of case")
    assert kind_ is not None
    stage, subtype = _kind_fields(
        kind_, choice(stage, Stage, "stage"), choice(subtype, PersonSubtype, "subtype")
    )
    risk_ = choice(risk, Risk, "risk level")
    heading = title_text(title)
    owner = (owner_agency or reader.agency).strip().lower()
    if not rules.may_create_case(reader, owner_agency=owner):
        error = TaskingDenied(
            "You may not open this case: cases are opened by analysts, officers and hub admins "
            "of the statutory partners, for their own agency (a hub admin for any partner)."
        )
        raise deny(
            engine, error, reader=reader, where_from=where_from, what={"object": "case", "change": "create"}
        )
    for attempt in range(REFERENCE_TRIES):
        try:
            return _insert_case(
                engine, reader=reader, where_from=where_from, kind=kind_, title=heading,
                summary=summary, stage=stage, subtype=subtype, risk=risk_ or "medium",
                owner=owner, owner_user=owner_user,
            )  # fmt: skip
        except IntegrityError:
            # Another case took the reference between reading the last one and writing
            # ours (PostgreSQL, concurrent writers): the unique constraint refused it.
            if attempt == REFERENCE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def _insert_case(engine: Engine, *, reader: Reader, where_from: str, kind: str, title: str,
                 summary: str | None, stage: str | None, subtype: str | None, risk: str,
                 owner: str, owner_user: str | None) -> CaseView:  # fmt: skip
    when = now_utc()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Openings take turns on the reference (the lock ends with the transaction); the
            # unique constraint and retry stay as the guarantee.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REFERENCE_LOCK})
        # The first statement writes, so on SQLite the transaction holds the write lock
        # before it reads the last reference.
        new_id = conn.execute(
            insert(Case).values(
                reference=records.placeholder_reference(), kind=kind, subtype=subtype, title=title,
                summary=summary, stage=stage, status=CaseStatus.OPEN.value, risk=risk,
                owner_agency=owner, owner_user_id=None, created_at=when, created_by=who(reader),
                updated_at=when, closed_at=None,
            ).returning(Case.id)
        ).scalar_one()  # fmt: skip
        reference = records.next_reference(conn, year=london_today().year)
        owner_id = records.user_id(conn, owner_user, agency=owner, what="case owner")
        conn.execute(
            update(Case).where(Case.id == new_id).values(reference=reference, owner_user_id=owner_id)
        )
        what = {"object": "case", "change": "create", "case_ids": [new_id], "case_reference": reference}
        record(conn, reader=reader, action="change", what=what, where_from=where_from)
        row = conn.execute(select(Case).where(Case.id == new_id)).one()
        return records.case_view(row, records.usernames(conn, {owner_id}))


# ------------------------------------------------------------------ reading


def _visible_row(engine: Engine, reader: Reader, where_from: str, case: int | str) -> Row[Any]:
    """The case row if the reader sees it; otherwise the refusal is logged and raised."""
    with engine.connect() as conn:
        row = conn.execute(select(Case).where(records.case_lookup(case))).first()
    if row is None or not rules.sees_case(reader, kind=row.kind, owner_agency=row.owner_agency):
        what = asked(case) | (
            {"exists": True, "case_ids": [row.id]} if row is not None else {"exists": False}
        )
        raise deny(engine, no_case(case), reader=reader, where_from=where_from, what=what)
    return row


def _action_counts(as_of: dt.date) -> Any:
    unfinished = Action.status.in_(UNFINISHED)
    return (
        select(
            Action.case_id,
            func.sum(sql_case((unfinished, 1), else_=0)).label("open_actions"),
            func.sum(sql_case((and_(unfinished, Action.due_on < as_of), 1), else_=0)).label("overdue"),
        )
        .group_by(Action.case_id)
        .subquery()
    )


def get_case(
    *, engine: Engine, reader: Reader, where_from: str, case: int | str, as_of: dt.date | None = None
) -> CaseDetail:
    """A case (by id or reference) with its links, log and actions; ``as_of`` for overdue counts."""
    row = _visible_row(engine, reader, where_from, case)
    day = as_of or london_today()
    with engine.connect() as conn:
        links = conn.execute(select(CaseLink).where(CaseLink.case_id == row.id).order_by(CaseLink.id)).all()
        notes = conn.execute(select(CaseNote).where(CaseNote.case_id == row.id).order_by(CaseNote.id)).all()
        actions = conn.execute(
            select(*ACTION_COLUMNS)
            .join(Case, Case.id == Action.case_id)
            .where(Action.case_id == row.id)
            .order_by(Action.due_on, Action.id)
        ).all()
        names = records.usernames(conn, {row.owner_user_id, *(a.assigned_user_id for a in actions)})
    action_views = tuple(records.action_view(a, names, full=True) for a in actions)
    view = records.case_view(
        row, names,
        open_actions=sum(1 for a in action_views if a.status in UNFINISHED),
        overdue=sum(1 for a in action_views if a.is_overdue(day)),
    )  # fmt: skip
    what: dict[str, Any] = {
        "object": "case", "case_ids": [row.id], "action_ids": [a.id for a in action_views],
        "links": len(links), "log_entries": len(notes),
    }  # fmt: skip
    what |= _linked_ids([(r.kind, r.ref) for r in links])
    records.log(engine, reader=reader, action="view", what=what, where_from=where_from)
    return CaseDetail(
        case=view,
        links=tuple(LinkView(r.id, r.kind, r.ref, r.role, r.added_at, r.added_by) for r in links),
        notes=tuple(NoteView(r.id, r.at, r.author, r.author_agency, r.text) for r in notes),
        actions=action_views,
        may_change=rules.may_change_case(reader, kind=row.kind, owner_agency=row.owner_agency),
        may_add_note=rules.may_add_note(reader, kind=row.kind, owner_agency=row.owner_agency),
    )


def _linked_ids(links: list[tuple[str, str]]) -> dict[str, list[str | int]]:
    """The ids a case links to, by kind, for the audit entry (event ids as numbers where they are)."""
    out: dict[str, list[str | int]] = {}
    for kind, ref in links:
        value: str | int = int(ref) if ref.lstrip("-").isdigit() else ref
        out.setdefault(f"{kind}_ids", []).append(value)
    return out


def list_cases(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    kind: str | None = None,
    status: str | None = "open",
    owner_agency: str | None = None,
    person: str | None = None,
    place: str | None = None,
    as_of: dt.date | None = None,
    limit: int = 500,
) -> list[CaseView]:
    """The cases the reader sees, newest first; ``status=None`` for open and closed alike.

    ``person`` / ``place``: only cases linked to that person or place id (TaskingError if it
    is not one: it is checked before anything is read or logged).
    """
    cases, what = find_cases(
        engine=engine, reader=reader, kind=kind, status=status, owner_agency=owner_agency,
        person=person, place=place, as_of=as_of, limit=limit,
    )  # fmt: skip
    records.log(engine, reader=reader, action="search", what=what, where_from=where_from)
    return cases


def find_cases(
    *,
    engine: Engine,
    reader: Reader,
    kind: str | None = None,
    status: str | None = "open",
    owner_agency: str | None = None,
    person: str | None = None,
    place: str | None = None,
    as_of: dt.date | None = None,
    limit: int = 500,
) -> tuple[list[CaseView], dict[str, Any]]:
    """``list_cases`` without its audit entry: (cases, what the entry must say). For a service
    that shows the cases inside a look it audits itself (a person's profile: one look, one
    entry); it must write ``what`` into that entry before it returns anything."""
    kind_ = choice(kind, CaseKind, "kind of case")
    status_ = choice(status, CaseStatus, "status")
    person = hub_id("person", person) if person else None
    place = hub_id("place", place) if place else None
    counts = _action_counts(as_of or london_today())
    query = (
        select(Case, func.coalesce(counts.c.open_actions, 0), func.coalesce(counts.c.overdue, 0))
        .outerjoin(counts, counts.c.case_id == Case.id)
        .where(rules.visible_cases(reader))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )
    if kind_:
        query = query.where(Case.kind == kind_)
    if status_:
        query = query.where(Case.status == status_)
    if owner_agency:
        query = query.where(Case.owner_agency == owner_agency.strip().lower())
    for link_kind, ref in ((LinkKind.PERSON, person), (LinkKind.PLACE, place)):
        if ref:
            query = query.where(
                exists().where(
                    CaseLink.case_id == Case.id, CaseLink.kind == link_kind.value, CaseLink.ref == ref
                )
            )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        names = records.usernames(conn, {r.owner_user_id for r in rows})
    cases = [records.case_view(r, names, open_actions=int(r[-2]), overdue=int(r[-1])) for r in rows]
    what: dict[str, Any] = {"object": "cases", "case_ids": [c.id for c in cases], "count": len(cases)}
    what["filters"] = [k for k, v in (("kind", kind_), ("status", status_), ("owner", owner_agency),
                                      ("person", person), ("place", place)) if v]  # fmt: skip
    if person:
        what["person_ids"] = [person]
    if place:
        what["place_ids"] = [place]
    return cases, what


# ------------------------------------------------------------------ changing


def lock_case(conn: Connection, case_id: int) -> Row[Any] | None:
    """Lock the case for this transaction and read it again (the first statement writes, so on
    SQLite the transaction holds the write lock before it reads anything)."""
    conn.execute(update(Case).where(Case.id == case_id).values(updated_at=Case.updated_at))
    return conn.execute(select(Case).where(Case.id == case_id)).first()


def changeable_row(engine: Engine, reader: Reader, where_from: str, case: int | str, doing: str) -> Row[Any]:
    row = _visible_row(engine, reader, where_from, case)
    if not rules.may_change_case(reader, kind=row.kind, owner_agency=row.owner_agency):
        error = TaskingDenied(
            f"You may not {doing} case {row.reference}: only its owner agency ({row.owner_agency}) "
            "or a hub admin may, with a working role."
        )
        what = {"object": "case", "case_ids": [row.id], "change": doing.split()[0]}
        raise deny(engine, error, reader=reader, where_from=where_from, what=what)
    return row


def still_allowed(conn: Connection, row: Row[Any], reader: Reader, check: str) -> Row[Any]:
    """The case again under the lock; it must still allow the change (an owner may have moved it)."""
    current = lock_case(conn, row.id)
    allowed = current is not None and (
        rules.may_change_case(reader, kind=current.kind, owner_agency=current.owner_agency)
        if check == "change"
        else rules.may_add_note(reader, kind=current.kind, owner_agency=current.owner_agency)
    )
    if not allowed or current is None:
        raise TaskingDenied(f"Case {row.reference} changed hands while you were changing it; try again.")
    return current


def update_case(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    case: int | str,
    title: str | None = None,
    summary: str | None = None,
    stage: str | None = None,
    risk: str | None = None,
    owner_agency: str | None = None,
    owner_user: str | None = None,
    status: str | None = None,
) -> CaseView:
    """Change a case's details (the owner agency or a hub admin). Only what is given changes;
    ``summary=""`` clears it; ``status`` is open or closed; a new owner agency clears the owner
    user unless one of that agency is given."""
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = title_text(title)
    if summary is not None:
        values["summary"] = summary.strip() or None
    stage_ = choice(stage, Stage, "stage")
    risk_ = choice(risk, Risk, "risk level")
    status_ = choice(status, CaseStatus, "status")
    if risk_:
        values["risk"] = risk_
    row = changeable_row(engine, reader, where_from, case, "change")
    if stage_:
        if row.kind != CaseKind.PROBLEM:
            raise TaskingError("only problem cases have a SARA stage")
        values["stage"] = stage_
    owner = owner_agency.strip().lower() if owner_agency else None
    if owner and owner != row.owner_agency:
        if owner not in rules.STATUTORY_PARTNERS:
            raise TaskingError(
                f"a case is owned by a statutory partner: {', '.join(sorted(rules.STATUTORY_PARTNERS))}"
            )
        values["owner_agency"] = owner
        values["owner_user_id"] = None
    if status_:
        values["status"] = status_
    fields = sorted(k.replace("owner_user_id", "owner_user") for k in values) + (
        ["owner_user"] if owner_user else []
    )
    if not fields:
        raise TaskingError("nothing to change: give at least one new value")
    try:
        with engine.begin() as conn:
            current = still_allowed(conn, row, reader, "change")
            if owner_user is not None:
                agency = str(values.get("owner_agency", current.owner_agency))
                values["owner_user_id"] = records.user_id(conn, owner_user, agency=agency, what="case owner")
            if status_ and status_ != current.status:
                values["closed_at"] = now_utc() if status_ == CaseStatus.CLOSED else None
            values["updated_at"] = now_utc()
            what = {"object": "case", "change": "update", "case_ids": [row.id], "fields": sorted(set(fields))}
            record(conn, reader=reader, action="change", what=what, where_from=where_from)
            conn.execute(update(Case).where(Case.id == row.id).values(**values))
            updated = conn.execute(select(Case).where(Case.id == row.id)).one()
            return records.case_view(updated, records.usernames(conn, {updated.owner_user_id}))
    except TaskingDenied as error:
        raise deny(engine, error, reader=reader, where_from=where_from, what=case_what(row.id)) from None


def close_case(
    *, engine: Engine, reader: Reader, where_from: str, case: int | str, note: str | None = None
) -> CaseView:
    """Close a case, with a closing entry in its log if given."""
    closed = update_case(engine=engine, reader=reader, where_from=where_from, case=case, status="closed")
    if note and note.strip():
        add_note(engine=engine, reader=reader, where_from=where_from, case=closed.id, text=note)
    return closed


def link_to_case(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    case: int | str,
    kind: str,
    ref: str,
    role: str | None = None,
) -> LinkView:
    """Link a person, place or event (by its hub id) to the case, in a role (subject, victim, …)."""
    kind_ = choice(kind, LinkKind, "kind of link")
    assert kind_ is not None
    ref_ = hub_id(kind_, ref)
    role_ = role.strip().lower()[:40] if role and role.strip() else None
    row = changeable_row(engine, reader, where_from, case, "link to")
    try:
        with engine.begin() as conn:
            still_allowed(conn, row, reader, "change")
            taken = conn.execute(
                select(CaseLink.id).where(
                    CaseLink.case_id == row.id, CaseLink.kind == kind_, CaseLink.ref == ref_
                )
            ).first()
            if taken is not None:
                raise TaskingError(f"case {row.reference} is already linked to that {kind_}")
            when = now_utc()
            link_id = conn.execute(
                insert(CaseLink).values(case_id=row.id, kind=kind_, ref=ref_, role=role_, added_at=when,
                                        added_by=who(reader)).returning(CaseLink.id)
            ).scalar_one()  # fmt: skip
            what = {"object": "case", "change": "link", "case_ids": [row.id], "link_ids": [link_id]}
            what |= _linked_ids([(kind_, ref_)])
            record(conn, reader=reader, action="change", what=what, where_from=where_from)
            conn.execute(update(Case).where(Case.id == row.id).values(updated_at=when))
            return LinkView(int(link_id), kind_, ref_, role_, when, who(reader))
    except TaskingDenied as error:
        raise deny(engine, error, reader=reader, where_from=where_from, what=case_what(row.id)) from None


def add_note(*, engine: Engine, reader: Reader, where_from: str, case: int | str, text: str) -> NoteView:
    """Add an entry to the case's log (anyone working a case they see)."""
    body = text.strip()
    if not body:
        raise TaskingError("a log entry cannot be empty")
    row = _visible_row(engine, reader, where_from, case)
    if not rules.may_add_note(reader, kind=row.kind, owner_agency=row.owner_agency):
        error = TaskingDenied(f"You may not add to the log of case {row.reference}: your role reads only.")
        raise deny(engine, error, reader=reader, where_from=where_from,
                   what={"object": "case", "case_ids": [row.id], "change": "log_entry"})  # fmt: skip
    try:
        with engine.begin() as conn:
            still_allowed(conn, row, reader, "note")
            when = now_utc()
            entry_id = conn.execute(
                insert(CaseNote)
                .values(case_id=row.id, at=when, author=who(reader), author_agency=reader.agency, text=body)
                .returning(CaseNote.id)
            ).scalar_one()
            what = {"object": "case", "change": "log_entry", "case_ids": [row.id], "entry_ids": [entry_id]}
            record(conn, reader=reader, action="change", what=what, where_from=where_from)
            conn.execute(update(Case).where(Case.id == row.id).values(updated_at=when))
            return NoteView(int(entry_id), when, who(reader), reader.agency, body)
    except TaskingDenied as error:
        raise deny(engine, error, reader=reader, where_from=where_from, what=case_what(row.id)) from None
