"""The one way a briefing asks what its reader may see: the access layer, row by row.

``Gate`` holds the reader (agency, role, user) and the hub's sharing agreement and puts
every frame a pack draws on through ``saferhub.access.restrict``: events before they are
counted or mapped, the records behind each person and place on a list before the list is
shown, names and ages, intelligence. Nothing is filtered in a template. A list row whose
records the reader may not see in full loses its id (it is personal data) and is only
counted. Each pack produced is recorded in the audit log (opaque ids and counts only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Engine

from saferhub.access import audit
from saferhub.access.agreement import SharingAgreement, load_agreement
from saferhub.access.readers import Reader
from saferhub.access.redaction import restrict

log = logging.getLogger(__name__)


@dataclass
class Gate:
    """What one reader may see, asked of the access layer; and what they were shown."""

    reader: Reader
    agreement: SharingAgreement
    withheld: dict[str, int] = field(default_factory=dict)  # list -> rows whose details were withheld

    @classmethod
    def for_agency(
        cls,
        agency: str,
        *,
        role: str = "analyst",
        user: str | None = None,
        agreement: SharingAgreement | None = None,
    ) -> Gate:
        return cls(Reader(agency=agency, role=role, user=user), agreement or load_agreement())

    @property
    def agency(self) -> str:
        return self.reader.agency

    def agency_name(self) -> str:
        known = self.agreement.agencies.get(self.reader.agency)
        return known.name if known else self.reader.agency

    def events(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Partner records (``feed`` and ``agency`` columns) as the reader may see them."""
        return restrict(frame, reader=self.reader, agreement=self.agreement)

    def listed(self, rows: pl.DataFrame, sources: pl.DataFrame, *, key: str, what: str) -> pl.DataFrame:
        """The rows of a list (one per ``key``) the reader may see.

        ``sources``: ``key``, feed, agency: the records that put each entry on the list.
        The figures of an entry add up all of them, so an entry stays only when the access
        layer leaves every one of its records whole (with its id, nothing withheld); the
        others are counted in ``withheld[what]`` and dropped.
        """
        if rows.height == 0:
            self.withheld[what] = 0
            return rows
        records = sources.select(key, "feed", "agency").unique()
        seen = self.events(records).filter(pl.col(key).is_not_null() & ~pl.col("redacted"))
        missing = records.join(seen.select(key, "feed", "agency"), on=[key, "feed", "agency"], how="anti")
        hidden = missing[key].unique()
        kept = rows.filter(
            pl.col(key).is_in(seen[key].unique().implode()) & ~pl.col(key).is_in(hidden.implode())
        )
        self.withheld[what] = rows.height - kept.height
        return kept

    def intelligence(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Intelligence rows as the reader may see them: content, or only a notice."""
        return self.events(frame)

    def contact(self, owner: str) -> str:
        """Whom to ask about ``owner``'s intelligence."""
        return self.agreement.contact(owner)

    def describe(self) -> str:
        return f"Made for {self.reader.describe()} under the {self.agreement.describe()}."

    def record(self, *, engine: Engine, what: dict[str, Any]) -> None:
        """One audit entry for a pack produced: who, agency, what (opaque ids and counts only).

        Should the log refuse an id it takes for a personal detail (a long run of digits reads
        as a phone number), the entry is written without those ids and counts them instead, so
        that a morning pack is never lost to the check; the refusal is logged.
        """
        try:
            audit.check_what(what)
        except audit.AuditError:
            what = dict(what)
            for key in ("people", "places"):
                kept = [i for i in what.get(key, []) if _accepted(i)]
                if len(kept) < len(what.get(key, [])):
                    what[f"{key}_ids_refused"] = len(what[key]) - len(kept)
                    what[key] = kept
            log.warning(
                "the audit log refused some ids of pack %s; they are counted instead", what.get("pack")
            )
        with engine.begin() as conn:
            audit.record(
                conn, reader=self.reader, action="export", what=what, where_from=audit.origin("briefing")
            )


def _accepted(value: object) -> bool:
    try:
        audit.check_what({"id": value})
    except audit.AuditError:
        return False
    return True
