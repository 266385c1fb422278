"""Pieces the people and place analyses share: windows of local days, month labels,
counts by a column, the Poisson trend, and pricing calls by the unit-cost table."""

from __future__ import annotations

import datetime as dt

import polars as pl

from saferhub.analysis.standards import Standards


def local_day(first_day: dt.date, last_day: dt.date, column: str = "at") -> pl.Expr:
    """Rows whose local time falls on days ``first_day`` .. ``last_day`` inclusive."""
    day = pl.col(column).dt.date()
    return (day >= first_day) & (day <= last_day)


def month_label(column: str) -> pl.Expr:
    """A month index (year * 12 + month - 1) as 'YYYY-MM'."""
    m = pl.col(column)
    return pl.format("{}-{}", (m // 12).cast(pl.String), ((m % 12) + 1).cast(pl.String).str.zfill(2))


def counts_by(frame: pl.DataFrame, key: str, column: str, name: str) -> pl.DataFrame:
    """key, name: a list of {value, n} structs, commonest first (nulls shown as 'unknown')."""
    return (
        frame.with_columns(pl.col(column).fill_null("unknown"))
        .group_by(key, column)
        .agg(n=pl.len())
        .sort([key, "n", column], descending=[False, True, False])
        .group_by(key, maintain_order=True)
        .agg(pl.struct(pl.col(column).alias("value"), "n").alias(name))
    )


def poisson_z(after: pl.Expr, before: pl.Expr) -> pl.Expr:
    """Wheeler's Poisson z-score of a change in counts: 2 (sqrt(after) - sqrt(before))."""
    return 2 * (after.cast(pl.Float64).sqrt() - before.cast(pl.Float64).sqrt())


def trend(frame: pl.DataFrame, key: str, standards: Standards, as_of: dt.date) -> pl.DataFrame:
    """key, trend (rising, stable, falling), trend_z, calls_last_period, calls_previous_period:
    the last ``trend_days`` days to ``as_of`` against the same number of days before."""
    days = standards.int("trend_days")
    z_at = float(standards.value("trend_z"))
    last_first = as_of - dt.timedelta(days=days - 1)
    prev_first = last_first - dt.timedelta(days=days)
    prev_last = last_first - dt.timedelta(days=1)
    c = pl.col
    counts = frame.group_by(key).agg(
        calls_last_period=local_day(last_first, as_of).sum().cast(pl.Int64),
        calls_previous_period=local_day(prev_first, prev_last).sum().cast(pl.Int64),
    )
    z = poisson_z(c("calls_last_period"), c("calls_previous_period"))
    label = pl.when(z >= z_at).then(pl.lit("rising")).when(z <= -z_at).then(pl.lit("falling"))
    return counts.with_columns(trend_z=z.round(2), trend=label.otherwise(pl.lit("stable")))


def cost_rules_used(standards: Standards) -> list[str]:
    """The unit costs the call-cost rules refer to, in rule order, once each."""
    return list(dict.fromkeys(rule.cost for rule in standards.cost_rules))


def call_costs(calls: pl.DataFrame, standards: Standards) -> pl.DataFrame:
    """Calls with ``pounds`` (0 when not costed), ``uncosted`` (a rule applies but its unit
    cost is not set, or no rule applies) and ``local`` (priced with a local figure)."""
    c = pl.col
    which: pl.Expr = pl.lit(None, pl.Int64)
    for i, rule in reversed(list(enumerate(standards.cost_rules))):
        match = c("agency") == rule.agency
        if rule.categories:
            match = match & c("category").is_in(list(rule.categories))
        which = pl.when(match).then(pl.lit(i)).otherwise(which)
    table = pl.DataFrame(
        [
            {
                "rule": i,
                "unit": standards.pounds(rule.cost),
                "quantity": rule.quantity,
                "attended_only": rule.attended_only,
                "rule_local": standards.costs[rule.cost].local or rule.quantity_source is not None,
            }
            for i, rule in enumerate(standards.cost_rules)
        ],
        schema={
            "rule": pl.Int64,
            "unit": pl.Float64,
            "quantity": pl.Float64,
            "attended_only": pl.Boolean,
            "rule_local": pl.Boolean,
        },
    )
    frame = calls.with_columns(rule=which).join(table, on="rule", how="left")
    skipped = c("attended_only").fill_null(False) & (c("attended") == False)  # noqa: E712
    priced = c("unit").is_not_null() & ~skipped
    return frame.with_columns(
        pounds=pl.when(priced).then(c("unit") * c("quantity")).otherwise(0.0),
        uncosted=c("unit").is_null() & ~skipped,
        local=priced & c("rule_local").fill_null(False),
    ).drop("rule", "unit", "quantity", "attended_only", "rule_local")
