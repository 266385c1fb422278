"""Feed ``police-uk-street``: street-level crime and ASB as published by data.police.uk.

Locations are anonymised map points, never addresses. ASB rows have no Crime ID
and identical rows are common (several incidents at one map point in one month),
so each row's identity is its content plus its occurrence among identical rows:
re-importing a file, in any row order, finds the same identities.
"""

from __future__ import annotations

import hashlib

import polars as pl

from saferhub.feeds.contract import Column, FeedSpec, Kind

# data.police.uk category names and the slugs its API uses for them.
CRIME_TYPE_SLUGS = {
    "Anti-social behaviour": "anti-social-behaviour",
    "Bicycle theft": "bicycle-theft",
    "Burglary": "burglary",
    "Criminal damage and arson": "criminal-damage-arson",
    "Drugs": "drugs",
    "Other crime": "other-crime",
    "Other theft": "other-theft",
    "Possession of weapons": "possession-of-weapons",
    "Public order": "public-order",
    "Robbery": "robbery",
    "Shoplifting": "shoplifting",
    "Theft from the person": "theft-from-the-person",
    "Vehicle crime": "vehicle-crime",
    "Violence and sexual offences": "violent-crime",
    "Violent crime": "violent-crime",
}
ASB = "Anti-social behaviour"
_CONTENT = (
    "month", "reported_by", "falls_within", "longitude", "latitude", "location",
    "lsoa_code", "lsoa_name", "crime_type", "last_outcome_category", "context",
)  # fmt: skip


def _slug(expr: pl.Expr) -> pl.Expr:
    known = expr.replace_strict(CRIME_TYPE_SLUGS, default=None, return_dtype=pl.String)
    fallback = expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")
    return pl.coalesce(known, fallback)


def _identity(raw: pl.DataFrame) -> pl.Series:
    """Crime ID where there is one; otherwise month, content digest and occurrence number."""
    content = pl.concat_str([pl.col(c).fill_null("") for c in _CONTENT], separator="\x1f")
    keyed = raw.select(
        pl.col("crime_id"),
        pl.col("month"),
        content.alias("content"),
        pl.int_range(pl.len()).alias("row"),
    ).with_columns(pl.col("row").rank("ordinal").over("content").cast(pl.Int64).alias("occurrence"))
    digests = {
        text: hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]
        for text in keyed.filter(pl.col("crime_id").is_null())["content"].unique().to_list()
    }
    return keyed.select(
        pl.coalesce(
            pl.col("crime_id"),
            pl.concat_str(
                [
                    pl.lit("asb-"),
                    pl.col("month").fill_null(""),
                    pl.lit("-"),
                    pl.col("content").replace_strict(digests, default=None, return_dtype=pl.String),
                    pl.lit("-"),
                    pl.col("occurrence").cast(pl.String),
                ]
            ),
        ).alias("source_id")
    ).to_series()


def _event(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("month").cast(pl.Datetime("us")).alias("occurred_at"),
        pl.lit("month").alias("time_precision"),
        pl.when(pl.col("crime_type") == ASB).then(pl.lit("asb")).otherwise(pl.lit("crime")).alias("category"),
        _slug(pl.col("crime_type")).alias("type"),
        pl.lit("police").alias("agency"),
        pl.col("location").alias("location_description"),
        pl.col("lsoa_code").alias("published_lsoa_code"),
        pl.col("lsoa_name").alias("published_lsoa_name"),
    )


SPEC = FeedSpec(
    name="police-uk-street",
    columns=(
        Column("crime_id"),
        Column("month", Kind.MONTH, required=True),
        Column("reported_by"),
        Column("falls_within"),
        Column("location"),
        Column("lsoa_code"),
        Column("lsoa_name"),
        Column("crime_type", required=True),
        Column("last_outcome_category"),
        Column("context"),
        Column("longitude", Kind.FLOAT),
        Column("latitude", Kind.FLOAT),
    ),
    person_roles=(),
    event=_event,
    default_agency="police",
    has_location=False,
    identity=_identity,
    attributes=(
        "crime_type",
        "reported_by",
        "falls_within",
        "location_description",
        "published_lsoa_code",
        "published_lsoa_name",
        "last_outcome_category",
        "context",
    ),
)
