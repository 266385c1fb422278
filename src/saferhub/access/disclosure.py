"""One door for showing partner records to a reader: restrict them, then log the look.

Door: ``disclose(frame, engine=..., reader=..., agreement=..., where_from=..., purpose=...)``.
A service that has read records for someone (a briefing section, a profile, an
export) hands them here and shows only what comes back; the audit entry names the
records by id and counts, never by anything personal.
"""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl
from sqlalchemy import Engine

from saferhub.access.agreement import SharingAgreement
from saferhub.access.audit import MAX_IDS, record
from saferhub.access.readers import Reader
from saferhub.access.redaction import restrict

ID_COLUMNS = ("event_id", "id")


def audit_what(
    shown: pl.DataFrame, *, purpose: str, feed: str | None = None, withheld: int | None = None
) -> dict[str, Any]:
    """What an audit entry says about records shown: ids (up to audit.MAX_IDS) and counts."""
    what: dict[str, Any] = {"purpose": purpose, "rows": shown.height}
    if feed is not None:
        what["feed"] = feed
    if "redacted" in shown.columns:
        what["redacted"] = int(shown["redacted"].sum())
    if withheld is not None:
        what["withheld"] = withheld
    id_column = next((c for c in ID_COLUMNS if c in shown.columns), None)
    if id_column is not None and shown[id_column].dtype.is_integer():
        ids = sorted(int(i) for i in shown[id_column].drop_nulls().unique())
        if len(ids) <= MAX_IDS:
            what["event_ids"] = ids
        else:  # a year's export: the set is named by its digest, not listed
            what["event_ids_sha256"] = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
            what["event_id_range"] = [ids[0], ids[-1]]
    return what


def disclose(
    frame: pl.DataFrame,
    *,
    engine: Engine,
    reader: Reader,
    agreement: SharingAgreement,
    where_from: str,
    purpose: str,
    feed: str | None = None,
    why: str | None = None,
    action: str = "view",
) -> pl.DataFrame:
    """``frame`` restricted for ``reader`` (see ``restrict``), the look written to the audit log.

    The entry is written in its own transaction before anything is returned: if it
    cannot be written, nothing is shown.
    """
    shown = restrict(frame, reader=reader, agreement=agreement, feed=feed)
    what = audit_what(shown, purpose=purpose, feed=feed, withheld=frame.height - shown.height)
    with engine.begin() as conn:
        record(conn, reader=reader, action=action, what=what, where_from=where_from, why=why)
    return shown
