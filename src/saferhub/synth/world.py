"""The synthetic world the feeds are drawn from, and the plumbing they share.

``World`` holds the geography, the population and the period, and answers the
questions every feed asks: who lives on this street, where do incidents happen,
how many events of a kind at this scale. ``Feed`` is one feed's rows before and
after rendering; ``concat`` joins event batches from several sources.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from saferhub.synth.clock import Period
from saferhub.synth.places import COMMERCIAL, DWELLING, FLAT, STREET, Geography
from saferhub.synth.population import People

Batch = dict[str, np.ndarray]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per component, so one change does not shift all."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(
        name.encode())])))


def batch(size: int, /, **cols: Any) -> Batch:
    """Columns of one batch of events; scalars are repeated ``size`` times."""
    out: Batch = {}
    for k, v in cols.items():
        a = np.asarray(v)
        out[k] = (np.full(size, v, dtype=object if isinstance(v, str) else None) if a.ndim == 0
                  else a)
    return out


def concat(batches: list[Batch], defaults: dict[str, Any]) -> Batch:
    """Join batches; a column a batch lacks takes its default."""
    sizes = [len(next(iter(b.values()))) if b else 0 for b in batches]
    out: Batch = {}
    for k, d in defaults.items():
        parts = []
        for b, n in zip(batches, sizes, strict=True):
            if k in b:
                parts.append(np.asarray(b[k]))
            else:
                parts.append(np.full(n, d, dtype=object if isinstance(d, str) else None))
        out[k] = np.concatenate(parts) if parts else np.zeros(0)
    return out


def factorize(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Sorted distinct strings and each value's index among them (few distinct values)."""
    uniques = sorted(set(values.tolist()))
    lookup = {v: k for k, v in enumerate(uniques)}
    codes = np.fromiter(map(lookup.__getitem__, values.tolist()), dtype=np.int64,
                        count=len(values))
    return uniques, codes


def take(b: Batch, idx: np.ndarray) -> Batch:
    return {k: v[idx] for k, v in b.items()}


@dataclass
class Feed:
    """One feed: its rows' own columns and what truth and rendering need to know."""

    name: str
    agency: np.ndarray  # object
    source_id: pl.Series  # the agency's own record number
    time: np.ndarray  # datetime64[s], the feed's main time
    place: np.ndarray  # place index of the location, -1 none
    e: np.ndarray  # point of the location (BNG)
    n: np.ndarray
    category: np.ndarray  # object, "similar incident" key for repeat locations
    columns: dict[str, Any]  # the feed's own columns, in order
    roles: dict[str, np.ndarray]  # role -> person index per row, -1 none
    has_location: np.ndarray  # bool per row
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    frame: pl.DataFrame | None = None


