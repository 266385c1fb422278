"""``saferhub frequent-callers``, ``repeat-victims``, ``repeat-locations`` and
``asb-case-review``: thin commands over ``saferhub.analysis``.

Output shows opaque person and place ids and counts only: who a person is, and where a
home is, is for the person view that access control will guard (a later issue).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from saferhub.config import get_settings

out = Console()
err = Console(stderr=True)

AS_OF = typer.Option(
    "--as-of",
    help="The list as it stood at the end of this day (YYYY-MM-DD). Default: today.",
    formats=["%Y-%m-%d"],
)
JSON = typer.Option("--json", help="Print a JSON list of objects on stdout.")
CAUTION = (
    "People picked for being extreme fall back anyway (regression to the mean: Linden 2013, "
    "the Camden Coalition trial); judge an intervention only against a comparison group "
    "selected the same way."
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _setup(as_of: dt.datetime | None) -> tuple[Any, Any, dt.date]:
    from saferhub.analysis.standards import StandardsError, standards_for
    from saferhub.services import open_store

    settings = get_settings()
    try:
        standards = standards_for(settings)
    except StandardsError as exc:
        raise _fail(str(exc)) from None
    day = as_of.date() if as_of else dt.date.today()
    return open_store(settings), standards, day


def _counts(items: list[dict[str, Any]] | None) -> str:
    return ", ".join(f"{i['value']} {i['n']}" for i in items or [])


def _lines(title: str, lines: list[str], console: Console) -> None:
    console.print(f"[bold]{title}[/]")
    for line in lines:
        console.print(f"  {line}", highlight=False, soft_wrap=True)


def _dump(records: list[dict[str, Any]]) -> None:
    print(json.dumps(records, default=str))


def frequent_callers_command(
    as_of: Annotated[dt.datetime | None, AS_OF] = None,
    addresses: Annotated[bool, typer.Option("--addresses", help="List addresses instead of people.")] = False,
    lookback_days: Annotated[
        int | None,
        typer.Option(min=1, help="Days up to --as-of the list covers (default: the standards' 365)."),
    ] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """People (or addresses) whose calls to all partners meet the FreCaNN frequent-caller definitions."""
    from saferhub.analysis.frequent_callers import frequent_callers

    engine, standards, day = _setup(as_of)
    result = frequent_callers(
        engine=engine,
        as_of=day,
        standards=standards,
        lookback_days=lookback_days,
        people=not addresses,
        addresses=addresses,
    )
    from saferhub.analysis.frequent_callers import ADDRESS_RULES, PEOPLE_RULES

    shown = (
        set(ADDRESS_RULES) | {"lookback_days", "new_within_days", "trend_days", "trend_z"}
        if addresses
        else set(PEOPLE_RULES)
    )
    rules = [r.describe() for r in result.rules if r.name in shown]
    costs = [c.describe() for c in result.costs]
    costs += [
        f"{r.agency} calls{' (' + ', '.join(r.categories) + ')' if r.categories else ''}: "
        f"{r.quantity:g} x {r.cost} ({r.quantity_source})"
        for r in standards.cost_rules
        if r.quantity_source
    ]
    costs.append(f"Money is {result.price_basis}.")
    console = err if as_json else out
    if as_json:
        _dump(result.address_records() if addresses else result.records())
    else:
        rows = result.address_records() if addresses else result.records()
        key = "place_id" if addresses else "person_id"
        title = "addresses" if addresses else "people"
        table = Table(
            title=f"Frequent callers ({title}) as of {day}: {len(rows)}, calls {result.first_day} to {day}"
        )
        for heading in (
            key,
            "calls",
            "by agency",
            "months over threshold",
            "rules",
            "last contact",
            "trend",
            "cost £",
            "new",
        ):
            table.add_column(heading, justify="right" if heading in ("calls", "cost £") else "left")
        for r in rows:
            cost = f"{r['cost_estimate']:,.0f}" + ("*" if r["cost_includes_local_estimates"] else "")
            if r["uncosted_calls"]:
                cost += f" (+{r['uncosted_calls']} uncosted)"
            name = r[key] + (" (communal)" if addresses and r.get("communal") else "")
            table.add_row(
                name,
                str(r["calls"]),
                _counts(r["calls_by_agency"]),
                ", ".join(r["months_over_threshold"]),
                ", ".join(r["rules"]),
                (r["last_contact"] or "")[:10],
                f"{r['trend']} ({r['trend_z']:+.1f})",
                cost,
                "yes" if r["new_this_week"] else "",
            )
        out.print(table)
        out.print("* includes local estimates. Trend: Poisson z of the last period against the one before.")
    if not addresses:
        console.print(
            f"{result.people_without_dob} of {result.people.height} listed people have no known date of "
            "birth: counted as adults.",
            highlight=False,
        )
    _lines("Definitions used", rules, console)
    _lines("Unit costs", costs, console)
    console.print(f"[yellow]Caution:[/] {CAUTION}", highlight=False, soft_wrap=True)


def _repeat_output(result: Any, as_json: bool, columns: list[tuple[str, str]]) -> None:
    records = result.records()
    console = err if as_json else out
    if as_json:
        _dump(records)
    else:
        table = Table(
            title=f"{result.what[0].upper()}{result.what[1:]} as of {result.as_of}: {len(records)} "
            f"(from {result.first_day})"
        )
        for heading, _ in columns:
            table.add_column(heading)
        for r in records:
            cells = []
            for _, field in columns:
                value = r.get(field)
                if isinstance(value, list):
                    value = (
                        _counts(value) if value and isinstance(value[0], dict) else ", ".join(map(str, value))
                    )
                elif isinstance(value, bool):
                    value = "yes" if value else ""
                cells.append(
                    "" if value is None else str(value)[:16] if field.endswith("_at") else str(value)
                )
            table.add_row(*cells)
        out.print(table)
    _lines("Definitions used", [r.describe() for r in result.rules], console)


def repeat_victims_command(
    as_of: Annotated[dt.datetime | None, AS_OF] = None, as_json: Annotated[bool, JSON] = False
) -> None:
    """People with more than one crime or ASB incident as caller or reporter in a rolling 12 months."""
    from saferhub.analysis.repeats import repeat_victims

    engine, standards, day = _setup(as_of)
    _repeat_output(
        repeat_victims(engine=engine, as_of=day, standards=standards),
        as_json,
        [
            ("person_id", "person_id"),
            ("incidents", "incidents"),
            ("by feed", "incidents_by_feed"),
            ("by category", "incidents_by_category"),
            ("repeat since", "threshold_met_at"),
            ("new", "new_this_week"),
        ],
    )


def repeat_locations_command(
    as_of: Annotated[dt.datetime | None, AS_OF] = None, as_json: Annotated[bool, JSON] = False
) -> None:
    """Places with a further similar incident within a rolling 12 months."""
    from saferhub.analysis.repeats import repeat_locations

    engine, standards, day = _setup(as_of)
    _repeat_output(
        repeat_locations(engine=engine, as_of=day, standards=standards),
        as_json,
        [
            ("place_id", "place_id"),
            ("kind", "kind"),
            ("repeated", "repeat_categories"),
            ("incidents", "incidents"),
            ("by feed", "incidents_by_feed"),
            ("repeat since", "threshold_met_at"),
            ("new", "new_this_week"),
        ],
    )


def asb_case_review_command(
    as_of: Annotated[dt.datetime | None, AS_OF] = None,
    lookback_days: Annotated[
        int | None, typer.Option(min=1, help="Days up to --as-of to look for the threshold (default 365).")
    ] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """People meeting the ASB Case Review (Community Trigger): 3 qualifying complaints in 6 months."""
    from saferhub.analysis.repeats import asb_case_review

    engine, standards, day = _setup(as_of)
    result = asb_case_review(engine=engine, as_of=day, standards=standards, lookback_days=lookback_days)
    _repeat_output(
        result,
        as_json,
        [
            ("person_id", "person_id"),
            ("complaints", "incidents"),
            ("agencies", "agencies"),
            ("threshold met", "threshold_met_at"),
            ("meets now", "meets_now"),
            ("new", "new_this_week"),
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("frequent-callers")(frequent_callers_command)
    app.command("repeat-victims")(repeat_victims_command)
    app.command("repeat-locations")(repeat_locations_command)
    app.command("asb-case-review")(asb_case_review_command)
