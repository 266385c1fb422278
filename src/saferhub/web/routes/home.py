"""Home: today's briefing for my agency, my actions due, a map of current hotspots.

The pieces come from their own services; until those pages exist this shows the user who
they are and where to go.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from saferhub.web.deps import EVERYONE, Actor, Allow, Public
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", name="home")
def home(request: Request, actor: Annotated[Actor, Depends(Allow(EVERYONE, personal=False))]) -> HTMLResponse:
    return render(request, "home.html", {}, actor=actor)


@router.get("/health", name="health", dependencies=[Depends(Public("load balancers check it"))])
def health() -> PlainTextResponse:
    return PlainTextResponse("ok")
