"""Home: today's briefing for my agency, my actions due, and a map of current hotspots.

Home must answer fast for everyone at 9 o'clock: nothing is computed per request. The
briefing is a file the archive already holds (or a button to make it); the headline counts
and the map come from the day's cache (``saferhub.web.workspace``): the first request of the
day starts the work in the background and the page polls a small fragment until it is ready.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from saferhub.tasking import actions_due
from saferhub.web.deps import EVERYONE, STAFF, Actor, Allow, Public, agreement_of, engine_of, settings_of
from saferhub.web.templating import render
from saferhub.web.workspace import analyses_if_ready, day_cache, hotspots_if_ready, today
from saferhub.workspace.packs import PACK_MAKERS, todays_pack
from saferhub.workspace.people_lists import headlines_for
from saferhub.workspace.places import CURRENT

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", name="home")
def home(request: Request, actor: Annotated[Actor, Depends(Allow(EVERYONE, personal=False))]) -> HTMLResponse:
    day = today()
    staff = actor.user.role in STAFF
    settings = settings_of(request)
    context: dict[str, object] = {"title": "Home", "staff": staff, "day": day}
    if staff:
        context["pack"] = todays_pack(
            settings=settings, reader=actor.reader, agreement=agreement_of(request), day=day
        )
        context["may_make_pack"] = actor.user.role in PACK_MAKERS
        context["actions"] = actions_due(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from
        )
        context["tile_url"] = settings.tile_url
        context["tile_attribution"] = settings.tile_attribution
        # Start the day's work now, so the fragment below is usually ready when it is asked for.
        analyses_if_ready(request, day)
        hotspots_if_ready(request, actor, *CURRENT, day)
    return render(request, "home.html", context, actor=actor)


@router.get("/home/headlines", name="home_headlines")
def headlines(
    request: Request, actor: Annotated[Actor, Depends(Allow(STAFF, personal=False))]
) -> HTMLResponse:
    """Counts only (no one is named): ready, or 'being prepared' and asked again shortly."""
    day = today()
    lists = analyses_if_ready(request, day)
    cells = hotspots_if_ready(request, actor, *CURRENT, day)
    counts = None
    if lists is not None:  # counts depend on the agency and role only: kept for the day
        key = ("headlines", actor.reader.agency, actor.reader.role)
        agreement = agreement_of(request)
        counts = day_cache(request).get(
            key, day, lambda: headlines_for(analyses=lists, reader=actor.reader, agreement=agreement)
        )
    return render(request, "_home_headlines.html", {"counts": counts, "cells": cells}, actor=actor)


@router.get("/health", name="health", dependencies=[Depends(Public("load balancers check it"))])
def health() -> PlainTextResponse:
    return PlainTextResponse("ok")
