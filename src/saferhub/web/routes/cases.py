"""Case pages: the list, opening a case, and a case with its links, log and actions, where
its owner sets actions for partners and changes its stage, status and risk.

Everything shown comes from ``saferhub.tasking``, which applies the tasking rules and writes
the audit log; a case the reader may not see answers 404, exactly as an unknown one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saferhub import tasking
from saferhub.tasking import CaseKind, CaseStatus, PersonSubtype, Risk, Stage, TaskingDenied, TaskingError
from saferhub.tasking.permissions import WORKING_ROLES, may_create_case
from saferhub.tasking.records import london_today
from saferhub.web.api.common import IdInPath
from saferhub.web.deps import STAFF, WORKERS, Actor, Allow, engine_of
from saferhub.web.tasking_web import assignable_staff, case_owners, parse_due, refusal
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reading = Annotated[Actor, Depends(Allow(STAFF, personal=True))]
Working = Annotated[Actor, Depends(Allow(WORKERS, personal=True))]
LINK_ROLES = ("subject", "victim", "target", "address", "associate")


def _agencies(request: Request) -> list[str]:
    return list(request.app.state.agreement.agencies)


@router.get("/cases", name="cases")
def cases_page(
    request: Request,
    actor: Reading,
    kind: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=20)] = "open",
    owner: Annotated[str, Query(max_length=60)] = "",
) -> HTMLResponse:
    kind_ = kind if kind in CaseKind.__members__.values() else None
    status_ = status if status in CaseStatus.__members__.values() else None
    owner_ = owner if owner in _agencies(request) else None
    cases = tasking.list_cases(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, kind=kind_,
        status=status_, owner_agency=owner_,
    )  # fmt: skip
    may_open = may_create_case(actor.reader, owner_agency=actor.reader.agency)
    context = {
        "title": "Cases", "cases": cases, "kinds": list(CaseKind), "kind": kind_ or "",
        "status": status_ or "", "owner": owner_ or "", "owners": case_owners(_agencies(request)),
        "may_open": may_open,
    }  # fmt: skip
    return render(request, "cases/list.html", context, actor=actor)


def _new_page(
    request: Request,
    actor: Actor,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    owners = case_owners(_agencies(request))
    context = {
        "title": "Open a case", "error": error, "form": form or {}, "kinds": list(CaseKind),
        "stages": list(Stage), "subtypes": list(PersonSubtype), "risks": list(Risk),
        "owners": owners if actor.user.role == "hub_admin" else [actor.user.agency],
        "staff": assignable_staff(request, owners),
    }  # fmt: skip
    return render(request, "cases/new.html", context, actor=actor, status_code=status)


@router.get("/cases/new", name="case_new")
def new_case_page(request: Request, actor: Working) -> HTMLResponse:
    return _new_page(request, actor)


@router.post("/cases", name="case_create")
def create_case(
    request: Request,
    actor: Working,
    kind: Annotated[str, Form(max_length=20)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    summary: Annotated[str, Form(max_length=10_000)] = "",
    stage: Annotated[str, Form(max_length=20)] = "",
    subtype: Annotated[str, Form(max_length=40)] = "",
    risk: Annotated[str, Form(max_length=20)] = "medium",
    owner_agency: Annotated[str, Form(max_length=60)] = "",
    owner_user: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    form = {"kind": kind, "title": title, "summary": summary, "stage": stage, "subtype": subtype,
            "risk": risk, "owner_agency": owner_agency, "owner_user": owner_user}  # fmt: skip
    if kind not in CaseKind.__members__.values():
        return _new_page(request, actor, error="Choose what kind of case this is.", form=form, status=400)
    if not title.strip():
        return _new_page(request, actor, error="Give the case a title.", form=form, status=400)
    try:
        case = tasking.create_case(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, kind=kind,
            title=title, summary=summary.strip() or None,
            stage=(stage or None) if kind == CaseKind.PROBLEM else None,
            subtype=(subtype or None) if kind == CaseKind.PERSON else None,
            risk=risk or "medium", owner_agency=owner_agency or None, owner_user=owner_user or None,
        )  # fmt: skip
    except TaskingDenied as denied:
        raise refusal(denied) from None
    except TaskingError as error:
        return _new_page(request, actor, error=str(error), form=form, status=400)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def _case_page(
    request: Request, actor: Actor, case_id: IdInPath, *, error: str | None = None, done: str | None = None,
    form: dict[str, str] | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    try:
        detail = tasking.get_case(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id
        )
    except TaskingDenied as denied:
        raise refusal(denied) from None
    agencies = _agencies(request)
    context: dict[str, Any] = {
        "title": f"{detail.case.reference}: {detail.case.title}", "detail": detail, "case": detail.case,
        "page_title": f"Case {detail.case.reference}",  # a case title may name someone
        "today": london_today(), "stages": list(Stage), "risks": list(Risk), "statuses": list(CaseStatus),
        "agencies": agencies, "staff": assignable_staff(request, agencies) if detail.may_change else {},
        "link_roles": LINK_ROLES, "error": error, "done": done, "form": form or {},
        "may_update_action": _action_updater(actor, detail),
    }  # fmt: skip
    return render(request, "cases/case.html", context, actor=actor, status_code=status)


def _action_updater(actor: Actor, detail: tasking.CaseDetail) -> dict[int, bool]:
    """Which of the case's actions the reader may update (assigned to their agency, or their case)."""
    working = actor.user.role in WORKING_ROLES
    return {
        a.id: working and (a.assigned_agency == actor.user.agency or detail.may_change)
        for a in detail.actions
    }


