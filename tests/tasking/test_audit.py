"""Every look, search, change and refusal is in the audit log, with ids and counts only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine

from saferhub.access import Reader, recent, verify
from saferhub.tasking import (
    TaskingDenied,
    add_note,
    get_case,
    link_to_case,
    list_actions,
    list_cases,
    update_action,
    update_case,
)
from tasking.conftest import COUNCIL, Planted, kw


def _last(engine: Engine) -> dict[str, Any]:
    entry = recent(engine, last=1).row(0, named=True)
    entry["what"] = json.loads(entry["what"])
    return entry


def test_planting_wrote_one_change_per_case_and_action(engine: Engine, planted: Planted) -> None:
    log = recent(engine, last=50)
    assert log["action"].to_list() == ["change"] * 5
    whats = [json.loads(w) for w in reversed(log["what"].to_list())]
    assert [w["case_ids"] for w in whats] == [
        [planted.problem.id],
        [planted.person.id],
        [planted.operation.id],
        [planted.operation.id],
        [planted.operation.id],
    ]
    assert whats[0]["case_reference"] == planted.problem.reference
    assert whats[3]["action_ids"] == [planted.fire_action_id]


def test_view_search_change_and_deny_are_logged(engine: Engine, planted: Planted) -> None:
    me = kw(engine, COUNCIL)
    link_to_case(**me, case=planted.person.reference, kind="person", ref="P000000000007", role="subject")
    change = _last(engine)
    assert change["action"] == "change" and change["what"]["person_ids"] == ["P000000000007"]

    detail = get_case(**me, case=planted.operation.reference)
    view = _last(engine)
    assert (view["action"], view["actor"], view["agency"], view["role"]) == (
        "view",
        "cara",
        "council",
        "analyst",
    )
    assert view["what"]["case_ids"] == [planted.operation.id]
    assert sorted(view["what"]["action_ids"]) == sorted(a.id for a in detail.actions)

    cases = list_cases(**me)
    search = _last(engine)
    assert search["action"] == "search"
    assert search["what"]["count"] == 3 and sorted(search["what"]["case_ids"]) == sorted(c.id for c in cases)

    list_actions(**kw(engine, Reader(agency="fire", role="officer", user="fred")))
    found = _last(engine)
    assert found["action"] == "search" and found["what"]["action_ids"] == [planted.fire_action_id]

    update_case(**me, case=planted.problem.id, title="Renamed: Youths at the precinct", risk="high")
    changed = _last(engine)
    assert changed["action"] == "change" and changed["what"]["fields"] == ["risk", "title"]

    add_note(**me, case=planted.problem.id, text="Spoke to Mrs Jones at 12 Acacia Avenue, CH41 1AA")
    noted = _last(engine)
    assert noted["what"]["change"] == "log_entry" and "entry_ids" in noted["what"]

    update_action(
        **kw(engine, Reader(agency="fire", role="officer", user="fred")),
        action_id=planted.fire_action_id,
        status="in_progress",
    )
    moved = _last(engine)
    assert (
        moved["what"]["action_ids"] == [planted.fire_action_id] and moved["what"]["status"] == "in_progress"
    )

    voluntary = kw(engine, Reader(agency="third_sector", role="officer", user="vic"))
    with pytest.raises(TaskingDenied):
        get_case(**voluntary, case=planted.operation.reference)
    denied = _last(engine)
    assert (denied["action"], denied["actor"]) == ("deny", "vic")
    assert denied["what"]["case_ids"] == [planted.operation.id] and denied["what"]["exists"] is True
    with pytest.raises(TaskingDenied):
        update_case(**kw(engine, Reader(agency="fire", role="analyst")), case=planted.problem.id, risk="low")
    assert _last(engine)["action"] == "deny"

    log = recent(engine, last=100)
    text = " ".join(log["what"].to_list())
    for personal in ("Jones", "Acacia", "CH41", "Youths", "Kestrel", "Secret", "Fire safety"):
        assert personal not in text
    check = verify(engine)
    assert check.ok and check.entries == log.height


def test_a_refused_change_leaves_no_change_entry_and_no_change(engine: Engine, planted: Planted) -> None:
    before = recent(engine, last=100).height
    with pytest.raises(TaskingDenied):
        update_case(
            **kw(engine, Reader(agency="police", role="partner_viewer")),
            case=planted.problem.id,
            title="Hijacked",
        )
    log = recent(engine, last=100)
    assert log.height == before + 1 and log["action"][0] == "deny"
    assert get_case(**kw(engine, COUNCIL), case=planted.problem.id).case.title == planted.problem.title
