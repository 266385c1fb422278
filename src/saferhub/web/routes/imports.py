"""Imports (hub admins and analysts): upload a partner file into a feed, see what became of
its rows, and the quarantined rows (values only for the file's own agency)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saferhub.admin import imports
from saferhub.feeds import FEEDS, FileRefused
from saferhub.web.api.common import IdInPath
from saferhub.web.deps import Actor, Allow, engine_of
from saferhub.web.templating import render
from saferhub.web.uploads import MAX_UPLOAD_MB, REFUSED, TOO_BIG, import_sent_file, too_big, upload_size_limit

router = APIRouter(tags=["pages"], include_in_schema=False)
ImporterActor = Annotated[Actor, Depends(Allow(imports.IMPORTERS, personal=True))]


def _page(
    request: Request, actor: Actor, *, error: str | None = None, feed: str | None = None, status: int = 200
) -> HTMLResponse:
    runs = imports.past_imports(engine=engine_of(request), reader=actor.reader, where_from=actor.where_from)
    context = {
        "title": "Imports", "runs": runs, "feeds": list(FEEDS), "chosen_feed": feed, "error": error,
        "max_mb": MAX_UPLOAD_MB,
    }  # fmt: skip
    return render(request, "imports/index.html", context, actor=actor, status_code=status)


@router.get("/imports", name="imports")
def imports_page(request: Request, actor: ImporterActor) -> HTMLResponse:
    return _page(request, actor)


@router.post("/imports", name="import_upload", dependencies=[Depends(upload_size_limit)])
def upload(
    request: Request,
    actor: ImporterActor,
    feed: Annotated[str, Form(max_length=40)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if feed not in FEEDS:
        return _page(request, actor, error="Choose the feed the file belongs to.", status=400)
    if file is None or not file.filename:
        return _page(request, actor, error="Choose a file to upload.", feed=feed, status=400)
    if too_big(file):
        return _page(request, actor, error=TOO_BIG, feed=feed, status=413)
    try:
        summary = import_sent_file(request, actor, feed=feed, file=file)
    except FileRefused as refused:
        # One line naming the file and the problem; nothing from the file was stored.
        message = f"{REFUSED} {refused}"
        return _page(request, actor, error=message, feed=feed, status=400)
    return RedirectResponse(f"/imports/{summary.import_id}", status_code=303)


@router.get("/imports/{import_id}", name="import_details")
def import_page(request: Request, actor: ImporterActor, import_id: IdInPath) -> HTMLResponse:
    details = imports.import_details(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, import_id=import_id
    )
    if details is None:
        raise HTTPException(404)
    columns: list[str] = []
    for row in details.rows:
        for key in row.fields or {}:
            if key not in columns:
                columns.append(key)
    context = {"title": f"Import {import_id}", "details": details, "run": details.run, "columns": columns}
    return render(request, "imports/import.html", context, actor=actor)
