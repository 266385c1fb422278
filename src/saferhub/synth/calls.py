"""The ``calls`` feed: calls for service to police, ambulance, fire and council control rooms.

Background calls come from everyone, in proportion to a personal propensity
that is heavy-tailed (a few people call far more than most) and higher in
deprived areas; planted frequent callers, victims, hotspots and cuckooed homes
add their own calls (planted.py, hotspots.py, cuckoo.py); fire calls come from
fire incidents (fire.py). ``finish_calls`` fills in the control room's
codes and numbers the calls.
"""

from __future__ import annotations

import numpy as np

from saferhub.synth import clock
from saferhub.synth.world import Batch, Feed, World, batch, concat, factorize, sequence_ids

CALL_DEFAULTS = {
    "agency": "", "time": np.datetime64("NaT", "s"), "category": "", "caller": -1, "place": -1,
    "e": np.nan, "n": np.nan, "call_type": "", "channel": "", "priority": "", "attended": -1,
    "outcome": "",
}
PRIORITIES = ("emergency", "priority", "scheduled", "advice")
CHANNELS = ("999", "101", "112", "phone", "online", "in_person", "alarm", "other")

# (agency, category) -> (call types, weights over PRIORITIES)
_CODES: dict[tuple[str, str], tuple[tuple[str, ...], tuple[float, ...]]] = {
    ("police", "crime"): (("THEFT", "BURGLARY DWELLING", "BURGLARY NON-DWELLING",
                           "CRIMINAL DAMAGE", "ASSAULT", "ROBBERY", "VEHICLE CRIME",
                           "SHOPLIFTING", "DRUGS", "PUBLIC ORDER", "FRAUD"), (0.25, 0.4, 0.3, 0.05)),
    ("police", "asb"): (("ASB - NUISANCE", "ASB - PERSONAL", "ASB - ENVIRONMENTAL",
                         "YOUTHS CAUSING ANNOYANCE", "NOISE NUISANCE"), (0.1, 0.45, 0.3, 0.15)),
    ("police", "welfare"): (("CONCERN FOR SAFETY", "MISSING PERSON", "SUDDEN DEATH"),
                            (0.45, 0.45, 0.08, 0.02)),
    ("police", "domestic"): (("DOMESTIC INCIDENT", "DOMESTIC - VERBAL ONLY"),
                             (0.55, 0.4, 0.05, 0.0)),
    ("police", "mental_health"): (("MENTAL HEALTH", "CONCERN FOR SAFETY - MH"),
                                  (0.4, 0.45, 0.1, 0.05)),
    ("police", "medical"): (("AMBULANCE ASSIST",), (0.6, 0.35, 0.05, 0.0)),
    ("police", "other"): (("ROAD RELATED", "SUSPICIOUS CIRCUMSTANCES", "LOST/FOUND PROPERTY",
                           "INFORMATION", "ABANDONED VEHICLE", "ANIMALS"), (0.08, 0.3, 0.3, 0.32)),
    ("police", "hoax"): (("HOAX CALL", "ABANDONED/SILENT 999"), (0.3, 0.2, 0.0, 0.5)),
    ("police", "false_alarm"): (("INTRUDER ALARM",), (0.3, 0.5, 0.1, 0.1)),
    ("ambulance", "medical"): (("17 - Falls", "10 - Chest Pain", "06 - Breathing Problems",
                                "26 - Sick Person", "31 - Unconscious/Fainting", "28 - Stroke",
                                "12 - Convulsions/Fitting", "01 - Abdominal Pain",
                                "13 - Diabetic Problems", "30 - Traumatic Injuries"),
                               (0.45, 0.35, 0.12, 0.08)),
    ("ambulance", "mental_health"): (("25 - Psychiatric/Suicide Attempt",
                                      "23 - Overdose/Poisoning"), (0.5, 0.4, 0.05, 0.05)),
    ("ambulance", "welfare"): (("32 - Unknown Problem", "17 - Falls (no injury)"),
                               (0.2, 0.4, 0.25, 0.15)),
    ("ambulance", "hoax"): (("Hoax call",), (0.2, 0.0, 0.0, 0.8)),
    ("ambulance", "other"): (("HCP admission", "Inter-facility transfer"), (0.0, 0.3, 0.7, 0.0)),
    ("council", "asb"): (("ASB - Noise", "ASB - Neighbour dispute", "ASB - Youths",
                          "Fly-tipping", "Graffiti", "Dog fouling"), (0.0, 0.15, 0.6, 0.25)),
    ("council", "welfare"): (("Welfare concern", "Adult social care enquiry"),
                             (0.0, 0.3, 0.5, 0.2)),
    ("council", "other"): (("Housing enquiry", "Environmental health", "Abandoned vehicle",
                            "Pest control", "Street lighting"), (0.0, 0.05, 0.45, 0.5)),
    ("fire", "fire"): (("FIRE",), (1.0, 0.0, 0.0, 0.0)),
}
_OUTCOMES = {
    "police": ("Officers attended, words of advice given", "No further action", "Crime recorded",
               "Referred to partner agency", "Resolved by telephone", "Caller not traced",
               "Arrest made", "Area search negative"),
    "ambulance": ("Conveyed to Arrowe Park Hospital", "Conveyed to Clatterbridge",
                  "See and treat", "Hear and treat", "Referred to GP", "Patient not conveyed"),
    "fire": ("Fire extinguished", "False alarm - no action", "Assisted ambulance",
             "Made safe", "Advice given", "Stood down en route"),
    "council": ("Warning letter sent", "Case opened", "Advice given", "Referred to police",
                "Diary sheets issued", "Passed to environmental health", "No further action"),
}
# Share of calls in each category, per agency, for background demand.
_MIX = {
    "police": {"crime": 0.30, "asb": 0.13, "welfare": 0.12, "domestic": 0.08,
               "mental_health": 0.05, "medical": 0.02, "other": 0.25, "hoax": 0.01,
               "false_alarm": 0.04},
    "ambulance": {"medical": 0.81, "mental_health": 0.07, "welfare": 0.07, "hoax": 0.005,
                  "other": 0.045},
    "council": {"asb": 0.55, "welfare": 0.08, "other": 0.37},
}
# Chance the caller is named, and that the call is about the caller's own home.
_NAMED = {"crime": 0.6, "asb": 0.5, "welfare": 0.6, "domestic": 0.92, "mental_health": 0.7,
          "medical": 0.6, "other": 0.35, "hoax": 0.05, "false_alarm": 0.1}
