"""Events of the planted people: frequent callers, communal addresses, victims.

Frequent callers' calls are laid out to meet a FreCaNN rule: 5-9 calls in a
calendar month ("month5"), or exactly 4 a month for 3 months ("3months12", which
meets only the 3-month rule); "mixed" callers spread theirs over agencies so
that only the linked view sees them. Victims of ASB complain 3-5 times within
6 months (ASB case review) or just miss: the complaints are spread too thinly,
or one was made more than a month after the behaviour.
"""

from __future__ import annotations

import numpy as np

from saferhub.synth import clock
from saferhub.synth.plan import Plan
from saferhub.synth.world import Batch, World, batch

_MIXES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "health": (("ambulance", "medical", 0.35), ("ambulance", "mental_health", 0.3),
               ("police", "mental_health", 0.12), ("police", "welfare", 0.1),
               ("ambulance", "welfare", 0.08), ("council", "welfare", 0.05)),
    "police": (("police", "asb", 0.25), ("police", "welfare", 0.2), ("police", "crime", 0.15),
               ("police", "other", 0.15), ("police", "domestic", 0.05),
               ("ambulance", "medical", 0.1), ("council", "asb", 0.1)),
    "mixed": (("police", "welfare", 0.2), ("police", "asb", 0.13), ("ambulance", "medical", 0.2),
              ("ambulance", "mental_health", 0.13), ("council", "asb", 0.17),
              ("council", "welfare", 0.17)),
    "child": (("police", "welfare", 0.4), ("ambulance", "mental_health", 0.35),
              ("police", "mental_health", 0.25)),
}
_PROFILE = {"police": "police", "ambulance": "ambulance", "council": "office", "fire": "fire",
            "housing": "office"}


def _months(world: World) -> list[np.ndarray]:
    """Day offsets of each calendar month touching the period."""
    dates = world.period.start + np.arange(world.period.days).astype("timedelta64[D]")
    month = dates.astype("datetime64[M]")
    return [np.flatnonzero(month == m) for m in np.unique(month)]


def _calls(world: World, rng: np.random.Generator, who: int, days: np.ndarray, mix: str,
           at_home: float = 0.85) -> Batch:
    table = _MIXES[mix]
    k = rng.choice(len(table), size=days.size, p=[x[2] for x in table])
    agency = np.array([table[i][0] for i in k], dtype=object)
    category = np.array([table[i][1] for i in k], dtype=object)
    home = world.people.home[who]
    street = world.street_place_of(np.array([home]))[0]
    place = np.where(rng.random(days.size) < at_home, home, street)
    t = np.empty(days.size, dtype="datetime64[s]")
    for a in sorted(set(agency.tolist())):
        sel = agency == a
        t[sel] = clock.at_days(rng, days[sel], world.period, _PROFILE[a])
    return batch(days.size, agency=agency, time=t, category=category,
                 caller=np.full(days.size, who), place=place)


def frequent_caller_calls(world: World, plan: Plan) -> list[Batch]:
    rng = world.rng("planted-frequent")
    months = _months(world)
    out: list[Batch] = []
    for who, rule, mix in zip(plan.fc_adult, plan.fc_rule, plan.fc_mix, strict=True):
        days: list[np.ndarray] = []
        if rule == "month5":
            chosen = rng.choice(len(months), size=min(len(months), 1 + int(rng.integers(0, 3))),
                                replace=False)
            for m in chosen:
                days.append(rng.choice(months[m], size=int(rng.integers(5, 10))))
        else:
            j = int(rng.integers(0, max(1, len(months) - 2)))
            for m in range(j, min(j + 3, len(months))):
                days.append(rng.choice(months[m], size=4))
        sporadic = rng.poisson(0.3 * len(months))
        days.append(rng.integers(0, world.period.days, sporadic))
        out.append(_calls(world, rng, int(who), np.concatenate(days), str(mix)))
    for who in plan.fc_child:
        span = min(world.period.days, int(rng.integers(60, 151)))
        d0 = int(rng.integers(0, world.period.days - span + 1))
        days_c = d0 + rng.integers(0, span, int(rng.integers(3, 6)))
        out.append(_calls(world, rng, int(who), days_c, "child", at_home=0.7))
    return out


