"""Places: emerging and persistent hotspots (with a map) and repeat locations with new incidents.

Hotspots are classified over the last ``HOTSPOT_WEEKS`` weeks to the period's last day, one
Gi* per ``HOTSPOT_PERIOD`` on one grid for the whole area (sfhotspot ``hotspot_classify``, Chainey 2020),
from the events the reader may see. A neighbourhood's pack shows the cells whose centre
lies in its wards, so every pack of a week agrees on the same cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Engine

from saferhub.analysis.demand import utc_bounds
from saferhub.analysis.hotspot_classify import hotspot_classify
from saferhub.analysis.hotspot_result import HotspotResult
from saferhub.analysis.hotspot_service import with_area_names
from saferhub.analysis.points import whole_area
from saferhub.analysis.repeats import repeat_locations
from saferhub.analysis.standards import Standards
from saferhub.areas import Areas
from saferhub.briefings.content import Block, Column, Figure, Ref, Section, Table, fmt_count, plural
from saferhub.briefings.periods import BriefingPeriod
from saferhub.briefings.sources import CATEGORY_LABELS

HOTSPOT_WEEKS = 52
HOTSPOT_PERIOD = "4 weeks"
HOTSPOT_CATEGORIES = ("asb", "deliberate_secondary_fire")
SHOWN = ("emerging hotspot", "persistent hotspot")
ROWS = 12


@dataclass
class Hotspots:
    """Cells classed emerging or persistent, per category, and the notes of each analysis."""

    # cell_id, easting, northing, lsoa, ward, count, periods_hot, periods, classification, category
    cells: pl.DataFrame
    cell_size: float | None
    notes: list[str] = field(default_factory=list)
    located: int = 0  # located records the classification was given (those the reader may see)


def hotspot_window(period: BriefingPeriod, weeks: int = HOTSPOT_WEEKS) -> tuple[dt.date, dt.date]:
    return period.last - dt.timedelta(weeks=weeks) + dt.timedelta(days=1), period.last


def classify_hotspots(
    events: pl.DataFrame, *, period: BriefingPeriod, areas: Areas, weeks: int = HOTSPOT_WEEKS
) -> Hotspots:
    """Classify the cells of each hotspot category from ``events`` (already restricted to
    what the reader may see), over ``weeks`` weeks in periods of ``HOTSPOT_PERIOD`` ending on
    the period's last day."""
    first, last = hotspot_window(period, weeks)
    start, end = utc_bounds(first, last)
    region = whole_area(areas).geometry
    frames, notes, size, located = [], [], None, 0
    c = pl.col
    for category in HOTSPOT_CATEGORIES:
        points = events.filter(
            (c("group") == category) & c("easting").is_not_null() & (c("day") >= first) & (c("day") <= last)
        ).select("event_id", "easting", "northing", "time_precision", occurred_at=c("occurred_utc"))
        label = CATEGORY_LABELS[category]
        located += points.height
        try:
            result: HotspotResult = hotspot_classify(
                points, period=HOTSPOT_PERIOD, start=start, end=end, region=region
            )
        except ValueError as exc:
            notes.append(f"{label}: no classification ({exc}).")
            continue
        if size is None:  # one grid for every category: say how it was chosen once
            notes.extend(d for d in result.defaults if d.startswith("Cell size"))
        size = result.grid.cell_size
        cells = with_area_names(result.cells.filter(c("classification").is_in(SHOWN)), areas)
        frames.append(cells.with_columns(category=pl.lit(category)))
        notes.append(f"{label}: {points.height:,} located records over {weeks} weeks.")
    cells = (
        pl.concat(frames, how="diagonal")
        if frames
        else pl.DataFrame(
            schema={
                "cell_id": pl.String,
                "easting": pl.Float64,
                "northing": pl.Float64,
                "ward": pl.String,
                "lsoa": pl.String,
                "count": pl.Int64,
                "periods_hot": pl.Int32,
                "periods": pl.Int32,
                "classification": pl.String,
                "category": pl.String,
            }
        )
    )
    return Hotspots(cells=cells, cell_size=size, notes=notes, located=located)


def repeat_location_list(*, engine: Engine, period: BriefingPeriod, standards: Standards) -> pl.DataFrame:
    """Repeat locations (rolling 12 months) whose latest incident falls in the period."""
    active = (period.first, period.last)  # only places whose latest incident can be in the period
    rows = repeat_locations(engine=engine, as_of=period.last, standards=standards, active=active).rows
    day = pl.col("last_incident").dt.date()
    # A street place gathers every incident in or near that street: a repeat there says
    # little, so only addresses and premises are listed (as the frequent-caller addresses).
    return rows.filter((day >= period.first) & (day <= period.last) & (pl.col("kind") != "street"))


