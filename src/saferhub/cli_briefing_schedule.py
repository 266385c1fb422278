"""``saferhub briefing schedule`` and ``saferhub briefing send``: the daily briefing by e-mail.

``register(briefing_app)`` adds them to the ``briefing`` command group.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from saferhub.briefings.delivery import (
    CLASSIFICATION,
    Delivery,
    DeliveryError,
    MailServer,
    default_out_dir,
    deliver_daily_briefings,
    distribution_from_settings,
)
from saferhub.briefings.periods import BANK_HOLIDAYS_SOURCE, bank_holiday, is_working_day, long_date
from saferhub.briefings.schedule import (
    DEFAULT_TIME,
    LONDON,
    clock_is_uk_time,
    cron_line,
    next_run,
    parse_time,
    run_daily_at,
)
from saferhub.config import Settings, get_settings

out = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _day(text: str) -> dt.date:
    if text.strip().lower() == "today":
        return dt.datetime.now(LONDON).date()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _fail(f"'{text}' is not a date: write it as YYYY-MM-DD, or today") from None


def _executable() -> Path:
    """The ``saferhub`` command of this installation (the venv's, not the system Python's)."""
    beside = Path(sys.executable).parent / "saferhub"
    if beside.exists():
        return beside.absolute()
    found = shutil.which("saferhub")
    return Path(found).absolute() if found else Path("saferhub")


def _deliveries_table(deliveries: list[Delivery], *, dry_run: bool) -> Table:
    table = Table(title="Daily briefing: dry run, nothing sent" if dry_run else "Daily briefing by e-mail")
    table.add_column("agency", no_wrap=True)
    table.add_column("made for", no_wrap=True)
    table.add_column("recipients", overflow="fold")
    table.add_column("attachments", overflow="fold")
    table.add_column("outcome", overflow="fold")
    for d in deliveries:
        if d.status == "dry run":
            outcome = f"would be sent to {len(d.recipients)}"
        elif d.status == "sent":
            outcome = f"[green]sent[/] to {len(d.recipients)}"
        elif d.status == "partly sent":
            outcome = (
                f"[yellow]partly sent[/] to {len(d.delivered)} of {len(d.recipients)}; refused: "
                + escape(", ".join(d.refused))
            )
        else:
            outcome = f"[bold red]not sent[/]: {escape(d.error or '')}"
        table.add_row(
            d.agency,
            (d.made_for or "-").replace("_", " "),
            escape("\n".join(d.recipients)),
            "\n".join(f"{p.name} ({p.stat().st_size:,} bytes)" for p in d.attachments if p.exists()) or "-",
            outcome,
        )
    return table


def _deliver(
    settings: Settings, day: dt.date, *, agencies: list[str] | None, dry_run: bool, out_dir: Path | None
) -> bool:
    """Build and send (or list) every agency's pack; True when all went to everyone."""
    deliveries = deliver_daily_briefings(
        settings=settings, date=day, out_dir=out_dir, agencies=agencies or None, dry_run=dry_run
    )
    out.print(_deliveries_table(deliveries, dry_run=dry_run))
    return all(d.status in ("sent", "dry run") for d in deliveries)


