"""Actions: overdue and due-soon computation, who updates what, assignees of the right agency."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from saferhub.access import Reader
from saferhub.accounts import create_user
from saferhub.tasking import (
    TaskingError,
    actions_due,
    create_action,
    create_case,
    get_case,
    list_actions,
    overdue_actions,
    update_action,
)
from tasking.conftest import COUNCIL, DAY, kw

FIRE = Reader(agency="fire", role="officer", user="fred")


@pytest.fixture
def actions(engine: Engine) -> dict[str, int]:
    """Fire actions due at known distances from DAY, in known states: name -> id."""
    me = kw(engine, COUNCIL)
    case = create_case(**me, kind="problem", title="Deliberate fires in the park")
    plan = {  # name: (days from DAY, final status)
        "late_open": (-3, "open"),
        "late_started": (-1, "in_progress"),
        "late_done": (-5, "done"),
        "late_cancelled": (-2, "cancelled"),
        "today": (0, "open"),
        "in_week": (7, "open"),
        "after_week": (8, "open"),
    }
    ids = {}
    for name, (days, status) in plan.items():
        action = create_action(
            **me, case=case.id, title=name, assigned_agency="fire", due_on=DAY + dt.timedelta(days=days)
        )
        if status != "open":
            update_action(**kw(engine, FIRE), action_id=action.id, status=status)
        ids[name] = action.id
    create_action(
        **me,
        case=case.id,
        title="council's own",
        assigned_agency="council",
        due_on=DAY - dt.timedelta(days=9),
    )
    return ids


def test_overdue_is_unfinished_and_due_before_the_day(engine: Engine, actions: dict[str, int]) -> None:
    late = overdue_actions(**kw(engine, FIRE), as_of=DAY, agency="fire")
    assert [a.title for a in late] == ["late_open", "late_started"]  # soonest due first
    assert [a.days_overdue(DAY) for a in late] == [3, 1]
    assert all(a.is_overdue(DAY) for a in late)
    council_sees = overdue_actions(**kw(engine, COUNCIL), as_of=DAY)
    assert [a.title for a in council_sees] == ["council's own", "late_open", "late_started"]


def test_the_briefing_feed_is_the_agencys_overdue_and_next_seven_days(
    engine: Engine, actions: dict[str, int]
) -> None:
    due = actions_due(**kw(engine, Reader(agency="fire")), as_of=DAY, days=7)  # a pack: no user
    assert [a.title for a in due.overdue] == ["late_open", "late_started"]
    assert [a.title for a in due.due_soon] == ["today", "in_week"]
    assert not due.due_soon[0].is_overdue(DAY)


def test_finished_actions_carry_when_they_finished(engine: Engine, actions: dict[str, int]) -> None:
    done = list_actions(**kw(engine, FIRE), include_finished=True, agency="fire")
    by_title = {a.title: a for a in done}
    assert by_title["late_done"].completed_at is not None and by_title["late_open"].completed_at is None
    reopened = update_action(**kw(engine, FIRE), action_id=actions["late_done"], status="open")
    assert reopened.completed_at is None and reopened.is_overdue(DAY)
    assert next(a.title for a in list_actions(**kw(engine, FIRE), agency="fire")) == "late_done"  # open again


def test_case_counts_its_open_and_overdue_actions(engine: Engine, actions: dict[str, int]) -> None:
    detail = get_case(**kw(engine, COUNCIL), case=1, as_of=DAY)
    assert detail.case.open_actions == 6  # 5 fire actions still open or started, and the council's
    assert detail.case.overdue_actions == 3


def test_assignees_are_users_of_the_assigned_agency(engine: Engine) -> None:
    for name, agency in (("fred", "fire"), ("cara", "council")):
        create_user(
            engine=engine,
            username=name,
            display_name=name,
            agency=agency,
            role="officer",
            password="a long enough password",
        )
    me = kw(engine, COUNCIL)
    case = create_case(**me, kind="problem", title="Bins")
    with pytest.raises(TaskingError, match="must be a user of fire"):
        create_action(**me, case=case.id, title="x", assigned_agency="fire", due_on=DAY, assigned_user="cara")
    action = create_action(
        **me, case=case.id, title="x", assigned_agency="fire", due_on=DAY, assigned_user="fred"
    )
    assert action.assigned_user == "fred"
    assert [a.id for a in list_actions(**kw(engine, FIRE), user="fred")] == [action.id]
    cleared = update_action(**kw(engine, FIRE), action_id=action.id, assigned_user="")
    assert cleared.assigned_user is None
    with pytest.raises(TaskingError, match="unknown agency"):
        create_action(
            **me, case=case.id, title="x", assigned_agency="nasa", due_on=DAY, agencies=("fire", "police")
        )
    with pytest.raises(TaskingError, match="nothing to change"):
        update_action(**kw(engine, FIRE), action_id=action.id)
