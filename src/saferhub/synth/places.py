"""Synthetic streets, buildings and addresses laid over the real Wirral LSOAs.

Homes go into each LSOA in proportion to its 2011 population; streets are short
straight segments inside the LSOA, each with one postcode from the district its
ward lies in. Buildings are houses, converted houses (2-4 flats), blocks of flats,
shops and pubs, care homes and hostels; every flat is its own place sharing a
building with its neighbours. A few Liverpool streets hold out-of-area homes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl
import shapely
from shapely import STRtree

from saferhub.areas import Areas, to_bng, to_wgs84
from saferhub.synth import names as N

DWELLING, FLAT, COMMUNAL, STREET, COMMERCIAL = 0, 1, 2, 3, 4
KINDS = ("dwelling", "flat", "communal", "street", "commercial")
PEOPLE_PER_HOME = 2.3

# ward: (deprivation-like demand multiplier, share of homes that are flats,
#        [(postcode district, locality, lat, lon), ...])
_WARDS: dict[str, tuple[float, float, list[tuple[str, str, float, float]]]] = {
    "Bebington": (0.8, 0.12, [("CH63", "Bebington", 53.355, -3.010),
                              ("CH63", "Higher Bebington", 53.362, -3.030)]),
    "Bidston and St James": (3.0, 0.25, [("CH43", "Bidston", 53.398, -3.075),
                                         ("CH41", "Birkenhead", 53.403, -3.045)]),
    "Birkenhead and Tranmere": (3.0, 0.4, [("CH41", "Birkenhead", 53.390, -3.020),
                                           ("CH42", "Tranmere", 53.376, -3.020)]),
    "Bromborough": (1.3, 0.15, [("CH62", "Bromborough", 53.335, -2.980),
                                ("CH62", "Port Sunlight", 53.352, -2.997)]),
    "Clatterbridge": (0.6, 0.08, [("CH63", "Spital", 53.340, -3.000),
                                  ("CH63", "Thornton Hough", 53.320, -3.040)]),
    "Claughton": (1.5, 0.3, [("CH43", "Claughton", 53.390, -3.050),
                             ("CH41", "Birkenhead", 53.396, -3.035)]),
    "Eastham": (1.0, 0.1, [("CH62", "Eastham", 53.315, -2.965)]),
    "Greasby, Frankby and Irby": (0.6, 0.08, [("CH49", "Greasby", 53.378, -3.120),
                                              ("CH48", "Frankby", 53.374, -3.140),
                                              ("CH61", "Irby", 53.355, -3.115)]),
    "Heswall": (0.5, 0.15, [("CH60", "Heswall", 53.328, -3.100)]),
    "Hoylake and Meols": (0.7, 0.2, [("CH47", "Hoylake", 53.390, -3.180),
                                     ("CH47", "Meols", 53.400, -3.155)]),
    "Leasowe and Moreton East": (2.0, 0.15, [("CH46", "Leasowe", 53.412, -3.100),
                                             ("CH46", "Moreton", 53.400, -3.110)]),
    "Liscard": (1.8, 0.3, [("CH44", "Liscard", 53.418, -3.045),
                           ("CH45", "Liscard", 53.427, -3.045)]),
    "Moreton West and Saughall Massie": (1.0, 0.1, [("CH46", "Moreton", 53.398, -3.125),
                                                    ("CH46", "Saughall Massie", 53.390, -3.140)]),
    "New Brighton": (1.5, 0.35, [("CH45", "New Brighton", 53.433, -3.045)]),
    "Oxton": (1.0, 0.35, [("CH43", "Oxton", 53.383, -3.050)]),
    "Pensby and Thingwall": (0.7, 0.08, [("CH61", "Pensby", 53.345, -3.090),
                                         ("CH61", "Thingwall", 53.352, -3.085)]),
    "Prenton": (1.2, 0.2, [("CH43", "Prenton", 53.373, -3.045),
                           ("CH42", "Prenton", 53.366, -3.035)]),
    "Rock Ferry": (2.5, 0.25, [("CH42", "Rock Ferry", 53.370, -3.005)]),
    "Seacombe": (2.5, 0.3, [("CH44", "Seacombe", 53.410, -3.030)]),
    "Upton": (1.3, 0.12, [("CH49", "Upton", 53.385, -3.090),
                          ("CH49", "Woodchurch", 53.375, -3.080)]),
    "Wallasey": (1.0, 0.2, [("CH45", "Wallasey", 53.425, -3.070)]),
    "West Kirby and Thurstaston": (0.6, 0.22, [("CH48", "West Kirby", 53.372, -3.180),
                                               ("CH61", "Thurstaston", 53.350, -3.140)]),
}
_POST_TOWN = {"CH41": "Birkenhead", "CH42": "Birkenhead", "CH43": "Birkenhead",
              "CH44": "Wallasey", "CH45": "Wallasey"}
_LIVERPOOL = [("L4", "Anfield", 53.435, -2.965), ("L5", "Everton", 53.425, -2.975),
              ("L6", "Tuebrook", 53.418, -2.950), ("L11", "Norris Green", 53.445, -2.925),
              ("L13", "Old Swan", 53.415, -2.925)]
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass
class Streets:
    base: np.ndarray  # object: "Park"
    suffix: np.ndarray  # int: index into names.STREET_SUFFIXES
    lsoa: np.ndarray  # int: index into Geography.lsoa_codes, -1 out of area
    postcode: np.ndarray  # object: "CH41 5AB"
    locality: np.ndarray  # object
    town: np.ndarray  # object
    e: np.ndarray
    n: np.ndarray
    weight: np.ndarray  # where street incidents happen (concentrated, Weisburd-like)


@dataclass
class Places:
    kind: np.ndarray  # int8
    street: np.ndarray
    number: np.ndarray  # 0 = none
    flat: np.ndarray  # 0 = none
    name: np.ndarray  # object: building, home, shop name or ""
    building: np.ndarray  # -1 = none (street locations)
    communal: np.ndarray  # object: "", "care_home", "hostel"
    e: np.ndarray
    n: np.ndarray

    def __len__(self) -> int:
        return int(self.kind.size)


@dataclass
class Geography:
    lsoa_codes: np.ndarray  # object
    lsoa_mult: np.ndarray  # demand multiplier per LSOA
    lsoa_ages: np.ndarray  # (n_lsoa, 3) shares: 0-17, 18-64, 65+
    streets: Streets
    places: Places
    street_place: np.ndarray  # street index -> its STREET place

    @cached_property
    def text(self) -> dict[str, pl.Series]:
        """The place and street words as polars columns, for fast lookups by index."""
        return {
            "name": pl.Series(self.places.name.tolist(), dtype=pl.Utf8),
            "base": pl.Series(self.streets.base.tolist(), dtype=pl.Utf8),
            "locality": pl.Series(self.streets.locality.tolist(), dtype=pl.Utf8),
            "town": pl.Series(self.streets.town.tolist(), dtype=pl.Utf8),
            "postcode": pl.Series(self.streets.postcode.tolist(), dtype=pl.Utf8),
        }

    @property
    def lsoa(self) -> np.ndarray:
        """LSOA index of every place (-1 out of area)."""
        return np.asarray(self.streets.lsoa[self.places.street])

    def nearest_street_place(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        pts = self.street_place
        tree = STRtree(shapely.points(self.places.e[pts], self.places.n[pts]))
        hit = tree.query_nearest(shapely.points(e, n), all_matches=False, return_distance=False)
        out = np.empty(len(e), dtype=np.int64)
        out[hit[0]] = pts[hit[1]]
        return out


def _points_in(geom: object, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = shapely.bounds(geom)
    xs, ys, got = [], [], 0
    while got < n:
        k = max(64, 2 * (n - got))
        x, y = rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)
        ok = shapely.contains_xy(geom, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        got += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _sizes(rng: np.random.Generator, need: int, lo: int, hi: int) -> np.ndarray:
    """Building sizes in [lo, hi] adding up to at least ``need`` units."""
    if need <= 0:
        return np.zeros(0, dtype=np.int64)
    s = rng.integers(lo, hi + 1, size=need // lo + 2)
    return s[: int(np.searchsorted(np.cumsum(s), need)) + 1]


def _lsoa_settings(areas: Areas) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    reps = shapely.point_on_surface(np.array([a.geometry for a in areas.lsoas], dtype=object))
    _, ward_codes = areas.assign(shapely.get_x(reps), shapely.get_y(reps))
    ward_name = {w.code: w.name for w in areas.wards}
    mult, flats, where = [], [], []
    for rep, wc in zip(reps, ward_codes, strict=True):
        m, f, options = _WARDS.get(ward_name.get(wc, ""), (1.0, 0.15, [("CH43", "Birkenhead",
                                                                        53.38, -3.06)]))
        e, n = to_bng(np.array([o[3] for o in options]), np.array([o[2] for o in options]))
        best = int(np.argmin((e - rep.x) ** 2 + (n - rep.y) ** 2))
        mult.append(m)
        flats.append(f)
        where.append((options[best][0], options[best][1]))
    return np.array(mult), np.array(flats), where


def build_geography(areas: Areas, scale: float, rng: np.random.Generator) -> Geography:
    lsoas = areas.lsoas
    codes = np.array([a.code for a in lsoas], dtype=object)
    pop = np.array([areas.population.get(c, {}).get("all_residents", 1500) for c in codes], float)
    ages = np.array([[areas.population.get(c, {}).get(k, 1) for k in
                      ("age_0_17", "age_18_64", "age_65_plus")] for c in codes], float)
    ages = ages / ages.sum(axis=1, keepdims=True)
    mult, flat_share, where = _lsoa_settings(areas)
    mult = mult * rng.lognormal(0, 0.35, mult.size)
    homes = np.maximum(5, np.round(pop * scale / PEOPLE_PER_HOME)).astype(np.int64)
    care_homes = rng.multinomial(max(2, round(85 * scale)), ages[:, 2] * pop / (ages[:, 2] @ pop))
    hostels = rng.multinomial(max(2, round(8 * scale)), mult**2 / (mult**2).sum())

    st_base, st_suffix, st_lsoa, st_e, st_n, st_angle, st_len = [], [], [], [], [], [], []
    b_type, b_size, b_street, b_t = [], [], [], []
    suffix_p = np.array([s[1] for s in N.STREET_SUFFIXES], dtype=float)
    suffix_p /= suffix_p.sum()
    n_streets = 0
    for i, area in enumerate(lsoas):
        k = int(max(2, round(homes[i] / 40)))
        e, n = _points_in(area.geometry, k, rng)
        st_e.append(e)
        st_n.append(n)
        st_angle.append(rng.uniform(0, np.pi, k))
        st_len.append(np.clip(rng.lognormal(np.log(200), 0.45, k), 60, 700))
        st_base.append(rng.choice(len(N.STREET_BASES), size=k))
        st_suffix.append(rng.choice(len(suffix_p), size=k, p=suffix_p))
        st_lsoa.append(np.full(k, i))
        flats = round(homes[i] * flat_share[i])
        conv = _sizes(rng, int(flats * 0.4), 2, 4)
        block = _sizes(rng, flats - int(conv.sum()), 6, 30)
        houses = max(0, int(homes[i] - conv.sum() - block.sum()))
        n_com = max(1, round(homes[i] / 90))
        types = np.concatenate([np.zeros(houses), np.ones(conv.size), np.full(block.size, 2),
                                np.full(n_com, 3), np.full(care_homes[i], 4),
                                np.full(hostels[i], 5)]).astype(np.int64)
        b_type.append(types)
        b_size.append(np.concatenate([np.ones(houses), conv, block, np.ones(n_com),
                                      np.ones(care_homes[i] + hostels[i])]).astype(np.int64))
        b_street.append(n_streets + rng.choice(k, size=types.size, p=st_len[-1] / st_len[-1].sum()))
        b_t.append(rng.uniform(-0.5, 0.5, size=types.size))
        n_streets += k
    streets_lsoa = np.concatenate(st_lsoa)
    s_e, s_n = np.concatenate(st_e), np.concatenate(st_n)
    angle, length = np.concatenate(st_angle), np.concatenate(st_len)
    base = np.array(N.STREET_BASES, dtype=object)[np.concatenate(st_base)]
    suffix = np.concatenate(st_suffix)

    # Liverpool: a few streets of out-of-area homes (county lines come from there).
    n_out = max(5, round(20 * scale))
    opt = rng.integers(0, len(_LIVERPOOL), n_out)
    lat = np.array([_LIVERPOOL[o][2] for o in opt]) + rng.normal(0, 0.006, n_out)
    lon = np.array([_LIVERPOOL[o][3] for o in opt]) + rng.normal(0, 0.01, n_out)
    o_e, o_n = to_bng(lon, lat)
    out_homes = rng.integers(20, 60, n_out)
    b_type.append(np.zeros(int(out_homes.sum()), dtype=np.int64))
    b_size.append(np.ones(int(out_homes.sum()), dtype=np.int64))
    b_street.append(np.repeat(np.arange(n_streets, n_streets + n_out), out_homes))
    b_t.append(rng.uniform(-0.5, 0.5, int(out_homes.sum())))
    streets_lsoa = np.concatenate([streets_lsoa, np.full(n_out, -1)])
    s_e, s_n = np.concatenate([s_e, o_e]), np.concatenate([s_n, o_n])
    angle = np.concatenate([angle, rng.uniform(0, np.pi, n_out)])
    length = np.concatenate([length, rng.uniform(150, 400, n_out)])
    base = np.concatenate([base, np.array(N.STREET_BASES, dtype=object)[
        rng.integers(0, len(N.STREET_BASES), n_out)]])
    suffix = np.concatenate([suffix, rng.choice(len(suffix_p), size=n_out, p=suffix_p)])

    postcode, locality, town = _postcodes(rng, streets_lsoa, s_n, where, opt)
    streets = Streets(
        base=base, suffix=suffix, lsoa=streets_lsoa, postcode=postcode, locality=locality,
        town=town, e=s_e, n=s_n,
        weight=np.where(streets_lsoa >= 0, mult[np.maximum(streets_lsoa, 0)], 0.0)
        * rng.lognormal(0, 1.1, s_e.size) * length / 200,
    )
    places = _buildings(
        rng, areas, streets, angle, length,
        np.concatenate(b_type), np.concatenate(b_size), np.concatenate(b_street),
        np.concatenate(b_t),
    )
    street_place = np.flatnonzero(places.kind == STREET)
    return Geography(codes, mult, ages, streets, places, street_place)


def _postcodes(
    rng: np.random.Generator, lsoa: np.ndarray, north: np.ndarray,
    where: list[tuple[str, str]], out_opt: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = lsoa.size
    district = np.empty(n, dtype=object)
    locality = np.empty(n, dtype=object)
    inside = lsoa >= 0
    district[inside] = [where[i][0] for i in lsoa[inside]]
    locality[inside] = [where[i][1] for i in lsoa[inside]]
    district[~inside] = [_LIVERPOOL[o][0] for o in out_opt]
    locality[~inside] = [_LIVERPOOL[o][1] for o in out_opt]
    town = np.array([_POST_TOWN.get(d, "Liverpool" if d.startswith("L") else "Wirral")
                     for d in district], dtype=object)
    # Sector: LSOAs of a district ranked north to south share out sectors 1-9.
    sector = np.zeros(n, dtype=np.int64)
    for d in sorted(set(district.tolist())):
        mine = np.flatnonzero(district == d)
        keys = np.where(lsoa[mine] >= 0, lsoa[mine], mine)
        uniq = np.unique(keys)
        mean_n = np.array([north[mine][keys == k].mean() for k in uniq])
        rank = np.argsort(np.argsort(-mean_n))
        sector[mine] = 1 + (rank[np.searchsorted(uniq, keys)] * 9) // max(1, uniq.size)
    units = np.array([a + b for a in _UNIT_LETTERS for b in _UNIT_LETTERS], dtype=object)
    postcode = np.empty(n, dtype=object)
    for d in sorted(set(district.tolist())):
        for s in range(1, 10):
            mine = np.flatnonzero((district == d) & (sector == s))
            if mine.size:
                pick = rng.permutation(units.size)[np.arange(mine.size) % units.size]
                postcode[mine] = [f"{d} {s}{u}" for u in units[pick]]
    return postcode, locality, town


def _buildings(
    rng: np.random.Generator, areas: Areas, streets: Streets, angle: np.ndarray,
    length: np.ndarray, b_type: np.ndarray, b_size: np.ndarray, b_street: np.ndarray,
    b_t: np.ndarray,
) -> Places:
    order = np.lexsort((b_t, b_street))
    b_type, b_size, b_street, b_t = b_type[order], b_size[order], b_street[order], b_t[order]
    nb = b_type.size
    first = np.r_[True, b_street[1:] != b_street[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(nb), 0))
    rank = np.arange(nb) - start
    side = np.where(rank % 2 == 0, 1.0, -1.0) * 9.0
    a, L = angle[b_street], length[b_street]
    e = streets.e[b_street] + b_t * L * np.cos(a) - side * np.sin(a)
    n = streets.n[b_street] + b_t * L * np.sin(a) + side * np.cos(a)
    lsoa = streets.lsoa[b_street]
    geoms = np.array([x.geometry for x in areas.lsoas], dtype=object)
    ok = np.ones(nb, dtype=bool)
    inside = lsoa >= 0
    ok[inside] = shapely.contains_xy(geoms[lsoa[inside]], e[inside], n[inside])
    e = np.where(ok, e, streets.e[b_street] + rng.normal(0, 2, nb))
    n = np.where(ok, n, streets.n[b_street] + rng.normal(0, 2, nb))
    bases = np.array(N.STREET_BASES, dtype=object)
    word = bases[rng.integers(0, bases.size, nb)]
    named_block = (b_type == 2) & (rng.random(nb) < 0.6)
    number = np.where(named_block | (b_type >= 4) & (rng.random(nb) < 0.5), 0, rank + 1)
    name = np.full(nb, "", dtype=object)
    blocks = np.flatnonzero(b_type == 2)
    block_word = np.array(N.BLOCK_WORDS, dtype=object)[rng.integers(0, len(N.BLOCK_WORDS), nb)]
    name[blocks] = word[blocks] + " " + block_word[blocks]
    for t, words in ((4, N.CARE_HOME_WORDS), (5, N.HOSTEL_WORDS)):
        idx = np.flatnonzero(b_type == t)
        w = np.array(words, dtype=object)[rng.integers(0, len(words), idx.size)]
        name[idx] = word[idx] + " " + w
    shops = np.flatnonzero(b_type == 3)
    pub = rng.random(shops.size) < 0.25
    name[shops] = np.where(
        pub,
        "The " + np.array(N.PUB_ADJ, dtype=object)[rng.integers(0, len(N.PUB_ADJ), shops.size)]
        + " " + np.array(N.PUB_NOUN, dtype=object)[rng.integers(0, len(N.PUB_NOUN), shops.size)],
        np.array(N.SHOPS, dtype=object)[rng.integers(0, len(N.SHOPS), shops.size)],
    )
    # One place per home: houses are one, flats one each, sharing their building.
    unit_b = np.repeat(np.arange(nb), b_size)
    unit_first = np.r_[True, unit_b[1:] != unit_b[:-1]]
    unit_rank = np.arange(unit_b.size) - np.maximum.accumulate(
        np.where(unit_first, np.arange(unit_b.size), 0))
    bt = b_type[unit_b]
    kind = np.select([bt == 0, bt <= 2, bt == 3], [DWELLING, FLAT, COMMERCIAL], COMMUNAL)
    communal = np.select([bt == 4, bt == 5], ["care_home", "hostel"], "").astype(object)
    ns = streets.e.size
    return Places(
        kind=np.concatenate([kind, np.full(ns, STREET)]).astype(np.int8),
        street=np.concatenate([b_street[unit_b], np.arange(ns)]),
        number=np.concatenate([number[unit_b], np.zeros(ns, dtype=np.int64)]),
        flat=np.concatenate([np.where(kind == FLAT, unit_rank + 1, 0), np.zeros(ns, np.int64)]),
        name=np.concatenate([name[unit_b], np.full(ns, "", dtype=object)]),
        building=np.concatenate([unit_b, np.full(ns, -1)]),
        communal=np.concatenate([communal, np.full(ns, "", dtype=object)]),
        e=np.concatenate([e[unit_b], streets.e]),
        n=np.concatenate([n[unit_b], streets.n]),
    )


def wgs84(e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(latitude, longitude) for BNG points."""
    lon, lat = to_wgs84(e, n)
    return lat, lon
