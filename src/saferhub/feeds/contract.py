"""The import contract as data: each feed's columns, their kinds and allowed values.

This restates ``shared/spec/feeds.md``; ``docs/import-guide.md`` explains it to users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl


class Kind(StrEnum):
    TEXT = "text"
    DATETIME = "datetime"
    DATE = "date"
    MONTH = "month"
    ENUM = "enum"
    LIST = "list"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    POSTCODE = "postcode"
    PHONE = "phone"
    AGENCY = "agency"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    allowed: tuple[str, ...] = ()
    # For ENUM/LIST: whether values are case-folded to lower case (intel grades stay upper).
    upper: bool = False


AGENCIES = ("police", "fire", "ambulance", "council", "housing", "third_sector")

PERSON_FIELDS: tuple[Column, ...] = (
    Column("first_name"),
    Column("last_name"),
    Column("dob", Kind.DATE),
    Column("phone", Kind.PHONE),
    Column("address"),
    Column("postcode", Kind.POSTCODE),
    Column("ref"),
)

LOCATION_COLUMNS: tuple[Column, ...] = (
    Column("location_address"),
    Column("location_postcode", Kind.POSTCODE),
    Column("latitude", Kind.FLOAT),
    Column("longitude", Kind.FLOAT),
    Column("easting", Kind.FLOAT),
    Column("northing", Kind.FLOAT),
)

RISK = ("standard", "medium", "high")


@dataclass(frozen=True)
class FeedSpec:
    """One feed of the contract.

    ``event`` builds the hub's event columns (occurred_at, category, type, and the
    feed's attributes) from the validated frame; ``checks`` add row-level rules that
    involve several columns, each returning a reason string or null per row.
    """

    name: str
    columns: tuple[Column, ...]
    person_roles: tuple[str, ...]
    event: Callable[[pl.DataFrame], pl.DataFrame]
    default_agency: str | None = None
    has_location: bool = True
    checks: tuple[Callable[[], pl.Expr], ...] = ()
    # police.uk: its own header names, no person columns, computed identities.
    identity: Callable[[pl.DataFrame], pl.Series] | None = None
    attributes: tuple[str, ...] = field(default_factory=tuple)

    def all_columns(self) -> tuple[Column, ...]:
        cols = list(self.columns)
        if self.has_location:
            cols.extend(LOCATION_COLUMNS)
        for role in self.person_roles:
            cols.extend(Column(f"{role}_{c.name}", c.kind, c.required, c.allowed) for c in PERSON_FIELDS)
        return tuple(cols)

    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)