_AT_HOME = {"crime": 0.45, "asb": 0.4, "welfare": 0.6, "domestic": 0.95, "mental_health": 0.65,
            "medical": 0.7, "other": 0.3, "hoax": 0.5, "false_alarm": 0.6}
VOLUMES = {"police": 190_000, "ambulance": 58_000, "council": 8_000}
#: Share of calls with a location (every agency but the council as the police).
LOCATED = {"police": 0.995, "council": 0.96}
ID_FORMATS = {"police": "{yymmdd}-{day_seq:04d}", "ambulance": "NW{yy}{seq:07d}",
              "fire": "FC{yy}-{seq:06d}", "council": "CRM{seq:07d}"}


def _age_factor(agency: str, age: np.ndarray) -> np.ndarray:
    if agency == "ambulance":
        return np.select([age < 5, age < 18, age < 45, age < 65, age < 80],
                         [0.5, 0.25, 0.6, 1.0, 2.2], 4.5)
    # Few under-18s are named callers; ages are at the end of the period, so the
    # youngest adults were children for part of it and are kept rare too.
    return np.select([age < 12, age < 16, age < 18, age < 20, age < 22, age < 31, age < 61,
                      age < 81], [0.0, 0.02, 0.05, 0.1, 0.6, 1.3, 1.0, 0.7], 0.5)


