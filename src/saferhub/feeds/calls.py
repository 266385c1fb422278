"""Feed ``calls``: calls for service to any control room."""

from __future__ import annotations

import polars as pl

from saferhub.feeds.contract import Column, FeedSpec, Kind

CHANNELS = ("999", "101", "112", "phone", "online", "in_person", "alarm", "other")
CATEGORIES = (
    "asb", "crime", "fire", "medical", "welfare", "mental_health",
    "domestic", "hoax", "false_alarm", "other",
)  # fmt: skip
PRIORITIES = ("emergency", "priority", "scheduled", "advice")


def _event(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("received_at").alias("occurred_at"),
        pl.col("call_type").alias("type"),
    )


SPEC = FeedSpec(
    name="calls",
    columns=(
        Column("agency", Kind.AGENCY, required=True),
        Column("source_id", required=True),
        Column("received_at", Kind.DATETIME, required=True),
        Column("channel", Kind.ENUM, allowed=CHANNELS),
        Column("call_type"),
        Column("category", Kind.ENUM, allowed=CATEGORIES),
        Column("priority", Kind.ENUM, allowed=PRIORITIES),
        Column("attended", Kind.BOOL),
        Column("outcome"),
    ),
    person_roles=("caller",),
    event=_event,
    attributes=("channel", "priority", "attended", "outcome"),
)
