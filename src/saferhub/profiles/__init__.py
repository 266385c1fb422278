"""People and places across agencies for the hub's pages and API: search, profiles, link review.

Doors (keyword-only; each takes ``engine``, ``reader``, ``agreement``, ``where_from``):
``search_people(query=)``, ``search_places(query=)``, ``person_profile(person_id=)``,
``place_profile(place_id=)``, ``review_items(limit=)``, ``review_decision(pair=, same=, why=)``.
Everything they return has been through ``saferhub.access`` and every call is written to
the audit log; ``NotFound`` and ``Denied`` are the two refusals. See docs/profiles.md.
"""

from saferhub.profiles.person import person_profile
from saferhub.profiles.place import place_profile
from saferhub.profiles.results import (
    CaseRef,
    Denied,
    Flag,
    LinkedMention,
    LinkEvidence,
    NotFound,
    PeopleSearch,
    PersonMatch,
    PersonProfile,
    PlaceMatch,
    PlaceProfile,
    PlacesSearch,
    Resident,
    ReviewEntry,
    ReviewOutcome,
    ReviewQueue,
    TimelineEntry,
    Vulnerability,
)
from saferhub.profiles.review import review_decision, review_items
from saferhub.profiles.search import search_people, search_places

__all__ = [
    "CaseRef",
    "Denied",
    "Flag",
    "LinkEvidence",
    "LinkedMention",
    "NotFound",
    "PeopleSearch",
    "PersonMatch",
    "PersonProfile",
    "PlaceMatch",
    "PlaceProfile",
    "PlacesSearch",
    "Resident",
    "ReviewEntry",
    "ReviewOutcome",
    "ReviewQueue",
    "TimelineEntry",
    "Vulnerability",
    "person_profile",
    "place_profile",
    "review_decision",
    "review_items",
    "search_people",
    "search_places",
]
