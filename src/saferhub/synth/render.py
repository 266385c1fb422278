"""Turning records into the text agencies export: names, dates, phones, addresses.

Each agency has its own conventions (police upper-case surnames and addresses,
councils write DD/MM/YYYY, the fire service gives eastings and northings), and
each row drops or garbles fields at its own rate. Vectorised with polars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from saferhub.synth import names as N
from saferhub.synth.noise import AGENCIES, Records, apply_typos
from saferhub.synth.places import COMMERCIAL, COMMUNAL, FLAT, STREET, Geography, wgs84

PERSON_FIELDS = ("first_name", "last_name", "dob", "phone", "address", "postcode", "ref")


@dataclass(frozen=True)
class Habits:
    """An agency's writing habits, per mention."""

    case: tuple[float, float, float, float, float]  # as typed, UPPER, lower, SURNAME, Capitalised
    dob_dmy: float  # share of DD/MM/YYYY (else YYYY-MM-DD)
    phone_formats: tuple[float, float, float, float, float]
    address_upper: float
    abbreviate: float
    locality: float  # add ", Birkenhead" etc.
    postcode_nospace: float
    postcode_lower: float
    initial: float
    swap: float
    fresh_typo: float
    coords: str  # "latlon", "bng" or ""


#: Share of rows of a latitude-and-longitude agency that give them.
LATLON_GIVEN = 0.97
HABITS: dict[str, Habits] = {
    "police": Habits((0.12, 0.1, 0.0, 0.78, 0.0), 0.05, (0.55, 0.3, 0.05, 0.07, 0.03), 0.85,
                     0.45, 0.4, 0.08, 0.02, 0.03, 0.01, 0.02, "latlon"),
    "ambulance": Habits((0.35, 0.55, 0.05, 0.05, 0.0), 0.3, (0.2, 0.2, 0.1, 0.3, 0.2), 0.6, 0.3,
                        0.6, 0.15, 0.03, 0.04, 0.02, 0.05, "latlon"),
    "fire": Habits((0.2, 0.75, 0.05, 0.0, 0.0), 0.8, (0.4, 0.4, 0.1, 0.05, 0.05), 0.9, 0.55, 0.3,
                   0.2, 0.0, 0.08, 0.02, 0.06, "bng"),
    "council": Habits((0.72, 0.03, 0.07, 0.02, 0.16), 0.95, (0.25, 0.45, 0.2, 0.05, 0.05), 0.05,
                      0.2, 0.5, 0.06, 0.05, 0.02, 0.01, 0.02, ""),
    "housing": Habits((0.8, 0.05, 0.05, 0.0, 0.1), 0.9, (0.3, 0.5, 0.1, 0.05, 0.05), 0.1, 0.15,
                      0.6, 0.03, 0.01, 0.01, 0.01, 0.01, ""),
    "third_sector": Habits((0.6, 0.05, 0.3, 0.0, 0.05), 0.7, (0.3, 0.3, 0.2, 0.1, 0.1), 0.05,
                           0.35, 0.3, 0.15, 0.15, 0.05, 0.03, 0.05, ""),
}

# (feed, role) -> per-agency chance each field is filled: first, last, dob, phone,
# address, postcode, ref. "*" is the default for agencies not listed.
PRESENCE: dict[tuple[str, str], dict[str, tuple[float, ...]]] = {
    ("calls", "caller"): {
        "*": (0.9, 0.95, 0.3, 0.93, 0.55, 0.5, 1.0),
        "ambulance": (0.85, 0.88, 0.65, 0.95, 0.8, 0.75, 1.0),
        "fire": (0.6, 0.75, 0.05, 0.95, 0.4, 0.3, 0.5),
        "council": (0.98, 0.98, 0.25, 0.85, 0.92, 0.9, 1.0),
    },
    ("asb-reports", "reporter"): {"*": (0.97, 0.97, 0.45, 0.85, 0.9, 0.85, 1.0)},
    ("asb-reports", "subject"): {"*": (0.85, 0.6, 0.15, 0.15, 0.75, 0.5, 0.6)},
    ("fire-incidents", "occupant"): {"*": (0.85, 0.95, 0.35, 0.55, 0.5, 0.5, 1.0)},
    ("referrals", "subject"): {
        "*": (0.98, 0.99, 0.9, 0.7, 0.95, 0.9, 1.0),
        "third_sector": (0.98, 0.85, 0.5, 0.8, 0.8, 0.65, 1.0),
    },
    ("intelligence", "subject"): {"*": (0.9, 0.92, 0.6, 0.3, 0.5, 0.4, 1.0)},
    ("intelligence", "associate"): {"*": (0.92, 0.45, 0.2, 0.15, 0.2, 0.1, 0.6)},
}


def _pick(rng: np.random.Generator, n: int, weights: tuple[float, ...]) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(p.size, size=n, p=p / p.sum())


