"""Feed ``asb-reports``: ASB incidents and cases from the council, housing or police."""

from __future__ import annotations

import polars as pl

from saferhub.feeds.contract import RISK, Column, FeedSpec, Kind

ASB_TYPES = ("personal", "nuisance", "environmental")


def _event(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.coalesce(pl.col("occurred_at"), pl.col("reported_at")).alias("occurred_at"),
        pl.lit("asb").alias("category"),
        pl.col("asb_type").alias("type"),
    )


SPEC = FeedSpec(
    name="asb-reports",
    columns=(
        Column("agency", Kind.AGENCY, required=True),
        Column("source_id", required=True),
        Column("reported_at", Kind.DATETIME, required=True),
        Column("occurred_at", Kind.DATETIME),
        Column("asb_type", Kind.ENUM, allowed=ASB_TYPES),
        Column("description"),
        Column("risk", Kind.ENUM, allowed=RISK),
    ),
    person_roles=("reporter", "subject"),
    event=_event,
    attributes=("reported_at", "description", "risk"),
)
