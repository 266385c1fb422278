"""The daily hub briefing: what happened since the last working day's briefing, for one agency.

Door: ``daily_briefing(engine=..., settings=..., date=..., agency=..., out_dir=...)`` writes
the pack as HTML and PDF and returns ``BriefingFiles``; ``daily_briefings`` makes several
agencies' packs from one reading of the store, and ``daily_briefings_for`` several readers'
(agencies and roles), each in a folder of its own.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from saferhub.access import Reader
from saferhub.access.agreement import agreement_for
from saferhub.analysis.standards import standards_for
from saferhub.areas import load_areas
from saferhub.briefings.assemble import build_pack, read_period
from saferhub.briefings.gate import Gate
from saferhub.briefings.periods import daily_period
from saferhub.briefings.render import BriefingFiles, write_pack
from saferhub.config import Settings


def daily_briefings(
    *,
    engine: Engine,
    settings: Settings,
    date: dt.date,
    agencies: Sequence[str],
    out_dir: Path,
    role: str = "analyst",
    user: str | None = None,
    pdf: bool = True,
) -> list[BriefingFiles]:
    """The briefing for the morning of ``date``, one pack per agency, each through the access layer."""
    readers = [Reader(agency=agency, role=role, user=user) for agency in agencies]
    return daily_briefings_for(
        engine=engine, settings=settings, date=date, packs=[(r, out_dir) for r in readers], pdf=pdf
    )


def daily_briefings_for(
    *,
    engine: Engine,
    settings: Settings,
    date: dt.date,
    packs: Sequence[tuple[Reader, Path]],
    pdf: bool = True,
) -> list[BriefingFiles]:
    """The briefing for the morning of ``date``, one pack per (reader, folder), in that order.

    The period's records are read and analysed once for all of them (what they draw on is the
    same for every reader); each pack then takes what its reader may see through the access
    layer and is written in its own folder, as the archive keeps packs of different roles
    apart (``saferhub.workspace.packs.role_folder``).
    """
    started = time.perf_counter()
    period = daily_period(date)
    areas = load_areas(settings.areas_file)
    data = read_period(engine=engine, period=period, areas=areas, standards=standards_for(settings))
    agreement = agreement_for(settings)
    read = time.perf_counter() - started
    out = []
    for reader, out_dir in packs:
        clock = time.perf_counter()
        gate = Gate(reader, agreement)
        pack = build_pack(data=data, gate=gate, engine=engine, kind="daily")
        built = time.perf_counter() - clock
        files = write_pack(pack, out_dir=out_dir, pdf=pdf)
        clock = time.perf_counter()
        gate.record(engine=engine, what=audit_what(files))
        files.seconds.update(read=read, build=built, audit=time.perf_counter() - clock)
        out.append(files)
    return out


def daily_briefing(
    *,
    engine: Engine,
    settings: Settings,
    date: dt.date,
    agency: str,
    out_dir: Path,
    role: str = "analyst",
    user: str | None = None,
    pdf: bool = True,
) -> BriefingFiles:
    """One agency's daily briefing for the morning of ``date``."""
    return daily_briefings(
        engine=engine,
        settings=settings,
        date=date,
        agencies=[agency],
        out_dir=out_dir,
        role=role,
        user=user,
        pdf=pdf,
    )[0]


def audit_what(files: BriefingFiles) -> dict[str, object]:
    """The audit entry's 'what' for a pack: its kind, period and the ids and counts it showed."""
    pack = files.pack
    return {
        "object": "briefing",
        "kind": pack.kind,
        "pack": pack.file_stem,
        "period_first": pack.period.first.isoformat(),
        "period_last": pack.period.last.isoformat(),
        "people": pack.people,
        "places": pack.places,
        "rows": {k.replace("-", "_"): v for k, v in pack.counts.items()},
        "formats": ["html", "pdf"] if files.pdf else ["html"],
    }
