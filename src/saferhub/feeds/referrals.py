"""Feed ``referrals``: safeguarding and vulnerability referrals from any partner."""

from __future__ import annotations

import polars as pl

from saferhub.feeds.contract import RISK, Column, FeedSpec, Kind

VULNERABILITIES = (
    "mental_health", "substance_misuse", "alcohol", "learning_disability",
    "physical_disability", "elderly", "isolation", "hoarding", "fire_risk",
    "domestic_abuse", "exploitation", "financial_abuse", "child", "homeless", "other",
)  # fmt: skip
CONSENT = ("given", "refused", "not_sought", "override")


def _event(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("referred_at").alias("occurred_at"),
        pl.lit("safeguarding").alias("category"),
        pl.lit("referral").alias("type"),
    )


SPEC = FeedSpec(
    name="referrals",
    columns=(
        Column("agency", Kind.AGENCY, required=True),
        Column("source_id", required=True),
        Column("referred_at", Kind.DATETIME, required=True),
        Column("vulnerabilities", Kind.LIST, allowed=VULNERABILITIES),
        Column("concern"),
        Column("risk", Kind.ENUM, allowed=RISK),
        Column("consent", Kind.ENUM, allowed=CONSENT),
    ),
    person_roles=("subject",),
    event=_event,
    attributes=("vulnerabilities", "concern", "risk", "consent"),
)
