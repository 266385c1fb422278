"""The hub's system of record: tables, connections and migrations."""

from saferhub.store import account_models, audit_models, place_models, tasking_models  # noqa: F401  (registers their tables)
from saferhub.store.models import (
    Base,
    Event,
    ImportRun,
    PersonMention,
    QuarantinedRow,
)
from saferhub.store.people_models import (
    Person,
    PersonIdEvent,
    PersonLink,
    PersonLinkDecision,
    PersonLinkModel,
    PersonLinkRun,
    PersonReviewPair,
)
from saferhub.store.session import connect, describe_url, upgrade

__all__ = [
    "Base",
    "Event",
    "ImportRun",
    "Person",
    "PersonIdEvent",
    "PersonLink",
    "PersonLinkDecision",
    "PersonLinkModel",
    "PersonLinkRun",
    "PersonMention",
    "PersonReviewPair",
    "QuarantinedRow",
    "connect",
    "describe_url",
    "upgrade",
]
