"""Who may see and work which cases and actions: the tasking rules, in one place.

The rules are code, not part of the sharing agreement file: they follow the hub's roles
(fixed by SaferHub) and the kind of case, not which partner's records flow where, and a
hub's own agreement file (which replaces the shipped one whole) then needs no new
section to keep tasking working. See docs/tasking.md.

- ``hub_admin``, ``analyst`` and ``officer`` of a statutory partner see and work problem
  and person cases; ``partner_viewer`` of a statutory partner sees them, read only.
- Operation cases are seen only by the police and the owner agency.
- Any other agency (the voluntary sector) sees no case at all: only the actions assigned
  to it, with the case reference (an agency given an action on a case it may not see
  gets the same).
- ``auditor`` sees no case content at all.
- Only the case's owner agency, or a hub admin, changes a case (its details, links and
  actions); anyone who sees a case with a working role may add to its log; whoever's
  agency an action is assigned to may update it (status, outcome, assignee).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, or_

from saferhub.access import Reader
from saferhub.store.tasking_models import Action, Case
from saferhub.tasking.enums import CaseKind

STATUTORY_PARTNERS = frozenset({"police", "council", "fire", "ambulance", "housing"})
OPERATION_READERS = frozenset({"police"})  # besides the owner agency
WORKING_ROLES = frozenset({"hub_admin", "analyst", "officer"})
READING_ROLES = WORKING_ROLES | {"partner_viewer"}


class ActionAccess(StrEnum):
    """How much of an action a reader sees.

    ``full``: the action with its detail, as part of a case the reader sees. ``assigned``:
    an action assigned to the reader's agency on a case they may not see: its title, due
    date, status, assignee and outcome, and the case reference; nothing else of the case.
    """

    FULL = "full"
    ASSIGNED = "assigned"
    NONE = "none"


def sees_case(reader: Reader, *, kind: str, owner_agency: str) -> bool:
    """Whether ``reader`` sees the case: its title, summary, links, log and actions."""
    if reader.role not in READING_ROLES or reader.agency not in STATUTORY_PARTNERS:
        return False
    if kind == CaseKind.OPERATION:
        return reader.agency in OPERATION_READERS or reader.agency == owner_agency
    return kind in (CaseKind.PROBLEM, CaseKind.PERSON)


def sees_action(reader: Reader, *, kind: str, owner_agency: str, assigned_agency: str) -> ActionAccess:
    if sees_case(reader, kind=kind, owner_agency=owner_agency):
        return ActionAccess.FULL
    if reader.role in READING_ROLES and assigned_agency == reader.agency:
        return ActionAccess.ASSIGNED
    return ActionAccess.NONE


def may_create_case(reader: Reader, *, owner_agency: str) -> bool:
    """A working role of a statutory partner, for its own agency (a hub admin: for any partner)."""
    if reader.role not in WORKING_ROLES or reader.agency not in STATUTORY_PARTNERS:
        return False
    return owner_agency in STATUTORY_PARTNERS and (
        owner_agency == reader.agency or reader.role == "hub_admin"
    )


def may_change_case(reader: Reader, *, kind: str, owner_agency: str) -> bool:
    """Details, stage, risk, owner, status, links and actions: the owner agency or a hub admin."""
    if reader.role not in WORKING_ROLES or not sees_case(reader, kind=kind, owner_agency=owner_agency):
        return False
    return reader.agency == owner_agency or reader.role == "hub_admin"


def may_add_note(reader: Reader, *, kind: str, owner_agency: str) -> bool:
    """Anyone working a case they see may add to its log."""
    return reader.role in WORKING_ROLES and sees_case(reader, kind=kind, owner_agency=owner_agency)


def may_update_action(reader: Reader, *, kind: str, owner_agency: str, assigned_agency: str) -> bool:
    """Status, outcome and assignee: the agency the action is assigned to, or whoever changes the case."""
    if reader.role not in WORKING_ROLES:
        return False
    if assigned_agency == reader.agency:
        return True
    return may_change_case(reader, kind=kind, owner_agency=owner_agency)


def visible_cases(reader: Reader) -> ColumnElement[bool]:
    """``sees_case`` as a WHERE clause on ``cases``."""
    if reader.role not in READING_ROLES or reader.agency not in STATUTORY_PARTNERS:
        return false()
    shared = Case.kind.in_([CaseKind.PROBLEM.value, CaseKind.PERSON.value])
    if reader.agency in OPERATION_READERS:
        return or_(shared, Case.kind == CaseKind.OPERATION.value)
    return or_(shared, and_(Case.kind == CaseKind.OPERATION.value, Case.owner_agency == reader.agency))


def visible_actions(reader: Reader) -> ColumnElement[bool]:
    """``sees_action`` other than none, as a WHERE clause on ``actions`` joined to ``cases``."""
    if reader.role not in READING_ROLES:
        return false()
    return or_(visible_cases(reader), Action.assigned_agency == reader.agency)