@dataclass
class World:
    geo: Geography
    people: People
    period: Period
    scale: float
    seed: int
    residents_order: np.ndarray = field(init=False)
    street_start: np.ndarray = field(init=False)
    street_count: np.ndarray = field(init=False)
    household_size: np.ndarray = field(init=False)
    commercial: np.ndarray = field(init=False)
    commercial_weight: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        P = self.geo.places
        street_of = P.street[self.people.home]
        self.residents_order = np.argsort(street_of, kind="stable")
        counts = np.bincount(street_of, minlength=self.geo.streets.e.size)
        self.street_count = counts
        self.street_start = np.cumsum(counts) - counts
        self.household_size = np.bincount(self.people.home, minlength=len(P))
        self.commercial = np.flatnonzero(P.kind == COMMERCIAL)
        w = self.geo.lsoa_mult[np.maximum(self.geo.lsoa[self.commercial], 0)]
        r = stream(self.seed, "commercial-weight").lognormal(0, 1.0, self.commercial.size)
        self.commercial_weight = w * r / (w * r).sum()

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, name)

    def volume(self, per_year_at_scale_1: float) -> int:
        return round(per_year_at_scale_1 * self.scale * self.period.days / 365)

    def count(self, at_scale_1: float, minimum: int) -> int:
        """How many planted cases of a kind: proportional to scale, with a floor."""
        return max(minimum, round(at_scale_1 * self.scale))

    @property
    def end(self) -> np.datetime64:
        return self.period.end

    @cached_property
    def age_at_end(self) -> np.ndarray:
        n = len(self.people)
        return self.people.age_on(np.full(n, self.end), np.arange(n))

    def ages(self, who: np.ndarray, when: np.ndarray | None = None) -> np.ndarray:
        if when is None:
            return np.asarray(self.age_at_end[who])
        return self.people.age_on(when, who)

    def residents(self, street: np.ndarray, rng: np.random.Generator,
                  tries: int = 3) -> np.ndarray:
        """A random adult resident of each street (-1 where none was found)."""
        count = self.street_count[street]
        out = np.full(street.size, -1)
        for _ in range(tries):
            off = (rng.random(street.size) * np.maximum(count, 1)).astype(np.int64)
            pick = self.residents_order[np.minimum(self.street_start[street] + off,
                                                   self.residents_order.size - 1)]
            ok = (count > 0) & (out < 0) & (self.age_at_end[pick] >= 18)
            out = np.where(ok, pick, out)
        return out

    def neighbours(self, who: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A different resident of the same street as each person (-1 if none)."""
        street = self.geo.places.street[self.people.home[who]]
        out = self.residents(street, rng)
        again = self.residents(street, rng)
        out = np.where(out == who, again, out)
        return np.where(out == who, -1, out)

    @cached_property
    def _by_home(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.people.home, kind="stable")
        return order, np.searchsorted(self.people.home[order], np.arange(len(self.geo.places)))

    def adult_at_home(self, who: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An adult living with each person (for a child, the one who calls); -1 if none."""
        order, start = self._by_home
        home = self.people.home[who]
        size = self.household_size[home]
        out = np.full(who.size, -1)
        for _ in range(3):
            pick = order[start[home] + (rng.random(who.size) * size).astype(np.int64)]
            out = np.where((out < 0) & (self.age_at_end[pick] >= 18), pick, out)
        return out

    def pick_people(self, n: int, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        w = np.asarray(weight, dtype=float)
        return rng.choice(w.size, size=n, p=w / w.sum())

    def incident_places(self, n: int, rng: np.random.Generator,
                        mix: tuple[float, float, float] = (0.45, 0.4, 0.15)) -> np.ndarray:
        """Where incidents happen: homes (by population and deprivation), streets
        (concentrated on a few), shops and pubs."""
        kind = rng.choice(3, size=n, p=np.asarray(mix) / sum(mix))
        out = np.empty(n, dtype=np.int64)
        res = np.flatnonzero(kind == 0)
        lsoa = np.maximum(self.geo.lsoa[self.people.home], 0)
        w = self.people.in_area * self.geo.lsoa_mult[lsoa]
        out[res] = self.people.home[self.pick_people(res.size, w, rng)]
        st = np.flatnonzero(kind == 1)
        sw = self.geo.streets.weight
        out[st] = self.geo.street_place[rng.choice(sw.size, size=st.size, p=sw / sw.sum())]
        com = np.flatnonzero(kind == 2)
        out[com] = self.commercial[rng.choice(self.commercial.size, size=com.size,
                                              p=self.commercial_weight)]
        return out

    # Expected versions of the samplers above, for truth/: where the draws land on average.

    def expected_incident_places(self, mix: tuple[float, float, float] = (0.45, 0.4, 0.15)
                                 ) -> np.ndarray:
        """Chance of each place under ``incident_places(mix)``."""
        share = np.asarray(mix) / sum(mix)
        lsoa = np.maximum(self.geo.lsoa[self.people.home], 0)
        out = self.expected_homes(self.people.in_area * self.geo.lsoa_mult[lsoa]) * share[0]
        sw = self.geo.streets.weight
        out[self.geo.street_place] += share[1] * sw / sw.sum()
        out[self.commercial] += share[2] * self.commercial_weight
        return out

    def expected_homes(self, weight: np.ndarray) -> np.ndarray:
        """Chance of each place being the home of a person picked with ``weight``."""
        w = np.asarray(weight, dtype=float)
        return np.bincount(self.people.home, weights=w / w.sum(), minlength=len(self.geo.places))

    def expected_streets(self, weight: np.ndarray) -> np.ndarray:
        """Chance of each place being the street of the home of a person picked with ``weight``."""
        w = np.asarray(weight, dtype=float)
        return np.bincount(self.street_place_of(self.people.home), weights=w / w.sum(),
                           minlength=len(self.geo.places))

    def expected_neighbours(self, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``neighbours`` of a person picked with ``weight``: the chance of each place being
        the neighbour's home, and of each street finding none (-1), by street index.

        ``residents`` tries three residents of the street and keeps the first adult, so a
        neighbour is any adult of the street alike; picking the person themself is ignored.
        """
        w = np.asarray(weight, dtype=float)
        street = self.geo.places.street[self.people.home]
        n_streets = self.geo.streets.e.size
        mass = np.bincount(street, weights=w / w.sum(), minlength=n_streets)
        adult = self.age_at_end >= 18
        adults = np.bincount(street, weights=adult.astype(float), minlength=n_streets)
        found = 1 - (1 - adults / np.maximum(self.street_count, 1)) ** 3
        each = np.where(adults > 0, mass * found / np.maximum(adults, 1), 0.0)
        homes = np.bincount(self.people.home, weights=np.where(adult, each[street], 0.0),
                            minlength=len(self.geo.places))
        return homes, mass * (1 - found)

    def street_place_of(self, place: np.ndarray) -> np.ndarray:
        return np.asarray(self.geo.street_place[self.geo.places.street[place]])

    def is_home(self, place: np.ndarray) -> np.ndarray:
        k = self.geo.places.kind[place]
        return np.asarray((k == DWELLING) | (k == FLAT))

    def is_street(self, place: np.ndarray) -> np.ndarray:
        return np.asarray(self.geo.places.kind[place] == STREET)


_FIELD = re.compile(r"\{(\w+)(?::0(\d+)d)?\}")


def sequence_ids(agency: np.ndarray, time: np.ndarray, formats: dict[str, str]) -> pl.Series:
    """Source ids numbered in time order within each agency.

    ``formats`` maps agency -> a pattern using {seq}, {yy}, {yymmdd} and {day_seq},
    optionally zero-padded as in ``{seq:06d}``.
    """
    out = pl.Series("source_id", [None] * agency.size, dtype=pl.Utf8)
    for a in sorted(set(agency.tolist())):
        idx = np.flatnonzero(agency == a)
        order = idx[np.argsort(time[idx], kind="stable")]
        d = time[order].astype("datetime64[D]")
        first = np.r_[True, d[1:] != d[:-1]]
        run = np.arange(order.size)
        fields = {
            "seq": pl.Series(run + 1),
            "day_seq": pl.Series(run - np.maximum.accumulate(np.where(first, run, 0)) + 1),
            "date": pl.Series(d),
        }
        pieces: list[pl.Expr] = []
        pattern = formats[a]
        pos = 0
        for m in _FIELD.finditer(pattern):
            pieces.append(pl.lit(pattern[pos : m.start()]))
            name, width = m.group(1), m.group(2)
            if name in ("yy", "yymmdd"):
                e = pl.col("date").dt.strftime("%y" if name == "yy" else "%y%m%d")
            else:
                e = pl.col(name).cast(pl.Utf8)
                if width:
                    e = e.str.zfill(int(width))
            pieces.append(e)
            pos = m.end()
        pieces.append(pl.lit(pattern[pos:]))
        ids = pl.DataFrame(fields).select(pl.concat_str(pieces).alias("id"))["id"]
        out = out.scatter(order, ids)
    return out
