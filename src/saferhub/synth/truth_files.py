"""Writing ``truth/``: mentions, people, places, locations, hotspots, backgrounds and a README."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from saferhub.synth import fire, truth
from saferhub.synth import names as N
from saferhub.synth.asb import LOCATED as REPORTS_LOCATED
from saferhub.synth.asb import background_intensity as asb_report_intensity
from saferhub.synth.calls import LOCATED as CALLS_LOCATED
from saferhub.synth.calls import asb_call_intensity
from saferhub.synth.places import KINDS, STREET, wgs84
from saferhub.synth.plan import Plan
from saferhub.synth.render import coordinates_given
from saferhub.synth.world import Batch, Feed, World
from saferhub.synth.writer import write_csv

README = """\
# Ground truth for the synthetic partner files

Everything here is what the partner files do not say: who each mention really is,
where each event really happened, and what was planted. Flags are computed from
the generated events by the definitions in shared/spec/standards.md.

- `mentions.csv` — one row per person named in a feed row: `feed, agency, source_id,
  role, person_id`. Mentions with the same `person_id` are the same person (linkage truth).
  `role` is the column prefix (caller, reporter, subject, associate, occupant).
- `people.csv` — every person mentioned (and every planted person): true first, middle
  and last name, maiden name, sex, date of birth, home place, phones, and:
  - `frequent_caller` / `frequent_caller_rule` — FreCaNN on named calls across all agencies:
    `month5` (adult, 5+ calls in a calendar month), `3months12` (adult, 12+ in 3 consecutive
    calendar months), `child_6months3` (under 18, 3+ within 183 days). Age on the call date.
  - `repeat_victim` — 2+ incidents within 365 days as the named caller of an asb/crime/
    domestic call or the reporter of an ASB report.
  - `asb_case_review` — 3+ qualifying complaints within 183 days: ASB reports made as
    reporter (not qualifying if `occurred_at` is given and more than 31 days before
    `reported_at`) and asb calls to police or council as the named caller.
  - `vulnerable` / `vulnerabilities` — the person's true vulnerabilities; every vulnerable
    person is the subject of at least one referral (referrals record a subset).
  - `exploiter`, `cuckooed_resident` — planted cuckooing roles.
  - `planted` — what the generator meant the person to be (chance cases have it empty;
    `asb_case_review_near_miss` people were laid out to just miss the threshold).
- `places.csv` — every place referenced: kind (dwelling, flat, communal, street,
  commercial), canonical address, postcode, WGS84 and British National Grid coordinates,
  2011 LSOA (empty outside Wirral), `building_id` (flats in one building share it),
  `cuckooed` with `cuckooed_from`/`cuckooed_to`, `repeat_location` (a further incident of
  the same category there within 365 days) with the categories, and
  `communal_frequent_calling` (a care home or hostel with 15+ calls in a calendar month).
- `locations.csv` — where each event happened: `feed, agency, source_id, place_id,
  location_given` (false when the feed row has no location). Street places stand for
  incidents in the street or open land near them.
- `hotspots.csv` — planted spatial clusters: category (asb, deliberate_secondary_fire),
  kind (persistent, emerging, former), centre, radius, active dates and planted events
  (on top of the background, which is itself concentrated in deprived areas).
