"""Row validation: parse every contract column and give every reason a row is refused.

All checks are polars expressions over whole columns; a row's reasons are a list,
empty for a good row. Values of personal fields never appear in a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

import polars as pl

from saferhub.feeds import normalise as nz
from saferhub.feeds.contract import Column, FeedSpec, Kind

REASONS = "_reasons"
_PARSED = "_parsed:"  # prefix of a column's parsed value while its raw value is checked

# A generous box around the United Kingdom and its waters.
UK_LATITUDE = (49.5, 61.0)
UK_LONGITUDE = (-8.8, 2.1)
BNG_EASTING = (0.0, 700_000.0)
BNG_NORTHING = (0.0, 1_300_000.0)
EARLIEST_EVENT = dt.datetime(1990, 1, 1)
EARLIEST_DOB = dt.date(1900, 1, 1)


def _parser(column: Column, agencies: Collection[str]) -> Callable[[pl.Expr], pl.Expr]:
    kind = column.kind
    if kind is Kind.DATETIME:
        return nz.parse_datetime_london
    if kind is Kind.DATE:
        return nz.parse_date
    if kind is Kind.MONTH:
        return nz.parse_month
    if kind is Kind.ENUM:
        if column.upper:
            allowed = set(column.allowed)
            return lambda e: pl.when(e.str.to_uppercase().is_in(allowed)).then(e.str.to_uppercase())
        return lambda e: nz.enum_value(e, column.allowed)
    if kind is Kind.AGENCY:
        return lambda e: nz.enum_value(e, agencies)
    if kind is Kind.LIST:
        return lambda e: nz.split_list(e, None)
    if kind is Kind.INT:
        return nz.parse_int
    if kind is Kind.FLOAT:
        return nz.parse_float
    if kind is Kind.BOOL:
        return nz.parse_bool
    if kind is Kind.POSTCODE:
        return nz.postcode
    if kind is Kind.PHONE:
        return nz.phone_e164
    return nz.clean_text


_EXPECTED = {
    Kind.DATETIME: "is not a valid date and time (ISO 8601, e.g. 2024-03-31T14:05:00)",
    Kind.DATE: "is not a valid date (YYYY-MM-DD, or DD/MM/YYYY for a date of birth)",
    Kind.MONTH: "is not a valid month (YYYY-MM)",
    Kind.INT: "is not a whole number",
    Kind.FLOAT: "is not a number",
    Kind.BOOL: "is not true or false",
    Kind.POSTCODE: "is not a valid UK postcode",
}


def _invalid_reason(column: Column, raw: pl.Expr, agencies: Collection[str]) -> pl.Expr:
    name = column.name
    if column.kind in (Kind.ENUM, Kind.AGENCY):
        allowed = sorted(agencies) if column.kind is Kind.AGENCY else list(column.allowed)
        return pl.concat_str([pl.lit(f"{name} '"), raw, pl.lit(f"' is not one of: {', '.join(allowed)}")])
    return pl.lit(f"{name} {_EXPECTED.get(column.kind, 'is not valid')}")


def _range_reasons(name: str, parsed: pl.Expr, kind: Kind, today: dt.date) -> list[pl.Expr]:
    reasons: list[pl.Expr] = []
    if kind is Kind.DATE and name.endswith("_dob"):
        reasons.append(pl.when(parsed > pl.lit(today)).then(pl.lit(f"{name} is in the future")))
        reasons.append(pl.when(parsed < pl.lit(EARLIEST_DOB)).then(pl.lit(f"{name} is before 1900")))
    if kind in (Kind.DATETIME, Kind.MONTH):
        horizon = dt.datetime.combine(today, dt.time()) + dt.timedelta(days=2)
        value = parsed.cast(pl.Datetime("us")) if kind is Kind.MONTH else parsed
        reasons.append(pl.when(value > pl.lit(horizon)).then(pl.lit(f"{name} is in the future")))
        reasons.append(pl.when(value < pl.lit(EARLIEST_EVENT)).then(pl.lit(f"{name} is before 1990")))
    return reasons


def _location_reasons(columns: Collection[str]) -> list[pl.Expr]:
    reasons: list[pl.Expr] = []
    pairs = (
        ("latitude", "longitude", UK_LATITUDE, UK_LONGITUDE, "outside the United Kingdom"),
        ("easting", "northing", BNG_EASTING, BNG_NORTHING, "outside the British National Grid"),
    )
    for a, b, range_a, range_b, outside in pairs:
        if a not in columns and b not in columns:
            continue
        ea = pl.col(a) if a in columns else pl.lit(None, dtype=pl.Float64)
        eb = pl.col(b) if b in columns else pl.lit(None, dtype=pl.Float64)
        reasons.append(pl.when(ea.is_not_null() & eb.is_null()).then(pl.lit(f"{a} given without {b}")))
        reasons.append(pl.when(eb.is_not_null() & ea.is_null()).then(pl.lit(f"{b} given without {a}")))
        reasons.append(
            pl.when(
                ea.is_not_null() & eb.is_not_null() & (~ea.is_between(*range_a) | ~eb.is_between(*range_b))
            ).then(pl.lit(f"{a}/{b} is {outside}"))
        )
    return reasons


def validate(
    frame: pl.DataFrame,
    spec: FeedSpec,
    *,
    agencies: Collection[str],
    today: dt.date,
) -> pl.DataFrame:
    """``frame`` with every contract column parsed and a ``_reasons`` list per row."""
    present = set(frame.columns)
    first_pass: list[pl.Expr] = []
    columns = [c for c in spec.all_columns() if c.name in present]
    # Each column is parsed once, beside its raw value, and then takes the raw one's place.
    parsed_name = {c.name: f"{_PARSED}{c.name}" for c in columns}
    parsed_exprs = [_parser(c, agencies)(pl.col(c.name)).alias(parsed_name[c.name]) for c in columns]
    for column in columns:
        raw = pl.col(column.name)
        parsed = pl.col(parsed_name[column.name])
        if column.required:
            first_pass.append(pl.when(raw.is_null()).then(pl.lit(f"{column.name} is required but empty")))
        if column.kind is Kind.LIST:
            if column.allowed:
                bad = nz.invalid_list_items(raw, column.allowed)
                first_pass.append(
                    pl.when(bad.list.len() > 0).then(
                        pl.concat_str(
                            [
                                pl.lit(f"{column.name} has unknown values: "),
                                bad.list.join(", "),
                                pl.lit(f" (allowed: {', '.join(column.allowed)})"),
                            ]
                        )
                    )
                )
        elif column.kind not in (Kind.TEXT, Kind.PHONE):
            # An unreadable phone number is kept as recorded rather than refusing the row.
            first_pass.append(
                pl.when(raw.is_not_null() & parsed.is_null()).then(_invalid_reason(column, raw, agencies))
            )
    checked = (
        frame.with_columns(parsed_exprs)
        .with_columns(
            pl.concat_list(first_pass).list.drop_nulls().alias(REASONS)
            if first_pass
            else pl.lit([], dtype=pl.List(pl.String)).alias(REASONS)
        )
        .with_columns(pl.col(parsed_name[c.name]).alias(c.name) for c in columns)
        .drop(parsed_name.values())
    )

    second: list[pl.Expr] = []
    for column in columns:
        second.extend(_range_reasons(column.name, pl.col(column.name), column.kind, today))
    second.extend(_location_reasons({c.name for c in columns}))
    second.extend(check() for check in spec.checks)
    if second:
        checked = checked.with_columns(
            pl.concat_list([pl.col(REASONS), pl.concat_list(second).list.drop_nulls()]).alias(REASONS)
        )
    return checked
