"""Who and where the planted patterns are: chosen before any event is drawn.

The plan only says who is meant to be a frequent caller, a repeat victim, a
cuckooed resident and so on; the feeds then generate their events, and truth.py
decides from those events, by the published definitions, who actually meets each
threshold. Planted people are kept apart so that one pattern does not create
another by accident, except where real life overlaps (many frequent callers are
vulnerable; cuckooed residents always are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from saferhub.synth.places import COMMUNAL, STREET
from saferhub.synth.world import World


@dataclass
class Hotspot:
    id: str
    category: str  # "asb" or "deliberate_secondary_fire"
    kind: str  # "persistent", "emerging", "former"
    place: int  # the street place at its centre
    e: float
    n: float
    radius_m: float
    first_day: int  # day offsets within the period, inclusive
    last_day: int
    per_day: float  # planted events per day at this scale


@dataclass
class Plan:
    fc_adult: np.ndarray
    fc_rule: np.ndarray  # "month5" or "3months12": the rule the calls are laid out for
    fc_mix: np.ndarray  # "health", "police" or "mixed" (no one agency sees enough)
    fc_child: np.ndarray
    communal_fc: np.ndarray  # place indices
    repeat_victim: np.ndarray
    rv_kind: np.ndarray  # "asb", "crime", "domestic"
    case_review: np.ndarray
    cr_subject: np.ndarray  # the neighbour complained about, -1 unknown
    cr_near_miss: np.ndarray  # bool: laid out to just miss the threshold
    vulnerable: np.ndarray
    vulnerabilities: np.ndarray  # object: ";"-joined
    cuckoo_resident: np.ndarray
    cuckoo_place: np.ndarray
    cuckoo_first: np.ndarray  # day offsets
    cuckoo_last: np.ndarray
    cuckoo_gang: list[np.ndarray]  # exploiters working each cuckooed home
    exploiters: np.ndarray
    nominals: np.ndarray  # people known to police intelligence
    nominal_group: np.ndarray
    hotspots: list[Hotspot]


def _choose(rng: np.random.Generator, ok: np.ndarray, weight: np.ndarray, k: int,
            taken: np.ndarray) -> np.ndarray:
    cand = np.flatnonzero(ok & ~taken)
    if cand.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    w = np.asarray(weight, dtype=float)[cand] + 1e-12
    pick = rng.choice(cand, size=min(k, cand.size), replace=False, p=w / w.sum())
    pick = np.sort(pick)
    taken[pick] = True
    return pick


_VULN_PROFILES = (
    # share, age range, vulnerabilities drawn from
    (0.33, (70, 101), ("elderly", "isolation", "fire_risk", "physical_disability", "hoarding")),
    (0.25, (18, 65), ("mental_health", "substance_misuse", "alcohol", "isolation")),
    (0.12, (18, 60), ("domestic_abuse", "mental_health", "alcohol")),
    (0.10, (10, 17), ("child", "exploitation", "mental_health")),
    (0.08, (18, 65), ("learning_disability", "isolation", "financial_abuse")),
    (0.12, (18, 55), ("homeless", "substance_misuse", "alcohol", "mental_health")),
)


def _vulnerabilities(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    k = 1 + int(rng.random() < 0.6) + int(rng.random() < 0.25)
    chosen = rng.choice(len(options), size=min(k, len(options)), replace=False)
    return ";".join(sorted(options[i] for i in chosen))


def build_plan(world: World) -> Plan:
    rng = world.rng("plan")
    people, geo = world.people, world.geo
    n = len(people)
    age = world.ages(np.arange(n))
    lsoa = np.maximum(geo.lsoa[people.home], 0)
    deprived = geo.lsoa_mult[lsoa]
    at_home = world.is_home(people.home) & people.in_area
    taken = np.zeros(n, dtype=bool)

    fc = _choose(rng, at_home & (age >= 22) & (age <= 80), deprived, world.count(50, 4), taken)
    fc_rule = np.where(rng.random(fc.size) < 0.55, "month5", "3months12").astype(object)
    fc_mix = rng.choice(np.array(["health", "police", "mixed"], dtype=object), fc.size,
                        p=[0.4, 0.3, 0.3])
    fc_child = _choose(rng, at_home & (age >= 13) & (age <= 16), deprived, world.count(6, 2),
                       taken)
    communal = np.flatnonzero(geo.places.kind == COMMUNAL)
    kinds = geo.places.communal[communal]
    n_comm = world.count(2, 2)
    care = rng.choice(communal[kinds == "care_home"], size=(n_comm + 1) // 2, replace=False)
    hostel = rng.choice(communal[kinds == "hostel"], size=n_comm // 2, replace=False)
    communal_fc = np.sort(np.concatenate([care, hostel]))

    rv = _choose(rng, at_home & (age >= 18), deprived, world.count(80, 5), taken)
    female = people.sex[rv] == 0
    rv_kind = np.where(female & (rng.random(rv.size) < 0.4), "domestic",
                       np.where(rng.random(rv.size) < 0.6, "asb", "crime")).astype(object)
    cr_n, miss_n = world.count(25, 3), world.count(10, 2)
    cr = _choose(rng, at_home & (age >= 18), deprived, cr_n + miss_n, taken)
    cr_near_miss = np.zeros(cr.size, dtype=bool)
    cr_near_miss[rng.choice(cr.size, size=min(miss_n, cr.size), replace=False)] = True
    cr_subject = world.neighbours(cr, rng)
    cr_subject[rng.random(cr.size) < 0.3] = -1

    # Cuckooing: vulnerable adults living alone, mostly in flats, in deprived areas.
    alone = world.household_size[people.home] == 1
    k_cuckoo = world.count(6, 2)
    cuckoo = _choose(rng, at_home & alone & (age >= 25) & (age <= 65) & (deprived >= 1.2),
                     deprived * np.where(geo.places.kind[people.home] == 1, 3.0, 1.0), k_cuckoo,
                     taken)
    span = max(20, min(150, world.period.days // 2))
    length = rng.integers(span // 2, span + 1, cuckoo.size)
    lo = world.period.days // 6
    room = np.maximum(1, world.period.days - length // 2 - lo)
    first = lo + (rng.random(cuckoo.size) * room).astype(np.int64)
    last = np.minimum(first + length, world.period.days - 1)
    young_men = (age >= 17) & (age <= 32) & (people.sex == 1)
    out_area = ~people.in_area
    exploiters = np.sort(np.concatenate([
        _choose(rng, young_men & out_area, np.ones(n), world.count(6, 2), taken),
        _choose(rng, young_men & people.in_area, deprived, world.count(6, 1), taken),
    ]))
    gangs = [np.sort(rng.choice(exploiters, size=min(exploiters.size, 2 + int(rng.random() < 0.5)),
                                replace=False)) for _ in range(cuckoo.size)]

    # Vulnerable people: profiles by age, plus most frequent callers and DA victims.
    vul, vul_text = [], []
    total = world.count(1400, 20)
    for share, (lo, hi), options in _VULN_PROFILES:
        ok = people.in_area & (age >= lo) & (age < hi)
        chosen = _choose(rng, ok, deprived, round(total * share), taken)
        vul.append(chosen)
        vul_text += [_vulnerabilities(rng, options) for _ in chosen]
    extra_fc = fc[rng.random(fc.size) < 0.6]
    extra_dv = rv[(rv_kind == "domestic") & (rng.random(rv.size) < 0.5)]
    vul += [extra_fc, extra_dv, cuckoo]
    vul_text += [_vulnerabilities(rng, ("mental_health", "alcohol", "isolation",
                                        "substance_misuse")) for _ in extra_fc]
    vul_text += [_vulnerabilities(rng, ("domestic_abuse", "mental_health")) for _ in extra_dv]
    vul_text += [_vulnerabilities(rng, ("learning_disability", "substance_misuse",
                                        "mental_health")) + ";isolation" for _ in cuckoo]
    vulnerable = np.concatenate(vul)
    vulnerabilities = np.array(vul_text, dtype=object)

    nom_ok = people.in_area & (age >= 16) & (age <= 50) & ~taken
    nom_w = deprived * np.where(people.sex == 1, 3.0, 1.0) * (1 + 2 * (age < 30))
    nominals = _choose(rng, nom_ok, nom_w, world.count(1200, 15), taken)
    nominal_group = rng.integers(0, max(1, nominals.size // 4), nominals.size)

    return Plan(
        fc_adult=fc, fc_rule=fc_rule, fc_mix=fc_mix, fc_child=fc_child, communal_fc=communal_fc,
        repeat_victim=rv, rv_kind=rv_kind, case_review=cr, cr_subject=cr_subject,
        cr_near_miss=cr_near_miss, vulnerable=vulnerable, vulnerabilities=vulnerabilities,
        cuckoo_resident=cuckoo, cuckoo_place=people.home[cuckoo], cuckoo_first=first,
        cuckoo_last=last, cuckoo_gang=gangs, exploiters=exploiters, nominals=nominals,
        nominal_group=nominal_group, hotspots=_hotspots(world, rng),
    )


def _hotspots(world: World, rng: np.random.Generator) -> list[Hotspot]:
    geo, days, s = world.geo, world.period.days, world.scale
    street_places = geo.street_place
    w = geo.streets.weight * (geo.streets.lsoa >= 0)
    recent = max(14, min(90, days // 3))
    specs = [  # category, kind, first day, last day, events per day at scale 1
        ("asb", "persistent", 0, days - 1, 1.2), ("asb", "persistent", 0, days - 1, 1.0),
        ("asb", "persistent", 0, days - 1, 0.8), ("asb", "persistent", 0, days - 1, 0.8),
        ("asb", "emerging", days - recent, days - 1, 2.0),
        ("asb", "emerging", days - recent, days - 1, 1.6),
        ("asb", "former", 0, min(days - 1, recent + 30), 1.5),
        ("deliberate_secondary_fire", "persistent", 0, days - 1, 0.3),
        ("deliberate_secondary_fire", "persistent", 0, days - 1, 0.25),
        ("deliberate_secondary_fire", "emerging", days - recent, days - 1, 0.6),
        ("deliberate_secondary_fire", "emerging", days - recent, days - 1, 0.5),
    ]
    chosen: list[int] = []
    out = []
    for k, (cat, kind, d0, d1, rate) in enumerate(specs):
        # Persistent hotspots sit in the busiest streets; new ones anywhere busy enough.
        ww = w ** (1.0 if kind == "persistent" else 0.5)
        for _ in range(200):
            st = int(rng.choice(ww.size, p=ww / ww.sum()))
            p = int(street_places[st])
            e, n = geo.places.e[p], geo.places.n[p]
            if all((geo.places.e[c] - e) ** 2 + (geo.places.n[c] - n) ** 2 > 1500**2
                   for c in chosen):
                break
        chosen.append(p)
        assert geo.places.kind[p] == STREET
        out.append(Hotspot(
            id=f"HS{k + 1:02d}", category=cat, kind=kind, place=p, e=float(e), n=float(n),
            radius_m=float(rng.choice([150, 200, 250, 300])), first_day=int(d0),
            last_day=int(d1), per_day=rate * s,
        ))
    return out
