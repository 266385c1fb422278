"""A person's or a place's cases, from the tasking service.

``saferhub.tasking.list_cases(engine=, reader=, where_from=, person=... | place=..., status=None)``
decides which cases the reader may see and writes its own audit entry. Should the tasking
package be missing (a trimmed install), this returns no cases and ``available=False``,
which pages show as "cases not available" rather than "no cases".
"""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy import Engine

from saferhub.access import Reader
from saferhub.profiles.results import CaseRef


def cases_for(
    *,
    engine: Engine,
    reader: Reader,
    where_from: str,
    person_id: str | None = None,
    place_id: str | None = None,
) -> tuple[tuple[CaseRef, ...], bool]:
    """(cases, available): the reader's cases linked to the person or place."""
    # Looked up at call time: tasking imports the store and access layers as this does,
    # and a profile must still open where tasking is not installed.
    try:
        tasking = importlib.import_module("saferhub.tasking")
    except ImportError:
        return (), False
    list_cases = getattr(tasking, "list_cases", None)
    if list_cases is None:
        return (), False
    asked: dict[str, Any] = {"person": person_id} if person_id is not None else {"place": place_id}
    found = list_cases(engine=engine, reader=reader, where_from=where_from, status=None, **asked)
    return tuple(_ref(c) for c in found), True


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