def agency_codes(agency: np.ndarray) -> np.ndarray:
    """Index into AGENCIES of each row's agency name."""
    mapping = {a: k for k, a in enumerate(AGENCIES)}
    s = pl.Series(np.asarray(agency, dtype=object).tolist(), dtype=pl.Utf8)
    return s.replace_strict(mapping, default=-1, return_dtype=pl.Int64).to_numpy()


def _per_row(code: np.ndarray, fn: Callable[[Habits], float]) -> np.ndarray:
    """An array holding, per row, ``fn(habits of the row's agency)``."""
    out = np.zeros(code.size)
    for k, a in enumerate(AGENCIES):
        out[code == k] = fn(HABITS[a])
    return out


def _pick_per_agency(rng: np.random.Generator, code: np.ndarray,
                     fn: Callable[[Habits], tuple[float, ...]]) -> np.ndarray:
    out = np.zeros(code.size, dtype=np.int64)
    for k, a in enumerate(AGENCIES):
        sel = code == k
        out[sel] = _pick(rng, int(sel.sum()), fn(HABITS[a]))
    return out


def phone_text(number: np.ndarray, fmt: np.ndarray) -> pl.Series:
    """UK phone numbers written five ways; null where the number is 0.

    Mobiles (07700 900123): 07700900123, 07700 900123, 07700 900 123, +44 7700 900123,
    +447700900123. Landlines (0151 638 1234): 01516381234, 0151 638 1234, 0151-638-1234,
    +44 151 638 1234, (0151) 638 1234.
    """
    mobile = number >= 7_000_000_000
    # prefix, separator after the first group, separator after the second group
    mob = (("0", "", ""), ("0", " ", ""), ("0", " ", " "), ("+44 ", " ", ""), ("+44", "", ""))
    land = (("0", "", ""), ("0", " ", " "), ("0", "-", "-"), ("+44 ", " ", " "),
            ("(0", ") ", " "))
    table = pl.Series([p for style in (mob, land) for f in style for p in f])
    base = np.where(mobile, 0, 15) + 3 * np.asarray(fmt, dtype=np.int64)
    d = pl.Series(number).cast(pl.Utf8)
    cut = np.where(mobile, 4, 3)
    frame = pl.DataFrame({"d": d, "cut": cut, "p": table.gather(base),
                          "s1": table.gather(base + 1), "s2": table.gather(base + 2)})
    c = pl.col
    text = pl.concat_str([c("p"), c("d").str.slice(0, c("cut")), c("s1"),
                          c("d").str.slice(c("cut"), 3), c("s2"), c("d").str.slice(c("cut") + 3)])
    return frame.select(pl.when(pl.Series(number) > 0).then(text).alias("p"))["p"]