@router.get("/cases/{case_id}", name="case")
def case_page(request: Request, actor: Reading, case_id: IdInPath) -> HTMLResponse:
    return _case_page(request, actor, case_id)


@router.post("/cases/{case_id}", name="case_change")
def change_case(
    request: Request,
    actor: Working,
    case_id: IdInPath,
    stage: Annotated[str, Form(max_length=20)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    risk: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        current = tasking.get_case(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id
        ).case
        changes = {
            "stage": stage if stage and stage != current.stage else None,
            "status": status if status and status != current.status else None,
            "risk": risk if risk and risk != current.risk else None,
        }
        if not any(changes.values()):
            return _case_page(request, actor, case_id, done="Nothing was changed.")
        tasking.update_case(
            engine=engine_of(request),
            reader=actor.reader,
            where_from=actor.where_from,
            case=case_id,
            **changes,
        )
    except TaskingDenied as denied:
        raise refusal(denied) from None
    except TaskingError as error:
        return _case_page(request, actor, case_id, error=str(error), status=400)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/notes", name="case_add_note")
def add_note(
    request: Request, actor: Working, case_id: IdInPath, text: Annotated[str, Form(max_length=20_000)] = ""
) -> Response:
    try:
        tasking.add_note(
            engine=engine_of(request),
            reader=actor.reader,
            where_from=actor.where_from,
            case=case_id,
            text=text,
        )
    except TaskingDenied as denied:
        raise refusal(denied) from None
    except TaskingError as error:
        return _case_page(request, actor, case_id, error=str(error), status=400)
    return RedirectResponse(f"/cases/{case_id}#log", status_code=303)


@router.post("/cases/{case_id}/actions", name="case_add_action")
def add_action(
    request: Request,
    actor: Working,
    case_id: IdInPath,
    title: Annotated[str, Form(max_length=200)] = "",
    detail: Annotated[str, Form(max_length=10_000)] = "",
    assigned_agency: Annotated[str, Form(max_length=60)] = "",
    assigned_user: Annotated[str, Form(max_length=80)] = "",
    due_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {"title": title, "detail": detail, "assigned_agency": assigned_agency,
            "assigned_user": assigned_user, "due_on": due_on}  # fmt: skip
    due = parse_due(due_on)
    problem = None
    if not title.strip():
        problem = "Say what the action is."
    elif due is None:
        problem = "Enter the date the action is due, for example 2026-12-04."
    if problem:
        return _case_page(request, actor, case_id, error=problem, form=form, status=400)
    assert due is not None
    try:
        tasking.create_action(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id,
            title=title, detail=detail or None, assigned_agency=assigned_agency,
            assigned_user=assigned_user or None, due_on=due, agencies=tuple(_agencies(request)),
        )  # fmt: skip
    except TaskingDenied as denied:
        raise refusal(denied) from None
    except TaskingError as error:
        return _case_page(request, actor, case_id, error=str(error), form=form, status=400)
    return RedirectResponse(f"/cases/{case_id}#actions", status_code=303)


@router.post("/cases/{case_id}/links", name="case_add_link")
def add_link(
    request: Request,
    actor: Working,
    case_id: IdInPath,
    kind: Annotated[str, Form(max_length=20)] = "",
    ref: Annotated[str, Form(max_length=40)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        tasking.link_to_case(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id,
            kind=kind, ref=ref, role=role or None,
        )  # fmt: skip
    except TaskingDenied as denied:
        raise refusal(denied) from None
    except TaskingError as error:
        return _case_page(request, actor, case_id, error=str(error), status=400)
    return RedirectResponse(f"/cases/{case_id}#links", status_code=303)
