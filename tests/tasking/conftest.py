"""Helpers for the tasking tests: readers of every agency and role, and a few planted cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from saferhub.access import Reader
from saferhub.tasking import CaseView, create_action, create_case

WHERE = "cli:test"
DAY = dt.date(2026, 11, 26)


def kw(engine: Engine, reader: Reader) -> dict[str, Any]:
    return {"engine": engine, "reader": reader, "where_from": WHERE}


@dataclass
class Planted:
    problem: CaseView  # owned by the council
    person: CaseView  # owned by the council
    operation: CaseView  # owned by the council: seen by the council and the police only
    fire_action_id: int  # on the operation, assigned to fire
    voluntary_action_id: int  # on the operation, assigned to third_sector


COUNCIL = Reader(agency="council", role="analyst", user="cara")


@pytest.fixture
def planted(engine: Engine) -> Planted:
    me = kw(engine, COUNCIL)
    problem = create_case(**me, kind="problem", title="Youths gathering at the precinct", summary="Secret A")
    person = create_case(**me, kind="person", subtype="vulnerable_person", title="Person case title B")
    operation = create_case(**me, kind="operation", title="Operation Kestrel C", summary="Secret C")
    fire = create_action(
        **me,
        case=operation.reference,
        title="Fire safety visit at the address",
        assigned_agency="fire",
        due_on=DAY - dt.timedelta(days=2),
        detail="Detail D",
    )
    voluntary = create_action(
        **me,
        case=operation.reference,
        title="Offer support to the family",
        assigned_agency="third_sector",
        due_on=DAY + dt.timedelta(days=3),
        detail="Detail E",
    )
    return Planted(problem, person, operation, fire.id, voluntary.id)
