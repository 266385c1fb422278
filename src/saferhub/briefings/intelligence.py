"""Intelligence of the period, graded 3x5x2 and handled as its handling code says.

The reports and their subjects go through the access layer: the reader gets the content,
a sanitised summary, or only a notice that restricted intelligence exists and whom to ask
(handling code C whose conditions do not reach the reader's agency, or a role that may
not read intelligence). Agencies the agreement gives no intelligence see none at all.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from sqlalchemy import Engine, select

from saferhub.access.readers import Level
from saferhub.analysis.demand import localise, read_frame, utc_bounds
from saferhub.areas import Areas
from saferhub.briefings.content import IntelItem, IntelList, Ref, Section, Text, plural
from saferhub.briefings.gate import Gate
from saferhub.briefings.periods import BriefingPeriod
from saferhub.store import Event, PersonMention
from saferhub.store.people_models import PersonLink

ITEMS = 20
SOURCE = {"1": "reliable source", "2": "untested source", "3": "source not reliable"}
INTEL = {
    "A": "known directly to the source",
    "B": "known indirectly, corroborated",
    "C": "known indirectly",
    "D": "not known",
    "E": "suspected to be false",
}
HANDLING = {"P": "lawful sharing permitted", "C": "sharing only with the conditions recorded"}
GRADING_SOURCE = "3x5x2 intelligence grading, College of Policing APP"

REPORT_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "event_id": pl.Int64,
    "feed": pl.String,
    "agency": pl.String,
    "source_id": pl.String,
    "occurred_at": pl.Datetime,
    "ward_code": pl.String,
    "source_grade": pl.String,
    "intel_grade": pl.String,
    "handling_code": pl.String,
    "handling_conditions": pl.String,
    "text": pl.String,
    "tags": pl.String,
}


def read_intelligence(
    *, engine: Engine, period: BriefingPeriod, areas: Areas
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reports recorded in the period, and their subjects (person_id per report and role)."""
    start, end = utc_bounds(period.first, period.last)
    e = Event.__table__.c
    a = Event.attributes
    stmt = select(
        e.id,
        e.feed,
        e.agency,
        e.source_id,
        e.occurred_at,
        e.ward_code,
        a["source_grade"].as_string(),
        a["intel_grade"].as_string(),
        a["handling_code"].as_string(),
        a["handling_conditions"].as_string(),
        a["text"].as_string(),
        a["tags"].as_string(),
    ).where(e.feed == "intelligence", e.occurred_at >= start, e.occurred_at < end)
    m, link = PersonMention.__table__.c, PersonLink.__table__.c
    subjects = (
        select(
            e.id,
            e.feed,
            e.agency,
            a["handling_code"].as_string(),
            a["handling_conditions"].as_string(),
            link.person_id,
            m.role,
        )
        .select_from(Event.__table__)
        .join(PersonMention.__table__, m.event_id == e.id)
        .join(PersonLink.__table__, link.mention_id == m.id)
        .where(e.feed == "intelligence", e.occurred_at >= start, e.occurred_at < end)
    )
    subject_schema = {
        "event_id": pl.Int64,
        "feed": pl.String,
        "agency": pl.String,
        "handling_code": pl.String,
        "handling_conditions": pl.String,
        "person_id": pl.String,
        "role": pl.String,
    }
    with engine.connect() as conn:
        reports = read_frame(conn, stmt, REPORT_SCHEMA)
        people = read_frame(conn, subjects, subject_schema)
    wards = areas.neighbourhood_of_ward()
    reports = localise(reports, "occurred_at").with_columns(
        neighbourhood=pl.col("ward_code").replace_strict(wards, default=None, return_dtype=pl.String)
    )
    return reports, people


def grading(source: str | None, intel: str | None, handling: str | None) -> str:
    parts = [
        SOURCE.get(source or "", "source not graded"),
        INTEL.get(intel or "", "not graded"),
        HANDLING.get(handling or "", "handling not stated"),
    ]
    return f"{source or '?'} {intel or '?'} {handling or '?'}: " + "; ".join(parts)


def intelligence_section(
    *,
    reports: pl.DataFrame,
    subjects: pl.DataFrame,
    gate: Gate,
    areas: Areas,
    wards: list[str] | None = None,
    where: str,
) -> Section:
    """The intelligence section for one reader; ``wards`` (codes) limits it to a neighbourhood."""
    if wards is not None:
        reports = reports.filter(pl.col("ward_code").is_in(wards))
        subjects = subjects.filter(pl.col("event_id").is_in(reports["event_id"].implode()))
    seen = gate.intelligence(reports).sort("occurred_at", descending=True)
    seen_subjects = gate.intelligence(subjects).filter(pl.col("person_id").is_not_null())
    ward_names = {a.code: a.name for a in areas.wards}
    by_report: dict[int, list[Ref]] = {}
    for r in seen_subjects.iter_rows(named=True):
        by_report.setdefault(r["event_id"], []).append(Ref("person", r["person_id"]))
    items = []
    for r in seen.iter_rows(named=True):
        recorded = (
            r["occurred_at"].strftime("%a %d %b %H:%M") if isinstance(r["occurred_at"], dt.datetime) else ""
        )
        ref = f"{r['agency']} {r['source_id']}" if r.get("source_id") else f"report {r['event_id']}"
        area = ward_names.get(r.get("ward_code") or "")
        text = r.get("text")
        notice = None
        if text is None:
            notice = f"Restricted intelligence exists. Ask {gate.contact(r['agency'])}, quoting {ref}."
        items.append(
            IntelItem(
                ref=ref,
                recorded=recorded,
                grading=grading(r.get("source_grade"), r.get("intel_grade"), r.get("handling_code")),
                text=text,
                notice=notice,
                subjects=sorted(set(by_report.get(r["event_id"], [])), key=str),
                area=area,
                tags=_tags(r.get("tags")),
            )
        )
    shown = [i for i in items if i.text is not None]
    notices = [i for i in items if i.text is None]
    lead = [
        f"{plural(len(items), 'intelligence report')} recorded in {where} in this period that the sharing "
        f"agreement lets your agency know of: {len(shown)} with content, {len(notices)} restricted."
    ]
    if not items and _none_shared(gate):
        lead = ["The sharing agreement does not share intelligence with your agency."]
    listing = IntelList(items=shown[:ITEMS] + notices[: max(0, ITEMS - len(shown))])
    listing.more = len(items) - len(listing.items)
    return Section(
        "intelligence",
        "Intelligence",
        lead=lead,
        blocks=[
            listing,
            Text(
                [
                    f"Grading ({GRADING_SOURCE}): source 1 reliable, 2 untested, 3 not reliable; "
                    "intelligence A known "
                    "directly to the source, B known indirectly but corroborated, C known "
                    "indirectly, D not known, E "
                    "suspected to be false; handling P lawful sharing permitted, C sharing only with "
                    "the conditions "
                    "recorded. Content under handling code C is shown only to the agencies its "
                    "conditions name.",
                ]
            ),
        ],
    )


def _none_shared(gate: Gate) -> bool:
    owners = [a for a in gate.agreement.agencies if a != gate.agency]
    return all(gate.agreement.decide(gate.reader, "intelligence", o).level == Level.NONE for o in owners)


def _tags(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return [raw]
    return [str(v).replace("_", " ") for v in value] if isinstance(value, list) else [str(value)]
