"""Actions on cases: set, update, list, and what is overdue or due soon (the daily briefing's feed).

Keyword-only functions taking ``engine``, ``reader`` and ``where_from``, like the case
service; every search, change and refusal is written to the audit log. An agency given
an action on a case it may not see gets that action (``access="assigned"``: no detail)
and the case reference, nothing more of the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Row, insert, select, update

from saferhub.access import Reader, record
from saferhub.store.tasking_models import Action, Case
from saferhub.tasking import permissions as rules
from saferhub.tasking import records
from saferhub.tasking.enums import UNFINISHED, ActionStatus
from saferhub.tasking.errors import TaskingDenied, TaskingError, no_action
from saferhub.tasking.records import (
    ACTION_COLUMNS,
    case_what,
    choice,
    deny,
    london_today,
    now_utc,
    title_text,
    who,
)
from saferhub.tasking.service import changeable_row, still_allowed
from saferhub.tasking.views import ActionsDue, ActionView

_COLUMNS = (*ACTION_COLUMNS, Case.kind.label("case_kind"), Case.owner_agency.label("case_owner"))


def _agency(value: str, agencies: tuple[str, ...] | None) -> str:
    agency = value.strip().lower()
    if not agency or (agencies is not None and agency not in agencies):
        known = f"; the agencies are: {', '.join(agencies)}" if agencies else ""
        raise TaskingError(f"unknown agency '{value}'{known}")
    return agency


def create_action(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    case: int | str,
    title: str,
    assigned_agency: str,
    due_on: dt.date,
    detail: str | None = None,
    assigned_user: str | None = None,
    agencies: tuple[str, ...] | None = None,
) -> ActionView:
    """Set an action on a case (the case's owner agency or a hub admin), for an agency and
    perhaps a named user of it. ``agencies`` (the sharing agreement's) checks the agency."""
    heading = title_text(title)
    agency = _agency(assigned_agency, agencies)
    row = changeable_row(engine, reader, where_from, case, "set actions on")
    try:
        with engine.begin() as conn:
            still_allowed(conn, row, reader, "change")
            user_id = records.user_id(conn, assigned_user, agency=agency, what="assignee")
            when = now_utc()
            action_id = conn.execute(
                insert(Action).values(
                    case_id=row.id, title=heading, detail=(detail or "").strip() or None,
                    assigned_agency=agency, assigned_user_id=user_id, due_on=due_on,
                    status=ActionStatus.OPEN.value, outcome=None, created_at=when, created_by=who(reader),
                    updated_at=when, completed_at=None,
                ).returning(Action.id)
            ).scalar_one()  # fmt: skip
            what = {"object": "action", "change": "create", "action_ids": [action_id], "case_ids": [row.id],
                    "assigned_agency": agency}  # fmt: skip
            record(conn, reader=reader, action="change", what=what, where_from=where_from)
            conn.execute(update(Case).where(Case.id == row.id).values(updated_at=when))
            created = conn.execute(select(*ACTION_COLUMNS).join(Case, Case.id == Action.case_id)
                                   .where(Action.id == action_id)).one()  # fmt: skip
            return records.action_view(created, records.usernames(conn, {user_id}), full=True)
    except TaskingDenied as error:
        raise deny(engine, error, reader=reader, where_from=where_from, what=case_what(row.id)) from None


def _action_row(engine: Engine, reader: Reader, where_from: str, action_id: int) -> tuple[Row[Any], bool]:
    """The action and whether the reader sees its case; refused (and logged) if they see neither."""
    with engine.connect() as conn:
        row = conn.execute(
            select(*_COLUMNS).join(Case, Case.id == Action.case_id).where(Action.id == action_id)
        ).first()
    access = rules.ActionAccess.NONE
    if row is not None:
        access = rules.sees_action(reader, kind=row.case_kind, owner_agency=row.case_owner,
                                   assigned_agency=row.assigned_agency)  # fmt: skip
    if row is None or access is rules.ActionAccess.NONE:
        what = {"object": "action", "action_ids": [action_id], "exists": row is not None}
        raise deny(engine, no_action(action_id), reader=reader, where_from=where_from, what=what)
    return row, access is rules.ActionAccess.FULL


def update_action(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    action_id: int,
    status: str | None = None,
    outcome: str | None = None,
    assigned_user: str | None = None,
    due_on: dt.date | None = None,
) -> ActionView:
    """Update an action: its status, outcome and named assignee (the agency it is assigned to,
    or whoever changes the case); its due date (the case's owner agency or a hub admin).
    ``assigned_user=""`` leaves it to the agency as a whole."""
    status_ = choice(status, ActionStatus, "action status")
    row, full = _action_row(engine, reader, where_from, action_id)
    owner_may = rules.may_change_case(reader, kind=row.case_kind, owner_agency=row.case_owner)
    allowed = rules.may_update_action(
        reader, kind=row.case_kind, owner_agency=row.case_owner, assigned_agency=row.assigned_agency
    ) and (due_on is None or owner_may)
    if not allowed:
        doing = "change the due date of" if due_on is not None and not owner_may else "update"
        error = TaskingDenied(
            f"You may not {doing} action {action_id}: the agency it is assigned to updates it; "
            "the case's owner agency or a hub admin sets its due date."
        )
        raise deny(engine, error, reader=reader, where_from=where_from,
                   what={"object": "action", "action_ids": [action_id], "change": "update"})  # fmt: skip
    values: dict[str, Any] = {}
    if status_:
        values["status"] = status_
    if outcome is not None:
        values["outcome"] = outcome.strip() or None
    if due_on is not None:
        values["due_on"] = due_on
    fields = sorted([*values, *(["assigned_user"] if assigned_user is not None else [])])
    if not fields:
        raise TaskingError("nothing to change: give a status, an outcome, an assignee or a due date")
    with engine.begin() as conn:
        # The first statement writes (SQLite's write lock before any read); it also serialises
        # changes to one action on PostgreSQL.
        conn.execute(update(Action).where(Action.id == action_id).values(updated_at=Action.updated_at))
        current = conn.execute(
            select(Action.status, Action.assigned_agency).where(Action.id == action_id)
        ).one()
        if assigned_user is not None:
            values["assigned_user_id"] = records.user_id(conn, assigned_user, agency=current.assigned_agency,
                                                         what="assignee")  # fmt: skip
        when = now_utc()
        if status_ and status_ != current.status:
            values["completed_at"] = when if ActionStatus(status_).finished else None
        values["updated_at"] = when
        what = {"object": "action", "change": "update", "action_ids": [action_id], "case_ids": [row.case_id],
                "fields": fields}  # fmt: skip
        if status_:
            what["status"] = status_
        record(conn, reader=reader, action="change", what=what, where_from=where_from)
        conn.execute(update(Action).where(Action.id == action_id).values(**values))
        updated = conn.execute(select(*ACTION_COLUMNS).join(Case, Case.id == Action.case_id)
                               .where(Action.id == action_id)).one()  # fmt: skip
        return records.action_view(updated, records.usernames(conn, {updated.assigned_user_id}), full=full)


def list_actions(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    agency: str | None = None,
    user: str | None = None,
    case: int | str | None = None,
    cases: Sequence[int] | None = None,
    due_by: dt.date | None = None,
    overdue_on: dt.date | None = None,
    include_finished: bool = False,
    limit: int = 1000,
) -> list[ActionView]:
    """Actions the reader sees, soonest due first: for an agency, a user (name), a case (id or
    reference), any of several ``cases`` (ids: one read and one audit entry for, say, a
    person's cases); ``due_by``: due on or before that day; ``overdue_on``: unfinished and due
    before it. Finished actions (done, cancelled) only with ``include_finished``."""
    actions, what = find_actions(
        engine=engine, reader=reader, agency=agency, user=user, case=case, cases=cases,
        due_by=due_by, overdue_on=overdue_on, include_finished=include_finished, limit=limit,
    )  # fmt: skip
    records.log(engine, reader=reader, action="search", what=what, where_from=where_from)
    return actions


def find_actions(
    *,
    engine: Engine,
    reader: Reader,
    agency: str | None = None,
    user: str | None = None,
    case: int | str | None = None,
    cases: Sequence[int] | None = None,
    due_by: dt.date | None = None,
    overdue_on: dt.date | None = None,
    include_finished: bool = False,
    limit: int = 1000,
) -> tuple[list[ActionView], dict[str, Any]]:
    """``list_actions`` without its audit entry: (actions, what the entry must say); the
    caller writes ``what`` into its own entry before it returns anything (see ``find_cases``)."""
    query = (
        select(*_COLUMNS)
        .join(Case, Case.id == Action.case_id)
        .where(rules.visible_actions(reader))
        .order_by(Action.due_on, Action.id)
        .limit(limit)
    )
    filters: list[str] = []
    if agency:
        query = query.where(Action.assigned_agency == agency.strip().lower())
        filters.append("agency")
    if user:
        from saferhub.store.account_models import User

        query = query.join(User, User.id == Action.assigned_user_id).where(
            User.username == user.strip().lower()
        )
        filters.append("user")
    if case is not None:
        query = query.where(records.case_lookup(case))
        filters.append("case")
    if cases is not None:
        query = query.where(Action.case_id.in_(sorted({int(c) for c in cases})))
        filters.append("cases")
    if not include_finished or overdue_on is not None:
        query = query.where(Action.status.in_(UNFINISHED))
    if due_by is not None:
        query = query.where(Action.due_on <= due_by)
        filters.append("due_by")
    if overdue_on is not None:
        query = query.where(Action.due_on < overdue_on)
        filters.append("overdue")
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        names = records.usernames(conn, {r.assigned_user_id for r in rows})
    actions = [
        records.action_view(
            r, names, full=rules.sees_case(reader, kind=r.case_kind, owner_agency=r.case_owner)
        )
        for r in rows
    ]
    what = {
        "object": "actions",
        "action_ids": [a.id for a in actions],
        "case_ids": sorted({a.case_id for a in actions}),
        "count": len(actions),
        "filters": filters,
    }
    return actions, what


def overdue_actions(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    as_of: dt.date | None = None,
    agency: str | None = None,
) -> list[ActionView]:
    """Unfinished actions due before ``as_of`` (default: today in London) that the reader sees."""
    return list_actions(engine=engine, reader=reader, where_from=where_from, agency=agency,
                        overdue_on=as_of or london_today())  # fmt: skip


def actions_due(
    *, engine: Engine, reader: Reader, where_from: str, as_of: dt.date | None = None, days: int = 7
) -> ActionsDue:
    """The reader's agency's unfinished actions: overdue on ``as_of``, and due from ``as_of`` to
    ``days`` days after it (what the daily briefing lists; works for a reader with no user)."""
    day = as_of or london_today()
    actions = list_actions(engine=engine, reader=reader, where_from=where_from, agency=reader.agency,
                           due_by=day + dt.timedelta(days=days))  # fmt: skip
    return ActionsDue(
        as_of=day,
        days=days,
        overdue=tuple(a for a in actions if a.due_on < day),
        due_soon=tuple(a for a in actions if a.due_on >= day),
    )