- `background.csv` — where the background (everything but the planted hotspots) is
  expected to put a hotspot category's events: `category, place_id, easting, northing,
  offset_min_m, offset_max_m, expected_events` (over the whole period). Each event lies
  between the two offsets from its place (uniform distance, any direction). Today for
  deliberate secondary fires, whose places are streets and shops; an analysis can tell a
  real background concentration from chance with it.
- `background_asb.csv` — the same for ASB (calls in category asb and ASB reports) that a
  map can show: those given with coordinates, which only the police's are (council and
  housing give an address); each event counts by its chance of having them.
  `category, source, place_id, easting, northing, offset_min_m, offset_max_m, first_date,
  last_date, expected_events`; events lie at their place (both offsets 0). `source`
  `background` rows are the everyday calls and reports (callers', reporters' and
  neighbours' homes, streets, shops), expected over the whole period with the events'
  seasonal rhythm. The other sources are planted people's ASB (victims, frequent_callers,
  communal, cuckooing): the events made, by place and local date (`first_date` =
  `last_date`; a report's date is when the behaviour occurred where it says, else when
  reported): real problems at real places, not hotspots.
"""


def _ids(prefix: str, x: np.ndarray, width: int = 7) -> pl.Series:
    """Opaque ids like PLC0001234; null for -1."""
    v = pl.Series(np.asarray(x, dtype=np.int64))
    if v.len() and (v.max() or 0) >= 10**width:
        width = len(str(v.max()))
    # Zero-padded by adding 10**width and dropping the leading 1 (faster than zfill).
    padded = (v + 10**width).cast(pl.Utf8).str.slice(1)
    return pl.select(pl.when(v >= 0).then(pl.lit(prefix) + padded)).to_series()


def _place_id(p: np.ndarray) -> pl.Series:
    return _ids("PLC", p)


def _phone(x: np.ndarray) -> pl.Series:
    v = pl.Series(np.asarray(x, dtype=np.int64))
    return pl.select(pl.when(v > 0).then(pl.lit("0") + v.cast(pl.Utf8))).to_series()


def _bool(x: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(x, dtype=bool))


def canonical_address(world: World, place: np.ndarray) -> pl.Series:
    """The address as the place itself would write it: "Flat 2, 14 Park Road"."""
    P, S = world.geo.places, world.geo.streets
    suffix = pl.Series([s[0] for s in N.STREET_SUFFIXES])
    st = P.street[place]
    c = pl.col
    df = pl.DataFrame({
        "num": P.number[place], "flat": P.flat[place], "kind": P.kind[place],
        "name": world.geo.text["name"].gather(place),
        "street": world.geo.text["base"].gather(st) + " " + suffix.gather(S.suffix[st]),
    }).with_columns(ns=pl.when(c("num") > 0).then(
        pl.concat_str([c("num").cast(pl.Utf8), pl.lit(" "), c("street")])).otherwise(c("street")))
    line = (pl.when(c("kind") == STREET).then(c("street"))
            .when((c("flat") > 0) & (c("num") > 0)).then(
                pl.concat_str([pl.lit("Flat "), c("flat").cast(pl.Utf8), pl.lit(", "), c("ns")]))
            .when(c("flat") > 0).then(pl.concat_str([pl.lit("Flat "), c("flat").cast(pl.Utf8),
                                                     pl.lit(", "), c("name"), pl.lit(", "),
                                                     c("street")]))
            .when(c("name") != "").then(pl.concat_str([c("name"), pl.lit(", "), c("ns")]))
            .otherwise(c("ns")))
    return df.select(line.alias("address"))["address"]


def write_truth(out: Path, world: World, plan: Plan, feeds: list[Feed],
                people_asb: dict[str, list[Batch]]) -> dict[str, int]:
    by_name = {f.name: f for f in feeds}
    calls, asb = by_name["calls"], by_name["asb-reports"]
    people = world.people
    rows: dict[str, int] = {}
    m, source_ids = truth.mentions(feeds)
    frame = pl.DataFrame({"feed": m["feed"].tolist(), "agency": m["agency"].tolist(),
                          "source_id": source_ids, "role": m["role"].tolist(),
                          "person_id": _ids("PER", m["person"])})
    write_csv(frame, out / "mentions.csv")
    rows["truth/mentions.csv"] = frame.height

    n = len(people)
    planted = truth.planted_labels(plan, n)
    counts = np.bincount(m["person"], minlength=n)
    who = np.flatnonzero((counts > 0) | (planted != ""))
    fc = truth.frequent_callers(world, calls)
    rule = np.full(n, "", dtype=object)
    for name, members in fc.items():
        rule[members] = np.where(rule[members] == "", name, rule[members] + ";" + name)
    repeat, review = truth.victims(calls, asb)
    flag = {k: np.zeros(n, dtype=bool) for k in ("repeat", "review", "exploiter", "cuckoo",
                                                 "vulnerable")}
    flag["repeat"][repeat] = True
    flag["review"][review] = True
    flag["exploiter"][plan.exploiters] = True
    flag["cuckoo"][plan.cuckoo_resident] = True
    referred = np.unique(by_name["referrals"].roles["subject"])
    flag["vulnerable"][referred[referred >= 0]] = True
    vul = np.full(n, "", dtype=object)
    for p, v in zip(plan.vulnerable, plan.vulnerabilities, strict=True):
        vul[p] = ";".join(sorted(set(filter(None, (vul[p] + ";" + v).split(";")))))
    people_frame = pl.DataFrame({
        "person_id": _ids("PER", who),
        "first_name": people.first_text(who).tolist(),
        "middle_name": people.middle_text(who).tolist(),
        "last_name": people.last_text(who).tolist(),
        "previous_last_name": people.previous_text(who).tolist(),
        "sex": pl.Series(["F", "M"]).gather(people.sex[who]),
        "dob": pl.Series(people.dob[who]),
        "home_place_id": _place_id(people.home[who]),
        "mobile": _phone(people.mobile[who]), "landline": _phone(people.landline[who]),
        "mentions": counts[who], "frequent_caller": _bool(rule[who] != ""),
        "frequent_caller_rule": rule[who].tolist(), "repeat_victim": _bool(flag["repeat"][who]),
        "asb_case_review": _bool(flag["review"][who]),
        "vulnerable": _bool(flag["vulnerable"][who] & (vul[who] != "")),
        "vulnerabilities": vul[who].tolist(), "exploiter": _bool(flag["exploiter"][who]),
        "cuckooed_resident": _bool(flag["cuckoo"][who]), "planted": planted[who].tolist(),
    })
    write_csv(people_frame, out / "people.csv")
    rows["truth/people.csv"] = people_frame.height

    loc_parts = [f for f in feeds if (f.place >= 0).any()]
    locations = pl.DataFrame({
        "feed": np.concatenate([np.full(f.place.size, f.name, dtype=object)
                                for f in loc_parts]).tolist(),
        "agency": np.concatenate([f.agency for f in loc_parts]).tolist(),
        "source_id": pl.concat([f.source_id for f in loc_parts]),
        "place_id": _place_id(np.concatenate([f.place for f in loc_parts])),
        "location_given": _bool(np.concatenate([f.has_location for f in loc_parts])),
    })
    write_csv(locations, out / "locations.csv")
    rows["truth/locations.csv"] = locations.height

    rows["truth/places.csv"] = _write_places(out, world, plan, feeds, people.home[who])
    rows["truth/hotspots.csv"] = _write_hotspots(out, world, plan)
    rows["truth/background.csv"] = _write_background(out, world)
    rows["truth/background_asb.csv"] = _write_asb_background(out, world, people_asb)
    (out / "README.md").write_text(README, encoding="utf-8")
    return rows


def _write_places(out: Path, world: World, plan: Plan, feeds: list[Feed],
                  homes: np.ndarray) -> int:
    P, geo = world.geo.places, world.geo
    events = np.concatenate([f.place[f.place >= 0] for f in feeds])
    hot = np.array([h.place for h in plan.hotspots], dtype=np.int64)
    place = np.unique(np.concatenate([events, homes, hot, plan.communal_fc]))
    event_count = np.bincount(events, minlength=len(P))[place]
    repeats = truth.repeat_locations(feeds)
    communal = truth.communal_frequent(world, by_name_calls(feeds))
    cuckoo_from = np.full(len(P), "", dtype=object)
    cuckoo_to = np.full(len(P), "", dtype=object)
    start = world.period.start
    for p, d0, d1 in zip(plan.cuckoo_place, plan.cuckoo_first, plan.cuckoo_last, strict=True):
        cuckoo_from[p] = str(start + np.timedelta64(int(d0), "D"))
        cuckoo_to[p] = str(start + np.timedelta64(int(d1), "D"))
    is_repeat = np.zeros(len(P), dtype=bool)
    is_repeat[np.array(list(repeats), dtype=np.int64)] = True
    repeat_cats = np.full(len(P), "", dtype=object)
    repeat_cats[np.array(list(repeats), dtype=np.int64)] = list(repeats.values())
    is_communal = np.zeros(len(P), dtype=bool)
    is_communal[communal] = True
    lat, lon = wgs84(P.e[place], P.n[place])
    lsoa = geo.lsoa[place]
    st = P.street[place]
    frame = pl.DataFrame({
        "place_id": _place_id(place), "kind": pl.Series(KINDS).gather(P.kind[place]),
        "communal_type": P.communal[place].tolist(), "address": canonical_address(world, place),
        "locality": geo.text["locality"].gather(st), "town": geo.text["town"].gather(st),
        "postcode": geo.text["postcode"].gather(st),
        "latitude": np.round(lat, 6), "longitude": np.round(lon, 6),
        "easting": np.round(P.e[place]).astype(np.int64),
        "northing": np.round(P.n[place]).astype(np.int64),
        "lsoa11cd": np.where(lsoa >= 0, geo.lsoa_codes[np.maximum(lsoa, 0)], "").tolist(),
        "building_id": _ids("BLD", P.building[place]), "street_id": _ids("STR", st, 6),
        "cuckooed": _bool(cuckoo_from[place] != ""), "cuckooed_from": cuckoo_from[place].tolist(),
        "cuckooed_to": cuckoo_to[place].tolist(),
        "repeat_location": _bool(is_repeat[place]),
        "repeat_location_categories": repeat_cats[place].tolist(),
        "communal_frequent_calling": _bool(is_communal[place]),
        "events": event_count,
    })
    write_csv(frame, out / "places.csv")
    return frame.height


def by_name_calls(feeds: list[Feed]) -> Feed:
    return next(f for f in feeds if f.name == "calls")


def _write_hotspots(out: Path, world: World, plan: Plan) -> int:
    hs = plan.hotspots
    e = np.array([h.e for h in hs])
    n = np.array([h.n for h in hs])
    lat, lon = wgs84(e, n)
    start = world.period.start
    lsoa = world.geo.lsoa[np.array([h.place for h in hs], dtype=np.int64)]
    frame = pl.DataFrame({
        "hotspot_id": [h.id for h in hs], "category": [h.category for h in hs],
        "kind": [h.kind for h in hs],
        "centre_latitude": np.round(lat, 6), "centre_longitude": np.round(lon, 6),
        "centre_easting": np.round(e).astype(np.int64),
        "centre_northing": np.round(n).astype(np.int64),
        "radius_m": [int(h.radius_m) for h in hs],
        "start_date": [str(start + np.timedelta64(h.first_day, "D")) for h in hs],
        "end_date": [str(start + np.timedelta64(h.last_day, "D")) for h in hs],
        "planted_events": [round(h.per_day * (h.last_day - h.first_day + 1)) for h in hs],
        "centre_place_id": _place_id(np.array([h.place for h in hs])),
        "lsoa11cd": [str(world.geo.lsoa_codes[i]) if i >= 0 else "" for i in lsoa],
    })
    write_csv(frame, out / "hotspots.csv")
    return frame.height


def _write_background(out: Path, world: World) -> int:
    place, expected = fire.deliberate_secondary_fire_intensity(world)
    P = world.geo.places
    low, high = fire.OUTDOOR_OFFSET_M
    frame = pl.DataFrame({
        "category": pl.Series(["deliberate_secondary_fire"] * place.size, dtype=pl.Utf8),
        "place_id": _place_id(place),
        "easting": np.round(P.e[place], 1), "northing": np.round(P.n[place], 1),
        "offset_min_m": np.full(place.size, low), "offset_max_m": np.full(place.size, high),
        "expected_events": np.round(expected, 6),
    })
    write_csv(frame, out / "background.csv")
    return frame.height


def _write_asb_background(out: Path, world: World, people_asb: dict[str, list[Batch]]) -> int:
    # Only rows with coordinates can be mapped: the police's (council and housing give an
    # address only), each event weighted by its chance of being located with coordinates.
    expected = np.zeros(len(world.geo.places))
    for by_agency in (asb_call_intensity(world), asb_report_intensity(world)):
        for agency, intensity in by_agency.items():
            expected += intensity * coordinates_given(agency)
    place = np.flatnonzero(expected > 0)
    first, last = str(world.period.start), str(world.period.end)
    parts = [pl.DataFrame({
        "source": pl.Series(["background"] * place.size, dtype=pl.Utf8), "place": place,
        "first_date": pl.Series([first] * place.size, dtype=pl.Utf8),
        "last_date": pl.Series([last] * place.size, dtype=pl.Utf8),
        "expected_events": expected[place],
    })]
    for source, batches in people_asb.items():
        for b in batches:
            report = "occurred" in b
            asb_event = np.ones(b["place"].size, bool) if report else b["category"] == "asb"
            when = b["time"]
            if report:  # the analysis takes when the behaviour occurred, if the report says
                shown = b.get("occurred_shown", np.ones(when.size, dtype=bool))
                when = np.where(shown, b["occurred"], when)
            located = REPORTS_LOCATED if report else np.array(
                [CALLS_LOCATED.get(a, CALLS_LOCATED["police"]) for a in b["agency"].tolist()])
            mapped = located * np.array([coordinates_given(a) for a in b["agency"].tolist()])
            keep = asb_event & (mapped > 0)
            day = when[keep].astype("datetime64[D]").astype(str)
            parts.append(pl.DataFrame({
                "source": pl.Series([source] * day.size, dtype=pl.Utf8),
                "place": b["place"][keep].astype(np.int64), "first_date": day, "last_date": day,
                "expected_events": np.broadcast_to(mapped, keep.shape)[keep].astype(float),
            }))
    frame = (pl.concat(parts)
             .group_by(["source", "place", "first_date", "last_date"], maintain_order=True)
             .agg(pl.col("expected_events").sum()))
    P = world.geo.places
    p = frame["place"].to_numpy()
    frame = pl.DataFrame({
        "category": pl.Series(["asb"] * frame.height, dtype=pl.Utf8),
        "source": frame["source"], "place_id": _place_id(p),
        "easting": np.round(P.e[p], 1), "northing": np.round(P.n[p], 1),
        "offset_min_m": np.zeros(frame.height), "offset_max_m": np.zeros(frame.height),
        "first_date": frame["first_date"], "last_date": frame["last_date"],
        "expected_events": np.round(frame["expected_events"].to_numpy(), 6),
    })
    write_csv(frame, out / "background_asb.csv")
    return frame.height
