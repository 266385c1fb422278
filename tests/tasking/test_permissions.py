"""Who sees and works which case: every role × agency × kind of case, against a table written out by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from saferhub.access import ROLES, Reader
from saferhub.store.tasking_models import Case
from saferhub.tasking import (
    TaskingDenied,
    add_note,
    create_case,
    get_case,
    list_actions,
    list_cases,
    update_action,
    update_case,
)
from saferhub.tasking import permissions as rules
from tasking.conftest import DAY, Planted, kw

AGENCIES = ("police", "council", "fire", "ambulance", "housing", "third_sector")
KINDS = ("problem", "person", "operation")

# Which kinds of case (all owned by the council) each agency's users see, as the issue says.
SEES = {
    "police": {"problem", "person", "operation"},  # operations: the police and the owner
    "council": {"problem", "person", "operation"},  # the owner
    "fire": {"problem", "person"},
    "ambulance": {"problem", "person"},
    "housing": {"problem", "person"},
    "third_sector": set(),  # only actions assigned to it
}
# What each role may do with a case its agency sees.
ROLE_SEES = {"hub_admin": True, "analyst": True, "officer": True, "partner_viewer": True, "auditor": False}
ROLE_WORKS = {"hub_admin": True, "analyst": True, "officer": True, "partner_viewer": False, "auditor": False}

MATRIX = [(agency, role, kind) for agency in AGENCIES for role in ROLES for kind in KINDS]


def expected_sees(agency: str, role: str, kind: str) -> bool:
    return ROLE_SEES[role] and kind in SEES[agency]


def expected_changes(agency: str, role: str, kind: str) -> bool:
    return (
        expected_sees(agency, role, kind)
        and ROLE_WORKS[role]
        and (agency == "council" or role == "hub_admin")
    )


@pytest.mark.parametrize(("agency", "role", "kind"), MATRIX)
def test_rules_match_the_table(agency: str, role: str, kind: str) -> None:
    reader = Reader(agency=agency, role=role)
    sees = expected_sees(agency, role, kind)
    assert rules.sees_case(reader, kind=kind, owner_agency="council") is sees
    assert rules.may_change_case(reader, kind=kind, owner_agency="council") is expected_changes(
        agency, role, kind
    )
    assert rules.may_add_note(reader, kind=kind, owner_agency="council") is (sees and ROLE_WORKS[role])


def test_the_service_applies_the_table_to_every_reader(engine: Engine, planted: Planted) -> None:
    """get_case, list_cases, update_case and add_note as every role of every agency."""
    by_kind = {"problem": planted.problem, "person": planted.person, "operation": planted.operation}
    wrong: list[str] = []
    for agency, role, kind in MATRIX:
        reader = Reader(agency=agency, role=role, user=f"{agency}-{role}")
        me = kw(engine, reader)
        case = by_kind[kind]
        sees = expected_sees(agency, role, kind)
        try:
            detail = get_case(**me, case=case.reference)
            seen = detail.case.title == case.title
        except TaskingDenied as exc:
            seen = False
            assert exc.hidden
        listed = case.id in {c.id for c in list_cases(**me)}
        if (seen, listed) != (sees, sees):
            wrong.append(f"{agency} {role} {kind}: sees {seen}, listed {listed}, expected {sees}")
        try:
            update_case(**me, case=case.reference, risk="high")
            changed = True
        except TaskingDenied:
            changed = False
        if changed is not expected_changes(agency, role, kind):
            wrong.append(f"{agency} {role} {kind}: changed {changed}")
        try:
            add_note(**me, case=case.reference, text="A note")
            noted = True
        except TaskingDenied:
            noted = False
        if noted is not (sees and ROLE_WORKS[role]):
            wrong.append(f"{agency} {role} {kind}: added a note {noted}")
    assert not wrong, "\n".join(wrong)


def test_only_statutory_partners_open_cases_and_only_for_themselves(engine: Engine) -> None:
    for agency in AGENCIES:
        for role in ROLES:
            reader = Reader(agency=agency, role=role)
            try:
                create_case(**kw(engine, reader), kind="problem", title="x")
                opened = True
            except TaskingDenied:
                opened = False
            assert opened is (agency != "third_sector" and ROLE_WORKS[role]), (agency, role)
    admin = Reader(agency="police", role="hub_admin")
    assert (
        create_case(**kw(engine, admin), kind="problem", title="x", owner_agency="fire").owner_agency
        == "fire"
    )
    with pytest.raises(TaskingDenied):
        create_case(
            **kw(engine, Reader(agency="police", role="analyst")),
            kind="problem",
            title="x",
            owner_agency="fire",
        )


def test_an_agency_given_an_action_on_an_operation_sees_that_action_and_the_reference_only(
    engine: Engine, planted: Planted
) -> None:
    for agency, action_id in (
        ("fire", planted.fire_action_id),
        ("third_sector", planted.voluntary_action_id),
    ):
        reader = Reader(agency=agency, role="officer", user=f"{agency}-officer")
        actions = list_actions(**kw(engine, reader))
        assert [a.id for a in actions] == [action_id]
        shown = actions[0]
        assert shown.access == "assigned" and shown.detail is None
        assert shown.case_reference == planted.operation.reference
        assert "Kestrel" not in repr(shown) and "Secret" not in repr(shown)
        with pytest.raises(TaskingDenied):
            get_case(**kw(engine, reader), case=planted.operation.reference)
        done = update_action(**kw(engine, reader), action_id=action_id, status="done", outcome="Visited")
        assert (done.status, done.outcome, done.detail) == ("done", "Visited", None)
        with pytest.raises(TaskingDenied, match="due date"):
            update_action(**kw(engine, reader), action_id=action_id, due_on=DAY)
    police = list_actions(**kw(engine, Reader(agency="police", role="analyst")), include_finished=True)
    assert {a.access for a in police} == {"full"} and {a.detail for a in police} == {"Detail D", "Detail E"}


def test_readers_who_may_not_work_actions(engine: Engine, planted: Planted) -> None:
    viewer = Reader(agency="fire", role="partner_viewer")
    assert [a.id for a in list_actions(**kw(engine, viewer))] == [planted.fire_action_id]  # reads it
    with pytest.raises(TaskingDenied) as refused:
        update_action(**kw(engine, viewer), action_id=planted.fire_action_id, status="done")
    assert not refused.value.hidden
    auditor = Reader(agency="fire", role="auditor")
    assert list_actions(**kw(engine, auditor)) == []
    with pytest.raises(TaskingDenied) as hidden:
        update_action(**kw(engine, auditor), action_id=planted.fire_action_id, status="done")
    assert hidden.value.hidden
    # an agency neither assigned nor seeing the case: the action is not there
    with pytest.raises(TaskingDenied) as other:
        update_action(**kw(engine, Reader(agency="housing")), action_id=planted.fire_action_id, status="done")
    assert other.value.hidden
    with engine.connect() as conn:
        assert conn.execute(select(Case.risk).where(Case.id == planted.operation.id)).scalar() == "medium"
