"""What the profile services return: frozen dataclasses a template or a JSON answer renders.

Every field holding personal data is ``None`` (or empty) where the access layer withheld
it, so a page can only show what the service let through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class NotFound(LookupError):
    """No such person, place or review pair, or none the reader may see: the two look alike."""

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"no such {what}")
        self.what = what


class Denied(PermissionError):
    """The reader's role may not do this at all (e.g. review links as a partner viewer)."""


# ------------------------------------------------------------------------------ search


@dataclass(frozen=True)
class PersonMatch:
    """One person a search found: who (where the reader may see it), who knows them, how much."""

    person_id: str
    name: str | None
    dob: dt.date | None
    agencies: tuple[str, ...]
    contacts: int
    last_contact: dt.datetime | None
    matched_on: tuple[str, ...]  # surname, forename, nickname, initial, dob, phone, person_id
    score: float


@dataclass(frozen=True)
class PeopleSearch:
    people: tuple[PersonMatch, ...]
    searched_by: tuple[str, ...]  # what the query was read as: name, dob, phone, person_id
    truncated: bool = False


@dataclass(frozen=True)
class PlaceMatch:
    place_id: str
    address: str | None
    postcode: str | None
    kind: str | None
    ward_code: str | None
    incidents: int
    residents: int


@dataclass(frozen=True)
class PlacesSearch:
    places: tuple[PlaceMatch, ...]
    searched_by: tuple[str, ...]  # place_id, postcode, address, uprn
    truncated: bool = False
    note: str | None = None


# ------------------------------------------------------------------------------ profiles


@dataclass(frozen=True)
class TimelineEntry:
    """One partner record on a timeline, at the level the reader sees it.

    ``level``: ``full`` (every field), ``summary`` (category, date, area, coded fields;
    no personal details or free text) or ``notice`` (intelligence whose content the
    reader may not see: ``notice`` says whom to ask).
    """

    event_id: int
    feed: str
    agency: str
    agency_name: str
    source_id: str | None
    roles: tuple[str, ...]
    occurred_at: dt.datetime  # Europe/London
    time_precision: str | None
    category: str | None
    type: str | None
    ward_code: str | None
    lsoa_code: str | None
    address: str | None
    postcode: str | None
    details: Mapping[str, str] = field(default_factory=dict)
    level: str = "full"
    notice: str | None = None


@dataclass(frozen=True)
class LinkEvidence:
    """Why one mention is taken to be this person."""

    decided_by: str  # reviewer, agency reference, model
    agreeing: tuple[str, ...]  # fields agreeing with another mention of the person
    match_probability: float | None = None  # stored only for pairs a reviewer saw
    match_weight: float | None = None
    decision_at: dt.datetime | None = None


@dataclass(frozen=True)
class LinkedMention:
    """A person as one agency recorded them on one record, and the evidence for the link."""

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
    evidence: LinkEvidence | None  # None: the reader sees this mention only as a summary


@dataclass(frozen=True)
class Flag:
    """A list the person (or place) is on, by the analyses' own rules, from what the reader sees."""

    name: str  # frequent_caller, repeat_victim, asb_case_review, vulnerable, repeat_location
    label: str
    met: bool
    detail: str
    rules: tuple[str, ...] = ()  # each rule with its source


@dataclass(frozen=True)
class Vulnerability:
    referrals: int
    vulnerabilities: tuple[str, ...]
    risk: str | None
    last_referral: dt.datetime | None


@dataclass(frozen=True)
class CaseRef:
    """A case the person or place is linked to (as the tasking service returns it)."""

    case_id: int
    reference: str
    kind: str
    title: str | None
    status: str | None
    risk: str | None
    owner_agency: str | None


@dataclass(frozen=True)
class PersonProfile:
    person_id: str
    as_of: dt.date
    name: str | None
    other_names: tuple[str, ...]
    dob: dt.date | None  # the likeliest of the dates of birth given
    agencies: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]
    mentions: tuple[LinkedMention, ...]
    flags: tuple[Flag, ...]
    vulnerability: Vulnerability | None
    cases: tuple[CaseRef, ...] = ()
    cases_available: bool = False  # False: the tasking service is not installed
    actions: tuple[Any, ...] = ()  # saferhub.tasking.ActionView: the actions on those cases
    other_dobs: tuple[dt.date, ...] = ()  # other dates of birth agencies gave
    merged_from: tuple[str, ...] = ()  # retired ids that now name this person


@dataclass(frozen=True)
class Resident:
    person_id: str
    name: str | None
    mentions: int
    last_seen: dt.datetime | None


@dataclass(frozen=True)
class PlaceProfile:
    place_id: str
    as_of: dt.date
    address: str | None
    postcode: str | None
    kind: str | None
    building_id: str | None
    ward_code: str | None
    lsoa_code: str | None
    incidents: tuple[TimelineEntry, ...]
    residents: tuple[Resident, ...]
    repeat_location: Flag
    cases: tuple[CaseRef, ...] = ()
    cases_available: bool = False
    latitude: float | None = None  # WGS84, for a map of the place
    longitude: float | None = None


# ------------------------------------------------------------------------------ review


@dataclass(frozen=True)
class ReviewMention:
    mention_id: int
    feed: str
    agency: str
    source_id: str
    role: str
    person_id: str | None
    fields: Mapping[str, str | None]


@dataclass(frozen=True)
class EvidencePart:
    comparison: str
    level: str
    weight: float


@dataclass(frozen=True)
class ReviewEntry:
    pair_id: int
    match_probability: float
    match_weight: float
    left: ReviewMention
    right: ReviewMention
    evidence: tuple[EvidencePart, ...]


@dataclass(frozen=True)
class ReviewQueue:
    items: tuple[ReviewEntry, ...]
    total: int  # pairs in the queue this reader may decide


@dataclass(frozen=True)
class ReviewOutcome:
    pair_id: int
    mentions: tuple[int, int]
    decision: str  # same, different
    applies: str = "at the next link run (saferhub link)"
