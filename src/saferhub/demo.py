"""The demo: a year of synthetic partner data and the real police.uk sample, in one command."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select

from saferhub.config import PACKAGE_DIR, Settings
from saferhub.feeds import ImportSummary
from saferhub.services import import_partner_file, open_store
from saferhub.store import Event, PersonMention, describe_url

POLICE_UK_SAMPLE = PACKAGE_DIR / "sample_data" / "police_uk" / "wirral"
# Synthetic files by feed, as the generator names them.
SYNTH_FILES = {
    "calls": "calls.csv.gz",
    "asb-reports": "asb-reports.csv.gz",
    "fire-incidents": "fire-incidents.csv.gz",
    "referrals": "referrals.csv.gz",
    "intelligence": "intelligence.csv.gz",
}


def _synthetic(folder: Path, seed: int, days: int, console: Console) -> None:
    from saferhub.synth import generate

    stamp = folder / ".generated.json"
    # The data end yesterday, so that today's briefing has a day to report.
    from saferhub.briefings.periods import london_today

    end = london_today() - dt.timedelta(days=1)
    wanted = {"seed": seed, "days": days, "scale": 1.0, "end": end.isoformat()}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        console.print(f"Using the synthetic partner files already in {folder}")
        return
    console.print(f"Generating {days} days of synthetic partner data for Wirral (seed {seed}) ...")
    generate(out_dir=folder, days=days, seed=seed, scale=1.0, end_date=end)
    stamp.write_text(json.dumps(wanted))


def run_demo(
    *, settings: Settings, out_dir: Path | None, seed: int, console: Console, days: int = 365
) -> list[ImportSummary]:
    """Generate, import and report; returns the import summaries."""
    started = time.perf_counter()
    folder = (out_dir or settings.data_dir / "demo") / "partner-files"
    _synthetic(folder, seed, days, console)
    engine = open_store(settings)
    summaries: list[ImportSummary] = []
    plan = [(feed, folder / name) for feed, name in SYNTH_FILES.items()]
    plan += [("police-uk-street", p) for p in sorted(POLICE_UK_SAMPLE.glob("*.csv.gz"))]
    with console.status("Importing ...") as status:
        for feed, path in plan:
            status.update(f"Importing {path.name} into {feed} ...")
            summaries.append(import_partner_file(settings=settings, engine=engine, feed=feed, path=path))
    table = Table(title="What the demo loaded")
    for heading in ("feed", "files", "read", "imported", "updated", "quarantined"):
        table.add_column(heading, justify="left" if heading == "feed" else "right")
    for feed in dict.fromkeys(s.feed for s in summaries):
        mine = [s for s in summaries if s.feed == feed]
        table.add_row(
            feed,
            str(len(mine)),
            *(
                f"{sum(getattr(s, k) for s in mine):,}"
                for k in ("read", "imported", "updated", "quarantined")
            ),
        )
    console.print(table)
    with console.status("Linking people and places across partners ..."):
        from saferhub.linking import link_people
        from saferhub.linking.places import resolve_places
        from saferhub.store.session import refresh_statistics

        link_people(engine=engine)
        resolve_places(engine=engine)
        refresh_statistics(engine)
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(Event)).scalar_one()
        located = conn.execute(
            select(func.count()).select_from(Event).where(Event.lsoa_code.is_not(None))
        ).scalar_one()
        mentions = conn.execute(select(func.count()).select_from(PersonMention)).scalar_one()
    from saferhub.briefings.periods import london_today
    from saferhub.demo_workspace import demo_workspace

    with console.status("Making sign-in users and a case for the web app ..."):
        workspace = demo_workspace(engine=engine, today=london_today())
    briefings = _briefings(settings, engine, console)
    engine.dispose()
    console.print(
        f"The store holds {events:,} events ({located:,} placed in a Wirral LSOA) "
        f"and {mentions:,} person mentions."
    )
    quarantined = [s for s in summaries if s.quarantine]
    for s in quarantined:
        console.print(f"Quarantined rows of {Path(s.file).name}: {s.quarantine}")
    console.print(f"Database: {describe_url(settings.resolved_database_url())}")
    console.print(f"Partner files and ground truth: {folder}")
    for path in briefings:
        console.print(f"Briefing: {path}", highlight=False, soft_wrap=True)
    console.print(
        "Web app: run [bold].venv/bin/saferhub serve[/] and open http://127.0.0.1:8000/ . "
        f"Sign in as {', '.join(workspace.users)} with the password [bold]{workspace.password}[/] "
        "(new at every demo run).",
        highlight=False,
        soft_wrap=True,
    )
    if workspace.case_reference:
        console.print(
            f"A case to open: {workspace.case_reference} (a frequent caller, actions for fire and council)."
        )
    console.print(f"Done in {time.perf_counter() - started:.0f} s.")
    return summaries


def _briefings(settings: Settings, engine: Engine, console: Console) -> list[Path]:
    """Today's daily hub briefing for the police, council, fire service and the voluntary
    sector's partner viewers, and last week's local briefing for the first neighbourhood, in
    the archive folders the web app lists (``data_dir/briefings``)."""
    from saferhub.areas import load_areas
    from saferhub.briefings.daily import daily_briefings
    from saferhub.briefings.periods import last_full_week, london_today
    from saferhub.briefings.weekly import weekly_briefings
    from saferhub.workspace.packs import briefings_root

    today = london_today()
    root = briefings_root(settings)
    daily_dir = root / "daily" / today.isoformat()
    with console.status("Writing today's daily briefings and a weekly local briefing ..."):
        daily = daily_briefings(engine=engine, settings=settings, date=today,
                                agencies=["police", "council", "fire"], out_dir=daily_dir)  # fmt: skip
        daily_briefings(engine=engine, settings=settings, date=today, agencies=["third_sector"],
                        role="partner_viewer", out_dir=daily_dir / "partner_viewer")  # fmt: skip
        first = next(iter(load_areas(settings.areas_file).neighbourhoods))
        year, week = last_full_week(today)
        weekly_dir = root / "weekly" / f"{year}-W{week:02d}"
        weekly = weekly_briefings(engine=engine, settings=settings, year=year, week=week, agencies=["police"],
                                  out_dir=weekly_dir, neighbourhoods=[first])[0]  # fmt: skip
    return [p for f in (daily[0], weekly) for p in (f.pdf, f.html) if p is not None]