def places_section(
    *,
    hotspots: Hotspots,
    repeats: pl.DataFrame,
    period: BriefingPeriod,
    areas: Areas,
    wards: Sequence[str] | None = None,
    where: str,
    map_svg: str | None,
) -> Section:
    """The places section for one reader (``hotspots`` from the events they may see, ``repeats``
    as the access layer left them); ``wards`` (codes), if given, limits it to a neighbourhood."""
    c = pl.col
    ward_names = {a.code: a.name for a in areas.wards}
    cells = hotspots.cells
    if wards is not None:
        names = [ward_names[w] for w in wards]
        cells = cells.filter(c("ward").is_in(names))
        repeats = repeats.filter(c("ward_code").is_in(list(wards)))
    cells = cells.sort(["count", "cell_id"], descending=[True, False])
    repeats = repeats.sort(["incidents", "new_this_week"], descending=True)
    emerging = cells.filter(c("classification") == "emerging hotspot")
    persistent = cells.filter(c("classification") == "persistent hotspot")
    lead = [
        f"{plural(emerging.height, 'emerging hotspot cell')} and "
        f"{plural(persistent.height, 'persistent hotspot cell')} in {where} over the last "
        f"{HOTSPOT_WEEKS} weeks (periods of {HOTSPOT_PERIOD}); "
        f"{plural(repeats.height, 'repeat location')} with a new incident in this period."
    ]
    blocks: list[Block] = []
    if map_svg:
        blocks.append(
            Figure(
                map_svg,
                caption=(
                    "Map: emerging and persistent hotspot cells for anti-social behaviour and "
                    f"deliberate secondary fires in {where}, last {HOTSPOT_WEEKS} weeks to "
                    f"{period.last:%d %B %Y}, with ward boundaries, and as points the anti-social "
                    "behaviour and deliberate secondary fires of this period that your agency may see. "
                    "The table below lists the same cells."
                ),
            )
        )
    weeks_col = Column("weeks", "Periods hot", numeric=True)
    rows = [
        {
            "cell": Ref("cell", r["cell_id"]),
            "category": CATEGORY_LABELS.get(r["category"], r["category"]),
            "class": r["classification"].replace(" hotspot", ""),
            "ward": r.get("ward") or "",
            "count": fmt_count(r["count"]),
            "weeks": f"{r['periods_hot']} of {r['periods']}",
        }
        for r in _balanced(cells, ROWS).iter_rows(named=True)
    ]
    table = Table(
        caption="Emerging and persistent hotspot cells",
        columns=[
            Column("cell", "Cell"),
            Column("category", "Category"),
            Column("class", "Class"),
            Column("ward", "Ward"),
            Column("count", f"Records, {HOTSPOT_WEEKS} weeks", numeric=True),
            weeks_col,
        ],
        rows=rows,
        row_header="cell",
        empty=f"No emerging or persistent hotspot in {where}."
        if hotspots.located
        else "The sharing agreement gives your agency no located anti-social behaviour or fire records to "
        "classify, so there is no hotspot to show.",
        notes=[
            "A cell is a square of the grid named by its south-west corner in British National Grid metres. "
            f"The last {HOTSPOT_WEEKS} weeks are cut into periods of {HOTSPOT_PERIOD}; a cell is hot "
            "in a period "
            "when its Getis-Ord Gi* is above zero with a false-discovery-rate adjusted p below 0.05. "
            "Persistent: hot in at least 80% of the periods. Emerging: hot in fewer than 10% of the older "
            "periods and at least 20% of the most recent ones (sfhotspot hotspot_classify, Chainey 2020).",
            *hotspots.notes,
        ],
    ).limit(ROWS)
    if cells.height > ROWS:
        table.notes.insert(
            0,
            f"{ROWS} of {cells.height} cells are listed, the busiest emerging and persistent "
            "ones in turn; the map shows all.",
        )
    blocks.append(table)
    blocks.append(_repeats_table(repeats, ward_names, period))
    return Section("places", "Places", lead=lead, blocks=blocks)


def _balanced(cells: pl.DataFrame, rows: int) -> pl.DataFrame:
    """The busiest emerging and persistent cells in turn (each class its share), busiest first."""
    c = pl.col
    ranked = cells.with_columns(rank=c("count").rank("ordinal", descending=True).over("classification"))
    return ranked.sort(["rank", "count"], descending=[False, True]).head(rows).drop("rank")


def _by_category(counts: list[dict[str, object]] | None, most: int = 4) -> str:
    """The commonest kinds of incident, e.g. "asb 5, crime 2, and 3 more"."""
    counts = counts or []
    shown = ", ".join(f"{str(c['value']).replace('_', ' ')} {c['n']}" for c in counts[:most])
    rest = sum(int(str(c["n"])) for c in counts[most:])
    return f"{shown}, and {rest} more" if rest else shown


def _repeats_table(repeats: pl.DataFrame, ward_names: dict[str, str], period: BriefingPeriod) -> Table:
    rows = []
    for r in repeats.head(ROWS).iter_rows(named=True):
        pid = r.get("place_id")
        rows.append(
            {
                "place": Ref("place", pid) if pid else "withheld",
                "kind": (r.get("kind") or "").replace("_", " "),
                "ward": ward_names.get(r.get("ward_code") or "", ""),
                "new": "newly a repeat location" if r.get("new_this_week") else "",
                "incidents": fmt_count(r.get("incidents")),
                "what": _by_category(r.get("incidents_by_category")),
            }
        )
    table = Table(
        caption="Repeat locations with a new incident",
        columns=[
            Column("place", "Place"),
            Column("kind", "Kind"),
            Column("ward", "Ward"),
            Column("new", "New"),
            Column("incidents", "Incidents, 12 months", numeric=True),
            Column("what", "Incidents by kind"),
        ],
        rows=rows,
        row_header="place",
        empty="No repeat location had a new incident in this period.",
        notes=[
            "Repeat location: a further similar incident (same call category, ASB, or fire type) at the "
            "same place within a rolling 12 months. Incidents: calls, ASB reports and fire incidents at "
            "the place in the 365 days to the period's last day, by kind. Streets are left out: a street "
            "place gathers every incident in or near it."
        ],
    ).limit(ROWS)
    if repeats.height > ROWS:
        table.notes.insert(
            0,
            f"The {ROWS} busiest of {repeats.height:,} are shown (the full list: saferhub "
            f"repeat-locations --as-of {period.last.isoformat()}).",
        )
    return table