def background_calls(world: World) -> Batch:
    rng = world.rng("calls-background")
    people = world.people
    age = world.ages(np.arange(len(people)))
    parts: list[Batch] = []
    for agency, total in VOLUMES.items():
        n = world.volume(total)
        cats = np.array(list(_MIX[agency]), dtype=object)
        p = np.array(list(_MIX[agency].values()))
        category = cats[rng.choice(cats.size, n, p=p / p.sum())]
        soften = 0.6 if agency == "ambulance" else 1.0
        weight = people.propensity**soften * _age_factor(agency, age)
        who = world.pick_people(n, weight, rng)
        named_p = np.array([_NAMED[c] for c in category])
        home_p = np.array([_AT_HOME[c] for c in category])
        if agency == "council":
            named_p = np.full(n, 0.9)
        named = rng.random(n) < named_p
        place = world.incident_places(n, rng)
        at_home = rng.random(n) < home_p
        place = np.where(at_home, people.home[who], place)
        if agency == "council":
            # Complaints about the street or the neighbours.
            near = rng.random(n)
            place = np.where(near < 0.4, people.home[world.neighbours(who, rng)], place)
            place = np.where(near >= 0.75, world.street_place_of(people.home[who]), place)
        caller = np.where(named, who, -1)
        if agency == "ambulance":
            # A child patient's call is made by a parent.
            child = named & (age[who] < 16)
            caller[child] = world.adult_at_home(who[child], rng)
        if agency != "council":
            # An anonymous caller's call is about anywhere, not a sampled person's home.
            place = np.where(named, place, world.incident_places(n, rng))
        profile = {"police": "police", "ambulance": "ambulance", "council": "office"}[agency]
        t = clock.sample_times(rng, n, world.period, profile)
        asb = category == "asb"
        t[asb] = clock.sample_times(rng, int(asb.sum()), world.period, "asb")
        parts.append(batch(n, agency=agency, time=t, category=category, caller=caller,
                           place=place))
    return concat(parts, CALL_DEFAULTS)


def asb_call_intensity(world: World) -> dict[str, np.ndarray]:
    """Expected located ASB calls of ``background_calls`` at each place over the period, by
    agency.

    Police: a named caller's own home (0.5 x 0.4), else an incident place. Council: the
    caller's home or an incident place, then a neighbour's home (0.4; none found: the home
    of the last person, as ``people.home[-1]``) or the caller's street (0.25).
    """
    people = world.people
    age = world.ages(np.arange(len(people)))
    weight = people.propensity * _age_factor("police", age)  # council callers alike
    out: dict[str, np.ndarray] = {}
    for agency in ("police", "council"):
        mix = _MIX[agency]
        calls = world.volume(VOLUMES[agency]) * mix["asb"] / sum(mix.values()) * LOCATED[agency]
        home, anywhere = world.expected_homes(weight), world.expected_incident_places()
        if agency == "police":
            named, at_home = _NAMED["asb"], _AT_HOME["asb"]
            out[agency] = calls * (named * at_home * home + (1 - named * at_home) * anywhere)
            continue
        neighbour, none = world.expected_neighbours(weight)
        out[agency] = calls * (0.35 * (_AT_HOME["asb"] * home + (1 - _AT_HOME["asb"]) * anywhere)
                               + 0.4 * neighbour + 0.25 * world.expected_streets(weight))
        out[agency][people.home[-1]] += calls * 0.4 * none.sum()
    return out


