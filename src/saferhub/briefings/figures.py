"""The pack's maps and charts: what to draw, for ``maps.area_map_svg`` and ``charts.trend_chart_svg``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from saferhub.areas import Areas
from saferhub.briefings.charts import trend_chart_svg
from saferhub.briefings.content import Figure
from saferhub.briefings.maps import area_map_svg
from saferhub.briefings.periods import BriefingPeriod
from saferhub.briefings.places import HOTSPOT_WEEKS, Hotspots
from saferhub.briefings.sources import CATEGORY_LABELS

MAPPED = ("asb", "deliberate_secondary_fire")
TREND_SERIES = 5


def hotspot_map(
    *,
    areas: Areas,
    hotspots: Hotspots,
    events: pl.DataFrame,
    wards: Sequence[str] | None,
    where: str,
    period: BriefingPeriod,
) -> str | None:
    """Ward boundaries, emerging and persistent hotspot cells, and the period's ASB and deliberate
    secondary fires (those the reader may see with a location)."""
    c = pl.col
    points = events.filter(c("group").is_in(MAPPED) & c("easting").is_not_null()).select(
        "easting",
        "northing",
        kind=c("group").replace_strict(
            {"asb": "Anti-social behaviour", "deliberate_secondary_fire": "Deliberate fire"},
            default=None,
            return_dtype=pl.String,
        ),
    )
    if not hotspots.located and not points.height:
        return None  # nothing the reader may see to draw: the table says so
    cells = hotspots.cells.select("easting", "northing", "classification") if hotspots.cells.height else None
    title = f"{where}: hotspots over the last {HOTSPOT_WEEKS} weeks and incidents {period.label}"
    wide = wards is None
    return area_map_svg(
        areas=areas,
        title=title,
        wards=wards,
        cells=cells,
        cell_size=hotspots.cell_size,
        points=points if points.height else None,
        width_mm=180.0,
        height_mm=150.0 if wide else 130.0,
    )


def trend_charts(events: pl.DataFrame, *, first: dt.date, weeks: int, where: str) -> list[Figure]:
    """Records per week over the last ``weeks`` weeks for the busiest categories (of those the
    reader may see), as one line chart."""
    c = pl.col
    frame = (
        events.filter(c("group").is_in(list(CATEGORY_LABELS)))
        .with_columns(w=((c("day") - pl.lit(first)).dt.total_days() // 7).cast(pl.Int64))
        .filter((c("w") >= 0) & (c("w") < weeks))
    )
    if frame.height == 0:
        return []
    totals = frame.group_by("group").agg(n=pl.len()).sort(["n", "group"], descending=[True, False])
    chosen = [g for g in ("asb", "deliberate_secondary_fire") if g in set(totals["group"])]
    chosen += [g for g in totals["group"] if g not in chosen][: TREND_SERIES - len(chosen)]
    counts = {(g, w): n for g, w, n in frame.group_by("group", "w").agg(n=pl.len()).iter_rows()}
    periods = [f"w/c {(first + dt.timedelta(weeks=w)):%d %b}" for w in range(weeks)]
    series = [(CATEGORY_LABELS[g], [float(counts.get((g, w), 0)) for w in range(weeks)]) for g in chosen]
    title = f"{where}: records per week, last {weeks} weeks"
    svg = trend_chart_svg(
        series=series,
        periods=periods,
        title=title,
        y_label="records per week",
        width_mm=180.0,
        height_mm=80.0,
    )
    caption = (
        f"Chart: records per week in {where} for the {len(series)} busiest categories over the last {weeks} "
        "weeks (Monday to Sunday), from every partner whose records your agency may see. The values are "
        "written on the chart."
    )
    return [Figure(svg, caption=caption)]
