"""Ground truth: who every mention really is, and who and where meets each definition.

Flags are computed from the generated events by the definitions in
shared/spec/standards.md, not copied from the plan: a background person who
happens to call five times in a month is a frequent caller here too. The plan
is kept alongside in the ``planted`` column.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from saferhub.synth.plan import Plan
from saferhub.synth.world import Feed, World, factorize

DAY = np.timedelta64(1, "D")


def mentions(feeds: list[Feed]) -> tuple[dict[str, np.ndarray], pl.Series]:
    """One row per person named in a feed row: feed, agency, role, person, row; and the
    rows' source ids."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("feed", "agency", "role", "person",
                                                          "row")}
    ids: list[pl.Series] = []
    for f in feeds:
        for role, who in f.roles.items():
            idx = np.flatnonzero(who >= 0)
            parts["feed"].append(np.full(idx.size, f.name, dtype=object))
            parts["agency"].append(f.agency[idx])
            ids.append(f.source_id.gather(idx))
            parts["role"].append(np.full(idx.size, role, dtype=object))
            parts["person"].append(who[idx])
            parts["row"].append(idx)
    return {k: np.concatenate(v) for k, v in parts.items()}, pl.concat(ids)


def _months(t: np.ndarray) -> np.ndarray:
    return t.astype("datetime64[M]").astype(np.int64)


def _within(person: np.ndarray, t: np.ndarray, k: int, window: np.timedelta64) -> np.ndarray:
    """People with k events whose first and last are no more than ``window`` apart."""
    if person.size < k:
        return np.zeros(0, dtype=np.int64)
    o = np.lexsort((t, person))
    p, tt = person[o], t[o]
    hit = (p[k - 1 :] == p[: p.size - k + 1]) & (tt[k - 1 :] - tt[: p.size - k + 1] <= window)
    return np.unique(p[: p.size - k + 1][hit])


def frequent_callers(world: World, calls: Feed) -> dict[str, np.ndarray]:
    """FreCaNN: adults 5+ calls in a calendar month or 12+ in 3 consecutive months;
    under-18s 3+ calls in a rolling 6 months (183 days). Counted on named callers."""
    who = calls.roles["caller"]
    sel = who >= 0
    person, t = who[sel], calls.time[sel]
    adult = world.people.age_on(t, person) >= 18
    key = person[adult].astype(np.int64) * 100_000 + _months(t[adult])
    keys, counts = np.unique(key, return_counts=True)
    month5 = np.unique(keys[counts >= 5] // 100_000)
    total = counts.copy()
    for step in (1, 2):
        pos = np.searchsorted(keys, keys + step)
        found = (pos < keys.size) & (keys[np.minimum(pos, keys.size - 1)] == keys + step)
        total += np.where(found, counts[np.minimum(pos, keys.size - 1)], 0)
    three = np.unique(keys[total >= 12] // 100_000)
    child = _within(person[~adult], t[~adult], 3, np.timedelta64(183, "D").astype(
        "timedelta64[s]"))
    return {"month5": month5, "3months12": three, "child_6months3": child}


def victims(calls: Feed, asb: Feed) -> tuple[np.ndarray, np.ndarray]:
    """Repeat victims (2+ crime/ASB incidents within 365 days, as caller or reporter)
    and ASB case review (3 qualifying ASB complaints within 183 days)."""
    c_who, a_who = calls.roles["caller"], asb.roles["reporter"]
    cats, cat_code = factorize(calls.category)
    agencies, agency_code = factorize(calls.agency)

    def among(names: list[str], options: list[str], codes: np.ndarray) -> np.ndarray:
        return np.isin(codes, [options.index(x) for x in names if x in options])

    victim_call = (c_who >= 0) & among(["asb", "crime", "domestic"], cats, cat_code)
    person = np.concatenate([c_who[victim_call], a_who[a_who >= 0]])
    t = np.concatenate([calls.time[victim_call], asb.time[a_who >= 0]])
    repeat = _within(person, t, 2, np.timedelta64(365, "D").astype("timedelta64[s]"))
    occurred = asb.extra["occurred"]
    late = ~np.isnat(occurred) & (asb.time - occurred > np.timedelta64(31 * 86400, "s"))
    complaint_call = (c_who >= 0) & among(["asb"], cats, cat_code) & among(
        ["police", "council", "housing"], agencies, agency_code)
    ok_report = (a_who >= 0) & ~late
    person = np.concatenate([c_who[complaint_call], a_who[ok_report]])
    t = np.concatenate([calls.time[complaint_call], asb.time[ok_report]])
    review = _within(person, t, 3, np.timedelta64(183, "D").astype("timedelta64[s]"))
    return repeat, review


def repeat_locations(feeds: list[Feed]) -> dict[int, str]:
    """Places with a further similar incident within 365 days: place -> categories."""
    place, cat, t = [], [], []
    for f in feeds:
        if f.name in ("calls", "asb-reports", "fire-incidents"):
            ok = f.place >= 0
            place.append(f.place[ok])
            cat.append(f.category[ok])
            t.append(f.time[ok])
    p, tt = np.concatenate(place), np.concatenate(t)
    codes, inverse = factorize(np.concatenate(cat))
    key = p.astype(np.int64) * 64 + inverse
    hits = _within(key, tt, 2, np.timedelta64(365, "D").astype("timedelta64[s]"))
    out: dict[int, list[str]] = {}
    for k in hits:
        out.setdefault(int(k // 64), []).append(str(codes[k % 64]))
    return {k: ";".join(sorted(v)) for k, v in sorted(out.items())}


def communal_frequent(world: World, calls: Feed) -> np.ndarray:
    """Communal addresses (care homes, hostels) with 15+ calls in a calendar month."""
    at = calls.place >= 0
    communal = at & (world.geo.places.communal[np.maximum(calls.place, 0)] != "")
    key = calls.place[communal].astype(np.int64) * 100_000 + _months(calls.time[communal])
    keys, counts = np.unique(key, return_counts=True)
    return np.unique(keys[counts >= 15] // 100_000)


def planted_labels(plan: Plan, n: int) -> np.ndarray:
    """Per person, what the plan meant them to be (";"-joined)."""
    out = np.full(n, "", dtype=object)
    sets = [
        ("frequent_caller", plan.fc_adult), ("frequent_caller_child", plan.fc_child),
        ("repeat_victim", plan.repeat_victim),
        ("asb_case_review", plan.case_review[~plan.cr_near_miss]),
        ("asb_case_review_near_miss", plan.case_review[plan.cr_near_miss]),
        ("vulnerable", plan.vulnerable), ("cuckooed_resident", plan.cuckoo_resident),
        ("exploiter", plan.exploiters),
    ]
    for name, who in sets:
        who = np.unique(who)
        out[who] = np.where(out[who] == "", name, out[who] + ";" + name)
    return out
