"""People and the link review queue in the JSON API: the same profile services, sharing
agreement and audit as the pages. A person the caller may not see answers 404, exactly as an
unknown id; a search is a POST, so names, dates of birth and phones never go in a URL."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from saferhub import profiles
from saferhub.profiles.schemas import (
    PeopleSearchOut,
    PersonProfileOut,
    ReviewDecisionIn,
    ReviewOutcomeOut,
    ReviewQueueOut,
)
from saferhub.web.api.common import MAX_ID, answers
from saferhub.web.deps import STAFF, Actor, Allow, agreement_of, engine_of, settings_of

router = APIRouter(tags=["people"])
Reading = Annotated[Actor, Depends(Allow(STAFF, personal=True))]
Reviewing = Annotated[Actor, Depends(Allow(frozenset({"hub_admin", "analyst"}), personal=True))]


class SearchIn(BaseModel):
    """What to look for: a name, a date of birth, a phone, a person id, or a name with a date of birth."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=200)


class ReviewDecisionBody(ReviewDecisionIn):
    """A decision on one queued pair: are its two mentions the same person?"""

    pair_id: int = Field(ge=1, le=MAX_ID)


class ReviewOutcomeBody(ReviewOutcomeOut):
    """The decision recorded. (The two mention ids as a list of two: a fixed-length tuple
    becomes ``prefixItems``, which schemathesis 4.32 turns into a schema it then rejects.)"""

    mentions: list[int] = Field(min_length=2, max_length=2)  # type: ignore[assignment]


def _me(request: Request, actor: Actor) -> dict[str, Any]:
    return {
        "engine": engine_of(request),
        "reader": actor.reader,
        "agreement": agreement_of(request),
        "where_from": actor.where_from,
    }


@router.post("/people/search", name="api_people_search", response_model=PeopleSearchOut)
def search_people(request: Request, actor: Reading, body: SearchIn) -> Any:
    return profiles.search_people(**_me(request, actor), query=body.query)


@router.get("/people/{person_id}", name="api_person", response_model=PersonProfileOut, responses=answers(404))
def person(request: Request, actor: Reading, person_id: str) -> Any:
    try:
        me = _me(request, actor)
        return profiles.person_profile(**me, person_id=person_id, settings=settings_of(request))
    except profiles.NotFound:
        raise HTTPException(404, "Not found") from None


@router.get("/review", name="api_review_queue", response_model=ReviewQueueOut)
def review_queue(request: Request, actor: Reviewing, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> Any:
    try:
        return profiles.review_items(**_me(request, actor), limit=limit)
    except profiles.Denied:
        raise HTTPException(403, "Reviewing links is for hub admins and analysts") from None


@router.post(
    "/review/decisions", name="api_review_decision", response_model=ReviewOutcomeBody, responses=answers(404)
)
def review_decision(request: Request, actor: Reviewing, body: ReviewDecisionBody) -> Any:
    try:
        me = _me(request, actor)
        return profiles.review_decision(**me, pair=body.pair_id, same=body.same, why=body.why)
    except profiles.Denied:
        raise HTTPException(403, "Reviewing links is for hub admins and analysts") from None
    except profiles.NotFound:
        raise HTTPException(404, "Not found") from None
