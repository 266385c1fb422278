"""The ``asb-reports`` feed: ASB incidents and cases from the council, housing and police.

Most reports name the person reporting; about a third name a subject, usually
a neighbour on the same street. The behaviour usually happened hours or days
before the report; a few reports are about long-running behaviour.
"""

from __future__ import annotations

import numpy as np

from saferhub.synth import clock
from saferhub.synth.world import Batch, Feed, World, batch, concat, sequence_ids

ASB_DEFAULTS = {
    "agency": "", "time": np.datetime64("NaT", "s"), "occurred": np.datetime64("NaT", "s"),
    "occurred_shown": True, "asb_type": "", "reporter": -1, "subject": -1, "place": -1,
    "e": np.nan, "n": np.nan, "risk": "", "about": "",
}
VOLUMES = {"council": 4_500, "housing": 2_500, "police": 1_500}
LOCATED = 0.97  # share of reports with a location (``finish_reports``)
ID_FORMATS = {"council": "ASB-{yy}-{seq:05d}", "housing": "HSG/ASB/{seq:06d}",
              "police": "MP-ASB-{yy}{seq:06d}"}
_DESCRIPTIONS = {
    "personal": ("Verbal abuse from neighbour", "Threats made towards reporter",
                 "Harassment and intimidation", "Neighbour dispute escalating",
                 "Abuse shouted at reporter's children"),
    "nuisance": ("Loud music late at night", "Youths gathering and causing annoyance",
                 "Shouting and banging from neighbouring property",
                 "Nuisance motorbikes on the field", "Drinking and rowdy behaviour in the street",
                 "Dogs barking constantly", "Door knocking and running off"),
    "environmental": ("Fly-tipping in the back entry", "Graffiti on walls",
                      "Rubbish left in garden", "Damage to bus shelter", "Abandoned car"),
    "drugs": ("People coming and going from the flat at all hours",
              "Suspected drug dealing from the address", "Youths hanging around the entrance",
              "Strangers staying at the flat, resident not seen", "Needles found in stairwell"),
}


def background_reports(world: World) -> Batch:
    rng = world.rng("asb-background")
    people = world.people
    age = world.ages(np.arange(len(people)))
    parts: list[Batch] = []
    for agency, total in VOLUMES.items():
        n = world.volume(total)
        # Housing reports come from tenants, more of them in deprived areas and in flats.
        w = people.propensity * (age >= 18)
        if agency == "housing":
            w = w * world.geo.lsoa_mult[np.maximum(world.geo.lsoa[people.home], 0)]
        who = world.pick_people(n, w, rng)
        named = rng.random(n) < (0.7 if agency == "police" else 0.93)
        where = rng.random(n)
        place = np.where(where < 0.35, people.home[who], world.street_place_of(people.home[who]))
        neighbour = world.neighbours(who, rng)
        has_n = neighbour >= 0
        place = np.where((where >= 0.35) & (where < 0.6) & has_n,
                         people.home[np.maximum(neighbour, 0)], place)
        elsewhere = where >= 0.85
        place[elsewhere] = world.incident_places(int(elsewhere.sum()), rng, (0.2, 0.6, 0.2))
        subject = np.where((rng.random(n) < 0.35) & has_n & ~elsewhere, neighbour, -1)
        t = clock.sample_times(rng, n, world.period, "office" if agency != "police" else "asb")
        parts.append(batch(n, agency=agency, time=t, reporter=np.where(named, who, -1),
                           subject=subject, place=place))
    b = concat(parts, ASB_DEFAULTS)
    m = b["agency"].size
    long_running = rng.random(m) < 0.06
    lag = np.where(long_running, rng.uniform(30, 180, m), rng.exponential(1.5, m))
    b["occurred"] = b["time"] - (lag * 86400).astype("timedelta64[s]")
    b["occurred_shown"] = rng.random(m) < 0.85
    return b


def background_intensity(world: World) -> dict[str, np.ndarray]:
    """Expected located reports of ``background_reports`` at each place over the period, by
    agency.

    The reporter's home (0.35), a neighbour's home (0.25; none found: the street), the
    reporter's street (0.25) or an incident place (0.15).
    """
    people = world.people
    age = world.ages(np.arange(len(people)))
    out: dict[str, np.ndarray] = {}
    for agency, total in VOLUMES.items():
        w = people.propensity * (age >= 18)
        if agency == "housing":
            w = w * world.geo.lsoa_mult[np.maximum(world.geo.lsoa[people.home], 0)]
        neighbour, none = world.expected_neighbours(w)
        reports = world.volume(total) * LOCATED
        out[agency] = reports * (
            0.35 * world.expected_homes(w) + 0.25 * neighbour + 0.25 * world.expected_streets(w)
            + 0.15 * world.expected_incident_places((0.2, 0.6, 0.2)))
        out[agency][world.geo.street_place] += reports * 0.25 * none
    return out


def finish_reports(world: World, parts: list[Batch]) -> Feed:
    rng = world.rng("asb-finish")
    b = concat(parts, ASB_DEFAULTS)
    order = np.lexsort((b["agency"].astype(str), b["time"]))
    b = {k: v[order] for k, v in b.items()}
    m = b["agency"].size
    types = np.array(["personal", "nuisance", "environmental"], dtype=object)
    todo = b["asb_type"] == ""
    b["asb_type"][todo] = types[rng.choice(3, int(todo.sum()), p=[0.25, 0.6, 0.15])]
    b["asb_type"] = np.where((b["about"] == "drugs") & (b["asb_type"] == "environmental"),
                             "nuisance", b["asb_type"]).astype(object)
    about = np.where(b["about"] == "", b["asb_type"], b["about"])
    desc = np.empty(m, dtype=object)
    for k, options in _DESCRIPTIONS.items():
        sel = np.flatnonzero(about == k)
        desc[sel] = np.array(options, dtype=object)[rng.integers(0, len(options), sel.size)]
    todo = b["risk"] == ""
    risk_p = np.where(b["asb_type"] == "personal", 0.3, 0.12)
    u = rng.random(m)
    risk = np.where(u < risk_p * 0.25, "high", np.where(u < risk_p, "medium", "standard"))
    b["risk"][todo] = risk[todo].astype(object)
    # Council and housing officers write times to the minute.
    reported = clock.naive(b["time"], minutes=b["agency"] != "police")
    # The reporter says when it happened, roughly: to the quarter hour, on the wall clock
    # (so now and then in the spring-forward gap).
    occ = b["occurred"].astype("datetime64[s]")
    occ = occ - (occ.astype(np.int64) % 900).astype("timedelta64[s]")
    occ = np.where(b["occurred_shown"], occ, np.datetime64("NaT", "s"))
    occurred = clock.naive(occ, minutes=np.ones(m, dtype=bool))
    place = b["place"]
    e = np.where(np.isnan(b["e"]), world.geo.places.e[place], b["e"])
    n = np.where(np.isnan(b["n"]), world.geo.places.n[place], b["n"])
    return Feed(
        name="asb-reports", agency=b["agency"],
        source_id=sequence_ids(b["agency"], b["time"], ID_FORMATS), time=b["time"],
        place=place, e=e, n=n, category=np.full(m, "asb", dtype=object),
        columns={"reported_at": reported, "occurred_at": occurred,
                 "asb_type": b["asb_type"], "description": desc, "risk": b["risk"]},
        roles={"reporter": b["reporter"], "subject": b["subject"]},
        has_location=rng.random(m) < LOCATED,
        extra={"occurred": occ},
    )
