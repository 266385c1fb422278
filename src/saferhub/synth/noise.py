"""How agencies get people wrong: each agency's own record of a person, with its errors.

An agency keeps one record per person it knows (a police nominal, a council
customer, a housing tenant) and reuses it, so its mistakes repeat within the
agency and differ between agencies: a nickname, a typo, a maiden name, half a
hyphenated surname, a wrong or missing date of birth, an old phone number, a
previous address. A few people have two records in one agency (duplicates).
The per-mention layer (case, initials, formats, missing fields) is in render.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from saferhub.synth import names as N
from saferhub.synth.population import FIRST_NAMES, People

AGENCIES = ("police", "fire", "ambulance", "council", "housing", "third_sector")

_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_NEAR: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        near = [_row[j] for j in (_c - 1, _c + 1) if 0 <= j < len(_row)]
        for rr in (_r - 1, _r + 1):
            if 0 <= rr < len(_ROWS):
                near += [_ROWS[rr][j] for j in (_c, _c + 1) if 0 <= j < len(_ROWS[rr])]
        _NEAR[_ch] = "".join(near)


def typo(s: str, u: float, v: float, w: float) -> str:
    """One keyboard error: transposition, dropped, doubled or neighbouring letter."""
    if len(s) < 3:
        return s
    i = 1 + int(v * (len(s) - 1))  # the first letter is rarely wrong
    i = min(i, len(s) - 1)
    if u < 0.3 and i < len(s) - 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if u < 0.55:
        return s[:i] + s[i + 1 :]
    if u < 0.75:
        return s[:i] + s[i] + s[i:]
    near = _NEAR.get(s[i].lower())
    if not near:
        return s[:i] + s[i + 1 :]
    ch = near[int(w * len(near)) % len(near)]
    return s[:i] + (ch.upper() if s[i].isupper() else ch) + s[i + 1 :]


def apply_typos(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = values.copy()
    idx = np.flatnonzero(mask)
    r = rng.random((idx.size, 3))
    out[idx] = [typo(str(values[i]), a, b, c) for i, (a, b, c) in zip(idx, r, strict=True)]
    return out


def nicknames(first: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = first.copy()
    idx = np.flatnonzero(mask)
    r = rng.random(idx.size)
    for i, u in zip(idx, r, strict=True):
        options = N.NICKNAMES.get(str(first[i]))
        if options:
            out[i] = options[int(u * len(options))]
    return out


def surname_variants(last: np.ndarray, rng: np.random.Generator, p: float) -> np.ndarray:
    """Half a hyphenated name, a dropped apostrophe, Mc/Mac confusion."""
    out = last.copy()
    tricky = np.flatnonzero([("-" in s) or ("'" in s) or s.startswith("M") for s in last])
    r = rng.random((tricky.size, 2))
    for i, (u, v) in zip(tricky, r, strict=True):
        s = str(last[i])
        if u >= p:
            continue
        if "-" in s:
            a, b = s.split("-", 1)
            out[i] = (a, b, f"{a} {b}", a + b)[int(v * 4)]
        elif "'" in s:
            out[i] = s.replace("'", "" if v < 0.6 else " ")
        elif s.startswith("Mc"):
            out[i] = ("Mac" + s[2:]) if v < 0.4 else ("Mc " + s[2:])
        elif s.startswith("Mac") and len(s) > 4 and s[3].isupper():
            out[i] = "Mc" + s[3:]
    return out


def perturb_dob(dob: np.ndarray, rng: np.random.Generator, p_swap: float, p_digit: float
                ) -> np.ndarray:
    """Day and month transposed (where that is still a date) or one part off by one."""
    d = dob.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = (d.astype("datetime64[M]") - d.astype("datetime64[Y]").astype("datetime64[M]")).astype(
        np.int64) + 1
    day = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    u = rng.random(d.size)
    swap = (u < p_swap) & (day <= 12) & (day != m)
    m2 = np.where(swap, day, m)
    day2 = np.where(swap, m, day)
    digit = (u >= p_swap) & (u < p_swap + p_digit)
    which = rng.integers(0, 3, d.size)
    step = np.where(rng.random(d.size) < 0.5, -1, 1)
    y2 = np.where(digit & (which == 0), y + step, y)
    m2 = np.where(digit & (which == 1), np.clip(m2 + step, 1, 12), m2)
    day2 = np.where(digit & (which == 2), np.clip(day2 + step, 1, 28), day2)
    month_start = (y2 - 1970) * 12 + (m2 - 1)
    start = month_start.astype("datetime64[M]").astype("datetime64[D]")
    days_in = ((month_start + 1).astype("datetime64[M]").astype("datetime64[D]") - start).astype(
        np.int64)
    return np.asarray(start + (np.minimum(day2, days_in) - 1).astype("timedelta64[D]"))


@dataclass(frozen=True)
class RecordHabits:
    """How one agency's records of people go wrong (probabilities per record)."""

    nickname: float
    typo_first: float
    typo_last: float
    maiden: float
    surname_variant: float
    dob_known: float
    dob_swap: float
    dob_digit: float
    old_phone: float
    previous_address: float
    has_ref: float
    duplicate: float
    ref_prefix: str


# Agency -> (chance the record has the middle name in the first-name field, chance of a
# middle initial there, chance the date of birth is an estimate: 1 January of the year).
FORENAMES_AND_ESTIMATES: dict[str, tuple[float, float, float]] = {
    "police": (0.08, 0.03, 0.02), "ambulance": (0.03, 0.01, 0.06), "fire": (0.02, 0.01, 0.05),
    "council": (0.05, 0.02, 0.01), "housing": (0.12, 0.02, 0.01),
    "third_sector": (0.02, 0.0, 0.02),
}

