"""Frequent callers: linked people and addresses whose calls to all partners meet FreCaNN.

Door: ``frequent_callers(engine=..., as_of=date)`` returns a ``FrequentCallers`` with one
row per person and per address on the list, the rules and costs it used (with their
sources), and ``records()`` for JSON. The pure parts (``threshold_hits``, ``summarise``)
work on a frame of calls so they can be tested on hand-built data.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

from saferhub.analysis import demand
from saferhub.analysis.active import callers_with_calls
from saferhub.analysis.people_common import (
    call_costs,
    cost_rules_used,
    counts_by,
    local_day,
    month_label,
    trend,
)
from saferhub.analysis.standards import Rule, Standards, UnitCost, load_standards

ADULT_MONTH, ADULT_3_MONTHS, CHILD = "adult_month", "adult_3_months", "child_6_months"
COMMUNAL_MONTH, ADDRESS_MONTH = "communal_month", "address_month"
PEOPLE_RULES = (
    "adult_age", "adult_calls_in_month", "adult_calls_in_3_months", "child_calls", "child_window_days",
    "lookback_days", "new_within_days", "trend_days", "trend_z",
)  # fmt: skip
ADDRESS_RULES = (
    "communal_calls_in_month",
    "address_calls_in_month",
    "communal_address_words",
    "communal_places",
)


@dataclass
class FrequentCallers:
    """The frequent-callers list as of a date, and what produced it."""

    as_of: dt.date
    first_day: dt.date
    people: pl.DataFrame
    addresses: pl.DataFrame
    rules: list[Rule]
    costs: list[UnitCost]
    price_basis: str
    people_without_dob: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        """People on the list as JSON-ready dicts: ids and counts only, no personal details."""
        return _records(self.people, "person_id")

    def address_records(self) -> list[dict[str, Any]]:
        return _records(self.addresses, "place_id")


def _records(frame: pl.DataFrame, key: str) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dicts():
        for col in ("first_contact", "last_contact"):
            row[col] = row[col].isoformat(timespec="minutes") if row[col] else None
        out.append(row)
    return out


# ------------------------------------------------------------------------------ rules


def add_age(calls: pl.DataFrame, dobs: pl.DataFrame, adult_age: int, key: str = "person_id") -> pl.DataFrame:
    """Each call's caller as a child or not, by whole years of age on the (local) call date.
    A person with no known date of birth counts as an adult. ``key`` names the person."""
    c = pl.col
    frame = calls.join(dobs, on=key, how="left")
    day = c("at").dt.date()
    before_birthday = (day.dt.month() * 100 + day.dt.day()) < (c("dob").dt.month() * 100 + c("dob").dt.day())
    age = day.dt.year() - c("dob").dt.year() - before_birthday.cast(pl.Int32)
    return frame.with_columns(child=(age < adult_age).fill_null(False)).drop("dob")


def threshold_hits(
    calls: pl.DataFrame, *, standards: Standards, first_day: dt.date, last_day: dt.date
) -> pl.DataFrame:
    """person_id, rule, month for every FreCaNN rule met by calls on local days first_day ..
    last_day; ``calls`` has person_id, at (local) and child."""
    frame = calls.with_columns(code=pl.col("person_id").cast(pl.Categorical).to_physical().cast(pl.Int64))
    hits = _hits(frame, standards=standards, first_day=first_day, last_day=last_day)
    people = frame.select("code", "person_id").unique("code")
    return hits.join(people, on="code").select("person_id", "rule", "month")


def _hits(
    frame: pl.DataFrame, *, standards: Standards, first_day: dt.date, last_day: dt.date
) -> pl.DataFrame:
    """``threshold_hits`` of calls whose people are numbered: code (a whole number per
    person), rule, month; ``frame`` has code, at (local) and child."""
    c = pl.col
    frame = frame.filter(local_day(first_day, last_day)).with_columns(m=_month_index())
    empty = pl.DataFrame(schema={"code": pl.Int64, "rule": pl.String, "month": pl.String})
    if frame.height == 0:
        return empty
    # Integer keys person * span + month make the month sums a few numpy passes.
    first_m = int(frame["m"].min())  # type: ignore[arg-type]
    span = int(frame["m"].max()) - first_m + 3  # type: ignore[arg-type]
    frame = frame.with_columns(key=c("code") * span + (c("m") - first_m))
    # (np.unique hashes in numpy 2 and is ten times slower than this on a million keys)
    per_month = frame.filter(~c("child")).group_by("key").agg(n=pl.len()).sort("key")
    keys, counts = per_month["key"].to_numpy(), per_month["n"].to_numpy()
    month = keys[counts >= standards.int("adult_calls_in_month")]
    # 12+ in 3 consecutive calendar months: windows ending at a month with calls or one
    # of the two after it, within the period.
    ends = np.sort(np.concatenate([keys, keys + 1, keys + 2]))
    ends = ends[np.r_[True, ends[1:] != ends[:-1]]] if ends.size else ends
    ends = ends[ends % span <= last_day.year * 12 + last_day.month - 1 - first_m]
    total = np.zeros(ends.size, dtype=np.int64)
    for back in (0, 1, 2):
        pos = np.minimum(np.searchsorted(keys, ends - back), max(keys.size - 1, 0))
        if keys.size:
            total += np.where(keys[pos] == ends - back, counts[pos], 0)
    three = ends[total >= standards.int("adult_calls_in_3_months")]
    k = standards.int("child_calls")
    window = dt.timedelta(days=standards.int("child_window_days"))
    child = (
        frame.filter(c("child"))
        .sort("key", "at")
        .with_columns(first=c("at").shift(k - 1).over(c("key") // span))
        .filter(c("first").is_not_null() & (c("at") - c("first") <= window))["key"]
        .to_numpy()
    )
    hits = pl.concat(
        [
            pl.DataFrame({"key": month, "rule": ADULT_MONTH}, schema={"key": pl.Int64, "rule": pl.String}),
            pl.DataFrame({"key": three, "rule": ADULT_3_MONTHS}, schema={"key": pl.Int64, "rule": pl.String}),
            pl.DataFrame({"key": child, "rule": CHILD}, schema={"key": pl.Int64, "rule": pl.String}),
        ]
    ).unique()
    hits = hits.with_columns(code=c("key") // span, m=c("key") % span + first_m)
    return hits.select("code", "rule", month=month_label("m"))


def _month_index() -> pl.Expr:
    return pl.col("at").dt.year().cast(pl.Int64) * 12 + pl.col("at").dt.month().cast(pl.Int64) - 1


def summarise(
    calls: pl.DataFrame,
    hits: pl.DataFrame,
    previous: pl.DataFrame,
    *,
    key: str,
    standards: Standards,
    as_of: dt.date,
    first_day: dt.date,
) -> pl.DataFrame:
    """One row per listed person or place: calls by agency, channel and category, first and
    last contact, trend, months over threshold, cost and whether new this week."""
    c = pl.col
    listed = hits.group_by(key).agg(
        months_over_threshold=c("month").unique().sort(), rules=c("rule").unique().sort()
    )
    mine = calls.join(listed.select(key), on=key, how="semi")
    in_window = mine.filter(local_day(first_day, as_of))
    costed = call_costs(in_window, standards)
    base = costed.group_by(key).agg(
        calls=pl.len(),
        agencies=c("agency").unique().sort(),
        first_contact=c("at").min(),
        last_contact=c("at").max(),
        cost_estimate=c("pounds").sum().round(2),
        uncosted_calls=c("uncosted").sum().cast(pl.Int64),
        cost_includes_local_estimates=c("local").any(),
    )
    parts = [counts_by(in_window, key, col, f"calls_by_{col}") for col in ("agency", "channel", "category")]
    out = listed.join(base, on=key, how="left")
    for part in parts:
        out = out.join(part, on=key, how="left")
    out = out.join(trend(mine, key, standards, as_of), on=key, how="left")
    new = ~c(key).is_in(previous[key].unique().implode()) if previous.height else pl.lit(True)
    out = out.with_columns(new_this_week=new)
    return out.sort(["calls", key], descending=[True, False])


# ------------------------------------------------------------------------------ the list


def frequent_callers(
    *,
    engine: Engine,
    as_of: dt.date,
    standards: Standards | None = None,
    lookback_days: int | None = None,
    people: bool = True,
    addresses: bool = True,
    active: tuple[dt.date, dt.date] | None = None,
) -> FrequentCallers:
    """People and addresses on the frequent-callers list as of ``as_of`` (a local date);
    ``people=False`` or ``addresses=False`` leaves that list empty and unread.

    ``active`` (first and last local day): only the people who called on those days. Each
    row kept is the whole list's (a row depends only on that person's calls and dates of
    birth); anyone new on the list since those days began is among them."""
    std = standards or load_standards()
    lookback = lookback_days or std.int("lookback_days")
    week = std.int("new_within_days")
    first_day = as_of - dt.timedelta(days=lookback - 1)
    trend_start = as_of - dt.timedelta(days=2 * std.int("trend_days") - 1)
    start, end = demand.utc_bounds(min(first_day - dt.timedelta(days=week), trend_start), as_of)
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    listed, without_dob = _empty("person_id"), 0
    places = _empty("place_id")
    with engine.connect() as conn:
        demand.tune(conn)
        if people:
            among = (
                None if active is None else callers_with_calls(conn, first_day=active[0], last_day=active[1])
            )
            listed, without_dob = _people(conn, start, end, std, as_of, first_day, week, clock, among)
        if addresses:
            places = _addresses(conn, start, end, std, as_of, first_day, week)
            clock("addresses")
    timings["total"] = sum(timings.values())
    return FrequentCallers(
        as_of=as_of,
        first_day=first_day,
        people=listed,
        addresses=places,
        rules=[std.rule(n) for n in (*PEOPLE_RULES, *ADDRESS_RULES)],
        costs=[std.costs[name] for name in cost_rules_used(std)],
        price_basis=std.price_basis(cost_rules_used(std)),
        people_without_dob=without_dob,
        timings={k: round(v, 3) for k, v in timings.items()},
    )


def _empty(key: str) -> pl.DataFrame:
    return pl.DataFrame(schema={key: pl.String, "calls": pl.UInt32})


def _people(
    conn: Any,
    start: dt.datetime,
    end: dt.datetime,
    std: Standards,
    as_of: dt.date,
    first_day: dt.date,
    week: int,
    clock: _Clock,
    among: list[str] | None = None,
) -> tuple[pl.DataFrame, int]:
    least = min(std.int("adult_calls_in_month"), std.int("child_calls"), std.int("adult_calls_in_3_months"))
    rows = demand.caller_calls(conn, start=start, end=end, among=among)
    clock("read_calls")
    rows, names = _numbered(rows, least)
    dobs = demand.best_dobs(rows.select("code", "dob"), key="code")
    calls = rows.filter(pl.col("event_id").is_not_null()).select("code", "event_id", "at")
    aged = add_age(calls, dobs, std.int("adult_age"), key="code")
    hits = _hits(aged, standards=std, first_day=first_day, last_day=as_of)
    # "New this week" only matters for those listed now.
    listed = hits.select("code").unique()
    mine = aged.join(listed, on="code", how="semi")
    before = _hits(
        mine,
        standards=std,
        first_day=first_day - dt.timedelta(days=week),
        last_day=as_of - dt.timedelta(days=week),
    )
    clock("rules")

    def named(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.join(names, on="code").drop("code")

    mine = named(mine).join(demand.call_details(conn, event_ids=mine["event_id"].to_list()), on="event_id")
    summary = summarise(
        mine, named(hits), named(before), key="person_id", standards=std, as_of=as_of, first_day=first_day
    )
    clock("people_details")
    return summary, int(listed.join(dobs, on="code", how="anti").height)


def _numbered(
    rows: pl.DataFrame, least: int, hashed: pl.Expr | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows of people with ``least`` calls or more (only they can meet any rule), with
    ``code``, a number per person, so that every later step groups and joins numbers
    rather than text; and each code's person_id.

    People are told apart by a hash of their ids first: one fast pass over the text
    (grouping three million ids as text took 2 s, hashing them 0.05 s). Two ids with one
    hash would be counted as one person, so every kept row's id is checked against its
    number's; on a clash, numbers that cannot clash (a categorical's) are used instead.
    (``hashed``: another first numbering, for the tests to make ids clash.)"""
    c = pl.col
    first = c("person_id").hash() if hashed is None else hashed
    for key in (first, c("person_id").cast(pl.Categorical).to_physical()):
        frame = rows.with_columns(h=key)
        busy = _at_least(frame.filter(c("event_id").is_not_null())["h"], least)
        frame = frame.join(busy.to_frame(), on="h", how="semi")
        names = frame.select("h", "person_id").unique("h").with_row_index("code")
        names = names.with_columns(c("code").cast(pl.Int64))
        frame = frame.join(names, on="h", suffix="_named")
        if frame.filter(c("person_id") != c("person_id_named")).is_empty():
            return frame.drop("h", "person_id_named"), names.drop("h")
    raise AssertionError("a categorical's numbers are one per text")


