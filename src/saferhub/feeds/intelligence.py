"""Feed ``intelligence``: intelligence reports graded 3x5x2 (College of Policing APP)."""

from __future__ import annotations

import polars as pl

from saferhub.feeds.contract import Column, FeedSpec, Kind

SOURCE_GRADES = ("1", "2", "3")
INTEL_GRADES = ("A", "B", "C", "D", "E")
HANDLING_CODES = ("P", "C")


def _event(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("recorded_at").alias("occurred_at"),
        pl.lit("intelligence").alias("category"),
        pl.concat_str([pl.col("source_grade"), pl.col("intel_grade"), pl.col("handling_code")]).alias("type"),
    )


def _conditions_required() -> pl.Expr:
    return pl.when((pl.col("handling_code") == "C") & pl.col("handling_conditions").is_null()).then(
        pl.lit("handling_conditions is required when handling_code is C")
    )


SPEC = FeedSpec(
    name="intelligence",
    columns=(
        Column("agency", Kind.AGENCY, required=True),
        Column("source_id", required=True),
        Column("recorded_at", Kind.DATETIME, required=True),
        Column("source_grade", Kind.ENUM, required=True, allowed=SOURCE_GRADES),
        Column("intel_grade", Kind.ENUM, required=True, allowed=INTEL_GRADES, upper=True),
        Column("handling_code", Kind.ENUM, required=True, allowed=HANDLING_CODES, upper=True),
        Column("handling_conditions"),
        Column("text"),
        Column("tags", Kind.LIST),
    ),
    person_roles=("subject", "associate"),
    event=_event,
    checks=(_conditions_required,),
    attributes=(
        "source_grade",
        "intel_grade",
        "handling_code",
        "handling_conditions",
        "text",
        "tags",
    ),
)
