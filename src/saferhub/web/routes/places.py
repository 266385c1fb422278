"""A place's profile: the incidents there, who lives there, its cases, whether it is a repeat
location, and a small map. Everything comes from ``saferhub.profiles.place_profile``, which
applies the sharing agreement and writes the audit log; a place the reader may not see
answers 404, exactly as an unknown one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from saferhub import profiles
from saferhub.web.deps import STAFF, WORKERS, Actor, Allow, agreement_of, engine_of, settings_of
from saferhub.web.profile_pages import timeline_page, words
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/places/{place_id}", name="place")
def place_page(
    request: Request,
    actor: Annotated[Actor, Depends(Allow(STAFF, personal=True))],
    place_id: str,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    settings = settings_of(request)
    try:
        place = profiles.place_profile(
            engine=engine_of(request), reader=actor.reader, agreement=agreement_of(request),
            where_from=actor.where_from, place_id=place_id, settings=settings,
        )  # fmt: skip
    except profiles.NotFound:
        raise HTTPException(404) from None
    context = {
        "title": place.address or f"Place {place.place_id}",
        "page_title": "Place profile",  # tab titles go into browser history: no addresses there
        "place": place,
        "timeline": timeline_page(place.incidents, page),
        "tile_url": settings.tile_url,
        "tile_attribution": settings.tile_attribution,
        "may_open_case": actor.user.role in WORKERS,
        **words(),
    }
    return render(request, "places/place.html", context, actor=actor)