def send_command(
    date: Annotated[
        str, typer.Option(help="The morning the briefing is for: YYYY-MM-DD or today.")
    ] = "today",
    agency: Annotated[
        list[str] | None,
        typer.Option(help="Send only this agency's pack (repeat for more). Default: all listed."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Build the packs and list recipients and attachments; send nothing."),
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Where the packs are written. Default: data_dir/briefings/daily/DATE."),
    ] = None,
    working_day_only: Annotated[
        bool,
        typer.Option("--working-day-only", help="Do nothing on a weekend or bank holiday (for cron)."),
    ] = False,
) -> None:
    """Build each agency's daily briefing and e-mail it to that agency's distribution list."""
    day = _day(date)
    if working_day_only and not is_working_day(day):
        why = bank_holiday(day) or "a weekend"
        out.print(f"{long_date(day)} is not a working day ({why}): no briefing sent.")
        return
    settings = get_settings()
    try:
        complete = _deliver(settings, day, agencies=agency, dry_run=dry_run, out_dir=out_dir)
    except DeliveryError as exc:
        raise _fail(str(exc)) from None
    if not complete:
        raise typer.Exit(1)


def _describe_setup(settings: Settings, at: dt.time) -> None:
    now = dt.datetime.now(LONDON)
    upcoming = next_run(now, at)
    out.print(
        f"The daily hub briefing ({CLASSIFICATION}) is built for each agency on the distribution "
        f"list and e-mailed to that agency's addresses, with its own PDF and HTML attached, at "
        f"{at:%H:%M} UK time on working days: Monday to Friday except {BANK_HOLIDAYS_SOURCE}. "
        f"Each list gets the version for the agency's least-cleared SaferHub users (a voluntary "
        f"sector whose users are partner viewers gets the partner viewers' version), and each "
        f"user finds their own version on their home page.",
        highlight=False,
    )
    out.print(f"Next run: {long_date(upcoming.date())} at {at:%H:%M}.", highlight=False)
    try:
        out.print(f"Mail server: {MailServer.from_settings(settings).describe()}", highlight=False)
    except DeliveryError as exc:
        out.print(f"[yellow]Mail server: {exc}[/]", highlight=False)
    try:
        lists = distribution_from_settings(settings)
        names = ", ".join(f"{agency} ({len(addresses)})" for agency, addresses in lists.items())
        out.print(f"Distribution ({settings.distribution_file}): {names}", highlight=False)
    except DeliveryError as exc:
        out.print(f"[yellow]Distribution: {exc}[/]", highlight=False)
    out.print(f"Packs are kept in {default_out_dir(settings, upcoming.date()).parent}/DATE/", highlight=False)


def schedule_command(
    at: Annotated[str, typer.Option(help="Time of day, UK time, HH:MM.")] = f"{DEFAULT_TIME:%H:%M}",
    run: Annotated[
        bool, typer.Option("--run", help="Run the scheduler in the foreground until stopped (Ctrl+C).")
    ] = False,
) -> None:
    """Show how the daily briefing is sent each working morning (a cron line), or run the scheduler."""
    try:
        at_time = parse_time(at)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    settings = get_settings()
    _describe_setup(settings, at_time)
    if not run:
        out.print(
            "\nTo send it from cron, add this line with [bold]crontab -e[/] (as the user that runs the hub):"
        )
        out.print(
            cron_line(at_time, executable=_executable(), workdir=Path.cwd()), highlight=False, soft_wrap=True
        )
        if not clock_is_uk_time():
            out.print(
                f"[yellow]This machine's clock is not on UK time, and cron reads it: the line would run at "
                f"{at_time:%H:%M} machine time. Set the time zone to Europe/London, or use the systemd "
                f"timer in docs/briefing-delivery.md.[/]"
            )
        out.print("Or keep a scheduler running: saferhub briefing schedule --run", highlight=False)
        return
    try:  # a scheduler that could never send is not started
        MailServer.from_settings(settings)
        distribution_from_settings(settings)
    except DeliveryError as exc:
        raise _fail(str(exc)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    def job(day: dt.date) -> None:
        try:
            _deliver(settings, day, agencies=None, dry_run=False, out_dir=None)
        except DeliveryError as exc:
            err.print(f"[bold red]Not sent:[/] {exc}", highlight=False)

    out.print("Scheduler running in the foreground; press Ctrl+C to stop.")
    try:
        run_daily_at(at_time, job)
    except KeyboardInterrupt:
        out.print("Scheduler stopped.")


def register(briefing_app: typer.Typer) -> None:
    briefing_app.command("schedule")(schedule_command)
    briefing_app.command("send")(send_command)
