"""Intelligence for one reader, graded and handled per 3x5x2.

Door: ``intelligence_for(frame, reader=..., agreement=...)`` on a frame of intelligence
reports, and ``intelligence_report(engine=..., reader=..., ...)`` which reads the period's
reports from the store, restricts them and writes the audit entry.

Each report comes back in one of three forms: its content (``shown``; at summary level
the sanitised text without the subject's details), a notice ("Restricted intelligence
exists (handling code C): ask Merseyside Police intelligence unit, ref INT-…") where the
handling code or the reader's role keeps the content from them, or not at all where the
agreement gives the reader no intelligence of that agency (a voluntary partner).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Engine, and_, cast, select
from sqlalchemy.orm import aliased
from sqlalchemy.types import Text

from saferhub.access.agreement import SharingAgreement
from saferhub.access.audit import record
from saferhub.access.disclosure import audit_what
from saferhub.access.readers import Level, Reader
from saferhub.access.redaction import INTELLIGENCE, LEVEL, apply_levels, with_levels
from saferhub.store.models import Event, PersonMention
from saferhub.store.people_models import PersonLink

NOTICE = "Restricted intelligence exists (handling code {code}): ask {contact}, ref {ref}"

INTELLIGENCE_SCHEMA = {
    "id": pl.Int64(), "feed": pl.String(), "agency": pl.String(), "source_id": pl.String(),
    "occurred_at": pl.Datetime("us"), "ward_code": pl.String(), "lsoa_code": pl.String(),
    "latitude": pl.Float64(), "longitude": pl.Float64(), "source_grade": pl.String(),
    "intel_grade": pl.String(), "handling_code": pl.String(), "handling_conditions": pl.String(),
    "text": pl.String(), "tags": pl.List(pl.String()), "subject_person_id": pl.String(),
    "associate_person_id": pl.String(),
}  # fmt: skip
_ATTRIBUTES = pl.Struct({
    "source_grade": pl.String(), "intel_grade": pl.String(), "handling_code": pl.String(),
    "handling_conditions": pl.String(), "text": pl.String(), "tags": pl.List(pl.String()),
})  # fmt: skip


def intelligence_for(frame: pl.DataFrame, *, reader: Reader, agreement: SharingAgreement) -> pl.DataFrame:
    """The reports of ``frame`` as ``reader`` may see them, with ``shown``, ``notice`` and ``redacted``.

    ``frame`` holds intelligence reports: ``agency``, ``source_id``, ``handling_code``,
    ``handling_conditions`` and any content columns (``text``, ``tags``, subject columns).
    """
    leveled = with_levels(frame, reader=reader, agreement=agreement, feed=INTELLIGENCE)
    contacts = {a: agreement.contact(a) for a in leveled["agency"].drop_nulls().unique().to_list()}
    code = (
        pl.col("handling_code").cast(pl.String).fill_null("not stated")
        if "handling_code" in frame.columns
        else pl.lit("not stated")
    )
    ref = (
        pl.col("source_id").cast(pl.String).fill_null("not stated")
        if "source_id" in frame.columns
        else pl.lit("not stated")
    )
    contact = pl.col("agency").replace_strict(contacts, default="the hub coordinator", return_dtype=pl.String)
    is_notice = pl.col(LEVEL) == str(Level.NOTICE)
    text = pl.format(NOTICE.format(code="{}", contact="{}", ref="{}"), code, contact, ref)
    leveled = leveled.drop("shown", "notice", strict=False).with_columns(
        pl.col(LEVEL).is_in([str(Level.FULL), str(Level.SUMMARY)]).alias("shown"),
        pl.when(is_notice).then(text).otherwise(None).alias("notice"),
    )
    out = apply_levels(leveled, agreement=agreement)
    return out.with_columns(pl.col("shown").fill_null(False))


def read_intelligence(
    engine: Engine, *, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> pl.DataFrame:
    """Intelligence reports recorded in [start, end) (naive UTC), unrestricted: pass the
    result through ``intelligence_for`` before anyone sees it."""
    subject, associate = aliased(PersonMention), aliased(PersonMention)
    subject_link, associate_link = aliased(PersonLink), aliased(PersonLink)
    where = [Event.feed == INTELLIGENCE]
    if start is not None:
        where.append(Event.occurred_at >= start)
    if end is not None:
        where.append(Event.occurred_at < end)
    stmt = (
        select(
            Event.id, Event.feed, Event.agency, Event.source_id, Event.occurred_at, Event.ward_code,
            Event.lsoa_code, Event.latitude, Event.longitude, cast(Event.attributes, Text),
            subject_link.person_id, associate_link.person_id,
        )
        .outerjoin(subject, and_(subject.event_id == Event.id, subject.role == "subject"))
        .outerjoin(subject_link, subject_link.mention_id == subject.id)
        .outerjoin(associate, and_(associate.event_id == Event.id, associate.role == "associate"))
        .outerjoin(associate_link, associate_link.mention_id == associate.id)
        .where(*where)
        .order_by(Event.occurred_at, Event.id)
    )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    names = [*list(INTELLIGENCE_SCHEMA)[:9], "attributes", "subject_person_id", "associate_person_id"]
    schema = {n: INTELLIGENCE_SCHEMA.get(n, pl.String()) for n in names}
    raw = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    return (
        raw.with_columns(pl.col("attributes").str.json_decode(_ATTRIBUTES))
        .unnest("attributes")
        .select(list(INTELLIGENCE_SCHEMA))
    )


def intelligence_report(
    *,
    engine: Engine,
    reader: Reader,
    agreement: SharingAgreement,
    where_from: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    purpose: str = "intelligence",
    why: str | None = None,
) -> pl.DataFrame:
    """The period's intelligence as ``reader`` may see it; the look is written to the audit log."""
    reports = read_intelligence(engine, start=start, end=end)
    shown = intelligence_for(reports, reader=reader, agreement=agreement)
    what = audit_what(shown, purpose=purpose, feed=INTELLIGENCE)
    what["content_shown"] = int(shown["shown"].sum())
    what["notices"] = int(shown["notice"].is_not_null().sum())
    with engine.begin() as conn:
        record(conn, reader=reader, action="view", what=what, where_from=where_from, why=why)
    return shown
