"""The synthetic population: households in homes, names that fit their age, phones.

Every home holds one household (1-5 people, smaller in flats); care homes and
hostels hold many. Household members mostly share a surname; some married
women keep a previous surname that older records still use; a few sons share
their father's first name (a hard case for linkage on purpose). Landlines are
shared by a household, mobiles are personal.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from saferhub.synth import names as N
from saferhub.synth.places import COMMUNAL, DWELLING, FLAT, Geography

F, M = 0, 1


@dataclass
class People:
    """Everyone, as arrays; names are indices into the lists in ``names`` (strings are
    made only for the people an agency records, see ``text``)."""

    first: np.ndarray  # int: index into FIRST_NAMES
    last: np.ndarray  # int: index into SURNAMES
    last2: np.ndarray  # int: second part of a hyphenated surname, -1 none
    previous_last: np.ndarray  # int: maiden name, -1 none
    middle: np.ndarray  # int: middle name (index into FIRST_NAMES), -1 none
    sex: np.ndarray  # int8, 0 female / 1 male
    dob: np.ndarray  # datetime64[D]
    home: np.ndarray  # place index
    mobile: np.ndarray  # int64: national number without the leading 0, 0 = none
    landline: np.ndarray  # int64
    propensity: np.ndarray  # how often this person calls services, relative
    in_area: np.ndarray  # bool: lives in the hub's area

    def __len__(self) -> int:
        return int(self.first.size)

    def age_on(self, when: np.ndarray, who: np.ndarray) -> np.ndarray:
        """Whole years of age of people ``who`` on dates ``when`` (datetime64)."""
        d = np.asarray(when).astype("datetime64[D]")
        b = self.dob[who]
        years = d.astype("datetime64[Y]").astype(int) - b.astype("datetime64[Y]").astype(int)
        had_birthday = (d - d.astype("datetime64[Y]")) >= (b - b.astype("datetime64[Y]"))
        return np.asarray(years - (~had_birthday).astype(int))

    def first_text(self, who: np.ndarray) -> np.ndarray:
        return np.asarray(FIRST_NAMES[self.first[who]])

    def last_text(self, who: np.ndarray) -> np.ndarray:
        out = SURNAMES[self.last[who]].copy()
        two = self.last2[who] >= 0
        out[two] = out[two] + "-" + SURNAMES[self.last2[who][two]]
        return np.asarray(out)

    def middle_text(self, who: np.ndarray) -> np.ndarray:
        m = self.middle[who]
        return np.where(m >= 0, FIRST_NAMES[np.maximum(m, 0)], "").astype(object)

    def previous_text(self, who: np.ndarray) -> np.ndarray:
        p = self.previous_last[who]
        return np.where(p >= 0, SURNAMES[np.maximum(p, 0)], "").astype(object)


FIRST_NAMES = np.array(N.FEMALE_FIRST[0] + N.MALE_FIRST[0], dtype=object)
_MALE_OFFSET = len(N.FEMALE_FIRST[0])
_SURNAMES, _SURNAME_P = N.surname_table()
SURNAMES = np.array(_SURNAMES, dtype=object)


def _first_names(rng: np.random.Generator, sex: np.ndarray, year: np.ndarray) -> np.ndarray:
    out = np.empty(sex.size, dtype=np.int64)
    order = np.lexsort((year, sex))
    key = sex[order].astype(np.int64) * 10_000 + year[order]
    bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
    for a, b in pairwise(bounds):
        s, y = int(sex[order[a]]), int(year[order[a]])
        p = N.first_name_probabilities(s, y)
        out[order[a:b]] = rng.choice(p.size, b - a, p=p) + (_MALE_OFFSET if s == M else 0)
    return out


def _surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(SURNAMES.size, n, p=_SURNAME_P)


def build_people(geo: Geography, ref: np.datetime64, rng: np.random.Generator) -> People:
    """Everyone living in the synthetic borough (and the few out-of-area homes)."""
    places = geo.places
    homes = np.flatnonzero((places.kind == DWELLING) | (places.kind == FLAT))
    flat = places.kind[homes] == FLAT
    size = np.where(
        flat,
        rng.choice([1, 2, 3, 4], homes.size, p=[0.55, 0.3, 0.1, 0.05]),
        rng.choice([1, 2, 3, 4, 5], homes.size, p=[0.25, 0.35, 0.17, 0.15, 0.08]),
    )
    lsoa = geo.lsoa[homes]
    shares = geo.lsoa_ages[np.maximum(lsoa, 0)]
    home = np.repeat(homes, size)
    hh = np.repeat(np.arange(homes.size), size)
    rank = np.arange(home.size) - np.repeat(np.cumsum(size) - size, size)
    n = home.size
    # Head of household: 65+ in proportion to the LSOA's older adults.
    old_head = rng.random(homes.size) < shares[:, 2] / (shares[:, 1] + shares[:, 2]) * 0.9
    head_age = np.where(old_head, 65 + np.minimum(rng.gamma(2.0, 6.0, homes.size), 37),
                        rng.uniform(18, 65, homes.size))
    h_age = head_age[hh]
    partner_adult = rng.random(n) < 0.78
    age = np.select(
        [rank == 0, (rank == 1) & (h_age >= 65), (rank == 1) & partner_adult, h_age < 58],
        [h_age, np.clip(h_age + rng.normal(0, 4, n), 60, 101),
         np.clip(h_age + rng.normal(0, 5, n), 18, 90),
         np.clip(rng.uniform(0, 18, n), 0, np.maximum(h_age - 17, 0.1))],
        default=rng.uniform(18, 36, n),
    )
    sex = rng.integers(0, 2, n).astype(np.int8)
    head_sex = sex[np.repeat(np.cumsum(size) - size, size)]
    sex = np.where((rank == 1) & (rng.random(n) < 0.9), 1 - head_sex, sex).astype(np.int8)

    # Communal homes: care homes of older people and hostels of younger adults.
    comm = np.flatnonzero(places.kind == COMMUNAL)
    care = places.communal[comm] == "care_home"
    c_size = np.where(care, rng.integers(15, 61, comm.size), rng.integers(10, 41, comm.size))
    c_home = np.repeat(comm, c_size)
    c_care = np.repeat(care, c_size)
    c_n = c_home.size
    c_age = np.where(c_care, 75 + np.minimum(rng.gamma(2.0, 5.0, c_n), 26), rng.uniform(18, 60, c_n))
    c_sex = np.where(c_care, rng.random(c_n) < 0.3, rng.random(c_n) < 0.8).astype(np.int8)

    home = np.concatenate([home, c_home])
    age = np.concatenate([age, c_age])
    sex = np.concatenate([sex, c_sex])
    rank = np.concatenate([rank, np.zeros(c_n, dtype=np.int64)])
    hh = np.concatenate([hh, homes.size + np.arange(c_n)])
    n = home.size
    days_old = (age * 365.25).astype(np.int64)
    dob = ref.astype("datetime64[D]") - days_old.astype("timedelta64[D]")
    year = dob.astype("datetime64[Y]").astype(int) + 1970

    first = _first_names(rng, sex, year)
    n_hh = int(hh.max()) + 1
    hh_surname = _surnames(rng, n_hh)
    hh_second = np.where(rng.random(n_hh) < 0.025, _surnames(rng, n_hh), -1)
    hh_second[hh_second == hh_surname] = -1
    own = _surnames(rng, n)
    shares_name = (rank == 0) | ((rank == 1) & (rng.random(n) < 0.7)) | (
        (rank >= 2) & (rng.random(n) < 0.88))
    last = np.where(shares_name, hh_surname[hh], own)
    last2 = np.where(shares_name, hh_second[hh], -1)
    # Married women who took the household's name keep a maiden name in old records.
    maiden = (sex == F) & (rank <= 1) & shares_name & (age >= 22) & (rng.random(n) < 0.8)
    previous_last = np.where(maiden, _surnames(rng, n), -1)
    previous_last[previous_last == last] = -1
    # Juniors: sons sharing the head's first name.
    head_idx = np.r_[np.repeat(np.cumsum(size) - size, size), n - c_n + np.arange(c_n)]
    junior = (rank >= 2) & (sex == M) & (sex[head_idx] == M) & (rng.random(n) < 0.07)
    first[junior] = first[head_idx[junior]]

    has_mobile = (age >= 11) & (rng.random(n) < np.where(age > 80, 0.6, 0.88))
    mobile = np.where(has_mobile, rng.integers(7_400_000_000, 8_000_000_000, n), 0)
    hh_line = np.where(rng.random(n_hh) < 0.32, rng.integers(1_516_000_000, 1_517_000_000, n_hh), 0)
    in_area = geo.lsoa[home] >= 0
    lsoa = np.maximum(geo.lsoa[home], 0)
    # Heavy-tailed but capped: a few people call far more than most, yet ordinary
    # people seldom reach a frequent-caller threshold by chance.
    propensity = np.minimum(rng.gamma(0.7, 1 / 0.7, n), 6.0) * geo.lsoa_mult[lsoa] ** 0.7 * in_area
    # Over half of people have a middle name; agencies mostly leave it out.
    middle = np.where(rng.random(n) < 0.55, _first_names(rng, sex, year), -1)
    middle[middle == first] = -1
    return People(first=first, last=last, last2=last2, previous_last=previous_last,
                  middle=middle, sex=sex,
                  dob=dob, home=home, mobile=mobile, landline=hh_line[hh],
                  propensity=propensity, in_area=in_area)
