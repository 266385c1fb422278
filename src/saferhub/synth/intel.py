"""The ``intelligence`` feed: police intelligence logs, 3x5x2 graded.

Subjects are drawn from a pool of people known to police (a few of them
prolific); associates come from the subject's own group. About a quarter of
logs carry handling code C with the conditions the hub must enforce.
"""

from __future__ import annotations

import numpy as np

from saferhub.synth import clock
from saferhub.synth.plan import Plan
from saferhub.synth.world import Batch, Feed, World, batch, concat, sequence_ids

INTEL_DEFAULTS = {"time": np.datetime64("NaT", "s"), "subject": -1, "associate": -1,
                  "place": -1, "tags": "", "text": "", "handling": "", "located": True}
VOLUME = 3_000
_TAGS = {"drugs": 0.4, "violence": 0.15, "weapons": 0.1, "theft": 0.12, "burglary": 0.08,
         "asb": 0.1, "county_lines": 0.05, "gangs": 0.08, "exploitation": 0.04, "vehicles": 0.06,
         "fraud": 0.03}
_TEXT = {
    "drugs": "Subject believed to be supplying controlled drugs in the area",
    "violence": "Subject reported to have been involved in an assault",
    "weapons": "Subject believed to be carrying a bladed article",
    "theft": "Subject believed to be handling stolen goods",
    "burglary": "Subject linked to recent burglaries in the area",
    "asb": "Subject part of a group causing ASB in the area",
    "county_lines": "Subject believed to be running a drugs line into Wirral",
    "gangs": "Subject associating with a known organised crime group",
    "exploitation": "Subject believed to be exploiting young people to run drugs",
    "vehicles": "Subject using vehicles with false plates",
    "fraud": "Subject believed to be involved in doorstep fraud",
}
CONDITIONS = (
    "Not to be disclosed outside Merseyside Police without the Intelligence Unit's consent",
    "Share with council ASB team only; not for evidential use",
    "Police and housing only; do not disclose to the subject",
    "Sanitised: do not act on without consulting the source handler",
)


def background_intel(world: World, plan: Plan) -> Batch:
    rng = world.rng("intel-background")
    n = world.volume(VOLUME)
    nom = plan.nominals
    if nom.size == 0:
        return batch(0)
    # A few nominals account for much of the intelligence (rank-size weights).
    weight = 1.0 / np.arange(1, nom.size + 1) ** 0.8
    subject = nom[rng.choice(nom.size, n, p=weight / weight.sum())]
    group = plan.nominal_group[np.searchsorted(nom, subject)]
    order = np.argsort(plan.nominal_group, kind="stable")
    starts = np.searchsorted(plan.nominal_group[order], group)
    sizes = np.searchsorted(plan.nominal_group[order], group, side="right") - starts
    mate = nom[order[starts + (rng.random(n) * sizes).astype(np.int64)]]
    associate = np.where((rng.random(n) < 0.4) & (mate != subject), mate, -1)
    names = np.array(list(_TAGS), dtype=object)
    p = np.array(list(_TAGS.values()))
    main = names[rng.choice(names.size, n, p=p / p.sum())]
    second = names[rng.choice(names.size, n, p=p / p.sum())]
    tags = np.where((rng.random(n) < 0.35) & (second != main), main + ";" + second, main)
    text = np.array([_TEXT[t] for t in main], dtype=object)
    u = rng.random(n)
    home = world.people.home[subject]
    place = np.where(u < 0.3, home, world.incident_places(n, rng, (0.2, 0.65, 0.15)))
    t = clock.sample_times(rng, n, world.period, "office")
    return batch(n, time=t, subject=subject, associate=associate, place=place,
                 tags=tags.astype(object), text=text, located=u < 0.75)


def finish_intel(world: World, parts: list[Batch]) -> Feed:
    rng = world.rng("intel-finish")
    b = concat(parts, INTEL_DEFAULTS)
    b = {k: v[np.argsort(b["time"], kind="stable")] for k, v in b.items()}
    m = b["time"].size
    source = rng.choice(np.array(["1", "2", "3"], dtype=object), m, p=[0.3, 0.55, 0.15])
    grade = rng.choice(np.array(list("ABCDE"), dtype=object), m, p=[0.1, 0.45, 0.35, 0.08, 0.02])
    handling = np.where(b["handling"] == "", np.where(rng.random(m) < 0.25, "C", "P"),
                        b["handling"]).astype(object)
    conditions = np.where(handling == "C", np.array(CONDITIONS, dtype=object)[
        rng.integers(0, len(CONDITIONS), m)], "")
    agency = np.full(m, "police", dtype=object)
    place = b["place"]
    return Feed(
        name="intelligence", agency=agency,
        source_id=sequence_ids(agency, b["time"], {"police": "INT-{yy}-{seq:06d}"}),
        time=b["time"], place=place, e=world.geo.places.e[place], n=world.geo.places.n[place],
        category=np.full(m, "intelligence", dtype=object),
        columns={"recorded_at": clock.naive(b["time"]), "source_grade": source,
                 "intel_grade": grade, "handling_code": handling,
                 "handling_conditions": conditions, "text": b["text"], "tags": b["tags"]},
        roles={"subject": b["subject"], "associate": b["associate"]},
        has_location=b["located"].astype(bool),
    )