def address_text(
    geo: Geography, place: np.ndarray, agency_code: np.ndarray, rng: np.random.Generator
) -> tuple[pl.Series, pl.Series]:
    """Address line and postcode of each place as each row's agency writes it."""
    P, S = geo.places, geo.streets
    st = P.street[place]
    n = place.size
    suffix = S.suffix[st]
    # Suffix words: the full word, or one of its abbreviations, from one flat table.
    words = [w for s in N.STREET_SUFFIXES for w in (s[0], *s[2])]
    first = np.cumsum([0] + [1 + len(s[2]) for s in N.STREET_SUFFIXES])[:-1]
    n_abbr = np.array([len(s[2]) for s in N.STREET_SUFFIXES])[suffix]
    abbreviate = rng.random(n) < _per_row(agency_code, lambda h: h.abbreviate)
    which = np.where(abbreviate, 1 + (rng.random(n) * n_abbr).astype(np.int64), 0)
    loc_mode = np.where(rng.random(n) < _per_row(agency_code, lambda h: h.locality),
                        rng.integers(1, 3, n), 0)
    upper = rng.random(n) < _per_row(agency_code, lambda h: h.address_upper)
    text = geo.text
    df = pl.DataFrame({
        "kind": P.kind[place], "num": P.number[place], "flat": P.flat[place],
        "name": text["name"].gather(place), "base": text["base"].gather(st),
        "suffix": pl.Series(words).gather(first[suffix] + which),
        "loc": text["locality"].gather(st), "town": text["town"].gather(st),
        "fmt": rng.integers(0, 5, n), "keepname": rng.random(n) < 0.7, "loc_mode": loc_mode,
        "upper": upper, "pc": text["postcode"].gather(st),
    })
    c = pl.col
    # Built in stages, each naming the last stage's columns, so that polars does not
    # evaluate a deeply nested expression tree over and over.
    num, flat, name, street = c("num_s"), c("flat_s"), c("name"), c("street")
    df = df.with_columns(num_s=c("num").cast(pl.Utf8), flat_s=c("flat").cast(pl.Utf8),
                         street=pl.concat_str([c("base"), pl.lit(" "), c("suffix")]))
    df = df.with_columns(numstreet=pl.when(c("num") > 0).then(
        pl.concat_str([num, pl.lit(" "), street])).otherwise(street))
    ns = c("numstreet")
    numbered_flat = [pl.concat_str([pl.lit("Flat "), flat, pl.lit(", "), ns]),
                     pl.concat_str([pl.lit("Flat "), flat, pl.lit(" "), ns]),
                     pl.concat_str([pl.lit("F"), flat, pl.lit(" "), ns]),
                     pl.concat_str([flat, pl.lit("/"), num, pl.lit(" "), street]),
                     pl.concat_str([ns, pl.lit(" Flat "), flat])]
    named_flat = [pl.concat_str([pl.lit("Flat "), flat, pl.lit(", "), name, pl.lit(", "), street]),
                  pl.concat_str([pl.lit("Flat "), flat, pl.lit(" "), name, pl.lit(" "), street]),
                  pl.concat_str([flat, pl.lit(" "), name, pl.lit(", "), street]),
                  pl.concat_str([pl.lit("Flat "), flat, pl.lit(", "), name]),
                  pl.concat_str([name, pl.lit(" Flat "), flat, pl.lit(", "), street])]

    # Each row's layout, then each layout built only on its own rows.
    kind, fmt = P.kind[place], df["fmt"].to_numpy()
    numbered = P.number[place] > 0
    keep = df["keepname"].to_numpy() | ~numbered
    layout = np.select(
        [(kind == FLAT) & numbered, kind == FLAT, kind == STREET,
         np.isin(kind, [COMMUNAL, COMMERCIAL]) & keep],
        [3 + fmt, 8 + fmt, 1, 2], 0)
    layouts = {0: ns, 1: street, 2: pl.concat_str([name, pl.lit(", "), ns])}
    layouts.update({3 + k: e for k, e in enumerate(numbered_flat)})
    layouts.update({8 + k: e for k, e in enumerate(named_flat)})
    line_s = pl.Series("line", [None] * n, dtype=pl.Utf8)
    for k, expr in layouts.items():
        rows = np.flatnonzero(layout == k)
        if rows.size:
            line_s = line_s.scatter(rows, df[rows].select(expr.alias("line"))["line"])
    df = df.with_columns(line=line_s)
    line = c("line")
    df = df.with_columns(line=pl.when(c("loc_mode") == 1).then(
        pl.concat_str([line, pl.lit(", "), c("loc")]))
        .when(c("loc_mode") == 2).then(pl.concat_str([line, pl.lit(", "), c("town")]))
        .otherwise(line))
    lines = df.select(pl.when(c("upper")).then(line.str.to_uppercase()).otherwise(line))["line"]
    nospace = rng.random(n) < _per_row(agency_code, lambda h: h.postcode_nospace)
    lower = rng.random(n) < _per_row(agency_code, lambda h: h.postcode_lower)
    pc = c("pc")
    pc = pl.when(pl.Series(nospace)).then(pc.str.replace(" ", "", literal=True)).otherwise(pc)
    pcs = df.select(pl.when(pl.Series(lower)).then(pc.str.to_lowercase()).otherwise(pc))["pc"]
    return lines, pcs


