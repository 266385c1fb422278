"""Who the API token or session acts for."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from saferhub.web.deps import EVERYONE, Actor, Allow

router = APIRouter(tags=["me"])


class Me(BaseModel):
    username: str
    display_name: str
    agency: str
    role: str


@router.get("/me", name="api_me", response_model=Me)
def me(actor: Annotated[Actor, Depends(Allow(EVERYONE, personal=False))]) -> Me:
    """The signed-in user: their agency and role decide what every other answer holds."""
    user = actor.user
    return Me(username=user.username, display_name=user.display_name, agency=user.agency, role=user.role)
