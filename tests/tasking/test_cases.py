"""Opening cases: references (also under concurrency), SARA stages for problems only, subtypes."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from saferhub.access import Reader
from saferhub.store.tasking_models import Case
from saferhub.tasking import TaskingError, create_case, get_case, link_to_case, list_cases, update_case
from saferhub.tasking.records import london_today, now_utc
from tasking.conftest import COUNCIL, kw


def test_references_run_on_per_year_and_start_at_one(engine: Engine) -> None:
    me = kw(engine, COUNCIL)
    refs = [create_case(**me, kind="problem", title=f"Problem {i}").reference for i in range(3)]
    yy = london_today().year % 100
    assert refs == [f"CASE-{yy:02d}-0001", f"CASE-{yy:02d}-0002", f"CASE-{yy:02d}-0003"]


def test_references_grow_past_four_digits(engine: Engine) -> None:
    yy = london_today().year % 100
    when = now_utc()
    with engine.begin() as conn:
        conn.execute(
            insert(Case).values(
                reference=f"CASE-{yy:02d}-9999",
                kind="problem",
                title="old",
                stage="scanning",
                status="open",
                risk="low",
                owner_agency="council",
                created_at=when,
                created_by="x",
                updated_at=when,
            )
        )
    case = create_case(**kw(engine, COUNCIL), kind="problem", title="After 9999")
    assert case.reference == f"CASE-{yy:02d}-10000"
    nxt = create_case(**kw(engine, COUNCIL), kind="problem", title="After 10000")
    assert nxt.reference == f"CASE-{yy:02d}-10001"  # 10000 sorts after 9999 although "1" < "9"


def test_concurrent_openings_get_distinct_consecutive_references(engine: Engine) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_cases(worker: int) -> None:
        try:
            start.wait()
            for i in range(4):
                reader = Reader(agency="council", role="analyst", user=f"user{worker}")
                create_case(**kw(engine, reader), kind="problem", title=f"Problem {worker}-{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_cases, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with engine.connect() as conn:
        refs = sorted(conn.execute(select(Case.reference)).scalars())
    yy = london_today().year % 100
    assert refs == [f"CASE-{yy:02d}-{n:04d}" for n in range(1, 17)]


def test_problems_start_at_scanning_and_move_through_sara(engine: Engine) -> None:
    me = kw(engine, COUNCIL)
    case = create_case(**me, kind="problem", title="Fly-tipping behind the shops")
    assert case.stage == "scanning" and case.subtype is None
    for stage in ("analysis", "Response", "assessment"):
        assert update_case(**me, case=case.reference, stage=stage).stage == stage.lower()
    with pytest.raises(TaskingError, match="unknown stage"):
        update_case(**me, case=case.reference, stage="evaluation")


@pytest.mark.parametrize("kind", ["person", "operation"])
def test_only_problems_have_a_sara_stage(engine: Engine, kind: str) -> None:
    me = kw(engine, COUNCIL)
    extra = {"subtype": "asb_victim"} if kind == "person" else {}
    with pytest.raises(TaskingError, match="only problem cases have a SARA stage"):
        create_case(**me, kind=kind, title="A case", stage="analysis", **extra)
    case = create_case(**me, kind=kind, title="A case", **extra)
    assert case.stage is None
    with pytest.raises(TaskingError, match="only problem cases have a SARA stage"):
        update_case(**me, case=case.id, stage="analysis")


def test_person_cases_need_one_of_the_three_subtypes(engine: Engine) -> None:
    me = kw(engine, COUNCIL)
    with pytest.raises(TaskingError, match="needs a subtype"):
        create_case(**me, kind="person", title="Someone")
    with pytest.raises(TaskingError, match="unknown subtype"):
        create_case(**me, kind="person", title="Someone", subtype="troublemaker")
    with pytest.raises(TaskingError, match="only person cases have a subtype"):
        create_case(**me, kind="problem", title="Somewhere", subtype="asb_victim")
    case = create_case(**me, kind="person", title="Someone", subtype="frequent caller", risk="high")
    assert (case.subtype, case.risk) == ("frequent_caller", "high")


def test_closing_and_reopening_sets_and_clears_closed_at(engine: Engine) -> None:
    me = kw(engine, COUNCIL)
    case = create_case(**me, kind="problem", title="Graffiti")
    closed = update_case(**me, case=case.reference, status="closed")
    assert closed.status == "closed" and closed.closed_at is not None
    assert list_cases(**me) == []  # open cases by default
    assert [c.id for c in list_cases(**me, status=None)] == [case.id]
    reopened = update_case(**me, case=case.reference, status="open")
    assert reopened.closed_at is None


def test_links_filter_the_case_list_and_a_link_is_made_once(engine: Engine) -> None:
    me = kw(engine, COUNCIL)
    first = create_case(**me, kind="problem", title="Park")
    second = create_case(**me, kind="person", subtype="asb_victim", title="Victim")
    link_to_case(**me, case=first.reference, kind="place", ref="PL00000042", role="location")
    link_to_case(**me, case=second.reference, kind="person", ref="P000000000007", role="victim")
    link_to_case(**me, case=second.reference, kind="place", ref="PL00000042", role="address")
    assert [c.id for c in list_cases(**me, place="PL00000042")] == [second.id, first.id]
    assert [c.id for c in list_cases(**me, person="P000000000007")] == [second.id]
    with pytest.raises(TaskingError, match="already linked"):
        link_to_case(**me, case=second.reference, kind="person", ref="P000000000007")
    detail = get_case(**me, case=second.reference)
    assert {(lk.kind, lk.ref, lk.role) for lk in detail.links} == {
        ("person", "P000000000007", "victim"),
        ("place", "PL00000042", "address"),
    }


@pytest.mark.parametrize(
    "given",
    [{"person": ";"}, {"person": "Smith"}, {"person": "P1"}, {"place": "PL12AB"}, {"place": "Elm Grove"}],
)
def test_a_filter_that_is_not_an_id_is_refused_unread_unlogged_and_unrepeated(
    engine: Engine, given: dict[str, str]
) -> None:
    from saferhub.store.audit_models import AuditEntry

    me = kw(engine, COUNCIL)
    case = create_case(**me, kind="problem", title="Park")
    with engine.connect() as conn:
        entries = conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    with pytest.raises(TaskingError) as refused:
        list_cases(**me, **given)
    assert next(iter(given.values())) not in str(refused.value)
    ((kind, typed),) = given.items()
    with pytest.raises(TaskingError) as refused:
        link_to_case(**me, case=case.reference, kind=kind, ref=typed)
    assert typed not in str(refused.value)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == entries
    # The same ids written in lower case, with spaces around, are the hub's ids.
    assert list_cases(**me, person=" p000000000007 ") == []


def test_owner_user_must_belong_to_the_owner_agency(engine: Engine) -> None:
    from saferhub.accounts import create_user

    create_user(
        engine=engine,
        username="cara",
        display_name="Cara",
        agency="council",
        role="analyst",
        password="a long enough password",
    )
    create_user(
        engine=engine,
        username="fred",
        display_name="Fred",
        agency="fire",
        role="officer",
        password="a long enough password",
    )
    me = kw(engine, COUNCIL)
    case = create_case(**me, kind="problem", title="Bins set alight", owner_user="cara")
    assert case.owner_user == "cara"
    with pytest.raises(TaskingError, match="must be a user of council"):
        update_case(**me, case=case.id, owner_user="fred")
    with pytest.raises(TaskingError, match="no active user"):
        update_case(**me, case=case.id, owner_user="nobody")
    moved = update_case(**me, case=case.id, owner_agency="fire", owner_user="fred")
    assert (moved.owner_agency, moved.owner_user) == ("fire", "fred")
    assert moved.updated_at >= case.updated_at and moved.created_at == case.created_at
    assert isinstance(moved.created_at, dt.datetime)


def test_a_reference_taken_meanwhile_is_retried_with_the_next_number(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from saferhub.tasking import records

    me = kw(engine, COUNCIL)
    first = create_case(**me, kind="problem", title="First")
    real = records.next_reference
    calls: list[str] = []

    def stale_then_real(conn: Any, *, year: int) -> str:
        calls.append("asked")
        return (
            first.reference if len(calls) == 1 else real(conn, year=year)
        )  # as if read before it was written

    monkeypatch.setattr(records, "next_reference", stale_then_real)
    second = create_case(**me, kind="problem", title="Second")
    assert len(calls) == 2 and second.reference == first.reference[:-4] + "0002"
    assert [c.title for c in list_cases(**me)] == ["Second", "First"]  # the failed try left nothing behind
