"""A person's or a place's cases (and a person's actions on them), from the tasking service.

``saferhub.tasking.find_cases`` / ``find_actions`` decide which cases and actions the reader
may see and say what the audit entry must record; the profile writes that into its own entry,
so one look at a profile is one entry in the log. Should the tasking package be missing (a
trimmed install), this returns no cases and ``available=False``, which pages show as "cases
not available" rather than "no cases".
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from saferhub.access import Reader
from saferhub.profiles.results import CaseRef


@dataclass(frozen=True)
class Work:
    """The reader's cases linked to a person or place, the actions on them (a person's only),
    and what the profile's audit entry must add (case and action ids)."""

    cases: tuple[CaseRef, ...] = ()
    actions: tuple[Any, ...] = ()  # saferhub.tasking.ActionView
    available: bool = False
    audit: dict[str, Any] = field(default_factory=dict)


def work_for(
    *, engine: Engine, reader: Reader, person_id: str | None = None, place_id: str | None = None
) -> Work:
    """The reader's cases linked to the person or place, and for a person their actions."""
    # Looked up at call time: tasking imports the store and access layers as this does,
    # and a profile must still open where tasking is not installed.
    try:
        tasking = importlib.import_module("saferhub.tasking")
    except ImportError:
        return Work()
    find_cases = getattr(tasking, "find_cases", None)
    if find_cases is None:
        return Work()
    asked: dict[str, Any] = {"person": person_id} if person_id is not None else {"place": place_id}
    found, _ = find_cases(engine=engine, reader=reader, status=None, **asked)
    cases = tuple(_ref(c) for c in found)
    audit: dict[str, Any] = {"case_ids": [c.case_id for c in cases]}
    actions: tuple[Any, ...] = ()
    if person_id is not None and cases:
        listed, _ = tasking.find_actions(
            engine=engine, reader=reader, cases=[c.case_id for c in cases], include_finished=True
        )
        actions = tuple(listed)
        audit["action_ids"] = [a.id for a in actions]
    return Work(cases=cases, actions=actions, available=True, audit=audit)


def _ref(case: Any) -> CaseRef:
    return CaseRef(
        case_id=int(case.id),
        reference=str(case.reference),
        kind=str(case.kind),
        title=getattr(case, "title", None),
        status=getattr(case, "status", None),
        risk=getattr(case, "risk", None),
        owner_agency=getattr(case, "owner_agency", None),
    )