HABITS: dict[str, RecordHabits] = {
    "police": RecordHabits(0.10, 0.03, 0.04, 0.20, 0.30, 0.85, 0.02, 0.03, 0.06, 0.05, 0.9,
                           0.04, "MP/"),
    "ambulance": RecordHabits(0.07, 0.05, 0.06, 0.12, 0.35, 0.8, 0.03, 0.04, 0.04, 0.04, 0.35,
                              0.02, "PT"),
    "fire": RecordHabits(0.08, 0.06, 0.07, 0.10, 0.40, 0.45, 0.03, 0.04, 0.05, 0.03, 0.3,
                         0.01, "HSV"),
    "council": RecordHabits(0.04, 0.03, 0.03, 0.30, 0.25, 0.6, 0.02, 0.02, 0.08, 0.06, 0.85,
                            0.05, "CUS"),
    "housing": RecordHabits(0.03, 0.02, 0.03, 0.30, 0.20, 0.85, 0.01, 0.02, 0.06, 0.03, 0.95,
                            0.02, "HT"),
    "third_sector": RecordHabits(0.25, 0.05, 0.05, 0.15, 0.30, 0.5, 0.03, 0.03, 0.05, 0.04,
                                 0.9, 0.02, "C-"),
}


@dataclass
class Records:
    """Every agency's own records of the people it has met, keyed (agency, person)."""

    key: np.ndarray  # sorted int64: agency * 2**32 + person
    first: np.ndarray  # object
    last: np.ndarray  # object
    dob: np.ndarray  # datetime64[D], NaT unknown
    phone: np.ndarray  # int64, 0 none
    home: np.ndarray  # place index the agency holds as home
    ref: np.ndarray  # object, "" none
    ref2: np.ndarray  # object, a duplicate record's ref, "" none

    def find(self, agency: np.ndarray, person: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.key, agency.astype(np.int64) * 2**32 + person)


def build_records(
    people: People, agency: np.ndarray, person: np.ndarray, rng: np.random.Generator,
    homes: np.ndarray,
) -> Records:
    """One record per (agency, person) pair mentioned anywhere, in a fixed order."""
    key = np.unique(agency.astype(np.int64) * 2**32 + person)
    ag = (key >> 32).astype(np.int64)
    who = (key & (2**32 - 1)).astype(np.int64)
    n = key.size
    first = FIRST_NAMES[people.first[who]].copy()
    last = people.last_text(who).astype(object)
    prev = people.previous_text(who)
    middle = people.middle_text(who)
    dob = people.dob[who].copy()
    phone = np.where(people.mobile[who] > 0, people.mobile[who], people.landline[who])
    # Calls from a landline when there is no mobile, or sometimes when there is one.
    use_land = (people.landline[who] > 0) & (rng.random(n) < 0.25)
    phone = np.where(use_land, people.landline[who], phone)
    home = people.home[who].copy()
    ref = np.full(n, "", dtype=object)
    ref2 = np.full(n, "", dtype=object)
    for a, name in enumerate(AGENCIES):
        h = HABITS[name]
        idx = np.flatnonzero(ag == a)
        if idx.size == 0:
            continue
        r = rng.random((idx.size, 10))
        first[idx] = nicknames(first[idx], r[:, 0] < h.nickname, rng)
        full, initial, estimate = FORENAMES_AND_ESTIMATES[name]
        mid = middle[idx]
        with_middle = (mid != "") & (r[:, 9] < full + initial)
        first[idx[with_middle]] = [
            f"{f} {m}" if u < full else f"{f} {m[0]}"
            for f, m, u in zip(first[idx[with_middle]], mid[with_middle], r[with_middle, 9],
                               strict=True)]
        first[idx] = apply_typos(first[idx], r[:, 1] < h.typo_first, rng)
        maiden = (r[:, 2] < h.maiden) & (prev[idx] != "")
        last[idx] = np.where(maiden, prev[idx], last[idx])
        last[idx] = surname_variants(last[idx], rng, h.surname_variant)
        last[idx] = apply_typos(last[idx], r[:, 3] < h.typo_last, rng)
        dob[idx] = perturb_dob(dob[idx], rng, h.dob_swap, h.dob_digit)
        estimated = idx[rng.random(idx.size) < estimate]
        dob[estimated] = dob[estimated].astype("datetime64[Y]").astype("datetime64[D]")
        dob[idx[r[:, 4] >= h.dob_known]] = np.datetime64("NaT")
        old = r[:, 5] < h.old_phone
        phone[idx[old]] = rng.integers(7_400_000_000, 8_000_000_000, int(old.sum()))
        moved = r[:, 6] < h.previous_address
        home[idx[moved]] = homes[rng.integers(0, homes.size, int(moved.sum()))]
        numbers = rng.choice(10_000_000, size=2 * idx.size, replace=False)
        has = r[:, 7] < h.has_ref
        ref[idx[has]] = [f"{h.ref_prefix}{x:07d}" for x in numbers[: idx.size][has]]
        dup = has & (r[:, 8] < h.duplicate)
        ref2[idx[dup]] = [f"{h.ref_prefix}{x:07d}" for x in numbers[idx.size :][dup]]
    return Records(key=key, first=first, last=last, dob=dob, phone=phone, home=home,
                   ref=ref, ref2=ref2)
