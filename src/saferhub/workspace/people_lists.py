"""The people analyses as one reader may see them: frequent callers, repeat victims and
vulnerable people, restricted by the sharing agreement, each look written to the audit log.

``people_analyses`` runs the analyses once for a day (the same for every reader: cache it);
``frequent_callers_for``, ``repeat_victims_for`` and ``vulnerable_people_for`` pick what one
reader may see, the way the briefings do (``saferhub.briefings.gate.Gate``): a person stays
on a list only when the reader may see in full every record that put them there.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Engine

from saferhub.access import Level, Reader, SharingAgreement, audit
from saferhub.analysis.frequent_callers import PEOPLE_RULES, FrequentCallers, frequent_callers
from saferhub.analysis.repeats import RepeatList, repeat_victims
from saferhub.analysis.standards import Standards
from saferhub.briefings.gate import Gate
from saferhub.briefings.people import VULNERABLE_LOOKBACK_DAYS, vulnerable_people
from saferhub.briefings.sources import read_person_sources, read_referrals
from saferhub.feeds import FEEDS

FREQUENT = "frequent callers"
VICTIMS = "repeat victims"
VULNERABLE = "vulnerable people"


@dataclass(frozen=True)
class PeopleAnalyses:
    """The lists as of a day, unrestricted: never shown as they are."""

    as_of: dt.date
    frequent: FrequentCallers
    victims: RepeatList
    referrals: pl.DataFrame  # person_id, event_id, feed, agency, occurred_at, vulnerabilities, risk
    sources: pl.DataFrame  # person_id, feed, agency, role, category: the records behind the lists
    standards: Standards


@dataclass(frozen=True)
class ShownList:
    """One list as a reader may see it: ids, counts and dates only."""

    what: str
    as_of: dt.date
    first_day: dt.date
    rows: list[dict[str, Any]]
    withheld: int  # entries on the list whose records the reader may not see in full
    partial: bool  # the agreement gives the reader only part of the partners' records
    definitions: list[str] = field(default_factory=list)


def people_analyses(*, engine: Engine, standards: Standards, as_of: dt.date) -> PeopleAnalyses:
    """Frequent callers, repeat victims and the year's safeguarding referrals as of ``as_of``."""
    with ThreadPoolExecutor(max_workers=2) as pool:  # reading and polars release the GIL
        fc_job = pool.submit(frequent_callers, engine=engine, as_of=as_of, standards=standards)
        rv_job = pool.submit(repeat_victims, engine=engine, as_of=as_of, standards=standards)
        fc, rv = fc_job.result(), rv_job.result()
    year = as_of - dt.timedelta(days=VULNERABLE_LOOKBACK_DAYS - 1)
    referrals = read_referrals(engine=engine, first_day=year, last_day=as_of).with_columns(
        feed=pl.lit("referrals")
    )
    listed = {*fc.people["person_id"], *rv.rows["person_id"]}
    first = min(fc.first_day, rv.first_day)
    sources = read_person_sources(engine=engine, people=sorted(listed), first_day=first, last_day=as_of)
    return PeopleAnalyses(as_of, fc, rv, referrals, sources, standards)


def sees_everything(reader: Reader, agreement: SharingAgreement) -> bool:
    """Whether the agreement gives ``reader`` every partner's records of every feed in full."""
    named = set(agreement.agencies)
    seen = agreement.visible(reader, at_least=Level.FULL)
    return all(named <= set(seen.get(feed, ())) for feed in FEEDS if feed != "police-uk-street")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            value = value.isoformat(timespec="minutes")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[key] = value
    return out


def log_look(
    *, engine: Engine, reader: Reader, where_from: str, what: dict[str, Any], action: str = "view"
) -> None:
    """One audit entry (ids and counts only); ids the log refuses are counted instead."""
    try:
        audit.check_what(what)
    except audit.AuditError:
        ids = what.get("person_ids", [])
        kept = [i for i in ids if _accepted(i)]
        what = {**what, "person_ids": kept, "person_ids_refused": len(ids) - len(kept)}
    with engine.begin() as conn:
        audit.record(conn, reader=reader, action=action, what=what, where_from=where_from)


def _accepted(value: object) -> bool:
    try:
        audit.check_what({"id": value})
    except audit.AuditError:
        return False
    return True


def _shown(
    *,
    what: str,
    rows: pl.DataFrame,
    gate: Gate,
    analyses: PeopleAnalyses,
    first_day: dt.date,
    definitions: list[str],
    engine: Engine,
    where_from: str,
) -> ShownList:
    records = [_plain(r) for r in rows.to_dicts()]
    withheld = gate.withheld.get(what, 0)
    log_look(
        engine=engine,
        reader=gate.reader,
        where_from=where_from,
        what={
            "object": what.replace(" ", "_"),
            "as_of": analyses.as_of.isoformat(),
            "rows": len(records),
            "withheld": withheld,
            "person_ids": [r["person_id"] for r in records],
        },
    )
    return ShownList(
        what=what,
        as_of=analyses.as_of,
        first_day=first_day,
        rows=records,
        withheld=withheld,
        partial=not sees_everything(gate.reader, gate.agreement),
        definitions=definitions,
    )