def _fill_codes(world: World, b: Batch) -> None:
    """Call types, priorities, channels, attendance and outcomes where a source left them."""
    rng = world.rng("calls-codes")
    n = b["agency"].size
    agencies, a_code = factorize(b["agency"])
    categories, c_code = factorize(b["category"])

    def is_agency(name: str) -> np.ndarray:
        return a_code == (agencies.index(name) if name in agencies else -1)

    def is_category(name: str) -> np.ndarray:
        return c_code == (categories.index(name) if name in categories else -1)

    priority = np.array([PRIORITIES.index(p) if p else -1 for p in b["priority"].tolist()])
    todo = b["call_type"] == ""
    group = a_code * len(categories) + c_code
    for g in np.unique(group[todo]):
        sel = np.flatnonzero(todo & (group == g))
        key = (agencies[g // len(categories)], categories[g % len(categories)])
        types, weights = _CODES.get(key, (("OTHER",), (0.1, 0.4, 0.4, 0.1)))
        b["call_type"][sel] = np.array(types, dtype=object)[rng.integers(0, len(types),
                                                                         sel.size)]
        w = np.asarray(weights)
        chosen = rng.choice(4, sel.size, p=w / w.sum())
        priority[sel] = np.where(priority[sel] < 0, chosen, priority[sel])
    priority = np.where(priority < 0, 2, priority)
    b["priority"] = np.array(PRIORITIES, dtype=object)[priority]
    u = rng.random(n)
    emergency = priority == 0
    ch = np.where(emergency, np.where(u < 0.97, 0, 2), np.where(u < 0.72, 1, np.where(
        u < 0.95, 4, 5)))
    ch = np.where(is_agency("ambulance"), np.where(emergency | (u < 0.8), 0, 3), ch)
    ch = np.where(is_agency("council"), np.where(u < 0.6, 3, np.where(u < 0.95, 4, 5)), ch)
    ch = np.where(is_category("false_alarm"), 6, ch)
    ch = np.where(is_category("hoax"), 0, ch)
    need = b["channel"] == ""
    b["channel"][need] = np.array(CHANNELS, dtype=object)[ch[need]]
    att_p = np.array([0.97, 0.88, 0.6, 0.05])[priority]
    att_p = np.where(is_agency("council"), att_p * 0.4, att_p)
    need = b["attended"] < 0
    b["attended"][need] = (rng.random(int(need.sum())) < att_p[need]).astype(np.int64)
    no_outcome = b["outcome"] == ""
    for name, outcomes in _OUTCOMES.items():
        sel = np.flatnonzero(is_agency(name) & no_outcome)
        b["outcome"][sel] = np.array(outcomes, dtype=object)[rng.integers(0, len(outcomes),
                                                                          sel.size)]


def finish_calls(world: World, parts: list[Batch]) -> Feed:
    b = concat(parts, CALL_DEFAULTS)
    b["attended"] = b["attended"].astype(np.int64)
    order = np.lexsort((b["agency"].astype(str), b["time"]))
    b = {k: v[order] for k, v in b.items()}
    _fill_codes(world, b)
    rng = world.rng("calls-finish")
    agency = b["agency"]
    amb = np.flatnonzero(agency == "ambulance")
    moved, text = clock.with_offsets(rng, b["time"][amb])
    b["time"][amb] = moved
    received = clock.naive(b["time"])
    if amb.size:
        received = received.scatter(amb, text)
    place = b["place"]
    e = np.where(np.isnan(b["e"]), world.geo.places.e[place], b["e"])
    n = np.where(np.isnan(b["n"]), world.geo.places.n[place], b["n"])
    return Feed(
        name="calls", agency=agency, source_id=sequence_ids(agency, b["time"], ID_FORMATS),
        time=b["time"], place=place, e=e, n=n, category=b["category"],
        columns={"received_at": received, "channel": b["channel"], "call_type": b["call_type"],
                 "category": b["category"], "priority": b["priority"]},
        roles={"caller": b["caller"]},
        has_location=rng.random(agency.size) < np.where(agency == "council", LOCATED["council"],
                                                        LOCATED["police"]),
        extra={"attended": np.where(b["attended"] == 1, "true", "false").astype(object),
               "outcome": b["outcome"]},
    )