def communal_calls(world: World, plan: Plan) -> list[Batch]:
    """A care home or hostel with 15-24 calls in one calendar month."""
    rng = world.rng("planted-communal")
    months = _months(world)
    full = [m for m in months if m.size >= 20] or months
    out: list[Batch] = []
    for p in plan.communal_fc:
        days = rng.choice(full[int(rng.integers(0, len(full)))], size=int(rng.integers(16, 25)))
        residents = np.flatnonzero(world.people.home == p)
        care = world.geo.places.communal[p] == "care_home"
        if care:
            agency = np.full(days.size, "ambulance", dtype=object)
            category = np.where(rng.random(days.size) < 0.7, "medical", "welfare").astype(object)
        else:
            agency = np.where(rng.random(days.size) < 0.5, "police", "ambulance").astype(object)
            category = np.where(agency == "police",
                                rng.choice(np.array(["welfare", "asb", "crime"], dtype=object),
                                           days.size),
                                rng.choice(np.array(["mental_health", "medical"], dtype=object),
                                           days.size))
        # Staff call for residents: the resident is named sometimes, the staff member never.
        caller = np.where(rng.random(days.size) < (0.4 if care else 0.5),
                          rng.choice(residents, days.size) if residents.size else -1, -1)
        t = np.empty(days.size, dtype="datetime64[s]")
        for a in ("police", "ambulance"):
            sel = agency == a
            t[sel] = clock.at_days(rng, days[sel], world.period, a)
        out.append(batch(days.size, agency=agency, time=t, category=category, caller=caller,
                         place=np.full(days.size, p)))
    return out


def _asb_report(world: World, rng: np.random.Generator, who: int, day: int, subject: int,
                lag_days: float, where: int) -> Batch:
    agency = rng.choice(np.array(["council", "housing", "police"], dtype=object),
                        p=[0.55, 0.3, 0.15])
    t = clock.at_days(rng, np.array([day]), world.period, "office" if agency != "police"
                      else "asb")
    occurred = t - np.timedelta64(int(lag_days * 86400), "s")
    return batch(1, agency=np.array([agency], dtype=object), time=t, occurred=occurred,
                 occurred_shown=np.array([True]), reporter=np.array([who]),
                 subject=np.array([subject]), place=np.array([where]))


def victim_events(world: World, plan: Plan) -> tuple[list[Batch], list[Batch]]:
    """Calls and ASB reports of planted repeat victims and ASB case review victims."""
    rng = world.rng("planted-victims")
    people = world.people
    calls: list[Batch] = []
    reports: list[Batch] = []
    days_total = world.period.days
    for who, kind in zip(plan.repeat_victim, plan.rv_kind, strict=True):
        k = min(8, 2 + rng.poisson(1.5))
        span = min(days_total, 330)
        d0 = int(rng.integers(0, days_total - span + 1))
        days = np.sort(d0 + rng.integers(0, span, k))
        home = people.home[who]
        for d in days:
            u = rng.random()
            if kind == "asb" and u < 0.45:
                subj = int(world.neighbours(np.array([who]), rng)[0]) if rng.random() < 0.4 else -1
                reports.append(_asb_report(world, rng, int(who), int(d), subj,
                                           rng.exponential(2.0), home))
                continue
            agency = "council" if kind == "asb" and u < 0.65 else "police"
            category = str(kind)
            calls.append(batch(1, agency=agency, time=clock.at_days(
                rng, np.array([d]), world.period, "asb" if kind == "asb" else "police"),
                category=category, caller=np.array([who]),
                place=np.array([home if rng.random() < 0.7 or kind == "domestic"
                                else world.street_place_of(np.array([home]))[0]])))
            if kind == "domestic" and rng.random() < 0.2:
                calls.append(batch(1, agency="ambulance", time=clock.at_days(
                    rng, np.array([d]), world.period, "ambulance"), category="medical",
                    call_type="30 - Traumatic Injuries", caller=np.array([who]),
                    place=np.array([home])))
    for who, subject, miss in zip(plan.case_review, plan.cr_subject, plan.cr_near_miss,
                                  strict=True):
        spread = miss and days_total >= 240 and rng.random() < 0.5
        k = 3 if miss else 3 + int(rng.random() < 0.4) + int(rng.random() < 0.15)
        span = int(rng.integers(200, min(days_total, 300) + 1)) if spread else int(
            rng.integers(min(30, days_total), min(150, days_total) + 1))
        d0 = int(rng.integers(0, days_total - span + 1))
        days = np.sort(d0 + np.r_[0, span - 1, rng.integers(0, span, k - 2)])
        late = int(rng.integers(0, k)) if miss and not spread else -1
        home = people.home[who]
        for j, d in enumerate(days):
            where = home if rng.random() < 0.7 else world.street_place_of(np.array([home]))[0]
            subj = int(subject) if subject >= 0 and rng.random() < 0.7 else -1
            if j != late and rng.random() < 0.15:
                calls.append(batch(1, agency=rng.choice(np.array(["police", "council"],
                                                                 dtype=object)),
                                   time=clock.at_days(rng, np.array([d]), world.period, "asb"),
                                   category="asb", caller=np.array([who]),
                                   place=np.array([where])))
                continue
            lag = rng.uniform(45, 120) if j == late else rng.uniform(0, 10)
            reports.append(_asb_report(world, rng, int(who), int(d), subj, lag, where))
    return calls, reports
