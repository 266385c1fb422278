"""What one reader sees of a person's or a place's records: the access layer's answer, as rows.

Everything goes through ``saferhub.access`` (``restrict`` for records, ``intelligence_for``
for intelligence); nothing here decides a level itself. Rules of this package on top:

- a person (or place) exists for a reader only if at least one of its records is shown to
  them in **full**: person and place ids are personal data, which a summary never carries;
- once it exists, its other records appear at the level the agreement gives (a summary, an
  intelligence notice), and the ones given ``none`` are not there at all.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from saferhub.access import Reader, SharingAgreement, intelligence_for, restrict
from saferhub.profiles.reading import ATTRIBUTES, to_london
from saferhub.profiles.results import TimelineEntry

INTELLIGENCE = "intelligence"


def full_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows the access layer left whole."""
    return frame.filter(~pl.col("redacted"))


def restricted_mentions(
    mentions: pl.DataFrame, *, reader: Reader, agreement: SharingAgreement
) -> pl.DataFrame:
    """Mentions (person_id, names, dob, ... with their record's feed and agency) as ``reader``
    may see them: dropped, emptied or whole, with ``redacted``."""
    return restrict(mentions, reader=reader, agreement=agreement)


def restricted_events(events: pl.DataFrame, *, reader: Reader, agreement: SharingAgreement) -> pl.DataFrame:
    """Records as ``reader`` may see them, with ``redacted``, ``notice`` (intelligence whose
    content is withheld) and ``level`` (full, summary, notice)."""
    is_intel = pl.col("feed") == INTELLIGENCE
    rest = restrict(events.filter(~is_intel), reader=reader, agreement=agreement).with_columns(
        notice=pl.lit(None, pl.String)
    )
    reports = events.filter(is_intel)
    if reports.height:
        intel = intelligence_for(reports, reader=reader, agreement=agreement).drop("shown")
        rest = pl.concat([rest, intel.select(rest.columns)])
    shown = rest
    level = (
        pl.when(pl.col("notice").is_not_null())
        .then(pl.lit("notice"))
        .when(pl.col("redacted"))
        .then(pl.lit("summary"))
        .otherwise(pl.lit("full"))
    )
    return shown.with_columns(level=level).sort(["occurred_at", "event_id"], descending=[True, True])


def timeline(
    shown: pl.DataFrame, roles: pl.DataFrame, *, agreement: SharingAgreement
) -> tuple[TimelineEntry, ...]:
    """Timeline entries from restricted records; ``roles`` (event_id, role) from the
    restricted mentions (a role withheld by the agreement is not shown)."""
    by_event: dict[int, list[str]] = {}
    for event_id, role in roles.drop_nulls(["event_id", "role"]).select("event_id", "role").iter_rows():
        by_event.setdefault(int(event_id), []).append(str(role))
    names = {key: a.name for key, a in agreement.agencies.items()}
    entries = []
    for row in shown.iter_rows(named=True):
        details = {a: _shown(row[a]) for a in ATTRIBUTES if row.get(a) is not None}
        when = to_london(row["occurred_at"])
        assert when is not None
        entries.append(
            TimelineEntry(
                event_id=int(row["event_id"]),
                feed=row["feed"],
                agency=row["agency"],
                agency_name=names.get(row["agency"], row["agency"]),
                source_id=row["source_id"],
                roles=tuple(sorted(set(by_event.get(int(row["event_id"]), [])))),
                occurred_at=when,
                time_precision=row["time_precision"],
                category=row["category"],
                type=row["type"],
                ward_code=row["ward_code"],
                lsoa_code=row["lsoa_code"],
                address=row["address"],
                postcode=row["postcode"],
                details=details,
                level=row["level"],
                notice=row["notice"],
            )
        )
    return tuple(entries)


def _shown(value: str) -> str:
    """A list attribute (JSON text) as 'a, b'; anything else as it is."""
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return value
        if isinstance(items, list):
            return ", ".join(str(i) for i in items)
    return value


def best_name(mentions: pl.DataFrame) -> tuple[str | None, tuple[str, ...]]:
    """The name given most often (title case) and the other names given, from whole mentions."""
    c = pl.col
    named = mentions.filter(c("last_name").is_not_null()).with_columns(
        name=pl.concat_str(
            [c("first_name").fill_null("").str.to_titlecase(), c("last_name").str.to_titlecase()],
            separator=" ",
        ).str.strip_chars()
    )
    if named.height == 0:
        return None, ()
    counted = named.group_by("name").agg(n=pl.len()).sort(["n", "name"], descending=[True, False])
    names = counted["name"].to_list()
    return names[0], tuple(names[1:])


def dobs_given(mentions: pl.DataFrame) -> tuple[dt.date, ...]:
    """The dates of birth given, likeliest first: a 1 January that stands beside another
    date of the same year comes last (systems write 1 January when only the year is
    known); then the one given most often; ties: the latest."""
    c = pl.col
    dobs = mentions.drop_nulls("dob").group_by("dob").agg(n=pl.len())
    if dobs.height == 0:
        return ()
    jan1 = (c("dob").dt.month() == 1) & (c("dob").dt.day() == 1)
    year_only = jan1 & (pl.len().over(c("dob").dt.year()) > 1)
    ranked = dobs.with_columns(year_only=year_only).sort(
        ["year_only", "n", "dob"], descending=[False, True, True]
    )
    return tuple(ranked["dob"].to_list())


def names_and_dobs(mentions: pl.DataFrame) -> dict[str, tuple[str | None, dt.date | None]]:
    """person_id -> (best name, likeliest date of birth) for many people at once, by the
    rules of ``best_name`` and ``dobs_given``."""
    c = pl.col
    name = pl.concat_str(
        [c("first_name").fill_null("").str.to_titlecase(), c("last_name").str.to_titlecase()], separator=" "
    ).str.strip_chars()
    names = (
        mentions.filter(c("last_name").is_not_null())
        .with_columns(name=name)
        .group_by("person_id", "name")
        .agg(n=pl.len())
        .sort(["person_id", "n", "name"], descending=[False, True, False])
        .unique("person_id", keep="first", maintain_order=True)
    )
    jan1 = (c("dob").dt.month() == 1) & (c("dob").dt.day() == 1)
    dobs = (
        mentions.drop_nulls("dob")
        .group_by("person_id", "dob")
        .agg(n=pl.len())
        .with_columns(year_only=jan1 & (pl.len().over("person_id", c("dob").dt.year()) > 1))
        .sort(["person_id", "year_only", "n", "dob"], descending=[False, False, True, True])
        .unique("person_id", keep="first", maintain_order=True)
    )
    out: dict[str, tuple[str | None, dt.date | None]] = {}
    for pid, best in names.select("person_id", "name").iter_rows():
        out[pid] = (best, None)
    for pid, dob in dobs.select("person_id", "dob").iter_rows():
        out[pid] = (out.get(pid, (None, None))[0], dob)
    return out
