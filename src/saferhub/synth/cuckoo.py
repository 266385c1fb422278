"""Events around cuckooed homes, following the published indicators.

While a home is taken over: neighbours report more ASB at or near it (visitors at
all hours, suspected dealing) and call the police; intelligence tagged drugs,
county lines and cuckooing names the address, with the exploiters as subjects
and associates; the resident, already known as vulnerable, is referred again
with exploitation added.
"""

from __future__ import annotations

import numpy as np

from saferhub.synth import clock
from saferhub.synth.plan import Plan
from saferhub.synth.world import Batch, World, batch

_INTEL_TEXT = (
    "Address believed to be used by a county lines group to supply class A drugs",
    "Vulnerable occupant's flat being used by dealers from Liverpool",
    "Several young males seen entering and leaving the address for short visits",
    "Occupant believed to be under the control of a drugs line",
)


def cuckoo_events(world: World, plan: Plan) -> dict[str, list[Batch]]:
    rng = world.rng("cuckoo")
    P = world.geo.places
    out: dict[str, list[Batch]] = {"calls": [], "asb": [], "intel": [], "referrals": []}
    for resident, place, d0, d1, gang in zip(
        plan.cuckoo_resident, plan.cuckoo_place, plan.cuckoo_first, plan.cuckoo_last,
        plan.cuckoo_gang, strict=True,
    ):
        active = np.arange(d0, d1 + 1)
        street_place = world.street_place_of(np.array([place]))[0]
        # Neighbours: the same building first, then the same street.
        same_building = np.flatnonzero((P.building[world.people.home] == P.building[place])
                                       & (world.people.home != place))
        street = np.full(24, P.street[place])
        on_street = world.residents(street, rng)
        neighbours = np.concatenate([same_building, on_street[(on_street >= 0)
                                                              & (on_street != resident)]])
        if neighbours.size == 0:
            neighbours = np.array([-1])
        k = int(rng.integers(4, 11))
        days = rng.choice(active, k)
        t = clock.at_days(rng, days, world.period, "office")
        subject = np.where(rng.random(k) < 0.15, rng.choice(gang, k), -1)
        where = np.where(rng.random(k) < 0.7, place, street_place)
        out["asb"].append(batch(
            k, agency=rng.choice(np.array(["council", "housing", "police"], dtype=object), k,
                                 p=[0.4, 0.45, 0.15]),
            time=t, occurred=t - (rng.exponential(1.0, k) * 86400).astype("timedelta64[s]"),
            asb_type=np.where(rng.random(k) < 0.8, "nuisance", "personal").astype(object),
            reporter=np.where(rng.random(k) < 0.85, rng.choice(neighbours, k), -1),
            subject=subject, place=where, about="drugs"))
        k = int(rng.integers(3, 9))
        days = rng.choice(active, k)
        out["calls"].append(batch(
            k, agency="police", time=clock.at_days(rng, days, world.period, "asb"),
            category=np.where(rng.random(k) < 0.5, "asb", "crime").astype(object),
            call_type=rng.choice(np.array(["DRUGS", "SUSPICIOUS CIRCUMSTANCES", "ASB - NUISANCE"],
                                          dtype=object), k),
            caller=np.where(rng.random(k) < 0.6, rng.choice(neighbours, k), -1),
            place=np.where(rng.random(k) < 0.75, place, street_place)))
        k = int(rng.integers(3, 9))
        days = np.sort(rng.choice(active, k))
        subj = rng.choice(gang, k)
        others = np.array([rng.choice(gang[gang != s]) if (gang != s).any() else -1
                           for s in subj])
        u = rng.random(k)
        associate = np.where(u < 0.5, others, np.where(u < 0.8, resident, -1))
        tags = ["drugs" + (";county_lines" if rng.random() < 0.7 else "")
                + (";cuckooing" if rng.random() < 0.6 else "") for _ in range(k)]
        out["intel"].append(batch(
            k, time=clock.at_days(rng, days, world.period, "office"), subject=subj,
            associate=associate, place=np.full(k, place), tags=np.array(tags, dtype=object),
            text=np.array(_INTEL_TEXT, dtype=object)[rng.integers(0, len(_INTEL_TEXT), k)],
            handling=np.where(rng.random(k) < 0.4, "C", "P").astype(object)))
        k = 1 + int(rng.random() < 0.5)
        days = rng.choice(active, k)
        out["referrals"].append(batch(
            k, agency=rng.choice(np.array(["police", "housing", "council"], dtype=object), k),
            time=clock.at_days(rng, days, world.period, "office"), subject=np.full(k, resident),
            vulnerabilities="exploitation;isolation", risk="high",
            concern="Concerns that others are using the resident's home; possible cuckooing"))
    return out
