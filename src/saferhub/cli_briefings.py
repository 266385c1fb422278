"""``saferhub briefing daily`` and ``saferhub briefing weekly``: thin commands over the briefings.

``register(app)`` adds the ``briefing`` group to the main app; the schedule and e-mail
commands (``cli_briefing_schedule``) join the same group.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from saferhub.config import Settings, get_settings

if TYPE_CHECKING:
    from saferhub.briefings.render import BriefingFiles

out = Console()
err = Console(stderr=True)

briefing_app = typer.Typer(
    help="The daily hub briefing and the weekly local briefings (HTML and PDF).", no_args_is_help=True
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _agencies(settings: Settings, chosen: list[str] | None) -> list[str]:
    """The agencies asked for (checked against the sharing agreement), or every agency in it."""
    from saferhub.access.agreement import agreement_for

    known = agreement_for(settings).agency_names()
    if not chosen:
        out.print(
            f"Agencies: {', '.join(known)} (every agency in the sharing agreement; choose with --agency)"
        )
        return list(known)
    unknown = [a for a in chosen if a.strip().lower() not in known]
    if unknown:
        raise _fail(f"unknown agency '{unknown[0]}'; the sharing agreement names: {', '.join(known)}")
    return [a.strip().lower() for a in chosen]


def _files_table(title: str, files: list[BriefingFiles], started: float) -> Table:
    import time

    table = Table(title=f"{title} ({time.perf_counter() - started:.1f} s)")
    for heading in ("agency", "area", "HTML", "PDF"):
        table.add_column(heading, overflow="fold")
    for f in files:
        table.add_row(f.pack.agency, f.pack.area, str(f.html), str(f.pdf) if f.pdf else "-")
    return table


AgencyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--agency",
        help="Whose version: an agency of the sharing agreement (repeat for more). Default: every agency.",
    ),
]
RoleOption = Annotated[str, typer.Option(help="The reader's role: analyst, officer, partner_viewer, ...")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Folder for the files. Default: data_dir/briefings/...")
]
HtmlOnly = Annotated[bool, typer.Option("--html-only", help="Write the HTML only, no PDF.")]


@briefing_app.command("daily")
def daily_command(
    date: Annotated[
        str | None, typer.Option(help="The morning the briefing is for (YYYY-MM-DD). Default: today.")
    ] = None,
    agency: AgencyOption = None,
    role: RoleOption = "analyst",
    out_dir: OutOption = None,
    html_only: HtmlOnly = False,
) -> None:
    """The daily hub briefing: everything since the last working day's briefing, one pack per agency."""
    import time

    from saferhub.briefings.daily import daily_briefings
    from saferhub.briefings.periods import BANK_HOLIDAYS_SOURCE, daily_period, london_today
    from saferhub.services import open_store

    try:
        day = dt.date.fromisoformat(date) if date else london_today()
    except ValueError:
        raise _fail(f"'{date}' is not a date: write it as YYYY-MM-DD, e.g. 2026-11-23") from None
    settings = get_settings()
    agencies = _agencies(settings, agency)
    period = daily_period(day)
    out.print(
        f"Daily briefing for {day:%A %d %B %Y}: covers {period.label} "
        f"(since the last working day; {BANK_HOLIDAYS_SOURCE}).",
        highlight=False,
    )
    folder = out_dir or settings.data_dir / "briefings" / "daily" / day.isoformat()
    started = time.perf_counter()
    engine = open_store(settings)
    try:
        files = daily_briefings(
            engine=engine,
            settings=settings,
            date=day,
            agencies=agencies,
            out_dir=folder,
            role=role,
            pdf=not html_only,
        )
    except ValueError as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    out.print(_files_table("Daily hub briefing", files, started))


@briefing_app.command("weekly")
def weekly_command(
    week: Annotated[
        str | None, typer.Option(help="ISO week (YYYY-Www, e.g. 2026-W47). Default: last full week.")
    ] = None,
    neighbourhood: Annotated[
        list[str] | None,
        typer.Option(
            "--neighbourhood", help="A neighbourhood of the areas file (repeat for more). Default: all."
        ),
    ] = None,
    agency: AgencyOption = None,
    role: RoleOption = "analyst",
    out_dir: OutOption = None,
    html_only: HtmlOnly = False,
) -> None:
    """The weekly local briefings: one pack per neighbourhood (a group of wards) for an ISO week."""
    import time

    from saferhub.briefings.periods import BriefingPeriodError, last_full_week, london_today, parse_week
    from saferhub.briefings.weekly import weekly_briefings
    from saferhub.services import open_store

    try:
        year, number = parse_week(week) if week else last_full_week(london_today())
    except BriefingPeriodError as exc:
        raise _fail(str(exc)) from None
    settings = get_settings()
    agencies = _agencies(settings, agency)
    if not week:
        out.print(f"Week {year}-W{number:02d} (the last full week; choose with --week)")
    folder = out_dir or settings.data_dir / "briefings" / "weekly" / f"{year}-W{number:02d}"
    started = time.perf_counter()
    engine = open_store(settings)
    try:
        files = weekly_briefings(
            engine=engine,
            settings=settings,
            year=year,
            week=number,
            agencies=agencies,
            out_dir=folder,
            neighbourhoods=neighbourhood,
            role=role,
            pdf=not html_only,
        )
    except ValueError as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    out.print(_files_table("Weekly local briefings", files, started))


def register(app: typer.Typer) -> None:
    """Add the ``briefing`` group (and, where present, its schedule and e-mail commands) to ``app``."""
    try:
        from saferhub.cli_briefing_schedule import register as register_schedule
    except ImportError:
        pass
    else:
        register_schedule(briefing_app)
    app.add_typer(briefing_app, name="briefing")
