"""The review queue for uncertain links: each pair side by side with the model's evidence,
and a form to say whether they are the same person (applied at the next ``saferhub link``).

For hub admins and analysts only; ``saferhub.profiles.review_items`` and ``review_decision``
show only pairs whose two records the reviewer's agency sees in full, and write the audit log.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from saferhub import profiles
from saferhub.web.api.common import MAX_ID
from saferhub.web.deps import Actor, Allow, agreement_of, engine_of
from saferhub.web.profile_pages import words
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
REVIEWERS = frozenset({"hub_admin", "analyst"})
Reviewing = Annotated[Actor, Depends(Allow(REVIEWERS, personal=True))]
SHOWN = 10


@router.get("/review", name="review")
def review_page(
    request: Request,
    actor: Reviewing,
    decided: Annotated[Literal["same", "different", ""], Query()] = "",
    pair: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    try:
        queue = profiles.review_items(
            engine=engine_of(request), reader=actor.reader, agreement=agreement_of(request),
            where_from=actor.where_from, limit=SHOWN,
        )  # fmt: skip
    except profiles.Denied:
        raise HTTPException(403) from None
    context = {"title": "Review uncertain links", "queue": queue, "decided": decided, "pair": pair, **words()}
    return render(request, "review/queue.html", context, actor=actor)


@router.post("/review", name="review_decide")
def decide(
    request: Request,
    actor: Reviewing,
    pair_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    decision: Annotated[Literal["same", "different"], Form()],
    why: Annotated[str, Form(max_length=1000)] = "",
) -> RedirectResponse:
    try:
        outcome = profiles.review_decision(
            engine=engine_of(request), reader=actor.reader, agreement=agreement_of(request),
            where_from=actor.where_from, pair=pair_id, same=decision == "same", why=why.strip() or None,
        )  # fmt: skip
    except profiles.Denied:
        raise HTTPException(403) from None
    except profiles.NotFound:
        raise HTTPException(404) from None
    return RedirectResponse(f"/review?decided={outcome.decision}&pair={outcome.pair_id}", status_code=303)
