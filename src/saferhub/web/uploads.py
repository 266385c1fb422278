"""A partner file sent from the browser or the API: size limits, a plain file name, a
scratch copy under the hub's data folder that is removed once the import is done, and the
import itself (``import_sent_file``)."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import HTTPException, Request, UploadFile

from saferhub.admin import imports
from saferhub.config import Settings
from saferhub.feeds import FileRefused, ImportSummary
from saferhub.web.deps import Actor, engine_of, settings_of

MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
TOO_BIG = f"The file is larger than {MAX_UPLOAD_MB} MB. Split it and send the parts."
REFUSED = "The file was refused and nothing from it was imported."  # then FileRefused's one line
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def upload_size_limit(request: Request) -> None:
    """Refuse a body that says it is too big before anything reads it (413)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise HTTPException(413, TOO_BIG)


def too_big(file: UploadFile) -> bool:
    return file.size is not None and file.size > MAX_UPLOAD_BYTES


def safe_name(name: str | None) -> str:
    """The uploaded file's own name, kept to plain characters (it is stored with the import)."""
    cleaned = _UNSAFE.sub("-", Path(name or "").name).strip(".-")[:100]
    return cleaned or "upload.csv"


@contextmanager
def saved_upload(settings: Settings, file: UploadFile) -> Iterator[Path]:
    """The upload written to a scratch folder of its own (removed afterwards, whatever happens)."""
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=uploads))
    try:
        path = folder / safe_name(file.filename)
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def import_sent_file(request: Request, actor: Actor, *, feed: str, file: UploadFile) -> ImportSummary:
    """Import the file the reader sent into ``feed`` (page and API alike); FileRefused, with
    the store unchanged, if it cannot be imported at all (an empty file included)."""
    with saved_upload(settings_of(request), file) as path:
        if path.stat().st_size == 0:
            raise FileRefused(path.name, "the file is empty")
        return imports.import_upload(
            settings=settings_of(request), engine=engine_of(request), reader=actor.reader,
            where_from=actor.where_from, feed=feed, path=path,
        )  # fmt: skip
