"""Search for people and places, and a person's profile: every agency's contacts on one
timeline, the linked mentions with their evidence, flags, vulnerabilities, cases and actions.

The search is a POST (names, dates of birth and phones never go in a URL); with HTMX the
results are swapped into the page, without it the whole page comes back. Everything shown
comes from ``saferhub.profiles``, which applies the sharing agreement and writes the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from saferhub import profiles
from saferhub.profiles.query import might_be_place
from saferhub.web.deps import STAFF, WORKERS, Actor, Allow, agreement_of, engine_of, settings_of
from saferhub.web.profile_pages import timeline_page, words
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reading = Annotated[Actor, Depends(Allow(STAFF, personal=True))]
QUERY_LENGTH = 200


TITLE = "Search people and places"


@router.get("/search", name="search")
def search_form(
    request: Request, actor: Annotated[Actor, Depends(Allow(STAFF, personal=False))]
) -> HTMLResponse:
    return render(request, "people/search.html", {"title": TITLE, "query": ""}, actor=actor)


@router.post("/search", name="search_results")
def search(
    request: Request,
    actor: Reading,
    query: Annotated[str, Form(max_length=QUERY_LENGTH)] = "",
) -> HTMLResponse:
    text = query.strip()
    context: dict[str, Any] = {"title": TITLE, "query": text, "searched": bool(text)}
    if text:
        me = _me(request, actor)
        context["people"] = profiles.search_people(**me, query=text)
        # A name, date of birth or phone names no place: searching places for one would only
        # scan every address for its words (and find the odd "Fletcher Avenue").
        context["places"] = profiles.search_places(**me, query=text) if might_be_place(text) else None
    else:
        context["error"] = "Enter a name, date of birth, phone number, address, postcode or id"
    partial = request.headers.get("hx-request") == "true" and text
    template = "people/_search_results.html" if partial else "people/search.html"
    return render(request, template, context, actor=actor, status_code=200 if text else 400)


@router.get("/people/{person_id}", name="person")
def person_page(
    request: Request,
    actor: Reading,
    person_id: str,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    try:
        me = _me(request, actor)
        person = profiles.person_profile(**me, person_id=person_id, settings=settings_of(request))
    except profiles.NotFound:
        raise HTTPException(404) from None
    context = {
        "title": person.name or f"Person {person.person_id}",
        "page_title": "Person profile",  # tab titles go into browser history: no names there
        "person": person,
        "timeline": timeline_page(person.timeline, page),
        "actions": list(person.actions),
        "may_open_case": actor.user.role in WORKERS,
        **words(),
    }
    return render(request, "people/person.html", context, actor=actor)


def _me(request: Request, actor: Actor) -> dict[str, Any]:
    return {
        "engine": engine_of(request),
        "reader": actor.reader,
        "agreement": agreement_of(request),
        "where_from": actor.where_from,
    }
