"""A case or action the reader may not see looks exactly like one that does not exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from saferhub.access import Reader
from saferhub.tasking import (
    TaskingDenied,
    add_note,
    close_case,
    create_action,
    get_case,
    link_to_case,
    list_actions,
    update_action,
    update_case,
)
from tasking.conftest import Planted, kw

ATTEMPTS: dict[str, Callable[..., Any]] = {
    "view": lambda me, case: get_case(**me, case=case),
    "update": lambda me, case: update_case(**me, case=case, risk="high"),
    "close": lambda me, case: close_case(**me, case=case),
    "link": lambda me, case: link_to_case(**me, case=case, kind="person", ref="P000000000001"),
    "note": lambda me, case: add_note(**me, case=case, text="x"),
    "action": lambda me, case: create_action(
        **me, case=case, title="x", assigned_agency="fire", due_on=dt.date(2026, 12, 1)
    ),
}


def _refusal(call: Callable[[], Any]) -> TaskingDenied:
    with pytest.raises(TaskingDenied) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("attempt", list(ATTEMPTS))
@pytest.mark.parametrize(
    "reader",
    [
        Reader(agency="third_sector", role="officer"),
        Reader(agency="fire", role="analyst"),
        Reader(agency="police", role="auditor"),
    ],
    ids=["voluntary", "fire-operation", "auditor"],
)
def test_a_hidden_case_is_refused_as_if_it_did_not_exist(
    engine: Engine, planted: Planted, attempt: str, reader: Reader
) -> None:
    me = kw(engine, reader)
    hidden = planted.operation  # the fire service has an action on it, the voluntary sector too
    missing_ref = hidden.reference[:-4] + "9999"
    real = _refusal(lambda: ATTEMPTS[attempt](me, hidden.reference))
    fake = _refusal(lambda: ATTEMPTS[attempt](me, missing_ref))
    assert type(real) is type(fake) and real.hidden and fake.hidden
    assert str(real).replace(hidden.reference, "REF") == str(fake).replace(missing_ref, "REF")
    by_id = _refusal(lambda: ATTEMPTS[attempt](me, hidden.id))
    by_missing_id = _refusal(lambda: ATTEMPTS[attempt](me, 999_999))
    assert str(by_id).replace(str(hidden.id), "N") == str(by_missing_id).replace("999999", "N")
    for secret in ("Kestrel", "Secret", "operation", "council"):
        assert secret not in str(real)


def test_a_hidden_action_is_refused_as_if_it_did_not_exist(engine: Engine, planted: Planted) -> None:
    me = kw(engine, Reader(agency="housing", role="officer"))  # no action, cannot see the operation
    real = _refusal(lambda: update_action(**me, action_id=planted.fire_action_id, status="done"))
    fake = _refusal(lambda: update_action(**me, action_id=424242, status="done"))
    assert real.hidden and fake.hidden
    assert str(real).replace(str(planted.fire_action_id), "N") == str(fake).replace("424242", "N")


def test_asking_for_a_hidden_cases_actions_gives_only_ones_own(engine: Engine, planted: Planted) -> None:
    voluntary = kw(engine, Reader(agency="third_sector", role="officer"))
    own = list_actions(**voluntary, case=planted.operation.reference)
    assert [a.id for a in own] == [planted.voluntary_action_id]
    assert list_actions(**voluntary, case=planted.problem.reference) == []
    assert list_actions(**voluntary, case="CASE-99-0001") == []


def test_what_was_typed_is_repeated_only_when_it_looks_like_a_reference(engine: Engine) -> None:
    from saferhub.access import recent

    me = kw(engine, Reader(agency="council", role="analyst"))
    assert "case CASE-26-0042 " in str(_refusal(lambda: get_case(**me, case="case-26-0042")))
    typed = "John Smith"  # someone searching by name where a reference is asked for
    refusal = _refusal(lambda: get_case(**me, case=typed))
    assert str(refusal) == "There is no such case that you may see." and refusal.hidden
    assert "Smith" not in recent(engine, last=1)["what"][0]
