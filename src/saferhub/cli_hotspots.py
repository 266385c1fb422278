"""``saferhub hotspots`` and ``saferhub concentration``: thin commands over the place analyses.

``register(app)`` adds them to the main app.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from saferhub.analysis.concentration import UNITS
from saferhub.analysis.hotspot_change import CHANGE_SOURCE, CHANGE_Z
from saferhub.analysis.hotspot_gistar import CRITICAL_P
from saferhub.analysis.hotspot_service import METHODS
from saferhub.config import get_settings

out = Console()
err = Console(stderr=True)

#: What the table shows for each method: (sort column, descending, columns shown).
_TABLE: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "gistar": (
        "gistar",
        True,
        ("count", "neighbourhood_count", "neighbourhood_needed", "gistar", "p_adjusted", "hotspot"),
    ),
    "count": ("count", True, ("count",)),
    "kde": ("kde", True, ("count", "kde")),
    "change": ("change_z", True, ("count_before", "count_after", "change", "change_z", "change_flag")),
    "classify": ("periods_hot", True, ("count", "periods_hot", "periods", "classification")),
}
_HEADINGS = {
    "count": "events", "neighbourhood_count": "events around", "neighbourhood_needed": "needed",
    "gistar": "Gi* z",
    "p_adjusted": "adjusted p", "hotspot": "", "kde": "per km²", "count_before": "before",
    "count_after": "after", "change_z": "z", "change_flag": "", "periods_hot": "periods hot",
    "periods": "of", "classification": "class",
}  # fmt: skip


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if abs(value) < 0.001 and value != 0:
            return f"{value:.1e}"
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _top(cells: pl.DataFrame, method: str, rows: int) -> pl.DataFrame:
    column, descending, _ = _TABLE[method]
    if method == "gistar":
        cells = cells.filter(pl.col("hotspot") == "hotspot")
    elif method == "change":
        cells = cells.with_columns(pl.col("change_z").abs().alias("_size")).filter(pl.col("change") != 0)
        column = "_size"
    elif method == "classify":
        cells = cells.filter(pl.col("classification") != "no pattern")
    else:
        cells = cells.filter(pl.col("count") > 0)
    return cells.sort([column, "cell_id"], descending=[descending, False]).head(rows)


def _print_defaults(lines: tuple[str, ...] | list[str]) -> None:
    for line in lines:
        out.print(f"[dim]• {line}[/]", highlight=False, soft_wrap=True)


CategoryOption = Annotated[
    str,
    typer.Option(
        help="What to map: anti-social-behaviour, deliberate-secondary-fire, a police.uk crime type "
        "(burglary, violent-crime, ...) or an event category (fire, crime, ...)."
    ),
]
FromOption = Annotated[str | None, typer.Option("--from", help="First month or day (YYYY-MM or YYYY-MM-DD).")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last month or day, included.")]
AreaOption = Annotated[
    list[str] | None,
    typer.Option(help="neighbourhood:NAME, ward:CODE or NAME, lsoa:CODE (repeatable; default: all)."),
]
FeedOption = Annotated[list[str] | None, typer.Option(help="Only events from this feed (repeatable).")]
CellOption = Annotated[
    float | None, typer.Option(help="Cell size in metres (default: ~50 cells on the area's shorter side).")
]


def hotspots_command(
    category: CategoryOption,
    start: FromOption = None,
    end: ToOption = None,
    method: Annotated[
        str, typer.Option(help=f"One of {', '.join(METHODS)} (Gi* hotspots by default).")
    ] = "gistar",
    area: AreaOption = None,
    feed: FeedOption = None,
    cell_size: CellOption = None,
    neighbour_distance: Annotated[
        float | None, typer.Option(help="Gi* neighbours within this many metres (default: cell size × √2).")
    ] = None,
    critical_p: Annotated[
        float, typer.Option(help="Adjusted p below which a cell is a hot or cold spot (sfhotspot's 0.05).")
    ] = CRITICAL_P,
    bandwidth: Annotated[
        float | None, typer.Option(help="kde: bandwidth in metres (default: rule of thumb).")
    ] = None,
    boundary: Annotated[
        str | None, typer.Option(help="change: first month or day of the 'after' period (default: middle).")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(help="classify: period length: month, quarter, '4 weeks' (default: sfhotspot's rule)."),
    ] = None,
    change_z: Annotated[
        float, typer.Option(help=f"change: flag cells with |Poisson z| at least this ({CHANGE_SOURCE}).")
    ] = CHANGE_Z,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write every cell to this CSV file.")] = None,
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help="Write every cell as a WGS84 polygon to this GeoJSON.")
    ] = None,
    rows: Annotated[int, typer.Option(min=0, help="Rows in the table.")] = 15,
    as_json: Annotated[bool, typer.Option("--json", help="Print parameters and the table as JSON.")] = False,
) -> None:
    """Hotspots of one kind of event on a grid: Gi*, counts, density, change or class over time."""
    from saferhub.analysis.grid import GridError
    from saferhub.analysis.hotspot_service import hotspots_from_store
    from saferhub.analysis.points import SelectionError
    from saferhub.analysis.points import period as make_period
    from saferhub.areas import load_areas
    from saferhub.services import open_store

    settings = get_settings()
    try:
        chosen = make_period(start, end)
        split = make_period(boundary, None).utc_bounds()[0] if boundary else None
        result = hotspots_from_store(
            engine=open_store(settings), areas=load_areas(settings.areas_file), category=category,
            method=method, period=chosen, area=area or (), feeds=feed or (), cell_size=cell_size,
            neighbour_distance=neighbour_distance, critical_p=critical_p, bandwidth=bandwidth,
            boundary=split, period_length=period, z_threshold=change_z,
        )  # fmt: skip
    except (SelectionError, GridError, ValueError) as exc:
        raise _fail(str(exc)) from None
    written = {}
    if csv:
        written["csv"] = str(result.to_csv(csv))
    if geojson:
        written["geojson"] = str(result.to_geojson(geojson))
    top = _top(result.ordered(), method, rows)
    columns = ("cell_id", "ward", *_TABLE[method][2])
    if as_json:
        doc = {**result.as_dict(), "top": top.select(columns).to_dicts(), "written": written}
        print(json.dumps(doc, default=str))
        return
    p = result.parameters
    out.print(
        f"[bold]{p['category']}[/] from {p['period']} in {p['area']}: {p['events']:,} events on "
        f"{p['cells']:,} cells of {p['cell_size_m']:g} m ({method}).",
        highlight=False,
    )
    if p.get("events_without_location"):
        out.print(f"{p['events_without_location']:,} events without a location left out.", highlight=False)
    _print_defaults(result.defaults)
    _summary(method, p)
    if rows and top.height:
        table = Table(title=_TITLES[method], caption=_caption(method, result.cells))
        for c in columns:
            left = c in ("cell_id", "ward")
            table.add_column(_HEADINGS.get(c, c), justify="left" if left else "right", no_wrap=c != "ward")
        for row in top.select(columns).iter_rows():
            table.add_row(*(_format(v) for v in row))
        out.print(table)
    for kind, path in written.items():
        out.print(f"Wrote {'CSV' if kind == 'csv' else 'GeoJSON'}: {path}", highlight=False)


def _caption(method: str, cells: pl.DataFrame) -> str | None:
    """What the Gi* table's 'events around' and 'needed' count, for the neighbourhood used."""
    if method != "gistar" or "neighbours" not in cells.columns:
        return None
    largest = cells.select(pl.col("neighbours").max().cast(pl.Int64)).item()
    others = int(largest or 1) - 1  # an inner cell's neighbourhood, itself included
    around = f"in the cell and the {others} around it" if others else "in the cell alone"
    return (
        f"events around: {around}. needed: the fewest events around a cell that events scattered at "
        "random over the map would not reach anywhere by chance (1 time in 20); a hotspot has at least "
        "that many."
    )


