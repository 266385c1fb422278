"""The hub's system of record: tables, connections and migrations."""

from saferhub.store.models import (
    Base,
    Event,
    ImportRun,
    PersonMention,
    QuarantinedRow,
)
from saferhub.store.session import connect, describe_url, upgrade

__all__ = [
    "Base",
    "Event",
    "ImportRun",
    "PersonMention",
    "QuarantinedRow",
    "connect",
    "describe_url",
    "upgrade",
]
