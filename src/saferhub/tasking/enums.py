"""The words of tasking: kinds of case, SARA stages, person subtypes, risk levels, statuses."""

from __future__ import annotations

from enum import StrEnum


class CaseKind(StrEnum):
    """What a case is about: a problem (place or issue), a person, or a proactive operation."""

    PROBLEM = "problem"
    PERSON = "person"
    OPERATION = "operation"


class Stage(StrEnum):
    """The SARA stages a problem case moves through (problem cases only)."""

    SCANNING = "scanning"
    ANALYSIS = "analysis"
    RESPONSE = "response"
    ASSESSMENT = "assessment"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PersonSubtype(StrEnum):
    """Why a person case is open (person cases only)."""

    FREQUENT_CALLER = "frequent_caller"
    VULNERABLE_PERSON = "vulnerable_person"
    ASB_VICTIM = "asb_victim"


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ActionStatus(StrEnum):
    """Where an action stands; ``done`` and ``cancelled`` are finished and never overdue."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (ActionStatus.DONE, ActionStatus.CANCELLED)


class LinkKind(StrEnum):
    """What a case can be linked to, by its hub id."""

    PERSON = "person"
    PLACE = "place"
    EVENT = "event"


UNFINISHED = (ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value)
