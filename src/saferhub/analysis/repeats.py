"""Repeat victims, repeat locations and the ASB Case Review threshold, as of a date.

Doors: ``repeat_victims``, ``repeat_locations`` and ``asb_case_review`` (each
``(*, engine, as_of, standards=None)``) return a ``RepeatList``: one row per person or
place, the rules used (with sources), and ``records()`` for JSON. ``reached`` is the
pure rule: the moments when k incidents fall within a window, per key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Engine

from saferhub.analysis import demand
from saferhub.analysis.active import places_with_incidents, victims_with_incidents
from saferhub.analysis.people_common import counts_by, local_day
from saferhub.analysis.standards import Rule, Standards, load_standards

VICTIM_RULES = (
    "repeat_victim_incidents",
    "repeat_victim_window_days",
    "repeat_victim_call_categories",
    "new_within_days",
)
LOCATION_RULES = (
    "repeat_location_incidents",
    "repeat_location_window_days",
    "repeat_location_feeds",
    "new_within_days",
)
REVIEW_RULES = (
    "case_review_complaints",
    "case_review_window_days",
    "complaint_within_days",
    "complaint_agencies",
    "lookback_days",
    "new_within_days",
)


@dataclass
class RepeatList:
    """One of the repeat lists as of a date, and what produced it."""

    what: str
    key: str
    as_of: dt.date
    first_day: dt.date
    rows: pl.DataFrame
    rules: list[Rule]

    def records(self) -> list[dict[str, Any]]:
        """JSON-ready rows: ids, counts and dates only."""
        out = []
        for row in self.rows.to_dicts():
            for col, value in row.items():
                if isinstance(value, dt.datetime | dt.date):
                    row[col] = (
                        value.isoformat(timespec="minutes")
                        if isinstance(value, dt.datetime)
                        else value.isoformat()
                    )
            out.append(row)
        return out


def reached(frame: pl.DataFrame, keys: list[str], k: int, window: dt.timedelta) -> pl.DataFrame:
    """keys + at: each moment an incident makes k within ``window`` (first to last) for its key."""
    c = pl.col
    return (
        frame.sort([*keys, "at"])
        .with_columns(first=c("at").shift(k - 1).over(keys))
        .filter(c("first").is_not_null() & (c("at") - c("first") <= window))
        .select(*keys, "at")
    )


def _summary(frame: pl.DataFrame, key: str, hits: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    c = pl.col
    listed = hits.group_by(key).agg(threshold_met_at=c("at").min())
    mine = frame.join(listed.select(key), on=key, how="semi")
    base = mine.group_by(key).agg(
        incidents=pl.len(),
        agencies=c("agency").unique().sort(),
        first_incident=c("at").min(),
        last_incident=c("at").max(),
    )
    out = listed.join(base, on=key, how="left")
    for col in ("feed", "category"):
        out = out.join(counts_by(mine, key, col, f"incidents_by_{col}"), on=key, how="left")
    new = ~c(key).is_in(previous[key].unique().implode()) if previous.height else pl.lit(True)
    return out.with_columns(new_this_week=new).sort(["incidents", key], descending=[True, False])


def _days(std: Standards, name: str) -> dt.timedelta:
    return dt.timedelta(days=std.int(name))


def repeat_victims(
    *,
    engine: Engine,
    as_of: dt.date,
    standards: Standards | None = None,
    active: tuple[dt.date, dt.date] | None = None,
) -> RepeatList:
    """People with more than one crime or ASB incident as caller or reporter in the rolling
    12 months to ``as_of``.

    ``active`` (first and last local day): leave out people with no such incident on those
    days; the rows kept are the whole list's (see ``repeat_locations``)."""
    std = standards or load_standards()
    days, week = std.int("repeat_victim_window_days"), std.int("new_within_days")
    first_day = as_of - dt.timedelta(days=days - 1)
    start, end = demand.utc_bounds(first_day - dt.timedelta(days=week), as_of)
    categories = std.strings("repeat_victim_call_categories")
    with engine.connect() as conn:
        demand.tune(conn)
        among = None
        if active is not None:
            among = victims_with_incidents(
                conn, first_day=active[0], last_day=active[1], call_categories=categories
            )
        frame = demand.victim_incidents(conn, start=start, end=end, call_categories=categories, among=among)
    k, window = std.int("repeat_victim_incidents"), _days(std, "repeat_victim_window_days")

    def listed(first: dt.date, last: dt.date) -> pl.DataFrame:
        return reached(frame.filter(local_day(first, last)), ["person_id"], k, window)

    now = frame.filter(local_day(first_day, as_of))
    hits = listed(first_day, as_of)
    before = listed(first_day - dt.timedelta(days=week), as_of - dt.timedelta(days=week))
    rows = _summary(now, "person_id", hits, before)
    return RepeatList(
        "repeat victims", "person_id", as_of, first_day, rows, [std.rule(n) for n in VICTIM_RULES]
    )


def qualifying_complaints(frame: pl.DataFrame, std: Standards) -> pl.DataFrame:
    """Complaints that count for the ASB Case Review: ASB calls and reports to the relevant
    bodies, reports made within ``complaint_within_days`` of the behaviour."""
    c = pl.col
    late = (c("feed") == "asb-reports") & (c("at") - c("occurred") > _days(std, "complaint_within_days"))
    return frame.filter(c("agency").is_in(std.strings("complaint_agencies")) & ~late.fill_null(False))