_TITLES = {
    "gistar": "Strongest hotspots (Gi*)",
    "count": "Busiest cells",
    "kde": "Densest cells",
    "change": "Largest changes",
    "classify": "Cells with a pattern over time",
}


def _summary(method: str, p: dict[str, Any]) -> None:
    if method == "gistar":
        out.print(f"{p['hotspots']:,} hotspot cells, {p['coldspots']:,} coldspot cells.", highlight=False)
    elif method == "change":
        out.print(
            f"Before {p['boundary']}: {p['events_before']:,} events over {p['before_days']:g} days; after: "
            f"{p['events_after']:,} over {p['after_days']:g} days. {p['increases']:,} cells up, "
            f"{p['decreases']:,} down.",
            highlight=False,
        )
    elif method == "classify":
        classes = ", ".join(f"{k}: {v:,}" for k, v in p["classes"].items() if k != "no pattern")
        out.print(
            f"{p['periods_used']} periods of one {p['period_length']}. {classes or 'No cell has a pattern.'}",
            highlight=False,
        )


def concentration_command(
    category: CategoryOption,
    start: FromOption = None,
    end: ToOption = None,
    unit: Annotated[
        str, typer.Option(help="cell (grid cells, empty ones too), place (resolved places) or location.")
    ] = "cell",
    area: AreaOption = None,
    feed: FeedOption = None,
    cell_size: CellOption = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the curve to this CSV file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """How concentrated incidents are: the share in the busiest x% of cells or places, and the curve."""
    from saferhub.analysis.concentration import concentration_from_store
    from saferhub.analysis.grid import GridError
    from saferhub.analysis.points import SelectionError
    from saferhub.analysis.points import period as make_period
    from saferhub.areas import load_areas
    from saferhub.services import open_store

    if unit not in UNITS:
        raise _fail(f"unknown unit '{unit}'; the units are: {', '.join(UNITS)}")
    settings = get_settings()
    try:
        result = concentration_from_store(
            engine=open_store(settings), areas=load_areas(settings.areas_file), category=category,
            unit=unit, period=make_period(start, end), area=area or (), feeds=feed or (),
            cell_size=cell_size,
        )  # fmt: skip
    except (SelectionError, GridError, ValueError) as exc:
        raise _fail(str(exc)) from None
    written = str(result.to_csv(csv)) if csv else None
    if as_json:
        print(json.dumps({**result.as_dict(), "written": written}, default=str))
        return
    p = result.parameters
    out.print(
        f"[bold]{p['category']}[/] from {p['period']} in {p['area']}: {p['incidents']:,} incidents over "
        f"{p['units']:,} {unit}s ({p['units_with_incidents']:,} with any).",
        highlight=False,
    )
    _print_defaults(result.defaults)
    if p["share_of_units_with_half"] is not None:
        out.print(
            f"Half of the incidents are in the busiest {p['share_of_units_with_half']:.1%} of {unit}s. "
            f"Gini {p['gini']:.2f}.",
            highlight=False,
        )
    table = Table(title="Share of incidents in the busiest units")
    for heading in (f"busiest {unit}s", "how many", "share of incidents"):
        table.add_column(heading, justify="right")
    for row in result.summary.iter_rows(named=True):
        share, units = row["top_share_of_units"], row["units"]
        table.add_row(f"{share:.0%}", f"{units:,.0f}", f"{row['share_of_incidents']:.1%}")
    out.print(table)
    if written:
        out.print(f"Wrote the curve: {written}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``hotspots`` and ``concentration`` to ``app``."""
    app.command("hotspots")(hotspots_command)
    app.command("concentration")(concentration_command)
