"""Writing the partner files: each feed rendered in its agencies' own styles, as CSV.

Files are byte-for-byte reproducible: polars writes the CSV, gzip gets a fixed
(zero) timestamp and no file name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from saferhub.synth.noise import Records
from saferhub.synth.render import PERSON_FIELDS, agency_codes, location_columns, person_columns
from saferhub.synth.world import Feed, World

FEED_FILES = {
    "calls": "calls.csv.gz",
    "asb-reports": "asb-reports.csv.gz",
    "fire-incidents": "fire-incidents.csv.gz",
    "referrals": "referrals.csv.gz",
    "intelligence": "intelligence.csv.gz",
}
LOCATION = ("location_address", "location_postcode", "latitude", "longitude", "easting",
            "northing")


def _people(role: str) -> tuple[str, ...]:
    return tuple(f"{role}_{f}" for f in PERSON_FIELDS)


COLUMNS: dict[str, tuple[str, ...]] = {
    "calls": ("agency", "source_id", "received_at", "channel", "call_type", "category",
              "priority", *_people("caller"), *LOCATION, "attended", "outcome"),
    "asb-reports": ("agency", "source_id", "reported_at", "occurred_at", "asb_type",
                    "description", "risk", *_people("reporter"), *_people("subject"),
                    *LOCATION),
    "fire-incidents": ("source_id", "agency", "occurred_at", "incident_type", "motive",
                       "property_type", "casualties", *LOCATION, *_people("occupant")),
    "referrals": ("agency", "source_id", "referred_at", "vulnerabilities", "concern", "risk",
                  "consent", *_people("subject")),
    "intelligence": ("agency", "source_id", "recorded_at", "source_grade", "intel_grade",
                     "handling_code", "handling_conditions", *_people("subject"),
                     *_people("associate"), *LOCATION, "text", "tags"),
}


def _series(name: str, values: object) -> pl.Series:
    if isinstance(values, pl.Series):
        return values.alias(name)
    arr = np.asarray(values)
    if arr.dtype.kind in "iub":
        return pl.Series(name, arr)
    return pl.Series(name, arr.astype(object).tolist(), dtype=pl.Utf8)


def render_feed(world: World, feed: Feed, records: Records) -> pl.DataFrame:
    rng = world.rng(f"render-{feed.name}")
    code = agency_codes(feed.agency)
    cols: dict[str, pl.Series] = {
        "agency": _series("agency", feed.agency), "source_id": feed.source_id,
    }
    for k, v in {**feed.columns, **feed.extra}.items():
        if k in COLUMNS[feed.name]:
            cols[k] = _series(k, v)
    if "location_address" in COLUMNS[feed.name]:
        loc = location_columns(geo=world.geo, place=np.maximum(feed.place, 0), e=feed.e,
                               n=feed.n, agency_code=code, rng=rng)
        keep = pl.Series(feed.has_location & (feed.place >= 0))
        for k, s in loc.items():
            cols[k] = pl.select(pl.when(keep).then(s).otherwise(None)).to_series().alias(k)
    for role, who in feed.roles.items():
        cols.update(person_columns(geo=world.geo, records=records, feed=feed.name, role=role,
                                   agency_code=code, person=who, rng=rng))
    return pl.DataFrame([cols[c].alias(c) for c in COLUMNS[feed.name]])


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """CSV with a header row; gzip (no timestamp, so reproducible) for a .gz name."""
    # An empty string is a missing value: write it as an empty cell, never as "".
    frame = frame.with_columns(pl.col(pl.Utf8).replace("", None))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        frame.write_csv(path, null_value="", compression="gzip", compression_level=3)
    else:
        frame.write_csv(path, null_value="")
