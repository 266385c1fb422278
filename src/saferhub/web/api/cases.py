"""Cases in the JSON API: the same tasking service, rules and audit as the case pages.

A case the caller may not see answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from saferhub import tasking
from saferhub.web.api.common import IdInPath, UtcDateTime, answers
from saferhub.web.deps import STAFF, WORKERS, Actor, Allow, engine_of
from saferhub.web.tasking_web import tasking_answers

router = APIRouter(prefix="/cases", tags=["cases"])
Reading = Annotated[Actor, Depends(Allow(STAFF, personal=True))]
Working = Annotated[Actor, Depends(Allow(WORKERS, personal=True))]


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    kind: str
    subtype: str | None
    title: str
    summary: str | None
    stage: str | None
    status: str
    risk: str
    owner_agency: str
    owner_user: str | None
    created_at: UtcDateTime
    created_by: str
    updated_at: UtcDateTime
    closed_at: UtcDateTime | None
    open_actions: int
    overdue_actions: int


class LinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    ref: str
    role: str | None
    added_at: UtcDateTime
    added_by: str


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcDateTime
    author: str
    author_agency: str
    text: str


class ActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    case_reference: str
    title: str
    detail: str | None = Field(description="None when the case is not shared with the caller's agency")
    assigned_agency: str
    assigned_user: str | None
    due_on: dt.date
    status: str
    outcome: str | None
    created_at: UtcDateTime
    created_by: str
    updated_at: UtcDateTime
    completed_at: UtcDateTime | None
    access: str = Field(
        description="full, or assigned: an action for the caller's agency on a case it may not see"
    )


class CaseDetailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case: CaseOut
    links: list[LinkOut]
    notes: list[NoteOut]
    actions: list[ActionOut]
    may_change: bool
    may_add_note: bool


class NewCase(BaseModel):
    kind: Literal["problem", "person", "operation"]
    title: str = Field(min_length=1, max_length=200)
    summary: str | None = Field(default=None, max_length=10_000)
    stage: Literal["scanning", "analysis", "response", "assessment"] | None = None
    subtype: Literal["frequent_caller", "vulnerable_person", "asb_victim"] | None = None
    risk: Literal["low", "medium", "high"] = "medium"
    owner_agency: str | None = Field(default=None, max_length=60)
    owner_user: str | None = Field(default=None, max_length=80)


class CaseChange(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    summary: str | None = Field(default=None, max_length=10_000)
    stage: Literal["scanning", "analysis", "response", "assessment"] | None = None
    risk: Literal["low", "medium", "high"] | None = None
    status: Literal["open", "closed"] | None = None
    owner_agency: str | None = Field(default=None, max_length=60)
    owner_user: str | None = Field(default=None, max_length=80)


class NewNote(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class NewAction(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    detail: str | None = Field(default=None, max_length=10_000)
    assigned_agency: str = Field(min_length=1, max_length=60)
    assigned_user: str | None = Field(default=None, max_length=80)
    due_on: dt.date


class NewLink(BaseModel):
    kind: Literal["person", "place", "event"]
    ref: str = Field(min_length=1, max_length=40)
    role: str | None = Field(default=None, max_length=40)


@router.get("", name="api_cases", response_model=list[CaseOut], responses=answers(400))
def list_cases(
    request: Request,
    actor: Reading,
    kind: Annotated[Literal["problem", "person", "operation"] | None, Query()] = None,
    status: Annotated[Literal["open", "closed", "any"], Query()] = "open",
    owner_agency: Annotated[str | None, Query(max_length=60)] = None,
    person: Annotated[str | None, Query(max_length=40, description="cases linked to this person id")] = None,
    place: Annotated[str | None, Query(max_length=40, description="cases linked to this place id")] = None,
) -> list[CaseOut]:
    """The cases the caller sees, newest first."""
    with tasking_answers():
        cases = tasking.list_cases(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, kind=kind,
            status=None if status == "any" else status, owner_agency=owner_agency, person=person, place=place,
        )  # fmt: skip
    return [CaseOut.model_validate(c) for c in cases]


@router.post("", name="api_case_create", response_model=CaseOut, status_code=201, responses=answers(400))
def create_case(request: Request, actor: Working, body: NewCase) -> CaseOut:
    """Open a case (owned by the caller's agency; a hub admin may name another statutory partner)."""
    with tasking_answers():
        case = tasking.create_case(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, **body.model_dump()
        )
    return CaseOut.model_validate(case)


@router.get("/{case_id}", name="api_case", response_model=CaseDetailOut, responses=answers(404))
def get_case(request: Request, actor: Reading, case_id: IdInPath) -> CaseDetailOut:
    """A case with its links, log and actions."""
    with tasking_answers():
        detail = tasking.get_case(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id
        )
    return CaseDetailOut.model_validate(detail)


@router.patch("/{case_id}", name="api_case_change", response_model=CaseOut, responses=answers(400, 404))
def change_case(request: Request, actor: Working, case_id: IdInPath, body: CaseChange) -> CaseOut:
    """Change what is given (the case's owner agency or a hub admin)."""
    with tasking_answers():
        case = tasking.update_case(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id,
            **body.model_dump(exclude_unset=True),
        )  # fmt: skip
    return CaseOut.model_validate(case)


@router.post(
    "/{case_id}/notes", name="api_case_add_note", response_model=NoteOut, status_code=201,
    responses=answers(400, 404),
)  # fmt: skip
def add_note(request: Request, actor: Working, case_id: IdInPath, body: NewNote) -> NoteOut:
    """Add an entry to the case's log."""
    with tasking_answers():
        note = tasking.add_note(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id,
            text=body.text,
        )  # fmt: skip
    return NoteOut.model_validate(note)


@router.post(
    "/{case_id}/actions", name="api_case_add_action", response_model=ActionOut, status_code=201,
    responses=answers(400, 404),
)  # fmt: skip
def add_action(request: Request, actor: Working, case_id: IdInPath, body: NewAction) -> ActionOut:
    """Set an action on the case for an agency (and perhaps a named user of it)."""
    with tasking_answers():
        action = tasking.create_action(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id,
            agencies=tuple(request.app.state.agreement.agencies), **body.model_dump(),
        )  # fmt: skip
    return ActionOut.model_validate(action)


@router.post(
    "/{case_id}/links", name="api_case_add_link", response_model=LinkOut, status_code=201,
    responses=answers(400, 404),
)  # fmt: skip
def add_link(request: Request, actor: Working, case_id: IdInPath, body: NewLink) -> LinkOut:
    """Link a person, place or event (by hub id) to the case."""
    with tasking_answers():
        link = tasking.link_to_case(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, case=case_id,
            **body.model_dump(),
        )  # fmt: skip
    return LinkOut.model_validate(link)
