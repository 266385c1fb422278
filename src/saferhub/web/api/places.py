"""Places in the JSON API: search and the place profile, under the same sharing agreement and
audit as the pages. A place the caller may not see answers 404, exactly as an unknown id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from saferhub import profiles
from saferhub.profiles.schemas import PlaceProfileOut, PlacesSearchOut
from saferhub.web.api.common import answers
from saferhub.web.deps import STAFF, Actor, Allow, agreement_of, engine_of, settings_of

router = APIRouter(tags=["places"])
Reading = Annotated[Actor, Depends(Allow(STAFF, personal=True))]


class PlaceSearchIn(BaseModel):
    """What to look for: a place id, a postcode, or address words (a number and a street)."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=200)


@router.post("/places/search", name="api_places_search", response_model=PlacesSearchOut)
def search_places(request: Request, actor: Reading, body: PlaceSearchIn) -> Any:
    return profiles.search_places(
        engine=engine_of(request), reader=actor.reader, agreement=agreement_of(request),
        where_from=actor.where_from, query=body.query,
    )  # fmt: skip


@router.get("/places/{place_id}", name="api_place", response_model=PlaceProfileOut, responses=answers(404))
def place(request: Request, actor: Reading, place_id: str) -> Any:
    try:
        return profiles.place_profile(
            engine=engine_of(request), reader=actor.reader, agreement=agreement_of(request),
            where_from=actor.where_from, place_id=place_id, settings=settings_of(request),
        )  # fmt: skip
    except profiles.NotFound:
        raise HTTPException(404, "Not found") from None
