"""Events of the planted hotspots: ASB and deliberate secondary fires clustered in space.

Each hotspot adds events within its radius (normal around the centre, cut at
the radius) during its active days, on top of the background. Persistent ones
run all period; emerging ones start in the last months; former ones stop early.
"""

from __future__ import annotations

import numpy as np

from saferhub.synth import clock
from saferhub.synth.plan import Hotspot, Plan
from saferhub.synth.world import Batch, World, batch


def _points(rng: np.random.Generator, h: Hotspot, k: int) -> tuple[np.ndarray, np.ndarray]:
    r = np.minimum(np.abs(rng.normal(0, h.radius_m / 2, k)), h.radius_m * 0.98)
    a = rng.uniform(0, 2 * np.pi, k)
    return h.e + r * np.cos(a), h.n + r * np.sin(a)


def _days(rng: np.random.Generator, world: World, h: Hotspot, k: int, profile: str) -> np.ndarray:
    w = clock.day_weights(world.period, profile)[h.first_day : h.last_day + 1]
    return h.first_day + rng.choice(w.size, size=k, p=w / w.sum())


def hotspot_events(world: World, plan: Plan) -> tuple[list[Batch], list[Batch], list[Batch]]:
    """(calls, ASB reports, fire incidents) planted in the hotspots."""
    rng = world.rng("hotspots")
    calls: list[Batch] = []
    reports: list[Batch] = []
    fires: list[Batch] = []
    for h in plan.hotspots:
        k = round(h.per_day * (h.last_day - h.first_day + 1))
        if k == 0:
            continue
        e, n = _points(rng, h, k)
        place = world.geo.nearest_street_place(e, n)
        street = world.geo.places.street[place]
        if h.category == "deliberate_secondary_fire":
            days = _days(rng, world, h, k, "fire")
            prop = rng.choice(np.array(["refuse", "grassland", "derelict"], dtype=object), k,
                              p=[0.6, 0.3, 0.1])
            fires.append(batch(k, time=clock.at_days(rng, days, world.period, "fire"),
                               incident_type="secondary_fire", motive="deliberate",
                               property_type=prop, place=place, e=e, n=n))
            continue
        days = _days(rng, world, h, k, "asb")
        u = rng.random(k)
        local = world.residents(street, rng)
        to_call = u < 0.7
        agency = np.where(u < 0.55, "police", "council").astype(object)
        caller = np.where(rng.random(k) < np.where(agency == "police", 0.45, 0.9), local, -1)
        c = np.flatnonzero(to_call)
        calls.append(batch(c.size, agency=agency[c],
                           time=clock.at_days(rng, days[c], world.period, "asb"),
                           category="asb", caller=caller[c], place=place[c], e=e[c], n=n[c]))
        r = np.flatnonzero(~to_call)
        rep_agency = rng.choice(np.array(["council", "housing", "police"], dtype=object),
                                r.size, p=[0.6, 0.25, 0.15])
        t = clock.at_days(rng, days[r], world.period, "office")
        lag = rng.exponential(1.0, r.size) * 86400
        reports.append(batch(r.size, agency=rep_agency, time=t,
                             occurred=t - lag.astype("timedelta64[s]"),
                             occurred_shown=rng.random(r.size) < 0.85,
                             asb_type=rng.choice(np.array(["nuisance", "environmental",
                                                           "personal"], dtype=object), r.size,
                                                 p=[0.7, 0.2, 0.1]),
                             reporter=np.where(rng.random(r.size) < 0.9, local[r], -1),
                             place=place[r], e=e[r], n=n[r]))
    return calls, reports, fires