def _frequent_rows(analyses: PeopleAnalyses, gate: Gate) -> pl.DataFrame:
    caller = (pl.col("feed") == "calls") & (pl.col("role") == "caller")
    rows = gate.listed(
        analyses.frequent.people, analyses.sources.filter(caller), key="person_id", what=FREQUENT
    )
    return rows.sort(["calls", "person_id"], descending=[True, False])


def _victim_rows(analyses: PeopleAnalyses, gate: Gate) -> pl.DataFrame:
    c = pl.col
    victim_cats = analyses.standards.strings("repeat_victim_call_categories")
    victim_events = ((c("feed") == "calls") & (c("role") == "caller") & c("category").is_in(victim_cats)) | (
        (c("feed") == "asb-reports") & (c("role") == "reporter")
    )
    rows = gate.listed(
        analyses.victims.rows, analyses.sources.filter(victim_events), key="person_id", what=VICTIMS
    )
    return rows.sort(["incidents", "person_id"], descending=[True, False])


def _vulnerable_rows(analyses: PeopleAnalyses, gate: Gate) -> pl.DataFrame:
    seen = gate.events(analyses.referrals)
    total = analyses.referrals.filter(pl.col("person_id").is_not_null())["person_id"].n_unique()
    rows = vulnerable_people(seen).sort(
        ["risk_rank", "referrals", "person_id"], descending=[True, True, False], nulls_last=True
    )
    gate.withheld[VULNERABLE] = max(total - rows.height, 0)
    return rows.select("person_id", "referrals", "risk", "vulnerabilities", "last_referral")


@dataclass(frozen=True)
class Headlines:
    """How many people on each list the reader may see (counts only: not a look at anyone)."""

    as_of: dt.date
    frequent_callers: int
    new_frequent_callers: int
    repeat_victims: int
    vulnerable_people: int


def headlines_for(*, analyses: PeopleAnalyses, reader: Reader, agreement: SharingAgreement) -> Headlines:
    gate = Gate(reader, agreement)
    fc = _frequent_rows(analyses, gate)
    return Headlines(
        as_of=analyses.as_of,
        frequent_callers=fc.height,
        new_frequent_callers=int(fc["new_this_week"].sum()) if fc.height else 0,
        repeat_victims=_victim_rows(analyses, gate).height,
        vulnerable_people=_vulnerable_rows(analyses, gate).height,
    )


def frequent_callers_for(
    *, analyses: PeopleAnalyses, engine: Engine, reader: Reader, agreement: SharingAgreement, where_from: str
) -> ShownList:
    """The frequent callers whose calls the reader may all see in full, most calls first."""
    gate = Gate(reader, agreement)
    rows = _frequent_rows(analyses, gate)
    keep = [
        "person_id", "calls", "calls_by_agency", "months_over_threshold", "rules", "last_contact",
        "trend", "trend_z", "cost_estimate", "new_this_week",
    ]  # fmt: skip
    fc = analyses.frequent
    return _shown(
        what=FREQUENT,
        rows=rows.select([c for c in keep if c in rows.columns]),
        gate=gate,
        analyses=analyses,
        first_day=fc.first_day,
        definitions=[r.plain() for r in fc.rules if r.name in PEOPLE_RULES],
        engine=engine,
        where_from=where_from,
    )


def repeat_victims_for(
    *, analyses: PeopleAnalyses, engine: Engine, reader: Reader, agreement: SharingAgreement, where_from: str
) -> ShownList:
    """Repeat victims whose incidents the reader may all see in full, most incidents first."""
    gate = Gate(reader, agreement)
    rows = _victim_rows(analyses, gate)
    keep = [
        "person_id", "incidents", "incidents_by_feed", "incidents_by_category", "threshold_met_at",
        "last_incident", "new_this_week",
    ]  # fmt: skip
    return _shown(
        what=VICTIMS,
        rows=rows.select([k for k in keep if k in rows.columns]),
        gate=gate,
        analyses=analyses,
        first_day=analyses.victims.first_day,
        definitions=[r.plain() for r in analyses.victims.rules],
        engine=engine,
        where_from=where_from,
    )


def vulnerable_people_for(
    *, analyses: PeopleAnalyses, engine: Engine, reader: Reader, agreement: SharingAgreement, where_from: str
) -> ShownList:
    """People subject of a safeguarding referral in the last year, from the referrals the reader
    may see with the person's id (the briefings' definition), highest risk first."""
    gate = Gate(reader, agreement)
    return _shown(
        what=VULNERABLE,
        rows=_vulnerable_rows(analyses, gate),
        gate=gate,
        analyses=analyses,
        first_day=analyses.as_of - dt.timedelta(days=VULNERABLE_LOOKBACK_DAYS - 1),
        definitions=[
            f"Vulnerable: the subject of a safeguarding referral in the {VULNERABLE_LOOKBACK_DAYS} days "
            "to the day shown (as in the daily briefing). Highest risk: the highest risk any of "
            "those referrals gave."
        ],
        engine=engine,
        where_from=where_from,
    )