def _at_least(values: pl.Series, least: int) -> pl.Series:
    """The values that occur ``least`` times or more, found by sorting: several times
    faster than grouping when most values are distinct (three million: 0.06 s against
    0.2-0.35 s)."""
    ordered = values.sort().to_numpy()
    if ordered.size == 0:
        return values.clear()
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    runs = np.diff(np.r_[starts, ordered.size])
    return pl.Series(values.name, ordered[starts[runs >= least]], dtype=values.dtype)


class _Clock:
    """Seconds spent in each step, for the benchmark's breakdown."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = now - self.last
        self.last = now


def address_hits(
    calls: pl.DataFrame,
    communal: pl.DataFrame,
    *,
    standards: Standards,
    first_day: dt.date,
    last_day: dt.date,
) -> pl.DataFrame:
    """place_id, rule, month: communal places with 15+ calls in a calendar month, other
    places with the address threshold; ``communal`` has place_id and communal."""
    c = pl.col
    per_month = (
        calls.filter(local_day(first_day, last_day))
        .with_columns(m=_month_index())
        .group_by("place_id", "m")
        .agg(n=pl.len())
        .join(communal, on="place_id", how="left")
        .with_columns(c("communal").fill_null(False))
    )
    hit = (
        pl.when(c("communal"))
        .then(c("n") >= standards.int("communal_calls_in_month"))
        .otherwise(c("n") >= standards.int("address_calls_in_month"))
    )
    rule = pl.when(c("communal")).then(pl.lit(COMMUNAL_MONTH)).otherwise(pl.lit(ADDRESS_MONTH))
    return per_month.filter(hit).select("place_id", rule=rule, month=month_label("m"))


def communal_places(details: pl.DataFrame, standards: Standards) -> pl.DataFrame:
    """place_id, communal: a communal kind, an address written with a communal word, or
    a place in the hub's register."""
    words = [w.lower() for w in standards.strings("communal_address_words")]
    register = standards.strings("communal_places")
    c = pl.col
    worded = (
        pl.any_horizontal([c("address").fill_null("").str.contains(w, literal=True) for w in words])
        if words
        else pl.lit(False)
    )
    return details.select(
        "place_id",
        communal=(c("kind") == "communal").fill_null(False) | worded | c("place_id").is_in(register),
    )


