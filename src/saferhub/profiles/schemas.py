"""Pydantic schemas of the profile services' results, for the JSON API's ``response_model``.

Each mirrors a dataclass of ``profiles.results`` field for field and reads it directly:
``PersonProfileOut.model_validate(profile)``. Nothing is added or computed here, so the
API shows exactly what the access layer let through.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class PersonMatchOut(_Out):
    person_id: str
    name: str | None
    dob: dt.date | None
    agencies: tuple[str, ...]
    contacts: int
    last_contact: dt.datetime | None
    matched_on: tuple[str, ...]
    score: float


class PeopleSearchOut(_Out):
    people: tuple[PersonMatchOut, ...]
    searched_by: tuple[str, ...]
    truncated: bool


class PlaceMatchOut(_Out):
    place_id: str
    address: str | None
    postcode: str | None
    kind: str | None
    ward_code: str | None
    incidents: int
    residents: int


class PlacesSearchOut(_Out):
    places: tuple[PlaceMatchOut, ...]
    searched_by: tuple[str, ...]
    truncated: bool
    note: str | None


class TimelineEntryOut(_Out):
    event_id: int
    feed: str
    agency: str
    agency_name: str
    source_id: str | None
    roles: tuple[str, ...]
    occurred_at: dt.datetime
    time_precision: str | None
    category: str | None
    type: str | None
    ward_code: str | None
    lsoa_code: str | None
    address: str | None
    postcode: str | None
    details: dict[str, str]
    level: str
    notice: str | None


class LinkEvidenceOut(_Out):
    decided_by: str
    agreeing: tuple[str, ...]
    match_probability: float | None
    match_weight: float | None
    decision_at: dt.datetime | None


class LinkedMentionOut(_Out):
    mention_id: int
    event_id: int
    feed: str
    agency: str
    source_id: str | None
    role: str | None
    occurred_at: dt.datetime
    first_name: str | None
    last_name: str | None
    dob: dt.date | None
    phone: str | None
    address: str | None
    postcode: str | None
    agency_ref: str | None
    level: str
    evidence: LinkEvidenceOut | None


class FlagOut(_Out):
    name: str
    label: str
    met: bool
    detail: str
    rules: tuple[str, ...]


class VulnerabilityOut(_Out):
    referrals: int
    vulnerabilities: tuple[str, ...]
    risk: str | None
    last_referral: dt.datetime | None


class CaseRefOut(_Out):
    case_id: int
    reference: str
    kind: str
    title: str | None
    status: str | None
    risk: str | None
    owner_agency: str | None


class PersonProfileOut(_Out):
    person_id: str
    as_of: dt.date
    name: str | None
    other_names: tuple[str, ...]
    dob: dt.date | None
    other_dobs: tuple[dt.date, ...]
    agencies: tuple[str, ...]
    timeline: tuple[TimelineEntryOut, ...]
    mentions: tuple[LinkedMentionOut, ...]
    flags: tuple[FlagOut, ...]
    vulnerability: VulnerabilityOut | None
    cases: tuple[CaseRefOut, ...]
    cases_available: bool
    merged_from: tuple[str, ...]


class ResidentOut(_Out):
    person_id: str
    name: str | None
    mentions: int
    last_seen: dt.datetime | None


class PlaceProfileOut(_Out):
    place_id: str
    as_of: dt.date
    address: str | None
    postcode: str | None
    kind: str | None
    building_id: str | None
    ward_code: str | None
    lsoa_code: str | None
    incidents: tuple[TimelineEntryOut, ...]
    residents: tuple[ResidentOut, ...]
    repeat_location: FlagOut
    cases: tuple[CaseRefOut, ...]
    cases_available: bool
    latitude: float | None
    longitude: float | None


class ReviewMentionOut(_Out):
    mention_id: int
    feed: str
    agency: str
    source_id: str
    role: str
    person_id: str | None
    fields: dict[str, str | None]


class EvidencePartOut(_Out):
    comparison: str
    level: str
    weight: float


class ReviewEntryOut(_Out):
    pair_id: int
    match_probability: float
    match_weight: float
    left: ReviewMentionOut
    right: ReviewMentionOut
    evidence: tuple[EvidencePartOut, ...]


class ReviewQueueOut(_Out):
    items: tuple[ReviewEntryOut, ...]
    total: int


class ReviewDecisionIn(BaseModel):
    """A reviewer's decision on a queued pair (the API's request body)."""

    model_config = ConfigDict(extra="forbid")

    same: bool
    why: str | None = None


class ReviewOutcomeOut(_Out):
    pair_id: int
    mentions: tuple[int, int]
    decision: str
    applies: str
