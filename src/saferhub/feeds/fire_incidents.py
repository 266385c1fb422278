"""Feed ``fire-incidents``: fire and rescue incidents.

Deliberate secondary fires (refuse, grass, derelict) are ASB in all but name; the
event keeps ``incident_type`` and ``motive`` so analysis can count them with ASB.
"""

from __future__ import annotations

import polars as pl

from saferhub.feeds.contract import Column, FeedSpec, Kind

INCIDENT_TYPES = (
    "primary_fire", "secondary_fire", "chimney_fire", "false_alarm_malicious",
    "false_alarm_good_intent", "false_alarm_apparatus", "special_service",
)  # fmt: skip
MOTIVES = ("accidental", "deliberate", "unknown")
PROPERTY_TYPES = ("dwelling", "other_building", "vehicle", "refuse", "grassland", "derelict", "other")


def _event(frame: pl.DataFrame) -> pl.DataFrame:
    kind = pl.col("incident_type")
    category = (
        pl.when(kind.str.starts_with("false_alarm"))
        .then(pl.lit("false_alarm"))
        .when(kind == "special_service")
        .then(pl.lit("other"))
        .otherwise(pl.lit("fire"))
    )
    return frame.with_columns(category.alias("category"), kind.alias("type"))


SPEC = FeedSpec(
    name="fire-incidents",
    columns=(
        Column("agency", Kind.AGENCY),
        Column("source_id", required=True),
        Column("occurred_at", Kind.DATETIME, required=True),
        Column("incident_type", Kind.ENUM, required=True, allowed=INCIDENT_TYPES),
        Column("motive", Kind.ENUM, allowed=MOTIVES),
        Column("property_type", Kind.ENUM, allowed=PROPERTY_TYPES),
        Column("casualties", Kind.INT),
    ),
    person_roles=("occupant",),
    event=_event,
    default_agency="fire",
    checks=(lambda: pl.when(pl.col("casualties") < 0).then(pl.lit("casualties is negative")),),
    attributes=("motive", "property_type", "casualties"),
)
