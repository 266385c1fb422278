"""The briefing's actions section, built through the tasking rules for a pack's reader."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from saferhub.briefings.actions import actions_section
from saferhub.briefings.content import Table
from saferhub.briefings.gate import Gate
from saferhub.briefings.periods import daily_period
from tasking.conftest import DAY, Planted


def _rows(engine: Engine, agency: str, role: str = "analyst") -> list[list[dict[str, object]]]:
    period = daily_period(DAY)
    section = actions_section(engine=engine, gate=Gate.for_agency(agency, role=role), period=period)
    return [b.rows for b in section.blocks if isinstance(b, Table)]


def test_each_agency_sees_its_own_overdue_and_due_actions(engine: Engine, planted: Planted) -> None:
    assert dt.date(2026, 11, 24) < daily_period(DAY).briefing_day  # the fire action (due 24th) is overdue
    overdue, soon = _rows(engine, "fire")
    assert [r["action"] for r in overdue] == ["Fire safety visit at the address"]
    assert overdue[0]["case"] == planted.operation.reference and "overdue" in str(overdue[0]["due"])
    assert soon == []
    overdue, soon = _rows(engine, "third_sector")
    assert overdue == [] and [r["action"] for r in soon] == ["Offer support to the family"]
    assert _rows(engine, "police") == [[], []]  # sees the case, but neither action is the police's
    assert _rows(engine, "fire", role="auditor") == []  # no tables at all
