"""The ``fire-incidents`` feed and the fire control calls that raised them.

Merseyside has many deliberate secondary fires (refuse, grass, derelict
buildings), peaking in spring and around Bonfire Night. Every incident has at
least one fire call; fires in the open often get several.
"""

from __future__ import annotations

import numpy as np

from saferhub.synth import clock
from saferhub.synth.world import Batch, Feed, World, batch, concat, sequence_ids

FIRE_DEFAULTS = {
    "time": np.datetime64("NaT", "s"), "incident_type": "", "motive": "", "property_type": "",
    "place": -1, "e": np.nan, "n": np.nan, "occupant": -1,
}
VOLUME = 4_600
# incident type: (share, {property type: share})
_TYPES: dict[str, tuple[float, dict[str, float]]] = {
    "secondary_fire": (0.42, {"refuse": 0.55, "grassland": 0.3, "derelict": 0.1, "other": 0.05}),
    "primary_fire": (0.12, {"dwelling": 0.5, "vehicle": 0.3, "other_building": 0.2}),
    "chimney_fire": (0.015, {"dwelling": 1.0}),
    "false_alarm_malicious": (0.025, {"other": 0.7, "dwelling": 0.3}),
    "false_alarm_good_intent": (0.14, {"dwelling": 0.4, "other": 0.6}),
    "false_alarm_apparatus": (0.13, {"other_building": 0.6, "dwelling": 0.4}),
    "special_service": (0.15, {"dwelling": 0.4, "other": 0.6}),
}
_CALL = {  # incident type -> (call category, call type)
    "secondary_fire": ("fire", "FIRE - RUBBISH/GRASS"), "primary_fire": ("fire", "FIRE"),
    "chimney_fire": ("fire", "CHIMNEY FIRE"),
    "false_alarm_malicious": ("hoax", "MALICIOUS CALL"),
    "false_alarm_good_intent": ("false_alarm", "SMOKE SEEN"),
    "false_alarm_apparatus": ("false_alarm", "AFA"), "special_service": ("other", "SPECIAL SERVICE"),
}
_OUTCOME = {"fire": "Fire extinguished", "hoax": "False alarm - malicious",
            "false_alarm": "False alarm - no action", "other": "Made safe"}
#: Where background incidents happen: (homes, streets, shops and pubs), as World.incident_places.
_PLACE_MIX = (0.0, 0.85, 0.15)
#: Fires in the open lie this far from their street or shop (uniform, metres), in any direction.
OUTDOOR_OFFSET_M = (20.0, 120.0)
#: Share of secondary fires recorded as deliberate (the rest accidental or unknown).
_DELIBERATE_SECONDARY = 0.8


def background_incidents(world: World) -> Batch:
    rng = world.rng("fire-background")
    n = world.volume(VOLUME)
    names = np.array(list(_TYPES), dtype=object)
    share = np.array([v[0] for v in _TYPES.values()])
    itype = names[rng.choice(names.size, n, p=share / share.sum())]
    prop = np.empty(n, dtype=object)
    for t, (_, props) in _TYPES.items():
        sel = np.flatnonzero(itype == t)
        keys = np.array(list(props), dtype=object)
        p = np.array(list(props.values()))
        prop[sel] = keys[rng.choice(keys.size, sel.size, p=p / p.sum())]
    place = world.incident_places(n, rng, _PLACE_MIX)
    dwelling = prop == "dwelling"
    people = world.people
    w = people.propensity**0.5 * (world.ages(np.arange(len(people))) >= 18) + 0.05
    homes = people.home[world.pick_people(int(dwelling.sum()), w, rng)]
    place[dwelling] = homes
    building = (prop == "other_building") & (rng.random(n) < 0.3)
    communal = np.flatnonzero(world.geo.places.kind == 2)
    place[building] = communal[rng.integers(0, communal.size, int(building.sum()))]
    e = world.geo.places.e[place].copy()
    nn = world.geo.places.n[place].copy()
    outdoors = np.isin(prop, ["refuse", "grassland", "derelict", "other", "vehicle"])
    r, a = rng.uniform(*OUTDOOR_OFFSET_M, n), rng.uniform(0, 2 * np.pi, n)
    e = np.where(outdoors, e + r * np.cos(a), np.nan)
    nn = np.where(outdoors, nn + r * np.sin(a), np.nan)
    return batch(n, time=clock.sample_times(rng, n, world.period, "fire"), incident_type=itype,
                 property_type=prop, place=place, e=e, n=nn)


def deliberate_secondary_fire_intensity(world: World) -> tuple[np.ndarray, np.ndarray]:
    """The background's expected deliberate secondary fires over the period, by place.

    (place indices, expected fires): what ``background_incidents`` and ``finish_incidents``
    draw from, in expectation. Each fire lies ``OUTDOOR_OFFSET_M`` from its place. Planted
    hotspots come on top (truth/hotspots.csv).
    """
    share = np.array([v[0] for v in _TYPES.values()])
    secondary = _TYPES["secondary_fire"][0] / share.sum()
    fires = world.volume(VOLUME) * secondary * _DELIBERATE_SECONDARY
    _, on_street, at_shop = np.asarray(_PLACE_MIX) / sum(_PLACE_MIX)
    weight = world.geo.streets.weight
    places = np.concatenate([world.geo.street_place, world.commercial])
    expected = fires * np.concatenate([on_street * weight / weight.sum(),
                                       at_shop * world.commercial_weight])
    keep = expected > 0
    return places[keep], expected[keep]


