"""Tasking: cases (problem, person, operation), their links and log, and actions assigned to agencies.

Every function is keyword-only and takes ``engine``, ``reader`` (a ``saferhub.access.Reader``:
agency, role, user; ``saferhub.accounts.reader_for(user)`` for a signed-in user) and
``where_from`` (``saferhub.access.origin("web")`` …). Each checks the rules in
``permissions`` itself and writes the audit log itself (view, search, change, deny; ids
and counts only), so a page, an API route or a command shows only what comes back.

Cases (``service``):
- ``create_case(kind=, title=, summary=, stage=, subtype=, risk=, owner_agency=, owner_user=)``
  -> ``CaseView`` with its reference (CASE-26-0001).
- ``get_case(case=)`` -> ``CaseDetail`` (case, links, notes, actions, may_change, may_add_note);
  ``case`` is an id or a reference.
- ``list_cases(kind=, status="open", owner_agency=, person=, place=)`` -> ``[CaseView]``;
  ``find_cases(...)`` -> (cases, what): the same read without its audit entry, for a service
  that writes ``what`` into the one entry of its own look (a person's profile).
- ``update_case(case=, title=, summary=, stage=, risk=, owner_agency=, owner_user=, status=)``,
  ``close_case(case=, note=)`` -> ``CaseView``.
- ``link_to_case(case=, kind="person"|"place"|"event", ref=, role=)`` -> ``LinkView``.
- ``add_note(case=, text=)`` -> ``NoteView``.

Actions (``actions``):
- ``create_action(case=, title=, assigned_agency=, due_on=, detail=, assigned_user=)`` -> ``ActionView``.
- ``update_action(action_id=, status=, outcome=, assigned_user=, due_on=)`` -> ``ActionView``.
- ``list_actions(agency=, user=, case=, cases=, due_by=, overdue_on=, include_finished=)``
  -> ``[ActionView]``; ``find_actions(...)`` -> (actions, what), as ``find_cases``.
- ``overdue_actions(as_of=)``; ``actions_due(as_of=, days=7)`` -> ``ActionsDue`` (the reader's
  agency's overdue and due-soon actions: the daily briefing's feed).

Errors: ``TaskingDenied`` (``.hidden``: True when the thing is not there for the reader —
a case that does not exist and one they may not see raise the same message — answer 404;
otherwise 403); ``TaskingError`` (a ValueError: the request cannot be carried out as asked).

An ``ActionView`` with ``access="assigned"`` is an action assigned to the reader's agency on
a case they may not see: it carries the case reference but no detail; never link it to the
case page. Words (kinds, stages, subtypes, risks, statuses) are in ``enums``.
"""

from __future__ import annotations

from saferhub.tasking.actions import (
    actions_due,
    create_action,
    find_actions,
    list_actions,
    overdue_actions,
    update_action,
)
from saferhub.tasking.enums import ActionStatus, CaseKind, CaseStatus, LinkKind, PersonSubtype, Risk, Stage
from saferhub.tasking.errors import TaskingDenied, TaskingError
from saferhub.tasking.permissions import ActionAccess
from saferhub.tasking.service import (
    add_note,
    close_case,
    create_case,
    find_cases,
    get_case,
    link_to_case,
    list_cases,
    update_case,
)
from saferhub.tasking.views import ActionsDue, ActionView, CaseDetail, CaseView, LinkView, NoteView

__all__ = [
    "ActionAccess",
    "ActionStatus",
    "ActionView",
    "ActionsDue",
    "CaseDetail",
    "CaseKind",
    "CaseStatus",
    "CaseView",
    "LinkKind",
    "LinkView",
    "NoteView",
    "PersonSubtype",
    "Risk",
    "Stage",
    "TaskingDenied",
    "TaskingError",
    "actions_due",
    "add_note",
    "close_case",
    "create_action",
    "create_case",
    "find_actions",
    "find_cases",
    "get_case",
    "link_to_case",
    "list_actions",
    "list_cases",
    "overdue_actions",
    "update_action",
    "update_case",
]
