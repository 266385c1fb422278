"""``saferhub changes`` and ``saferhub near-repeats``: thin commands over the analyses.

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

from saferhub.analysis.changes import (
    AREA_LEVELS,
    CONFIDENCE,
    THRESHOLD,
    THRESHOLD_SOURCE,
    AreaLevel,
    Changes,
    Comparison,
)
from saferhub.analysis.near_repeats import (
    ALPHA,
    ITERATIONS,
    SEED,
    SPACE_BANDS,
    TIME_BANDS,
    NearRepeats,
)
from saferhub.config import get_settings

out = Console()
err = Console(stderr=True)

COMPARE_CHOICES: dict[str, tuple[Comparison, ...]] = {
    "previous": ("previous",),
    "last-year": ("last-year",),
    "both": ("previous", "last-year"),
}


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _labels(values: list[str] | None) -> list[str]:
    """Repeated options, each of which may also hold a comma-separated list."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _number(value: float | None, digits: int = 2) -> str:
    if value is None or math.isnan(value):
        return ""
    return "∞" if math.isinf(value) else f"{value:.{digits}f}"


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no infinity: an unbounded interval end becomes null."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}


def changes_command(
    period: Annotated[str, typer.Option(help="Months to look at: 2020-04, or 2020-04..2020-05.")],
    compare: Annotated[
        str | None,
        typer.Option(help="previous (the months just before), last-year (the same months), or both."),
    ] = None,
    area_level: Annotated[
        str | None, typer.Option(help=f"Areas to count in: {', '.join(AREA_LEVELS)} (default neighbourhood).")
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(help="Category or type to count, e.g. asb or burglary; repeat or comma-separate."),
    ] = None,
    feed: Annotated[list[str] | None, typer.Option(help="Only these feeds (default: all).")] = None,
    threshold: Annotated[
        float | None, typer.Option(help=f"Flag changes with |z| at or above this (default {THRESHOLD:g}).")
    ] = None,
    confidence: Annotated[
        float | None, typer.Option(help=f"Level of the rate-ratio intervals (default {CONFIDENCE:g}).")
    ] = None,
    show: Annotated[int, typer.Option(help="Area rows to show, largest |z| first (whole area always).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write every row to this CSV.")] = None,
) -> None:
    """Did counts rise or fall? Poisson z-scores against the previous period and last year."""
    from saferhub.analysis.changes import count_changes
    from saferhub.analysis.periods import Period, PeriodError
    from saferhub.services import open_store

    if compare is not None and compare not in COMPARE_CHOICES:
        raise _fail(f"--compare must be one of: {', '.join(COMPARE_CHOICES)}")
    if area_level is not None and area_level not in AREA_LEVELS:
        raise _fail(f"--area-level must be one of: {', '.join(AREA_LEVELS)}")
    try:
        chosen = Period.parse(period)
    except PeriodError as exc:
        raise _fail(str(exc)) from None
    comparisons = COMPARE_CHOICES[compare or "both"]
    level: AreaLevel = area_level or "neighbourhood"
    labels = _labels(category)
    try:
        result = count_changes(
            engine=open_store(get_settings()),
            period=chosen,
            compare=comparisons,
            area_level=level,
            categories=labels or None,
            feeds=_labels(feed) or None,
            threshold=THRESHOLD if threshold is None else threshold,
            threshold_source=THRESHOLD_SOURCE if threshold is None else "set with --threshold",
            confidence=CONFIDENCE if confidence is None else confidence,
        )
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if csv_out is not None:
        result.frame.write_csv(csv_out)
    defaults = [
        f"compared with {' and '.join(comparisons)}" + (" (default)" if compare is None else ""),
        f"area level {level}" + (" (default)" if area_level is None else ""),
        f"categories {', '.join(result.categories) or 'none'}" + ("" if labels else " (default: all)"),
        f"feeds {', '.join(feed or []) or 'all'}" + ("" if feed else " (default)"),
        f"flagged at |z| >= {result.threshold:g} ({result.threshold_source})",
        f"{result.confidence:.0%} exact intervals" + (" (default)" if confidence is None else ""),
    ]
    if as_json:
        print(json.dumps(_changes_json(result, defaults)))
        return
    _print_changes(result, show)
    out.print("Settings: " + "; ".join(defaults) + ".", highlight=False, soft_wrap=True)
    if csv_out is not None:
        out.print(f"Wrote {result.frame.height:,} rows to {csv_out}.")


