"""Who is reading: the acting person (agency, role, user) and the levels of access."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ROLES = ("hub_admin", "analyst", "officer", "partner_viewer", "auditor")


class Level(StrEnum):
    """How much of a record a reader sees, most to least.

    ``full``: everything. ``summary``: the record's existence, category, area, date and
    counts; no personal details, no free text. ``notice``: intelligence whose handling
    conditions do not reach the reader: only that it exists and whom to ask. ``none``:
    the row is not there at all.
    """

    FULL = "full"
    SUMMARY = "summary"
    NOTICE = "notice"
    NONE = "none"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_most(self, ceiling: Level) -> Level:
        """This level, lowered to ``ceiling`` if it is above it."""
        return self if self.rank <= ceiling.rank else ceiling


_RANK = {Level.NONE: 0, Level.NOTICE: 1, Level.SUMMARY: 2, Level.FULL: 3}

# Levels a sharing agreement may grant; ``notice`` is the hub's, for handling code C.
AGREEMENT_LEVELS = (Level.FULL, Level.SUMMARY, Level.NONE)


@dataclass(frozen=True)
class Reader:
    """The person a service acts for: their agency, their role and (once signed in) who they are.

    ``user`` is None for a pack made for an agency as a whole (``--agency``); the audit log
    then records the agency and role with no named person.
    """

    agency: str
    role: str = "analyst"
    user: str | None = None

    def __post_init__(self) -> None:
        agency = self.agency.strip().lower() if isinstance(self.agency, str) else ""
        if not agency:
            raise ValueError("a reader needs an agency")
        if self.role not in ROLES:
            raise ValueError(f"unknown role '{self.role}'; the roles are: {', '.join(ROLES)}")
        object.__setattr__(self, "agency", agency)

    def describe(self) -> str:
        who = f"{self.user}, " if self.user else ""
        return f"{who}{self.agency} ({self.role.replace('_', ' ')})"