def _addresses(
    conn: Any,
    start: dt.datetime,
    end: dt.datetime,
    std: Standards,
    as_of: dt.date,
    first_day: dt.date,
    week: int,
) -> pl.DataFrame:
    least = min(std.int("address_calls_in_month"), std.int("communal_calls_in_month"))
    calls = demand.place_calls(conn, start=start, end=end)
    per_month = calls.with_columns(m=_month_index()).group_by("place_id", "m").agg(n=pl.len())
    busy = per_month.filter(pl.col("n") >= least)["place_id"].unique().sort().to_list()
    details = demand.place_details(conn, busy).filter(pl.col("kind") != "street")
    calls = calls.join(details.select("place_id"), on="place_id")
    communal = communal_places(details, std)
    hits = address_hits(calls, communal, standards=std, first_day=first_day, last_day=as_of)
    before = address_hits(
        calls,
        communal,
        standards=std,
        first_day=first_day - dt.timedelta(days=week),
        last_day=as_of - dt.timedelta(days=week),
    )
    listed = calls.join(hits.select("place_id").unique(), on="place_id", how="semi")
    listed = listed.join(demand.call_details(conn, event_ids=listed["event_id"].to_list()), on="event_id")
    summary = summarise(listed, hits, before, key="place_id", standards=std, as_of=as_of, first_day=first_day)
    extra = details.select("place_id", "kind", "ward_code").join(communal, on="place_id")
    return summary.join(extra, on="place_id", how="left")
