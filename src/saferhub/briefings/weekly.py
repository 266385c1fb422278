"""The weekly local briefings: one pack per neighbourhood (a configured group of wards) and ISO week.

Door: ``weekly_briefings(engine=..., settings=..., year=..., week=..., agencies=[...], out_dir=...)``
writes one HTML and PDF file per neighbourhood (or only ``neighbourhoods``) and agency, and
returns their ``BriefingFiles``. The store is read once for the week; each pack is built for the
reader through the access layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from saferhub.access.agreement import agreement_for
from saferhub.analysis.standards import standards_for
from saferhub.areas import load_areas
from saferhub.briefings.assemble import build_pack, read_period
from saferhub.briefings.daily import audit_what
from saferhub.briefings.gate import Gate
from saferhub.briefings.periods import BriefingPeriodError, weekly_period
from saferhub.briefings.render import BriefingFiles, write_pack
from saferhub.config import Settings


def weekly_briefings(
    *,
    engine: Engine,
    settings: Settings,
    year: int,
    week: int,
    agencies: Sequence[str],
    out_dir: Path,
    neighbourhoods: Sequence[str] | None = None,
    role: str = "analyst",
    user: str | None = None,
    pdf: bool = True,
) -> list[BriefingFiles]:
    """One pack per neighbourhood and agency for ISO week ``week`` of ``year``."""
    areas = load_areas(settings.areas_file)
    known = {n.lower(): n for n in areas.neighbourhoods}
    chosen = []
    for name in neighbourhoods or list(areas.neighbourhoods):
        if name.lower() not in known:
            raise BriefingPeriodError(
                f"unknown neighbourhood '{name}'; they are: {', '.join(areas.neighbourhoods)}"
            )
        chosen.append(known[name.lower()])
    period = weekly_period(year, week)
    data = read_period(engine=engine, period=period, areas=areas, standards=standards_for(settings))
    agreement = agreement_for(settings)
    out = []
    for agency in agencies:
        gate = Gate.for_agency(agency, role=role, user=user, agreement=agreement)
        for name in chosen:
            gate.withheld.clear()
            pack = build_pack(data=data, gate=gate, engine=engine, kind="weekly", neighbourhood=name)
            files = write_pack(pack, out_dir=out_dir, pdf=pdf)
            gate.record(engine=engine, what=audit_what(files))
            out.append(files)
    return out
