"""The briefings archive: my agency's daily and weekly packs, to read (HTML) or download (PDF).

Packs are files ``saferhub briefing daily|weekly`` (or the button here) wrote under the data
folder (``saferhub.workspace.packs``). Opening or downloading one is an export in the audit
log. Hub administrators and analysts can make today's daily pack if it is missing (POST).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from saferhub.web.deps import STAFF, Actor, Allow, agreement_of, engine_of, settings_of
from saferhub.web.templating import render
from saferhub.web.workspace import today
from saferhub.workspace.packs import (
    PACK_MAKERS,
    StoredPack,
    find_pack,
    list_packs,
    log_opened,
    make_daily_pack,
)

router = APIRouter(tags=["pages"], include_in_schema=False)
Reading = Annotated[Actor, Depends(Allow(STAFF))]
KEY = r"^[a-z0-9_-]+$"

#: The pack's own document: its styles are inline (it is made to be e-mailed and printed), so
#: it gets its own policy: no scripts at all, sandboxed, nothing fetched but embedded images.
PACK_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox"


def _pack(request: Request, actor: Actor, kind: str, folder: str, stem: str) -> StoredPack:
    pack = find_pack(
        settings=settings_of(request), reader=actor.reader, agreement=agreement_of(request),
        kind=kind, folder=folder, stem=stem,
    )  # fmt: skip
    if pack is None:
        raise HTTPException(404)
    return pack


@router.get("/briefings", name="briefings")
def archive(request: Request, actor: Reading) -> HTMLResponse:
    packs = list_packs(settings=settings_of(request), reader=actor.reader, agreement=agreement_of(request))
    day = today()
    return render(
        request,
        "briefings.html",
        {
            "title": "Briefings",
            "daily": [p for p in packs if p.kind == "daily"],
            "weekly": [p for p in packs if p.kind == "weekly"],
            "today_made": any(p.kind == "daily" and p.folder == day.isoformat() for p in packs),
            "may_make_pack": actor.user.role in PACK_MAKERS,
            "day": day,
        },
        actor=actor,
    )


@router.post("/briefings/daily", name="make_daily_briefing")
async def make_today(
    request: Request, actor: Annotated[Actor, Depends(Allow(frozenset(PACK_MAKERS)))]
) -> Response:
    """Make today's daily pack for the user's agency if it is not there yet, then show it."""
    settings, agreement = settings_of(request), agreement_of(request)
    day = today()
    pack = next(
        (p for p in list_packs(settings=settings, reader=actor.reader, agreement=agreement)
         if p.kind == "daily" and p.folder == day.isoformat()),
        None,
    )  # fmt: skip
    if pack is None:
        pack = await run_in_threadpool(
            make_daily_pack, engine=engine_of(request), settings=settings, reader=actor.reader,
            agreement=agreement, day=day,
        )  # fmt: skip
    return RedirectResponse(f"/briefings/{pack.key}", status_code=303)


@router.get("/briefings/{kind}/{folder}/{stem}.pdf", name="briefing_pdf")
def pack_pdf(request: Request, actor: Reading, kind: str, folder: str, stem: str) -> FileResponse:
    pack = _pack(request, actor, kind, folder, stem)
    if pack.pdf is None:
        raise HTTPException(404)
    log_opened(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, pack=pack, form="pdf"
    )
    return FileResponse(pack.pdf, media_type="application/pdf", filename=f"{pack.stem}.pdf")


@router.get("/briefings/{kind}/{folder}/{stem}", name="briefing")
def pack_html(request: Request, actor: Reading, kind: str, folder: str, stem: str) -> Response:
    pack = _pack(request, actor, kind, folder, stem)
    log_opened(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, pack=pack, form="html"
    )
    return HTMLResponse(
        linked_to_profiles(pack.html.read_text(encoding="utf-8")),
        headers={"content-security-policy": PACK_POLICY, "x-robots-tag": "noindex"},
    )


_REF = re.compile(
    r'<span class="ref ref-(person|place)" data-(?:person|place)-id="([A-Za-z0-9_-]{1,40})">'
    r"([A-Za-z0-9_-]{1,40})</span>"
)
_PROFILE = {"person": "/people/", "place": "/places/"}


def linked_to_profiles(html: str) -> str:
    """The web version of a pack: every person and place id links to its profile (the
    profile page applies the reader's access again); the file on disk stays offline-safe."""
    return _REF.sub(
        lambda m: f'<a class="ref ref-{m[1]}" href="{_PROFILE[m[1]]}{m[2]}" target="_top">{m[3]}</a>', html
    )
