"""Actions in the JSON API: my agency's actions, and updating one (the same service, rules and
audit as the actions page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from saferhub import tasking
from saferhub.web.api.cases import ActionOut
from saferhub.web.api.common import MAX_ID, IdInPath, answers
from saferhub.web.deps import STAFF, WORKERS, Actor, Allow, engine_of
from saferhub.web.tasking_web import tasking_answers

router = APIRouter(prefix="/actions", tags=["actions"])
Reading = Annotated[Actor, Depends(Allow(STAFF, personal=True))]
Working = Annotated[Actor, Depends(Allow(WORKERS, personal=True))]


class ActionChange(BaseModel):
    status: Literal["open", "in_progress", "done", "cancelled"] | None = None
    outcome: str | None = Field(default=None, max_length=10_000)
    assigned_user: str | None = Field(default=None, max_length=80, description='"" leaves it to the agency')
    due_on: dt.date | None = Field(default=None, description="the case's owner agency or a hub admin only")


@router.get("", name="api_actions", response_model=list[ActionOut])
def list_actions(
    request: Request,
    actor: Reading,
    mine: Annotated[bool, Query(description="only actions assigned to my agency")] = True,
    include_finished: Annotated[bool, Query()] = False,
    overdue: Annotated[bool, Query(description="only unfinished actions past their due date")] = False,
    case: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[ActionOut]:
    """Actions the caller sees, soonest due first."""
    from saferhub.tasking.records import london_today

    actions = tasking.list_actions(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from,
        agency=actor.user.agency if mine else None, case=case, include_finished=include_finished,
        overdue_on=london_today() if overdue else None,
    )  # fmt: skip
    return [ActionOut.model_validate(a) for a in actions]


@router.patch("/{action_id}", name="api_action_update", response_model=ActionOut, responses=answers(400, 404))
def update_action(request: Request, actor: Working, action_id: IdInPath, body: ActionChange) -> ActionOut:
    """Update an action's status, outcome, assignee or (the case owner) due date."""
    with tasking_answers():
        action = tasking.update_action(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, action_id=action_id,
            **body.model_dump(exclude_unset=True),
        )  # fmt: skip
    return ActionOut.model_validate(action)