def finish_incidents(world: World, parts: list[Batch]) -> tuple[Feed, Batch]:
    """The fire-incidents feed, and the fire calls that go into the calls feed."""
    rng = world.rng("fire-finish")
    b = concat(parts, FIRE_DEFAULTS)
    b = {k: v[np.argsort(b["time"], kind="stable")] for k, v in b.items()}
    m = b["time"].size
    it, prop = b["incident_type"], b["property_type"]
    u = rng.random(m)
    motive = np.select(
        [it == "secondary_fire", (it == "primary_fire") & (prop == "vehicle"),
         it == "primary_fire", it == "chimney_fire", it == "false_alarm_malicious"],
        [np.where(u < _DELIBERATE_SECONDARY, "deliberate",
                  np.where(u < 0.92, "accidental", "unknown")),
         np.where(u < 0.6, "deliberate", np.where(u < 0.9, "accidental", "unknown")),
         np.where(u < 0.15, "deliberate", np.where(u < 0.95, "accidental", "unknown")),
         "accidental", "deliberate"], "")
    b["motive"] = np.where(b["motive"] == "", motive, b["motive"]).astype(object)
    # The occupier of a home is recorded for fires and alarms there.
    home = world.is_home(b["place"])
    occ_p = np.select([np.isin(it, ["primary_fire", "chimney_fire"]),
                       it == "false_alarm_apparatus"], [0.85, 0.5], 0.3)
    lives = home & (world.household_size[b["place"]] > 0) & (rng.random(m) < occ_p)
    occupant = np.full(m, -1)
    if lives.any():
        occupant[lives] = world.adult_at_home(_resident_of(world, b["place"][lives], rng), rng)
    b["occupant"] = np.where(b["occupant"] >= 0, b["occupant"], occupant)
    cas = np.where((it == "primary_fire") & (prop == "dwelling"),
                   rng.choice(3, m, p=[0.88, 0.1, 0.02]), 0)
    cas = np.where(it == "special_service", rng.choice(2, m, p=[0.75, 0.25]), cas)
    place = b["place"]
    e = np.where(np.isnan(b["e"]), world.geo.places.e[place], b["e"])
    n = np.where(np.isnan(b["n"]), world.geo.places.n[place], b["n"])
    agency = np.full(m, "fire", dtype=object)
    category = np.where((it == "secondary_fire") & (b["motive"] == "deliberate"),
                        "deliberate_secondary_fire", it).astype(object)
    feed = Feed(
        name="fire-incidents", agency=agency,
        source_id=sequence_ids(agency, b["time"], {"fire": "MFRS/{yy}/{seq:06d}"}),
        time=b["time"], place=place, e=e, n=n, category=category,
        columns={"occurred_at": clock.naive(b["time"]), "incident_type": it,
                 "motive": b["motive"],
                 "property_type": prop, "casualties": cas},
        roles={"occupant": b["occupant"]}, has_location=np.ones(m, dtype=bool),
    )
    return feed, _fire_calls(world, b, e, n, rng)


def _resident_of(world: World, place: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    order = np.argsort(world.people.home, kind="stable")
    start = np.searchsorted(world.people.home[order], place)
    count = world.household_size[place]
    return order[start + (rng.random(place.size) * count).astype(np.int64)]


def _fire_calls(world: World, b: Batch, e: np.ndarray, n: np.ndarray,
                rng: np.random.Generator) -> Batch:
    it = b["incident_type"]
    m = it.size
    extra = rng.poisson(np.select([it == "secondary_fire", it == "primary_fire"], [0.35, 0.7],
                                  0.05))
    k = 1 + extra
    src = np.repeat(np.arange(m), k)
    nth = np.arange(src.size) - np.repeat(np.cumsum(k) - k, k)
    delay = np.where(nth == 0, rng.integers(-180, 30, src.size), rng.integers(30, 1500, src.size))
    cat = np.array([_CALL[t][0] for t in it], dtype=object)[src]
    ctype = np.array([_CALL[t][1] for t in it], dtype=object)[src]
    prop = b["property_type"][src]
    ctype = np.where((ctype == "FIRE") & (prop == "vehicle"), "FIRE - VEHICLE", ctype)
    ctype = np.where((ctype == "FIRE") & (prop == "dwelling"), "FIRE - DWELLING", ctype)
    alarm = (it[src] == "false_alarm_apparatus") & (rng.random(src.size) < 0.8)
    occupant = b["occupant"][src]
    street = world.geo.places.street[b["place"][src]]
    neighbour = world.residents(street, rng)
    u = rng.random(src.size)
    caller = np.where((occupant >= 0) & (u < 0.5), occupant,
                      np.where(u < 0.5 + 0.35 * 0.5, neighbour, -1))
    caller = np.where(alarm, -1, caller)
    attended = np.where(alarm & (rng.random(src.size) < 0.2), 0, 1)
    time = clock.machine_clock(b["time"][src] + delay.astype("timedelta64[s]"))
    return batch(src.size, agency="fire", time=time,
                 category=cat, caller=caller, place=b["place"][src], e=e[src], n=n[src],
                 call_type=ctype.astype(object), channel=np.where(alarm, "alarm", "999")
                 .astype(object), priority="emergency", attended=attended,
                 outcome=np.array([_OUTCOME[c] for c in cat], dtype=object))
