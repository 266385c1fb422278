"""What the search, person, place and review pages share: words for feeds and fields, and
long timelines cut into months and pages so a person with hundreds of contacts stays readable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from saferhub.profiles import TimelineEntry

RECORDS_PER_PAGE = 60  # a page ends at the first month end after this many records
OPEN_MONTHS = 2  # the newest months are open; older ones are folded (HTML details, no script)

FEEDS = {
    "calls": "Call for service",
    "asb-reports": "ASB report",
    "fire-incidents": "Fire incident",
    "referrals": "Referral",
    "intelligence": "Intelligence",
    "police-uk": "Recorded crime (police.uk)",
}
# Timeline details in the order a reader wants them, with their labels.
DETAILS = (
    ("description", "Description"),
    ("text", "Intelligence"),
    ("outcome", "Outcome"),
    ("concern", "Concern"),
    ("vulnerabilities", "Vulnerabilities"),
    ("risk", "Risk"),
    ("priority", "Priority"),
    ("channel", "How it came in"),
    ("attended", "Attended"),
    ("motive", "Motive"),
    ("property_type", "Property"),
    ("casualties", "Casualties"),
    ("consent", "Consent"),
    ("source_grade", "Source grade"),
    ("intel_grade", "Intelligence grade"),
    ("handling_code", "Handling code"),
    ("tags", "Tags"),
)
LONG_DETAILS = frozenset({"description", "text", "outcome", "concern"})
MENTION_FIELDS = (
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("dob", "Date of birth"),
    ("phone", "Phone"),
    ("address", "Address"),
    ("postcode", "Postcode"),
    ("agency_ref", "Agency's reference"),
)


@dataclass(frozen=True)
class Month:
    label: str  # "March 2026"
    key: str  # "2026-03", for anchors
    entries: tuple[TimelineEntry, ...]
    open: bool


@dataclass(frozen=True)
class TimelinePage:
    months: tuple[Month, ...]
    page: int
    pages: int
    total: int
    summaries: int
    notices: int


def timeline_page(entries: Sequence[TimelineEntry], page: int) -> TimelinePage:
    """The timeline (newest first, as the service gives it) grouped by month, cut into pages of
    whole months of about ``RECORDS_PER_PAGE`` records."""
    months: list[tuple[str, str, list[TimelineEntry]]] = []
    for entry in entries:
        key = entry.occurred_at.strftime("%Y-%m")
        if not months or months[-1][1] != key:
            months.append((entry.occurred_at.strftime("%B %Y"), key, []))
        months[-1][2].append(entry)
    pages: list[list[tuple[str, str, list[TimelineEntry]]]] = [[]]
    for month in months:
        if sum(len(m[2]) for m in pages[-1]) >= RECORDS_PER_PAGE:
            pages.append([])
        pages[-1].append(month)
    page = min(max(1, page), len(pages))
    shown = tuple(
        Month(label, key, tuple(rows), open=page == 1 and i < OPEN_MONTHS)
        for i, (label, key, rows) in enumerate(pages[page - 1])
    )
    return TimelinePage(
        months=shown,
        page=page,
        pages=len(pages),
        total=len(entries),
        summaries=sum(e.level == "summary" for e in entries),
        notices=sum(e.level == "notice" for e in entries),
    )


def headline(entry: TimelineEntry) -> str:
    """What a record was, in a few words: its type as the partner gave it, else its category."""
    if entry.type:
        return entry.type.replace("_", " ")
    if entry.category:
        words = entry.category.replace("_", " ")
        return words.upper() if len(words) <= 3 else words.capitalize()
    return FEEDS.get(entry.feed, entry.feed)


def detail_lines(entry: TimelineEntry) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(long texts, short coded values) of a record's details, labelled, in reading order."""
    texts: list[tuple[str, str]] = []
    codes: list[tuple[str, str]] = []
    for key, label in DETAILS:
        value = entry.details.get(key)
        if not value:
            continue
        value = {"true": "yes", "false": "no"}.get(value, value)
        (texts if key in LONG_DETAILS else codes).append((label, value))
    return texts, codes


def words() -> dict[str, object]:
    """The labels every profile template uses."""
    return {
        "feeds": FEEDS,
        "mention_fields": MENTION_FIELDS,
        "headline": headline,
        "detail_lines": detail_lines,
    }
