"""Imports (hub admins and analysts): upload a partner file into a feed, see what became of
its rows, and the quarantined rows (values only for the file's own agency)."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saferhub.admin import imports
from saferhub.feeds import FEEDS, FileRefused
from saferhub.web.api.common import IdInPath
from saferhub.web.deps import Actor, Allow, engine_of, settings_of
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
IMPORTERS = Allow(frozenset({"hub_admin", "analyst"}), personal=True)
ImporterActor = Annotated[Actor, Depends(IMPORTERS)]
MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def upload_size_limit(request: Request) -> None:
    """Refuse a body that says it is too big before anything reads it (413)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise HTTPException(413, f"The file is larger than {MAX_UPLOAD_MB} MB. Split it and send the parts.")


def _safe_name(name: str | None) -> str:
    """The uploaded file's own name, kept to plain characters (it is stored with the import)."""
    cleaned = _UNSAFE.sub("-", Path(name or "").name).strip(".-")[:100]
    return cleaned or "upload.csv"


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
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        return _page(
            request, actor, error=f"The file is larger than {MAX_UPLOAD_MB} MB.", feed=feed, status=413
        )
    settings = settings_of(request)
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=uploads))
    try:
        path = folder / _safe_name(file.filename)
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        if path.stat().st_size == 0:
            return _page(request, actor, error=f"{path.name}: the file is empty.", feed=feed, status=400)
        summary = imports.import_upload(
            settings=settings, engine=engine_of(request), reader=actor.reader, where_from=actor.where_from,
            feed=feed, path=path,
        )  # fmt: skip
    except FileRefused as refused:
        # One line naming the file and the problem; nothing from the file was stored.
        message = f"The file was refused and nothing from it was imported. {refused}"
        return _page(request, actor, error=message, feed=feed, status=400)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
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
