"""A person's profile: every agency's contacts on one timeline, the linked mentions and the
evidence for each link, the lists they are on, their vulnerabilities and cases.

Door: ``person_profile(engine=, reader=, agreement=, where_from=, person_id=, as_of=None)``.
Only what the access layer lets through is returned, and the look is written to the audit
log (the person id and the record ids, never a name).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Engine

from saferhub.access import Reader, SharingAgreement
from saferhub.config import Settings
from saferhub.profiles import reading
from saferhub.profiles.cases import work_for
from saferhub.profiles.common import PERSON_ID, audit, london_today, not_found, standards_of
from saferhub.profiles.evidence import link_evidence
from saferhub.profiles.flags import person_flags
from saferhub.profiles.results import LinkedMention, LinkEvidence, PersonProfile
from saferhub.profiles.visibility import (
    best_name,
    dobs_given,
    full_rows,
    restricted_events,
    restricted_mentions,
    timeline,
)


def person_profile(
    *,
    engine: Engine,
    reader: Reader,
    agreement: SharingAgreement,
    where_from: str,
    person_id: str,
    as_of: dt.date | None = None,
    settings: Settings | None = None,
) -> PersonProfile:
    """The person as ``reader`` may see them; NotFound if unknown or nothing of them is theirs to see.

    A retired id (merged into another person) opens the person it was merged into.
    """
    as_of = as_of or london_today()
    asked = person_id.strip().upper()
    with engine.connect() as conn:
        resolved = reading.current_person(conn, asked) if PERSON_ID.match(asked) else None
        pid, merged_from = resolved if resolved else (asked, ())
        mentions = reading.person_mentions(conn, [pid]) if resolved else reading.person_mentions(conn, [])
        shown_mentions = restricted_mentions(mentions, reader=reader, agreement=agreement)
        whole = full_rows(shown_mentions)
        if whole.height:
            events = reading.events(conn, mentions["event_id"].to_list())
            evidence = link_evidence(conn, whole)
    if whole.height == 0:
        raise not_found(
            engine, reader=reader, where_from=where_from, purpose="person_profile",
            key="person_id", asked=asked, shape=PERSON_ID,
        )  # fmt: skip
    shown = restricted_events(events, reader=reader, agreement=agreement)
    entries = timeline(shown, shown_mentions.select("event_id", "role"), agreement=agreement)
    name, other_names = best_name(whole)
    records = shown.filter(pl.col("level") == "full").join(
        whole.select("event_id", "role", "dob"), on="event_id", how="inner"
    )
    flags, vulnerability = person_flags(records, person_id=pid, as_of=as_of, standards=standards_of(settings))
    work = work_for(engine=engine, reader=reader, person_id=pid)
    linked = _linked(whole, evidence)
    audit(
        engine,
        reader=reader,
        action="view",
        what={
            "purpose": "person_profile",
            "person_id": pid,
            "merged_from": list(merged_from),
            "event_ids": sorted(int(e.event_id) for e in entries),
            "rows": len(entries),
            "summaries": sum(e.level == "summary" for e in entries),
            "notices": sum(e.level == "notice" for e in entries),
            "mention_ids": [m.mention_id for m in linked],
            **work.audit,  # the cases and actions shown with the profile: one look, one entry
        },
        where_from=where_from,
    )
    dobs = dobs_given(whole)
    return PersonProfile(
        person_id=pid,
        as_of=as_of,
        name=name,
        other_names=other_names,
        dob=dobs[0] if dobs else None,
        other_dobs=dobs[1:],
        agencies=tuple(sorted({e.agency for e in entries})),
        timeline=entries,
        mentions=linked,
        flags=flags,
        vulnerability=vulnerability,
        cases=work.cases,
        cases_available=work.available,
        actions=work.actions,
        merged_from=merged_from,
    )


def _linked(whole: pl.DataFrame, evidence: dict[int, LinkEvidence]) -> tuple[LinkedMention, ...]:
    out = []
    for row in whole.sort(["occurred_at", "mention_id"], descending=[True, True]).iter_rows(named=True):
        when = reading.to_london(row["occurred_at"])
        assert when is not None
        out.append(
            LinkedMention(
                mention_id=int(row["mention_id"]),
                event_id=int(row["event_id"]),
                feed=row["feed"],
                agency=row["agency"],
                source_id=row["source_id"],
                role=row["role"],
                occurred_at=when,
                first_name=row["first_name"],
                last_name=row["last_name"],
                dob=row["dob"],
                phone=row["phone"],
                address=row["home_address"],
                postcode=row["home_postcode"],
                agency_ref=row["agency_ref"],
                level="full",
                evidence=evidence.get(int(row["mention_id"])),
            )
        )
    return tuple(out)
