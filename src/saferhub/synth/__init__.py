"""Synthetic partner data for Wirral, in the import contract's formats, with ground truth.

Door: ``generate(out_dir=..., days=365, seed=0, scale=1.0)`` writes the five partner
files (calls, asb-reports, fire-incidents, referrals, intelligence) and ``truth/``,
and returns a ``SynthSummary``. Same arguments, same bytes.

Volumes at scale 1.0, for a borough of ~320,000 people over 365 days (``scale``
multiplies people, homes and every volume; ``days`` scales event volumes; planted
patterns keep small minimum numbers at tiny scales):

- calls ~265,000: police ~192,000 (calls for service run at ~0.5-0.7 per resident a
  year in a force like Merseyside: 0.6 x 320k), ambulance ~58,000 (NWAS takes ~1.3M
  999 calls a year for ~7.5M people: 0.17 a head), council ASB and enquiry line
  ~8,400, fire control ~6,200 (one or more calls per fire incident). About half of
  police and ambulance calls, most council calls, name the caller.
- fire-incidents ~4,900 (Merseyside FRS attends ~19,000 a year for 1.4M people);
  ~2,000 secondary fires, ~1,800 of them deliberate (Merseyside's are high).
- asb-reports ~9,200: council ~4,900, housing ~2,700, police ASB cases ~1,600.
- referrals ~3,200 (~1,450 vulnerable people, from all six kinds of partner).
- intelligence ~3,000 police logs.
Scale ~3.8 gives a million calls (about 30 s of CPU; ~1.5 GB peak memory).

Planted with ground truth (numbers at scale 1.0; small floors at tiny scales):
50 adult and 6 child frequent callers (FreCaNN), 2 communal frequent-calling
addresses, 80 repeat victims, 25 ASB case review victims plus 10 near misses,
~1,400 vulnerable people, 6 cuckooed homes worked by 12 exploiters (half from
Liverpool), 7 ASB and 4 deliberate secondary fire hotspots. Truth flags are
recomputed from the generated events, so chance cases are counted too.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from saferhub.areas import load_areas
from saferhub.config import PACKAGE_DIR
from saferhub.synth import asb, calls, cuckoo, fire, hotspots, intel, planted, referrals
from saferhub.synth.clock import Period
from saferhub.synth.noise import build_records
from saferhub.synth.places import DWELLING, FLAT, build_geography
from saferhub.synth.plan import build_plan
from saferhub.synth.population import build_people
from saferhub.synth.render import agency_codes
from saferhub.synth.truth_files import write_truth
from saferhub.synth.world import World, stream
from saferhub.synth.writer import FEED_FILES, render_feed, write_csv

__all__ = ["DEFAULT_END_DATE", "SynthSummary", "generate"]

DEFAULT_END_DATE = dt.date(2026, 11, 25)
WIRRAL = PACKAGE_DIR / "areas" / "data" / "wirral" / "areas.toml"


@dataclass
class SynthSummary:
    """What ``generate`` wrote: rows per file (feeds and truth) and where."""

    out_dir: Path
    seed: int
    days: int
    scale: float
    start_date: dt.date
    end_date: dt.date
    rows: dict[str, int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "out_dir": str(self.out_dir), "seed": self.seed, "days": self.days,
            "scale": self.scale, "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(), "rows": dict(self.rows),
            "paths": {k: str(v) for k, v in self.paths.items()}, "seconds": round(self.seconds, 1),
        }

    def __str__(self) -> str:
        width = max(len(k) for k in self.rows) if self.rows else 10
        lines = [f"Synthetic partner data for Wirral, {self.start_date} to {self.end_date} "
                 f"(seed {self.seed}, scale {self.scale:g}) in {self.out_dir}"]
        lines += [f"  {k:<{width}}  {v:>10,}" for k, v in self.rows.items()]
        return "\n".join(lines)


def generate(
    out_dir: Path, days: int = 365, seed: int = 0, scale: float = 1.0,
    end_date: dt.date | None = None,
) -> SynthSummary:
    """Write synthetic partner files and their ground truth into ``out_dir``.

    The period is the ``days`` days ending on ``end_date`` (default 2026-11-25).
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if scale <= 0:
        raise ValueError("scale must be positive")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    end = np.datetime64(end_date or DEFAULT_END_DATE, "D")
    period = Period(start=end - np.timedelta64(days - 1, "D"), days=days)
    geo = build_geography(load_areas(WIRRAL), scale, stream(seed, "geography"))
    people = build_people(geo, end, stream(seed, "people"))
    world = World(geo=geo, people=people, period=period, scale=scale, seed=seed)
    plan = build_plan(world)

    hot_calls, hot_reports, hot_fires = hotspots.hotspot_events(world, plan)
    ck = cuckoo.cuckoo_events(world, plan)
    victim_calls, victim_reports = planted.victim_events(world, plan)
    frequent_calls = planted.frequent_caller_calls(world, plan)
    communal_calls = planted.communal_calls(world, plan)
    fire_feed, fire_calls = fire.finish_incidents(
        world, [fire.background_incidents(world), *hot_fires])
    calls_feed = calls.finish_calls(world, [
        calls.background_calls(world), fire_calls, *frequent_calls,
        *communal_calls, *victim_calls, *hot_calls, *ck["calls"]])
    asb_feed = asb.finish_reports(world, [asb.background_reports(world), *victim_reports,
                                          *hot_reports, *ck["asb"]])
    referral_feed = referrals.finish_referrals(
        world, [*referrals.vulnerable_referrals(world, plan), *ck["referrals"]])
    intel_feed = intel.finish_intel(world, [intel.background_intel(world, plan), *ck["intel"]])
    feeds = [calls_feed, asb_feed, fire_feed, referral_feed, intel_feed]

    agency_parts, person_parts = [], []
    for f in feeds:
        for who in f.roles.values():
            named = who >= 0
            agency_parts.append(agency_codes(f.agency[named]))
            person_parts.append(who[named])
    homes = np.flatnonzero(((geo.places.kind == DWELLING) | (geo.places.kind == FLAT))
                           & (geo.lsoa >= 0))
    records = build_records(people, np.concatenate(agency_parts), np.concatenate(person_parts),
                            world.rng("records"), homes)

    summary = SynthSummary(
        out_dir=out_dir, seed=seed, days=days, scale=scale,
        start_date=dt.date.fromisoformat(str(period.start)),
        end_date=dt.date.fromisoformat(str(period.end)),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in feeds:
        frame = render_feed(world, f, records)
        path = out_dir / FEED_FILES[f.name]
        write_csv(frame, path)
        summary.rows[FEED_FILES[f.name]] = frame.height
        summary.paths[f.name] = path
    truth_dir = out_dir / "truth"
    # ASB of planted people (not hotspots): part of the background a hotspot stands out from.
    people_asb = {"victims": [*victim_calls, *victim_reports],
                  "frequent_callers": frequent_calls, "communal": communal_calls,
                  "cuckooing": [*ck["calls"], *ck["asb"]]}
    summary.rows.update(write_truth(truth_dir, world, plan, feeds, people_asb))
    for name in ("mentions", "people", "places", "locations", "hotspots", "background",
                 "background_asb"):
        summary.paths[f"truth/{name}"] = truth_dir / f"{name}.csv"
    summary.paths["truth/README"] = truth_dir / "README.md"
    summary.seconds = time.perf_counter() - started
    return summary
