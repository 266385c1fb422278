"""Change in counts between periods, per area and category: the Poisson z-score.

``z = 2 * (sqrt(after) - sqrt(before))`` is about normal for Poisson counts, so
|z| >= 3 marks a change well beyond ordinary month-to-month noise (Wheeler 2018). Each
change also gets its rate ratio with an exact Poisson confidence interval (conditional
binomial method). No bare percentage change: 4 -> 8 is "+100%" and means nothing.
Months a feed holds no records for are missing, never zero: a comparison touching one
is marked ``missing`` and not made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from saferhub.analysis.periods import Coverage, Month, Period, feed_coverage, in_months, month_of
from saferhub.areas import Areas, load_areas
from saferhub.store import Event

AreaLevel = Literal["all", "neighbourhood", "ward", "lsoa"]
Comparison = Literal["previous", "last-year"]
AREA_LEVELS: tuple[AreaLevel, ...] = ("all", "neighbourhood", "ward", "lsoa")
COMPARISONS: tuple[Comparison, ...] = ("previous", "last-year")

#: |z| from which a change is flagged, and where that figure comes from.
THRESHOLD = 3.0
THRESHOLD_SOURCE = "Wheeler (2018), Poisson z-score: |z| >= 3 for routine monitoring"
CONFIDENCE = 0.95
UNCATEGORISED = "uncategorised"


def poisson_z(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Wheeler's Poisson z-score of a change from ``before`` to ``after`` (counts)."""
    return 2.0 * (np.sqrt(np.asarray(after, dtype=float)) - np.sqrt(np.asarray(before, dtype=float)))