def asb_case_review(
    *,
    engine: Engine,
    as_of: dt.date,
    standards: Standards | None = None,
    lookback_days: int | None = None,
    active: tuple[dt.date, dt.date] | None = None,
) -> RepeatList:
    """People who made 3 qualifying ASB complaints within 6 months at some time in the
    ``lookback_days`` to ``as_of``; ``meets_now`` says whether the last 6 months do.

    ``active`` (first and last local day): leave out people with no ASB call or report on
    those days; the rows kept are the whole list's (see ``repeat_locations``), and anyone
    new on the list since those days began is among them."""
    std = standards or load_standards()
    lookback = lookback_days or std.int("lookback_days")
    week = std.int("new_within_days")
    first_day = as_of - dt.timedelta(days=lookback - 1)
    start, end = demand.utc_bounds(first_day - dt.timedelta(days=week), as_of)
    agencies = std.strings("complaint_agencies")
    with engine.connect() as conn:
        demand.tune(conn)
        among = None
        if active is not None:
            among = victims_with_incidents(
                conn, first_day=active[0], last_day=active[1], call_categories=["asb"]
            )
        frame = demand.victim_incidents(
            conn, start=start, end=end, call_categories=["asb"], call_agencies=agencies, among=among
        )
    frame = qualifying_complaints(frame, std)
    k, window = std.int("case_review_complaints"), _days(std, "case_review_window_days")

    def listed(first: dt.date, last: dt.date) -> pl.DataFrame:
        return reached(frame.filter(local_day(first, last)), ["person_id"], k, window)

    hits = listed(first_day, as_of)
    before = listed(first_day - dt.timedelta(days=week), as_of - dt.timedelta(days=week))
    recent = listed(as_of - window + dt.timedelta(days=1), as_of)
    rows = _summary(frame.filter(local_day(first_day, as_of)), "person_id", hits, before)
    rows = rows.with_columns(meets_now=pl.col("person_id").is_in(recent["person_id"].unique().implode()))
    return RepeatList(
        "ASB case review", "person_id", as_of, first_day, rows, [std.rule(n) for n in REVIEW_RULES]
    )


def similar_incident(frame: pl.DataFrame) -> pl.DataFrame:
    """What makes two incidents 'similar': a call's category, 'asb' for an ASB report, a
    fire incident's type (deliberate secondary fires apart from the rest)."""
    c = pl.col
    fire = (
        pl.when((c("type") == "secondary_fire") & (c("motive") == "deliberate"))
        .then(pl.lit("deliberate_secondary_fire"))
        .otherwise(c("type"))
    )
    return frame.with_columns(
        category=pl.when(c("feed") == "fire-incidents")
        .then(fire)
        .when(c("feed") == "asb-reports")
        .then(pl.lit("asb"))
        .otherwise(c("category"))
        .fill_null("unknown")
    )


def repeat_locations(
    *,
    engine: Engine,
    as_of: dt.date,
    standards: Standards | None = None,
    active: tuple[dt.date, dt.date] | None = None,
) -> RepeatList:
    """Places with a further similar incident within the rolling 12 months to ``as_of``.

    ``active`` (first and last local day): leave out places with no incident on those days.
    Every row kept is the same as in the whole list (each place's row depends only on its
    own incidents), so a list filtered on its ``last_incident`` falling in those days is
    the same either way, and much less is read (a briefing's period against 13 months)."""
    std = standards or load_standards()
    days, week = std.int("repeat_location_window_days"), std.int("new_within_days")
    first_day = as_of - dt.timedelta(days=days - 1)
    start, end = demand.utc_bounds(first_day - dt.timedelta(days=week), as_of)
    feeds = std.strings("repeat_location_feeds")
    with engine.connect() as conn:
        demand.tune(conn)
        among = (
            None
            if active is None
            else places_with_incidents(conn, first_day=active[0], last_day=active[1], feeds=feeds)
        )
        frame = demand.place_incidents(conn, start=start, end=end, feeds=feeds, among=among)
        frame = similar_incident(frame)
        k, window = std.int("repeat_location_incidents"), _days(std, "repeat_location_window_days")

        def listed(first: dt.date, last: dt.date) -> pl.DataFrame:
            return reached(frame.filter(local_day(first, last)), ["place_id", "category"], k, window)

        hits = listed(first_day, as_of)
        before = listed(first_day - dt.timedelta(days=week), as_of - dt.timedelta(days=week))
        repeated = hits.select("place_id", "category").unique()
        now = frame.filter(local_day(first_day, as_of))
        rows = _summary(now.join(repeated, on=["place_id", "category"]), "place_id", hits, before)
        cats = repeated.group_by("place_id").agg(repeat_categories=pl.col("category").sort())
        kinds = demand.place_kinds(conn, rows["place_id"].to_list())
    rows = rows.join(cats, on="place_id", how="left").join(kinds, on="place_id", how="left")
    return RepeatList(
        "repeat locations", "place_id", as_of, first_day, rows, [std.rule(n) for n in LOCATION_RULES]
    )