def person_columns(
    *, geo: Geography, records: Records, feed: str, role: str, agency_code: np.ndarray,
    person: np.ndarray, rng: np.random.Generator,
) -> dict[str, pl.Series]:
    """The ``role_*`` columns for every row (nulls where no person is named)."""
    rows = agency_code.size
    named = np.flatnonzero(person >= 0)
    ag = agency_code[named]
    rec = records.find(ag, person[named])
    m = named.size
    presence = PRESENCE[(feed, role)]
    probs = np.array([presence.get(a, presence["*"]) for a in AGENCIES])[ag]
    show = rng.random((m, 7)) < probs
    first = records.first[rec].copy()
    last = records.last[rec].copy()
    first = apply_typos(first, rng.random(m) < _per_row(ag, lambda h: h.fresh_typo), rng)
    last = apply_typos(last, rng.random(m) < _per_row(ag, lambda h: h.fresh_typo), rng)
    initial = rng.random(m) < _per_row(ag, lambda h: h.initial)
    dot = rng.random(m) < 0.5
    first[initial] = [f"{s[0]}{'.' if d else ''}" for s, d in zip(first[initial], dot[initial],
                                                                     strict=True)]
    swap = rng.random(m) < _per_row(ag, lambda h: h.swap)
    first[swap], last[swap] = last[swap], first[swap].copy()
    phone = records.phone[rec]
    # Nobody is a mention without a name or a number.
    nothing = ~show[:, 0] & ~show[:, 1] & ~(show[:, 3] & (phone > 0))
    show[nothing, 1] = True
    case = _pick_per_agency(rng, ag, lambda h: h.case)
    c = pl.col
    df = pl.DataFrame({"f": _text(first), "l": _text(last), "case": case})

    def cased(col: str, surname: bool) -> pl.Expr:
        e = c(col)
        cap = e.str.slice(0, 1).str.to_uppercase() + e.str.slice(1).str.to_lowercase()
        return (pl.when(c("case") == 1).then(e.str.to_uppercase())
                .when(c("case") == 2).then(e.str.to_lowercase())
                .when(c("case") == 3).then(e.str.to_uppercase() if surname else e)
                .when(c("case") == 4).then(cap).otherwise(e))

    names = df.select(cased("f", False).alias("f"), cased("l", True).alias("l"))
    dob = records.dob[rec]
    has_dob = ~np.isnat(dob) & show[:, 2]
    dmy = rng.random(m) < _per_row(ag, lambda h: h.dob_dmy)
    dob_s = pl.Series("d", dob.astype("datetime64[D]")).cast(pl.Date)
    dob_txt = pl.DataFrame({"d": dob_s, "dmy": dmy, "has": has_dob}).select(
        pl.when(~c("has")).then(None).when(c("dmy")).then(c("d").dt.strftime("%d/%m/%Y"))
        .otherwise(c("d").dt.strftime("%Y-%m-%d")).alias("d"))["d"]
    fmt = _pick_per_agency(rng, ag, lambda h: h.phone_formats)
    phone_s = phone_text(np.where(show[:, 3], phone, 0), fmt)
    addr, pc = address_text(geo, records.home[rec], ag, rng)
    use2 = (records.ref2[rec] != "") & (rng.random(m) < 0.5)
    ref = np.where(use2, records.ref2[rec], records.ref[rec])
    values: dict[str, pl.Expr | pl.Series] = {
        "first_name": pl.when(pl.Series(show[:, 0])).then(names["f"]),
        "last_name": pl.when(pl.Series(show[:, 1])).then(names["l"]),
        "dob": dob_txt, "phone": phone_s,
        "address": pl.when(pl.Series(show[:, 4])).then(addr),
        "postcode": pl.when(pl.Series(show[:, 5])).then(pc),
        "ref": pl.when(pl.Series(show[:, 6] & (ref != ""))).then(_text(ref)),
    }
    idx = pl.Series(named)
    out: dict[str, pl.Series] = {}
    for field in PERSON_FIELDS:
        name = f"{role}_{field}"
        v = values[field]
        part = pl.select(v).to_series() if isinstance(v, pl.Expr) else pl.Series(v)
        full = pl.Series(name, [None] * rows, dtype=pl.Utf8)
        out[name] = full.scatter(idx, part.cast(pl.Utf8)) if m else full
    return out


def _text(values: np.ndarray) -> pl.Series:
    """A polars string column from a numpy array of str/None."""
    return pl.Series(np.asarray(values, dtype=object).tolist(), dtype=pl.Utf8)


def coordinates_given(agency: str) -> float:
    """Share of an agency's located rows that carry coordinates (the rest: address only)."""
    coords = HABITS[agency].coords
    return LATLON_GIVEN if coords == "latlon" else 1.0 if coords == "bng" else 0.0


def location_columns(
    *, geo: Geography, place: np.ndarray, e: np.ndarray, n: np.ndarray, agency_code: np.ndarray,
    rng: np.random.Generator, p_address: float = 0.97, p_postcode: float = 0.8,
) -> dict[str, pl.Series]:
    """Location columns: each agency's address text, postcode and coordinates."""
    rows = place.size
    addr, pc = address_text(geo, place, agency_code, rng)
    has_addr = rng.random(rows) < p_address
    has_pc = rng.random(rows) < p_postcode
    coords = np.array([HABITS[a].coords for a in AGENCIES], dtype=object)[agency_code]
    jitter = rng.normal(0, 6, (2, rows))
    ee, nn = e + jitter[0], n + jitter[1]
    latlon = (coords == "latlon") & (rng.random(rows) < LATLON_GIVEN)
    bng = coords == "bng"
    lat, lon = wgs84(ee, nn)
    return {
        "location_address": pl.select(pl.when(pl.Series(has_addr)).then(addr)).to_series(),
        "location_postcode": pl.select(pl.when(pl.Series(has_pc)).then(pc)).to_series(),
        "latitude": pl.Series(np.where(latlon, np.round(lat, 6), np.nan)).fill_nan(None),
        "longitude": pl.Series(np.where(latlon, np.round(lon, 6), np.nan)).fill_nan(None),
        "easting": pl.Series(np.where(bng, np.round(ee), np.nan)).fill_nan(None).cast(pl.Int64),
        "northing": pl.Series(np.where(bng, np.round(nn), np.nan)).fill_nan(None).cast(pl.Int64),
    }