def _changes_json(result: Changes, settings: list[str]) -> dict[str, Any]:
    return {
        "period": str(result.period),
        "baselines": {k: str(v) for k, v in result.baselines.items()},
        "threshold": result.threshold,
        "threshold_source": result.threshold_source,
        "confidence": result.confidence,
        "area_level": result.area_level,
        "categories": list(result.categories),
        "feeds": {k: list(v) for k, v in result.feeds.items()},
        "gaps": list(result.gaps),
        "outside_area": result.outside_area,
        "notes": list(result.notes),
        "settings": settings,
        "rows": [_finite(r) for r in result.frame.to_dicts()],
    }


def _print_changes(result: Changes, show: int) -> None:
    frame = result.frame.with_columns(pl.col("z").abs().fill_null(-1.0).alias("size"))
    whole = frame.filter(pl.col("area_level") == "all")
    areas = frame.filter(pl.col("area_level") != "all").sort("size", descending=True)
    shown = pl.concat([whole, areas.head(show)])
    baselines = ", ".join(f"{v} ({k})" for k, v in result.baselines.items())
    table = Table(title=f"Change in counts: {result.period} against {baselines}")
    for heading in ("against", "area", "category", "before", "after", "z", "change"):
        table.add_column(heading, justify="right" if heading in ("before", "after", "z") else "left")
    table.add_column(f"rate ratio ({result.confidence:.0%} CI)", justify="right")
    styles = {"rise": "bold red", "fall": "bold green", "missing": "yellow"}
    for row in shown.iter_rows(named=True):
        ratio = _number(row["rate_ratio"])
        if ratio:
            ratio += f" ({_number(row['ratio_low'])}–{_number(row['ratio_high'])})"
        table.add_row(
            row["comparison"],
            row["area_name"] if row["area_level"] != "all" else f"{row['area_name']} (all)",
            row["category"],
            "" if row["before"] is None else f"{row['before']:,}",
            "" if row["after"] is None else f"{row['after']:,}",
            _number(row["z"], 1),
            row["change"] + (f" ({row['gaps']})" if row["gaps"] else ""),
            ratio,
            style=styles.get(row["change"]),
        )
    out.print(table)
    hidden = areas.height - min(show, areas.height)
    flagged = result.flagged().filter(pl.col("area_level") != "all").height
    out.print(
        f"{flagged:,} {result.area_level} rows flagged; "
        f"{hidden:,} more rows not shown (--show, --csv, --json).",
        highlight=False,
    )
    if result.gaps:
        out.print(
            "Months not whole (left out, never counted as zero; comparisons touching them are "
            f"marked missing): {'; '.join(result.gaps)}",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
    outside = sum(result.outside_area.values())
    if outside:
        out.print(f"{outside:,} matching events are outside the hub's area or unplaced, and not counted.")
    for note in result.notes:
        out.print(f"Note: {note}", highlight=False)


def _edges(bands: tuple[float, ...] | tuple[int, ...]) -> str:
    return ",".join(f"{b:g}" for b in bands)


def _bands(text: str | None, default: tuple[float, ...] | tuple[int, ...], integer: bool) -> list[Any]:
    if text is None:
        return list(default)
    try:
        return [int(v) if integer else float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise _fail(f"bands are numbers separated by commas, e.g. {','.join(map(str, default))}") from None


def near_repeats_command(
    category: Annotated[
        list[str], typer.Option(help="Category or type, e.g. burglary or asb; repeat or comma-separate.")
    ],
    from_month: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    to_month: Annotated[
        str | None, typer.Option("--to", help="Last month, YYYY-MM (default: --from).")
    ] = None,
    space_bands: Annotated[
        str | None,
        typer.Option(help=f"Distance band edges in metres (default {_edges(SPACE_BANDS)})."),
    ] = None,
    time_bands: Annotated[
        str | None,
        typer.Option(help=f"Time band edges in days (default {_edges(TIME_BANDS)})."),
    ] = None,
    iterations: Annotated[int | None, typer.Option(help=f"Shuffles (default {ITERATIONS}).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same p-values.")] = SEED,
    alpha: Annotated[float, typer.Option(help="Mark cells with p-value at or below this.")] = ALPHA,
    feed: Annotated[list[str] | None, typer.Option(help="Only these feeds (default: all).")] = None,
    include_outside: Annotated[
        bool, typer.Option("--include-outside", help="Also use located events outside the hub's area.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Do events come soon after, and close to, earlier ones? The Knox test (Near Repeat Calculator)."""
    from saferhub.analysis.near_repeats import BandError, near_repeats
    from saferhub.analysis.periods import Period, PeriodError
    from saferhub.services import open_store

    try:
        period = Period.parse(f"{from_month}..{to_month or from_month}")
        result = near_repeats(
            engine=open_store(get_settings()),
            categories=_labels(category),
            period=period,
            space_bands=_bands(space_bands, SPACE_BANDS, integer=False),
            time_bands=_bands(time_bands, TIME_BANDS, integer=True),
            iterations=ITERATIONS if iterations is None else iterations,
            seed=seed,
            alpha=alpha,
            feeds=_labels(feed) or None,
            include_outside=include_outside,
        )
    except (PeriodError, BandError) as exc:
        raise _fail(str(exc)) from None
    knox = result.knox
    defaults = [
        f"space bands {_edges(knox.space_bands)} m" + (" (default)" if space_bands is None else ""),
        f"time bands {_edges(knox.time_bands)} days" + (" (default)" if time_bands is None else ""),
        f"{knox.iterations} shuffles" + (" (default)" if iterations is None else "") + f", seed {knox.seed}",
        f"p <= {result.alpha:g} marked",
        result.method_source,
    ]
    if as_json:
        print(json.dumps(_near_repeats_json(result, defaults)))
        return
    _print_knox(result)
    out.print("Settings: " + "; ".join(defaults) + ".", highlight=False, soft_wrap=True)


def _near_repeats_json(result: NearRepeats, settings: list[str]) -> dict[str, Any]:
    knox = result.knox
    return {
        "period": str(result.period),
        "categories": list(result.categories),
        "feeds": list(result.feeds),
        "events": knox.events,
        "close_pairs": knox.close_pairs,
        "space_bands": list(knox.space_bands),
        "time_bands": list(knox.time_bands),
        "iterations": knox.iterations,
        "seed": knox.seed,
        "alpha": result.alpha,
        "method_source": result.method_source,
        "without_location": result.without_location,
        "outside_area": result.outside_area,
        "month_precision": result.month_precision,
        "gaps": list(result.gaps),
        "notes": list(result.notes),
        "settings": settings,
        "rows": [_finite(r) for r in knox.frame.to_dicts()],
    }


def _print_knox(result: NearRepeats) -> None:
    knox = result.knox
    frame = knox.frame
    space = list(dict.fromkeys(frame["space_band"]))
    time = list(dict.fromkeys(frame["time_band"]))
    what = ", ".join(result.categories)
    ratios = Table(title=f"Knox ratio (p-value): {what}, {result.period}; * p <= {result.alpha:g}")
    counts = Table(title="Pairs observed / expected (mean of the shuffles)")
    for table in (ratios, counts):
        table.add_column("distance")
        for t in time:
            table.add_column(t, justify="right")
    cells = {(r["space_band"], r["time_band"]): r for r in frame.iter_rows(named=True)}
    for s in space:
        row = [cells[(s, t)] for t in time]
        ratios.add_row(
            s,
            *(
                f"{_number(c['knox_ratio']) or '–'} ({c['p_value']:.3f})"
                + (" *" if c["p_value"] <= result.alpha else "")
                for c in row
            ),
        )
        counts.add_row(s, *(f"{c['observed']:,} / {c['expected']:,.1f}" for c in row))
    out.print(ratios)
    out.print(counts)
    left_out = [f"{result.without_location:,} without a location"]
    if result.outside_area:
        left_out.append(f"{result.outside_area:,} outside the hub's area")
    out.print(
        f"{knox.events:,} events ({'; '.join(left_out)} left out); "
        f"{knox.close_pairs:,} pairs within {knox.space_bands[-1]:g} m.",
        highlight=False,
    )
    if result.gaps:
        out.print(f"Months not whole: {'; '.join(result.gaps)}", highlight=False, soft_wrap=True)
    for note in result.notes:
        out.print(f"Note: {note}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``changes`` and ``near-repeats`` to ``app``."""
    app.command("changes")(changes_command)
    app.command("near-repeats")(near_repeats_command)
