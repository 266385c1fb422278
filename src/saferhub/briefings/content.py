"""A briefing as data: sections of sentences, tables and figures, before any HTML.

The daily and weekly builders fill a ``Pack``; ``render`` turns it into HTML and PDF.
Every figure in a table comes with words saying what it counts and against what
(``Table.notes``); every person and place is a ``Ref`` carrying its opaque id, which
the web version links to the profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from saferhub.briefings.periods import BriefingPeriod

CLASSIFICATION = "OFFICIAL-SENSITIVE"

RefKind = Literal["person", "place", "cell"]


@dataclass(frozen=True)
class Ref:
    """A person, place or hotspot cell by its opaque id (linked to its profile on the web)."""

    kind: RefKind
    id: str

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class Table:
    """A table with a caption; ``row_header`` names the column whose cells head each row."""

    caption: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    row_header: str
    empty: str = "None in this period."
    notes: list[str] = field(default_factory=list)
    more: int = 0  # rows left out to keep the pack short
    kind: Literal["list", "matrix"] = "list"  # a matrix: many narrow figure columns

    def limit(self, rows: int) -> Table:
        if len(self.rows) > rows:
            self.more += len(self.rows) - rows
            self.rows = self.rows[:rows]
        return self


@dataclass
class Figure:
    """An SVG drawing (with its own <title> and <desc>) and a caption saying what it shows."""

    svg: str
    caption: str
    wide: bool = True


@dataclass
class Text:
    paragraphs: list[str]
    kind: Literal["plain", "notice"] = "plain"


@dataclass
class IntelItem:
    """One intelligence report as the reader may see it: content, or a notice that it exists."""

    ref: str  # opaque event reference, e.g. "INT-1234"
    recorded: str
    grading: str  # e.g. "2 B P: untested source; known indirectly, corroborated; ..."
    text: str | None  # None: the reader may not see the content
    notice: str | None = None  # "Restricted intelligence exists: ask ..."
    subjects: list[Ref] = field(default_factory=list)
    area: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class IntelList:
    items: list[IntelItem]
    empty: str = "No intelligence was recorded in this period."
    more: int = 0


Block = Table | Figure | Text | IntelList


@dataclass
class Section:
    """One part of the pack. ``lead`` is what a reader must take away, in sentences."""

    key: str
    title: str
    lead: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Pack:
    """A briefing for one reader (agency) and one period, ready to render."""

    kind: Literal["daily", "weekly"]
    title: str
    area: str
    period: BriefingPeriod
    agency: str
    reader: str  # e.g. "police (analyst)"
    produced_at: dt.datetime
    key_points: list[str]
    sections: list[Section]
    about: list[str]  # how the pack was made: sources, thresholds, defaults
    classification: str = CLASSIFICATION
    counts: dict[str, int] = field(default_factory=dict)  # for the audit record: counts only
    people: list[str] = field(default_factory=list)  # opaque ids shown, for the audit record
    places: list[str] = field(default_factory=list)
    # Said after every "none" when the reader sees only part of the records: an empty
    # list then means none that the sharing agreement lets them see, not none at all.
    scope: str = ""

    @property
    def file_stem(self) -> str:
        area = "".join(ch if ch.isalnum() else "-" for ch in self.area.lower()).strip("-")
        return f"{self.kind}-{area}-{self.period.slug()}-{self.agency}"


def fmt_count(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{int(value):,}"


def fmt_mean(value: float | None) -> str:
    """A usual (average) count: one decimal below 10, whole numbers above."""
    if value is None:
        return "–"
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def fmt_z(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:+.1f}".replace("-", "−")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
