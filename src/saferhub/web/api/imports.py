"""Imports in the JSON API (hub admins and analysts): a partner system can send its nightly
export itself (``POST /api/imports`` with the feed and the file, as the imports page does),
then read the counts and the quarantined rows. The same service, rules and audit as the page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from pydantic import BaseModel, ConfigDict

from saferhub.admin import imports
from saferhub.feeds import FEEDS, FileRefused
from saferhub.web.api.common import IdInPath, UtcDateTime, answers
from saferhub.web.deps import Actor, Allow, engine_of
from saferhub.web.uploads import REFUSED, TOO_BIG, import_sent_file, too_big, upload_size_limit

router = APIRouter(prefix="/imports", tags=["imports"])
Importer = Annotated[Actor, Depends(Allow(imports.IMPORTERS, personal=True))]


class ImportOut(BaseModel):
    """One import: counts only (``read = imported + updated + quarantined``; ``unchanged`` is
    the part of ``updated`` whose content the store already held)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    feed: str
    file_name: str
    started_at: UtcDateTime
    finished_at: UtcDateTime | None
    read: int
    imported: int
    updated: int
    unchanged: int
    quarantined: int


class QuarantinedRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line: int
    reasons: list[str]
    fields: dict[str, Any] | None  # the row as sent; null where the reader may not see it


class ImportDetailsOut(BaseModel):
    run: ImportOut
    rows: list[QuarantinedRowOut]
    withheld: int  # quarantined rows whose values the reader may not see
    more: int  # quarantined rows beyond those listed (the quarantine CSV has them all)


def _out(view: imports.ImportView) -> ImportOut:
    return ImportOut.model_validate(view)


@router.get("", name="api_imports", response_model=list[ImportOut])
def past(request: Request, actor: Importer) -> list[ImportOut]:
    runs = imports.past_imports(engine=engine_of(request), reader=actor.reader, where_from=actor.where_from)
    return [_out(r) for r in runs]


@router.post(
    "",
    name="api_import_upload",
    response_model=ImportOut,
    status_code=201,
    responses=answers(413),
    dependencies=[Depends(upload_size_limit)],
)
def upload(
    request: Request,
    actor: Importer,
    feed: Annotated[str, Form(max_length=40, description=f"One of: {', '.join(FEEDS)}")],
    file: Annotated[UploadFile, File(description="CSV, gzipped CSV or .xlsx, as the feed contract")],
) -> ImportOut:
    """Import one partner file. A file that cannot be imported at all is refused (400) with a
    one-line reason and nothing from it is stored; bad rows are quarantined and counted."""
    if feed not in FEEDS:
        raise HTTPException(400, f"unknown feed; feeds: {', '.join(FEEDS)}")
    if too_big(file):
        raise HTTPException(413, TOO_BIG)
    try:
        summary = import_sent_file(request, actor, feed=feed, file=file)
    except FileRefused as refused:
        message = f"{REFUSED} {refused}"
        raise HTTPException(400, message) from None
    engine, reader, where_from = engine_of(request), actor.reader, actor.where_from
    run = imports.import_run(engine=engine, reader=reader, where_from=where_from, import_id=summary.import_id)
    assert run is not None
    return _out(run)


@router.get("/{import_id}", name="api_import", response_model=ImportDetailsOut, responses=answers(404))
def one(request: Request, actor: Importer, import_id: IdInPath) -> ImportDetailsOut:
    details = imports.import_details(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, import_id=import_id
    )
    if details is None:
        raise HTTPException(404, "There is no such import.")
    return ImportDetailsOut(
        run=_out(details.run),
        rows=[QuarantinedRowOut.model_validate(r) for r in details.rows],
        withheld=details.withheld,
        more=details.more,
    )
