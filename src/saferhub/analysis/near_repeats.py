"""Near repeats: the Knox test over space and time bands, with Monte Carlo p-values.

As in Ratcliffe's Near Repeat Calculator: count the pairs of events that are close in
space (a distance band, metres) and in time (a band of days), then shuffle the dates
among the events many times. Shuffling keeps where events happen and when, and breaks
only any link between the two, so the mean shuffled count is the count to expect with
no near-repeat effect. Knox ratio = observed / expected; the p-value is the share of
shuffles (counting the observed arrangement) with at least as many pairs.

Pairs within the largest distance are found once (a k-d tree); each shuffle only
recomputes those pairs' time distances, so the cost grows with the close pairs, not
with all n^2 pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import polars as pl
from sqlalchemy import Engine, select

from saferhub.analysis.changes import category_filter
from saferhub.analysis.periods import Period, feed_coverage, in_months, london_dates
from saferhub.areas import to_bng
from saferhub.store import Event

SPACE_BANDS: tuple[float, ...] = (0, 100, 200, 400)
TIME_BANDS: tuple[int, ...] = (0, 7, 14, 28)
ITERATIONS = 99
SEED = 0
ALPHA = 0.05
METHOD_SOURCE = "Knox test, Monte Carlo p-values, as Ratcliffe's Near Repeat Calculator"


class BandError(ValueError):
    """Bands the user gave cannot be used."""


def check_bands(space_bands: Sequence[float], time_bands: Sequence[int]) -> None:
    for name, bands in (("space", space_bands), ("time", time_bands)):
        if len(bands) < 2:
            raise BandError(f"give at least two {name} band edges, e.g. 0,100")
        if bands[0] < 0 or any(b <= a for a, b in pairwise(bands)):
            raise BandError(f"{name} band edges must start at 0 or more and increase: {list(bands)}")
    if any(int(t) != t for t in time_bands):
        raise BandError(f"time bands are whole days: {list(time_bands)}")


def _band(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Band of each value: 0 for [e0, e1], k for (ek, ek+1]; -1 outside every band."""
    band = np.searchsorted(edges, values, side="left") - 1
    band[values == edges[0]] = 0
    band[(values < edges[0]) | (values > edges[-1])] = -1
    return band


def space_label(low: float, high: float) -> str:
    return f"{low:g}–{high:g} m"


def time_label(low: int, high: int, first: bool) -> str:
    return f"{low if first else low + 1}–{high} days"


@dataclass(frozen=True)
class KnoxTable:
    """Knox test results: one row per space band x time band.

    ``frame``: space_band, time_band (labels), space_from, space_to (metres; a band
    includes its upper edge, the first also its lower), time_from, time_to (days, the
    same), observed, expected (mean over the shuffles), knox_ratio, p_value.
    """

    frame: pl.DataFrame
    events: int
    close_pairs: int  # pairs within the largest distance, at any time apart
    space_bands: tuple[float, ...]
    time_bands: tuple[int, ...]
    iterations: int
    seed: int


def knox_test(
    *,
    easting: np.ndarray,
    northing: np.ndarray,
    days: np.ndarray,
    space_bands: Sequence[float] = SPACE_BANDS,
    time_bands: Sequence[int] = TIME_BANDS,
    iterations: int = ITERATIONS,
    seed: int = SEED,
) -> KnoxTable:
    """The Knox test on points (metres) and their dates (whole days, any origin)."""
    from scipy.spatial import cKDTree  # here: keeps the CLI quick to start

    check_bands(space_bands, time_bands)
    if iterations < 1:
        raise BandError("iterations must be 1 or more")
    s_edges = np.asarray(space_bands, dtype=float)
    t_edges = np.asarray(time_bands, dtype=np.int64)
    ns, nt = len(s_edges) - 1, len(t_edges) - 1
    xy = np.column_stack([np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)])
    day = np.asarray(days, dtype=np.int64)
    day = day - (day.min() if len(day) else 0)
    if len(day) > 1:
        pairs = cKDTree(xy).query_pairs(r=float(s_edges[-1]), output_type="ndarray")
    else:
        pairs = np.empty((0, 2), dtype=np.intp)
    i, j = pairs[:, 0], pairs[:, 1]
    space = _band(np.hypot(*(xy[i] - xy[j]).T), s_edges)
    keep = space >= 0
    i, j = i[keep].astype(np.int32), j[keep].astype(np.int32)
    # Each pair's cell is base + time band; time band nt collects pairs beyond the bands.
    base = (space[keep] * (nt + 1)).astype(np.int32)
    cap = int(t_edges[-1]) + 1
    lut = np.append(_band(np.arange(cap), t_edges), -1)
    lut = np.where(lut < 0, nt, lut).astype(np.int32)
    day32 = day.astype(np.int32)

    def count(times: np.ndarray) -> np.ndarray:
        apart = np.abs(times[i] - times[j])
        np.minimum(apart, cap, out=apart)
        cells = np.bincount(base + lut[apart], minlength=ns * (nt + 1))
        return cells.reshape(ns, nt + 1)[:, :nt]

    observed = count(day32)
    rng = np.random.default_rng(seed)
    at_least = np.zeros((ns, nt), dtype=np.int64)
    total = np.zeros((ns, nt), dtype=np.float64)
    for _ in range(iterations):
        simulated = count(day32[rng.permutation(len(day32))])
        at_least += simulated >= observed
        total += simulated
    expected = total / iterations
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    p_value = (1 + at_least) / (1 + iterations)
    rows = [
        (
            space_label(s_edges[s], s_edges[s + 1]),
            time_label(int(t_edges[t]), int(t_edges[t + 1]), t == 0),
            float(s_edges[s]),
            float(s_edges[s + 1]),
            int(t_edges[t]),
            int(t_edges[t + 1]),
            int(observed[s, t]),
            float(expected[s, t]),
            float(ratio[s, t]),
            float(p_value[s, t]),
        )
        for s in range(ns)
        for t in range(nt)
    ]
    schema = {
        "space_band": pl.String, "time_band": pl.String, "space_from": pl.Float64, "space_to": pl.Float64,
        "time_from": pl.Int64, "time_to": pl.Int64, "observed": pl.Int64, "expected": pl.Float64,
        "knox_ratio": pl.Float64, "p_value": pl.Float64,
    }  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema, orient="row").with_columns(pl.col("knox_ratio").fill_nan(None))
    return KnoxTable(
        frame=frame,
        events=len(day),
        close_pairs=len(i),
        space_bands=tuple(float(s) for s in s_edges),
        time_bands=tuple(int(t) for t in t_edges),
        iterations=iterations,
        seed=seed,
    )