def exact_p(
    before: np.ndarray,
    after: np.ndarray,
    *,
    before_days: np.ndarray | float = 1.0,
    after_days: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Two-sided exact p-value (twice the smaller tail) that the rate did not change, by the
    conditional binomial test: given n = before + after, ``after`` is binomial with
    p = Da / (Da + Db). 1 where both counts are 0."""
    from scipy.stats import binom  # here, not at the top: scipy.stats takes a second to import

    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    share = np.asarray(after_days, dtype=float) / (
        np.asarray(after_days, dtype=float) + np.asarray(before_days, dtype=float)
    )
    n = a + b
    tails = np.minimum(binom.cdf(a, n, share), binom.sf(a - 1, n, share))
    return np.where(n > 0, np.minimum(1.0, 2.0 * tails), 1.0)


def beyond_chance(
    before: np.ndarray,
    after: np.ndarray,
    *,
    threshold: float = THRESHOLD,
    before_days: np.ndarray | float = 1.0,
    after_days: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Whether the exact test (``exact_p``) puts each change beyond the level that |z| =
    ``threshold`` stands for (two-sided: 0.0027 at 3). Where counts are small by nature (a
    grid cell's, a briefing's day), a flag needs this as well as |z| >= ``threshold``; area
    changes keep the z-score alone, as standards.md says.

    The z-score's normal approximation is too generous with small counts: 4 -> 0 gives
    z = -4, but four events all falling in one of two equal periods happens by chance one
    time in eight. The exact test is stricter in the tens too (12 -> 30: z 3.03, exact p
    0.008)."""
    from scipy.stats import norm

    level = 2.0 * float(norm.sf(threshold))
    return np.asarray(exact_p(before, after, before_days=before_days, after_days=after_days) < level)


def rate_ratio_interval(
    before: np.ndarray,
    after: np.ndarray,
    *,
    confidence: float = CONFIDENCE,
    before_days: np.ndarray | float = 1.0,
    after_days: np.ndarray | float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate ratio after/before (per day when days are given) with its exact Poisson interval.

    Given n = before + after, ``after`` is binomial with p = r*Da / (r*Da + Db) for the rate
    ratio r; a Clopper-Pearson interval for p (beta quantiles) maps back to r. NaN where
    both counts are 0; the upper end is inf when ``before`` is 0.
    """
    from scipy.stats import beta  # here, not at the top: scipy.stats takes a second to import

    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    exposure = np.asarray(before_days, dtype=float) / np.asarray(after_days, dtype=float)
    alpha = 1.0 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        low_p = np.where(a > 0, beta.ppf(alpha / 2, np.maximum(a, 1), b + 1), 0.0)
        high_p = np.where(b > 0, beta.ppf(1 - alpha / 2, a + 1, np.maximum(b, 1)), 1.0)
        ratio = np.where(b > 0, a / b, np.where(a > 0, np.inf, np.nan)) * exposure
        low = low_p / (1 - low_p) * exposure
        high = np.where(high_p < 1, high_p / (1 - high_p), np.inf) * exposure
    empty = (a + b) == 0
    return ratio, np.where(empty, np.nan, low), np.where(empty, np.nan, high)


@dataclass(frozen=True)
class MonthlyCounts:
    """Events per month, area and category; ``count`` is null in a month that is not whole.

    ``frame``: month (YYYY-MM), area_level, area_code, area_name, category, count, status
    (``complete``, ``missing`` or ``partial``, from the feeds that carry the category).
    Rows for the whole area (area_level ``all``) come first, then the chosen level.
    """

    frame: pl.DataFrame
    months: tuple[Month, ...]
    area_level: AreaLevel
    categories: tuple[str, ...]
    feeds: dict[str, tuple[str, ...]]  # category -> the feeds that carry it
    coverage: Coverage
    outside_area: dict[str, int]  # category -> matching events not placed in the hub's area
    notes: tuple[str, ...] = ()


def category_filter(categories: Sequence[str] | None) -> list[ColumnElement[bool]]:
    """SQL: the event's category or type is one of ``categories`` (any case); [] for all."""
    if not categories:
        return []
    wanted = [c.lower() for c in categories]
    return [or_(func.lower(Event.category).in_(wanted), func.lower(Event.type).in_(wanted))]


def _labelled(raw: pl.DataFrame, categories: Sequence[str] | None) -> pl.DataFrame:
    """One row per (count group, category label); an event matches a label by category or type."""
    if not categories:
        return raw.with_columns(pl.col("category").fill_null(UNCATEGORISED).alias("label"))
    parts = [
        raw.filter(
            (pl.col("category").str.to_lowercase() == label.lower())
            | (pl.col("type").str.to_lowercase() == label.lower())
        ).with_columns(pl.lit(label).alias("label"))
        for label in categories
    ]
    return pl.concat(parts)


def _areas_of(level: AreaLevel, areas: Areas) -> tuple[pl.Expr, list[tuple[str, str]]]:
    """The expression giving an event's area code at ``level``, and the level's areas."""
    if level == "all":
        code = areas.local_authority or areas.name
        return pl.lit(code), [(code, areas.name)]
    if level == "lsoa":
        return pl.col("lsoa_code"), [(a.code, a.name) for a in areas.lsoas]
    if level == "ward":
        return pl.col("ward_code"), [(a.code, a.name) for a in areas.wards]
    lookup = areas.neighbourhood_of_ward()
    expr = pl.col("ward_code").replace_strict(lookup, default=None, return_dtype=pl.String)
    return expr, [(n, n) for n in areas.neighbourhoods]


def monthly_counts(
    *,
    engine: Engine,
    months: Sequence[Month],
    area_level: AreaLevel = "neighbourhood",
    categories: Sequence[str] | None = None,
    feeds: Sequence[str] | None = None,
    areas: Areas | None = None,
    visible: ColumnElement[bool] | None = None,
) -> MonthlyCounts:
    """Count events in each London month, area and category, from the store.

    ``categories``: labels matched case-insensitively against an event's category or its
    type (``asb``, ``burglary``); by default every category in the store, one each.
    Only events placed in the hub's area (an LSOA or ward) are counted; ``visible`` (e.g.
    ``saferhub.access.visible_events(reader, ...)``) counts only the events a reader may see.
    """
    if area_level not in AREA_LEVELS:
        raise ValueError(f"area level must be one of {', '.join(AREA_LEVELS)}")
    areas = areas or load_areas()
    categories = list(dict.fromkeys(c.strip() for c in categories or [] if c.strip())) or None
    months = tuple(sorted(set(months)))
    index = month_of(months).label("m")
    keys = (Event.feed, index, Event.category, Event.type, Event.lsoa_code, Event.ward_code)
    query = select(*keys, func.count().label("n")).where(in_months(months), *category_filter(categories))
    if feeds:
        query = query.where(Event.feed.in_(feeds))
    if visible is not None:
        query = query.where(visible)
    with engine.connect() as conn:
        rows = conn.execute(query.group_by(*keys)).all()
    schema = {
        "feed": pl.String, "m": pl.Int64, "category": pl.String, "type": pl.String,
        "lsoa_code": pl.String, "ward_code": pl.String, "n": pl.Int64,
    }  # fmt: skip
    raw = _labelled(pl.DataFrame(rows, schema=schema, orient="row"), categories)
    labels = tuple(categories) if categories else tuple(sorted(raw["label"].unique().to_list()))
    notes = [f"no events match '{c}' in these months" for c in labels if c not in set(raw["label"])]
    if not labels:
        notes.append("no events at all in these months")

    coverage = feed_coverage(engine=engine, months=months, feeds=feeds)
    carried = {
        label: tuple(sorted(raw.filter(pl.col("label") == label)["feed"].unique().to_list()))
        for label in labels
    }
    all_feeds = tuple(sorted(coverage.frame.filter(pl.col("records") > 0)["feed"].unique().to_list()))
    carried = {label: fs or all_feeds for label, fs in carried.items()}
    status = pl.DataFrame(
        [(label, i, coverage.status(carried[label], m)[0]) for label in labels for i, m in enumerate(months)],
        schema={"label": pl.String, "m": pl.Int64, "status": pl.String},
        orient="row",
    )

    placed = pl.col("lsoa_code").is_not_null() | pl.col("ward_code").is_not_null()
    outside = raw.filter(~placed).group_by("label").agg(pl.col("n").sum())
    outside_area = {label: 0 for label in labels} | dict(outside.iter_rows())
    inside = raw.filter(placed)
    levels: list[AreaLevel] = ["all"] if area_level == "all" else ["all", area_level]
    frames = [_grid(inside, level, areas, labels, months, status) for level in levels]
    return MonthlyCounts(
        frame=pl.concat(frames),
        months=months,
        area_level=area_level,
        categories=labels,
        feeds=carried,
        coverage=coverage,
        outside_area=outside_area,
        notes=tuple(notes),
    )


def _grid(
    inside: pl.DataFrame,
    level: AreaLevel,
    areas: Areas,
    labels: tuple[str, ...],
    months: tuple[Month, ...],
    status: pl.DataFrame,
) -> pl.DataFrame:
    """Every area x category x month of one level, zeros included, null where not whole."""
    code, known = _areas_of(level, areas)
    unplaced = f"(not in a {level})"
    counts = (
        inside.with_columns(code.fill_null(unplaced).alias("area_code"))
        .group_by("m", "label", "area_code")
        .agg(pl.col("n").sum().alias("count"))
    )
    names = dict(known)
    if counts.filter(pl.col("area_code") == unplaced).height:
        names[unplaced] = unplaced
    text = pl.String
    grid = (
        pl.DataFrame({"area_code": list(names), "area_name": list(names.values())}, schema=[
            ("area_code", text), ("area_name", text)])
        .join(pl.DataFrame({"label": list(labels)}, schema=[("label", text)]), how="cross")
        .join(pl.DataFrame({"m": list(range(len(months)))}, schema=[("m", pl.Int64)]), how="cross")
    )  # fmt: skip
    month_text = pl.DataFrame(
        {"m": range(len(months)), "month": [str(m) for m in months]},
        schema=[("m", pl.Int64), ("month", text)],
    )
    return (
        grid.join(counts, on=["m", "label", "area_code"], how="left")
        .join(status, on=["label", "m"], how="left")
        .join(month_text, on="m")
        .select(
            "month",
            pl.lit(level).alias("area_level"),
            "area_code",
            "area_name",
            pl.col("label").alias("category"),
            pl.when(pl.col("status") == "complete").then(pl.col("count").fill_null(0)).alias("count"),
            "status",
        )
        .sort("category", "area_name", "month")
    )


@dataclass(frozen=True)
class Changes:
    """Counts in a period against baselines, with z-scores, flags and rate ratios.

    ``frame``: comparison, period, baseline, area_level, area_code, area_name, category,
    before, after, z, change (``rise``, ``fall``, ``none`` or ``missing``), rate_ratio
    (per day), ratio_low, ratio_high (exact interval at ``confidence``), gaps (the months
    that are not whole, if any).
    """

    frame: pl.DataFrame
    period: Period
    baselines: dict[str, Period]
    threshold: float
    threshold_source: str
    confidence: float
    area_level: AreaLevel
    categories: tuple[str, ...]
    feeds: dict[str, tuple[str, ...]]
    coverage: Coverage
    gaps: tuple[str, ...]
    outside_area: dict[str, int]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def flagged(self) -> pl.DataFrame:
        return self.frame.filter(pl.col("change").is_in(["rise", "fall"]))


def count_changes(
    *,
    engine: Engine,
    period: Period,
    compare: Sequence[Comparison] = COMPARISONS,
    area_level: AreaLevel = "neighbourhood",
    categories: Sequence[str] | None = None,
    feeds: Sequence[str] | None = None,
    threshold: float = THRESHOLD,
    threshold_source: str = THRESHOLD_SOURCE,
    confidence: float = CONFIDENCE,
    areas: Areas | None = None,
    visible: ColumnElement[bool] | None = None,
) -> Changes:
    """Compare counts in ``period`` with the period before it and/or the same months a year earlier."""
    if not compare or any(c not in COMPARISONS for c in compare):
        raise ValueError(f"compare with one or more of: {', '.join(COMPARISONS)}")
    if threshold <= 0 or not 0 < confidence < 1:
        raise ValueError("the threshold must be above 0 and the confidence between 0 and 1")
    baselines: dict[str, Period] = {
        c: period.previous() if c == "previous" else period.last_year() for c in dict.fromkeys(compare)
    }
    months = {*period.months, *(m for b in baselines.values() for m in b.months)}
    counts = monthly_counts(
        engine=engine, months=sorted(months), area_level=area_level, categories=categories,
        feeds=feeds, areas=areas, visible=visible,
    )  # fmt: skip
    after = _totals(counts.frame, period)
    frames = []
    for name, baseline in baselines.items():
        before = _totals(counts.frame, baseline).rename({"count": "before", "gaps": "gaps_before"})
        joined = after.rename({"count": "after"}).join(
            before, on=["area_level", "area_code", "area_name", "category"], how="left"
        )
        frames.append(
            _compare(joined, threshold, confidence, period.days, baseline.days).select(
                pl.lit(name).alias("comparison"),
                pl.lit(str(period)).alias("period"),
                pl.lit(str(baseline)).alias("baseline"),
                pl.exclude("gaps_before"),
            )
        )
    gaps = tuple(
        line
        for label in counts.categories
        for line in counts.coverage.gaps(counts.feeds[label], counts.months)
    )
    return Changes(
        frame=pl.concat(frames),
        period=period,
        baselines=baselines,
        threshold=threshold,
        threshold_source=threshold_source,
        confidence=confidence,
        area_level=area_level,
        categories=counts.categories,
        feeds=counts.feeds,
        coverage=counts.coverage,
        gaps=tuple(dict.fromkeys(gaps)),
        outside_area=counts.outside_area,
        notes=counts.notes,
    )


def _totals(frame: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Counts over the period's months; null if any month is not whole (never a short sum)."""
    wanted = [str(m) for m in period.months]
    return (
        frame.filter(pl.col("month").is_in(wanted))
        .group_by("area_level", "area_code", "area_name", "category", maintain_order=True)
        .agg(
            pl.when(pl.col("count").null_count() == 0).then(pl.col("count").sum()).alias("count"),
            pl.col("month").filter(pl.col("status") != "complete").str.join(", ").alias("gaps"),
        )
        .with_columns(pl.col("gaps").replace("", None))
    )


def _compare(
    joined: pl.DataFrame, threshold: float, confidence: float, after_days: int, before_days: int
) -> pl.DataFrame:
    a = joined["after"].to_numpy().astype(float)
    b = joined["before"].to_numpy().astype(float)
    known = np.isfinite(a) & np.isfinite(b)
    z = np.where(known, poisson_z(np.nan_to_num(b), np.nan_to_num(a)), np.nan)
    ratio, low, high = rate_ratio_interval(
        np.nan_to_num(b), np.nan_to_num(a), confidence=confidence,
        before_days=before_days, after_days=after_days,
    )  # fmt: skip
    direction = np.where(z >= threshold, "rise", np.where(z <= -threshold, "fall", "none"))
    change = np.where(~known, "missing", direction)
    gaps = joined.select(
        pl.concat_str([pl.col("gaps_before"), pl.col("gaps")], separator=", ", ignore_nulls=True)
    ).to_series()
    return joined.select(
        "area_level", "area_code", "area_name", "category",
        pl.col("before").cast(pl.Int64), pl.col("after").cast(pl.Int64),
    ).with_columns(
        pl.Series("z", z).fill_nan(None),
        pl.Series("change", change),
        pl.Series("rate_ratio", np.where(known, ratio, np.nan)).fill_nan(None),
        pl.Series("ratio_low", np.where(known, low, np.nan)).fill_nan(None),
        pl.Series("ratio_high", np.where(known, high, np.nan)).fill_nan(None),
        gaps.replace("", None).alias("gaps"),
    )  # fmt: skip
