"""Restricting a frame of partner records to what one reader may see.

Door: ``restrict(frame, reader=..., agreement=..., feed=None)``. Each row is one
agency's record in one feed (columns ``agency`` and ``feed``, or ``feed=`` for the
whole frame). Each row gets a level from the agreement and the reader's role:

- ``full``: kept as it is;
- ``summary``: kept, with every column the agreement's ``[fields]`` do not list as
  safe for a summary emptied (personal details, free text, anything unlisted);
- ``notice``: intelligence whose handling the reader is not cleared for (code C
  conditions that do not name the reader's agency, or a role that may not read
  intelligence): only its reference, agency, date, area and grades are kept;
- ``none``: the row is dropped.

A ``redacted`` column (true where anything was withheld) is added. Columns are
emptied, never removed, so a template written for the full frame renders any
reader's frame, and can only show what is left in it.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import ColumnElement, and_, false, or_, true

from saferhub.access.agreement import OTHER, SharingAgreement
from saferhub.access.conditions import read_conditions
from saferhub.access.readers import Level, Reader
from saferhub.feeds import FEEDS
from saferhub.store.models import Event

INTELLIGENCE = "intelligence"
LEVEL = "__access_level"
FEED = "__access_feed"
_SEP = "\x1f"
# What a notice keeps of a piece of intelligence the reader may not read.
NOTICE_KEEPS = frozenset({
    "id", "event_id", "feed", "agency", "source_id", "occurred_at", "recorded_at",
    "time_precision", "category", "lsoa_code", "lsoa_name", "ward_code", "ward_name",
    "neighbourhood", "source_grade", "intel_grade", "handling_code", "redacted", "notice",
})  # fmt: skip


def restrict(
    frame: pl.DataFrame, *, reader: Reader, agreement: SharingAgreement, feed: str | None = None
) -> pl.DataFrame:
    """The rows and fields of ``frame`` that ``reader`` may see, with ``redacted`` added."""
    leveled = with_levels(frame, reader=reader, agreement=agreement, feed=feed)
    return apply_levels(leveled, agreement=agreement)


def with_levels(
    frame: pl.DataFrame, *, reader: Reader, agreement: SharingAgreement, feed: str | None = None
) -> pl.DataFrame:
    """``frame`` with a level column (``LEVEL``) per row; nothing withheld yet."""
    if "agency" not in frame.columns:
        raise ValueError("restricting needs an 'agency' column: whose records these are")
    if feed is None and "feed" not in frame.columns:
        raise ValueError("restricting needs a 'feed' column or feed=...")
    feed_col = pl.lit(feed, pl.String) if feed is not None else pl.col("feed").cast(pl.String)
    agency_col = pl.col("agency").cast(pl.String)
    pairs = frame.select(feed_col.alias("f"), agency_col.alias("a")).unique()
    mapping = {
        f"{f}{_SEP}{a}": str(agreement.decide(reader, f, a).level)
        for f, a in pairs.iter_rows()
        if f is not None and a is not None
    }
    key = pl.concat_str([feed_col, agency_col], separator=_SEP)
    level = key.replace_strict(mapping, default=str(Level.NONE), return_dtype=pl.String)
    out = frame.with_columns(level.fill_null(str(Level.NONE)).alias(LEVEL), feed_col.alias(FEED))
    if (out[FEED] == INTELLIGENCE).any():
        out = _handling(out, reader=reader, agreement=agreement)
    return out


def _handling(frame: pl.DataFrame, *, reader: Reader, agreement: SharingAgreement) -> pl.DataFrame:
    """Intelligence the reader may not read by its handling code or their role becomes a notice."""
    code = _text_column(frame, "handling_code")
    conditions = _text_column(frame, "handling_conditions")
    is_intel = pl.col(FEED) == INTELLIGENCE
    shown_levels = [str(Level.FULL), str(Level.SUMMARY)]
    candidates = frame.filter(is_intel & pl.col(LEVEL).is_in(shown_levels))
    cases = candidates.select(
        pl.col("agency").cast(pl.String).alias("a"), code.alias("c"), conditions.alias("t")
    ).unique()
    may_read = agreement.role(reader.role).intelligence_content
    allowed = {
        _key(a, c, t): may_read and _content_allowed(reader, agreement, a, c, t)
        for a, c, t in cases.iter_rows()
    }
    key = pl.concat_str(
        [pl.col("agency").cast(pl.String).fill_null(""), code.fill_null(""), conditions.fill_null("")],
        separator=_SEP,
    )
    ok = key.replace_strict(allowed, default=False, return_dtype=pl.Boolean)
    notice = is_intel & pl.col(LEVEL).is_in(shown_levels) & ~ok
    return frame.with_columns(
        pl.when(notice).then(pl.lit(str(Level.NOTICE))).otherwise(pl.col(LEVEL)).alias(LEVEL)
    )


def _text_column(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String) if name in frame.columns else pl.lit(None, pl.String)


def _key(agency: str | None, code: str | None, conditions: str | None) -> str:
    return _SEP.join((agency or "", code or "", conditions or ""))


def _content_allowed(
    reader: Reader, agreement: SharingAgreement, agency: str | None, code: str | None, conditions: str | None
) -> bool:
    if agency is None:
        return False
    if agency == reader.agency:
        return True
    if code == "P":
        return True
    if code == "C":
        return read_conditions(conditions, originator=agency, agreement=agreement).allows(reader)
    return False  # no handling code, or one the hub does not know: fail closed


def apply_levels(frame: pl.DataFrame, *, agreement: SharingAgreement) -> pl.DataFrame:
    """Withhold by the ``LEVEL`` column: drop ``none`` rows, empty fields, add ``redacted``."""
    hidden = (LEVEL, FEED, "redacted")
    level = pl.col(LEVEL)
    full = level == str(Level.FULL)
    summary = level == str(Level.SUMMARY)
    notice = level == str(Level.NOTICE)
    fields = agreement.fields
    exprs = []
    for name in frame.columns:
        if name in hidden:
            continue
        keep = full
        if fields.summary_keeps(name):
            keep = keep | summary
        elif feeds := fields.extra_feeds(name):
            keep = keep | (summary & pl.col(FEED).is_in(list(feeds)))
        if name.lower() in NOTICE_KEEPS:
            keep = keep | notice
        exprs.append(pl.when(keep).then(pl.col(name)).otherwise(None).alias(name))
    redacted = ~full
    if "redacted" in frame.columns:
        redacted = redacted | pl.col("redacted").fill_null(True)
    return (
        frame.filter(level != str(Level.NONE))
        .with_columns(*exprs, redacted.alias("redacted"))
        .drop(LEVEL, FEED)
    )


def visible_events(
    reader: Reader, *, agreement: SharingAgreement, feeds: tuple[str, ...] = ()
) -> ColumnElement[bool]:
    """A WHERE clause on ``events`` keeping the rows ``reader`` may see at any level.

    It lets a query leave out what the reader may never see; the rows it returns still go
    through ``restrict`` (or ``disclose``) for the fields.
    """
    named = (*agreement.agencies, reader.agency)
    clauses = []
    for feed in feeds or tuple(FEEDS):
        levels = {a: agreement.decide(reader, feed, a).level for a in named}
        on: ColumnElement[bool]
        if agreement.decide(reader, feed, OTHER).level is not Level.NONE:
            hidden = sorted(a for a, lv in levels.items() if lv is Level.NONE)
            on = Event.agency.not_in(hidden) if hidden else true()
        else:
            seen = sorted(a for a, lv in levels.items() if lv is not Level.NONE)
            on = Event.agency.in_(seen) if seen else false()
        clauses.append(and_(Event.feed == feed, on))
    return or_(false(), *clauses)