@dataclass(frozen=True)
class NearRepeats:
    """A Knox test on the hub's events, with what was selected and what was left out."""

    knox: KnoxTable
    period: Period
    categories: tuple[str, ...]
    feeds: tuple[str, ...]
    alpha: float
    method_source: str
    without_location: int
    outside_area: int
    month_precision: int  # events dated to the month only (police.uk)
    gaps: tuple[str, ...]
    notes: tuple[str, ...]

    def significant(self) -> pl.DataFrame:
        return self.knox.frame.filter(pl.col("p_value") <= self.alpha)


def near_repeats(
    *,
    engine: Engine,
    categories: Sequence[str],
    period: Period,
    space_bands: Sequence[float] = SPACE_BANDS,
    time_bands: Sequence[int] = TIME_BANDS,
    iterations: int = ITERATIONS,
    seed: int = SEED,
    alpha: float = ALPHA,
    feeds: Sequence[str] | None = None,
    include_outside: bool = False,
) -> NearRepeats:
    """The Knox test for events of ``categories`` (category or type) in ``period``.

    Only events placed in the hub's area count unless ``include_outside``; events
    without a location are left out and counted.
    """
    check_bands(space_bands, time_bands)
    if not categories:
        raise BandError("name at least one category, e.g. burglary")
    query = select(
        Event.feed, Event.occurred_at, Event.time_precision, Event.easting, Event.northing,
        Event.longitude, Event.latitude, Event.lsoa_code, Event.ward_code,
    ).where(in_months(period.months), *category_filter(categories))  # fmt: skip
    if feeds:
        query = query.where(Event.feed.in_(feeds))
    schema: dict[str, pl.DataType] = {
        "feed": pl.String(), "occurred_at": pl.Datetime("us"), "time_precision": pl.String(),
        "easting": pl.Float64(), "northing": pl.Float64(),
        "longitude": pl.Float64(), "latitude": pl.Float64(),
        "lsoa_code": pl.String(), "ward_code": pl.String(),
    }  # fmt: skip
    with engine.connect() as conn:
        events = pl.DataFrame(conn.execute(query).all(), schema=schema, orient="row")
    events = _complete_grid(events)
    located = events.filter(pl.col("easting").is_not_null() & pl.col("northing").is_not_null())
    placed = pl.col("lsoa_code").is_not_null() | pl.col("ward_code").is_not_null()
    chosen = located if include_outside else located.filter(placed)
    chosen = chosen.with_columns(
        london_dates(pl.col("occurred_at"), pl.col("time_precision")).cast(pl.Int64).alias("day")
    )
    knox = knox_test(
        easting=chosen["easting"].to_numpy(),
        northing=chosen["northing"].to_numpy(),
        days=chosen["day"].to_numpy(),
        space_bands=space_bands,
        time_bands=time_bands,
        iterations=iterations,
        seed=seed,
    )
    used_feeds = tuple(sorted(set(chosen["feed"]))) or tuple(feeds or ())
    coverage = feed_coverage(engine=engine, months=period.months, feeds=used_feeds or None)
    month_precision = chosen.filter(pl.col("time_precision") == "month").height
    notes = []
    if month_precision:
        notes.append(
            f"{month_precision:,} of {chosen.height:,} events are dated to the month only (police.uk): "
            "their time apart is 0 days within a month and 28-31 days across months, so day "
            "bands shorter than a month cannot separate them; read the table at month resolution."
        )
    if chosen.height < 2:
        notes.append("fewer than two events: there are no pairs to test.")
    return NearRepeats(
        knox=knox,
        period=period,
        categories=tuple(categories),
        feeds=used_feeds,
        alpha=alpha,
        method_source=METHOD_SOURCE,
        without_location=events.height - located.height,
        outside_area=0 if include_outside else located.height - chosen.height,
        month_precision=month_precision,
        gaps=tuple(coverage.gaps(used_feeds, period.months)) if used_feeds else (),
        notes=tuple(notes),
    )


def _complete_grid(events: pl.DataFrame) -> pl.DataFrame:
    """Easting and northing from longitude and latitude where only those were stored."""
    need = events["easting"].is_null() & events["longitude"].is_not_null() & events["latitude"].is_not_null()
    if not need.any():
        return events
    e, n = to_bng(events["longitude"].to_numpy(), events["latitude"].to_numpy())
    return events.with_columns(
        pl.when(need).then(pl.Series(e)).otherwise(pl.col("easting")).alias("easting"),
        pl.when(need).then(pl.Series(n)).otherwise(pl.col("northing")).alias("northing"),
    )
