"""The ``saferhub`` command: thin commands over the hub's services."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from saferhub.config import get_settings
from saferhub.feeds import FEEDS, FileRefused, ImportSummary
from saferhub.store import describe_url

app = typer.Typer(
    help="SaferHub: the multi-agency community safety hub.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold personal data
)
db_app = typer.Typer(help="The hub's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")

out = Console()
err = Console(stderr=True)

STEPS = ("reading", "validating", "placing", "storing")


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the hub's database or bring it up to the current schema."""
    from saferhub.store import upgrade

    url = get_settings().resolved_database_url()
    upgrade(url)
    out.print(f"Database is up to date: {describe_url(url)}")


def _summary_table(summaries: list[ImportSummary]) -> Table:
    table = Table(title="Import summary")
    for heading in ("file", "feed", "read", "imported", "updated", "unchanged", "quarantined"):
        if heading in ("file", "feed"):
            table.add_column(heading, overflow="fold")
        else:
            table.add_column(heading, justify="right", no_wrap=True, min_width=len(heading))
    for s in summaries:
        table.add_row(
            Path(s.file).name,
            s.feed,
            *(f"{v:,}" for v in (s.read, s.imported, s.updated, s.unchanged, s.quarantined)),
        )
    return table


@app.command("import")
def import_command(
    feed: Annotated[str, typer.Argument(help=f"The feed: {', '.join(FEEDS)}.")],
    paths: Annotated[list[Path], typer.Argument(help="CSV, .csv.gz or .xlsx files.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON summary per file on stdout.")] = False,
    mapping: Annotated[Path | None, typer.Option(help="A partner mapping file (TOML).")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet to read (default: the first).")] = None,
) -> None:
    """Import partner files into a feed. Bad rows are quarantined; a bad file is refused whole."""
    from saferhub.services import import_partner_files, open_store

    if feed not in FEEDS:
        raise _fail(f"unknown feed '{feed}'; the feeds are: {', '.join(FEEDS)}")
    settings = get_settings()
    engine = open_store(settings)
    summaries: list[ImportSummary] = []
    refused = 0
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
        transient=True,
    )
    tasks = {path: progress.add_task(path.name, total=len(STEPS), step="waiting") for path in paths}

    def tracker(path: Path) -> Callable[[str], None]:
        def advance(step: str) -> None:
            progress.update(tasks[path], completed=STEPS.index(step), step=step)

        return advance

    current: Path | None = None
    try:
        with progress:
            outcomes = import_partner_files(
                settings=settings,
                engine=engine,
                feed=feed,
                paths=paths,
                mapping=mapping,
                sheet=sheet,
                progress=tracker,
            )
            for i, outcome in enumerate(outcomes):
                current = paths[i + 1] if i + 1 < len(paths) else None
                progress.update(tasks[outcome.path], completed=len(STEPS), visible=False)
                if outcome.refused is not None:
                    refused += 1
                    err.print(f"[bold red]Refused:[/] {outcome.refused}", highlight=False, soft_wrap=True)
                    if as_json:
                        print(
                            json.dumps(
                                {
                                    "file": str(outcome.path),
                                    "feed": feed,
                                    "refused": outcome.refused.problem,
                                    "read": 0,
                                    "imported": 0,
                                    "updated": 0,
                                    "unchanged": 0,
                                    "quarantined": 0,
                                    "quarantine": None,
                                }
                            ),
                            flush=True,
                        )
                    continue
                assert outcome.summary is not None
                summaries.append(outcome.summary)
                if as_json:
                    print(json.dumps(outcome.summary.as_dict()), flush=True)
    except KeyboardInterrupt:
        where = (
            f"{current.name if current else paths[0].name} and the files after it were"
            if paths
            else "nothing was"
        )
        err.print(f"Interrupted: {where} not imported; files reported above are in the store.")
        raise typer.Exit(130) from None
    if not as_json and summaries:
        out.print(_summary_table(summaries))
        for s in summaries:
            if s.quarantine:
                out.print(f"{s.quarantined:,} rows of {Path(s.file).name} quarantined: {s.quarantine}")
    if refused:
        raise typer.Exit(2)


@app.command()
def synth(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder to write the partner files and truth/ into.")
    ],
    days: Annotated[int, typer.Option(min=1, help="Length of the period in days.")] = 365,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    scale: Annotated[float, typer.Option(min=0.001, help="1.0 is a borough of 320,000 people.")] = 1.0,
) -> None:
    """Write synthetic partner files for Wirral with their ground truth."""
    from saferhub.synth import generate

    summary = generate(out_dir=out_dir, days=days, seed=seed, scale=scale)
    table = Table(title=f"Synthetic partner data in {out_dir}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    out.print(table)


@app.command()
def demo(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Where to write the demo's files.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic data.")] = 0,
) -> None:
    """Generate a year of synthetic partner data, import it with the police.uk sample, report."""
    from saferhub.demo import run_demo

    settings = get_settings()
    run_demo(settings=settings, out_dir=out_dir, seed=seed, console=out)


def _register_linking() -> None:
    from saferhub.cli_linking import export_app, register
    from saferhub.cli_places import register as register_places

    register(app)
    register_places(export_app)


_register_linking()


def _register_analysis() -> None:
    # One module per group of commands: each adds its own to the app.
    from saferhub.cli_access import register as register_access
    from saferhub.cli_briefings import register as register_briefings
    from saferhub.cli_changes import register as register_changes
    from saferhub.cli_hotspots import register as register_hotspots
    from saferhub.cli_people_analysis import register as register_people_analysis
    from saferhub.cli_tasking import register as register_tasking
    from saferhub.cli_web import register as register_web

    register_people_analysis(app)  # issue 4: frequent callers, repeats
    register_hotspots(app)  # issue 4: hotspots, concentration
    register_changes(app)  # issue 4: changes, near repeats
    register_briefings(app)  # issue 5: daily and weekly briefings, delivery
    register_access(app)  # audit log and sharing agreement
    register_tasking(app)  # issue 6: cases and actions
    register_web(app)  # issue 6: the web app and its users


_register_analysis()


def main() -> None:
    try:
        app()
    except FileRefused as exc:  # e.g. a refused mapping file outside a per-file loop
        err.print(f"[bold red]Refused:[/] {exc}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
