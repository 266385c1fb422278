"""The lists a person or place is on (frequent caller, repeat victim, ASB Case Review,
vulnerable, repeat location), by the analyses' own rules applied to one person's records.

The thresholds and their sources come from ``analysis.standards``; the rules themselves
are the analyses' functions (``threshold_hits``, ``reached``, ``qualifying_complaints``,
``similar_incident``, ``vulnerable_people``): nothing is re-implemented here. Flags are
worked out from the records the reader sees in full, so a flag never rests on a record
(or a role in it) the reader may not see.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import polars as pl

from saferhub.analysis.demand import best_dobs, localise
from saferhub.analysis.frequent_callers import (
    ADULT_3_MONTHS,
    ADULT_MONTH,
    CHILD,
    PEOPLE_RULES,
    add_age,
    threshold_hits,
)
from saferhub.analysis.people_common import local_day
from saferhub.analysis.repeats import (
    LOCATION_RULES,
    REVIEW_RULES,
    VICTIM_RULES,
    qualifying_complaints,
    reached,
    similar_incident,
)
from saferhub.analysis.standards import Standards
from saferhub.briefings.people import VULNERABLE_LOOKBACK_DAYS, vulnerable_people
from saferhub.profiles.reading import LONDON
from saferhub.profiles.results import Flag, Vulnerability


def _rules(std: Standards, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(std.rule(n).plain() for n in names)


def _day(day: dt.date) -> str:
    """A date as the pages write it: 28 Nov 2025."""
    return f"{day.day} {day:%b %Y}"


def _month(month: str) -> str:
    """An analysis month ('2026-03') as the pages write it: Mar 2026."""
    return f"{dt.date.fromisoformat(month + '-01'):%b %Y}"


def _met(rule: str, std: Standards) -> str:
    """A FreCaNN rule a person met, in words (``adult_month`` is not for a page)."""
    words = {
        ADULT_MONTH: f"{std.int('adult_calls_in_month')}+ calls in a calendar month",
        ADULT_3_MONTHS: f"{std.int('adult_calls_in_3_months')}+ calls in 3 consecutive months",
        CHILD: f"{std.int('child_calls')}+ calls as a child within {std.int('child_window_days')} days",
    }
    return words.get(rule, rule.replace("_", " "))


def _days(std: Standards, name: str) -> dt.timedelta:
    return dt.timedelta(days=std.int(name))


_FLAGS_KEPT = 4_096
_flags_lock = threading.Lock()
_flags: dict[tuple[Any, ...], tuple[Standards, tuple[tuple[Flag, ...], Vulnerability | None]]] = {}


def person_flags(
    records: pl.DataFrame, *, person_id: str, as_of: dt.date, standards: Standards
) -> tuple[tuple[Flag, ...], Vulnerability | None]:
    """``worked_out_flags``, remembered: the flags follow from exactly these records (every
    column, hashed row by row), this day and these standards, whoever asks, so a profile
    opened again (or by a colleague who sees the same records) needs no polars work."""
    key = (person_id, as_of, id(standards), tuple(sorted(records.hash_rows().to_list())))
    held = _flags.get(key)
    if held is not None and held[0] is standards:
        return held[1]
    answer = worked_out_flags(records, person_id=person_id, as_of=as_of, standards=standards)
    with _flags_lock:
        if len(_flags) >= _FLAGS_KEPT:
            _flags.clear()
        _flags[key] = (standards, answer)
    return answer


def worked_out_flags(
    records: pl.DataFrame, *, person_id: str, as_of: dt.date, standards: Standards
) -> tuple[tuple[Flag, ...], Vulnerability | None]:
    """Flags of one person from ``records``: their whole records (event_id, role, feed,
    agency, category, occurred_at as naive UTC, reported_at, vulnerabilities, risk, dob)."""
    frame = localise(records.with_columns(at=pl.col("occurred_at")), "at", "occurred_at")
    frame = frame.with_columns(person_id=pl.lit(person_id))
    flags = (
        _frequent_caller(frame, as_of, standards),
        _repeat_victim(frame, as_of, standards),
        _case_review(frame, as_of, standards),
    )
    vulnerability = _vulnerable(frame, as_of)
    vulnerable = Flag(
        "vulnerable",
        "Vulnerable person",
        vulnerability is not None,
        (
            f"subject of {vulnerability.referrals} safeguarding referral(s) in the last "
            f"{VULNERABLE_LOOKBACK_DAYS} days"
            if vulnerability
            else f"no safeguarding referral in the last {VULNERABLE_LOOKBACK_DAYS} days"
        ),
        (f"vulnerable: the subject of a safeguarding referral in the last {VULNERABLE_LOOKBACK_DAYS} days",),
    )
    return (*flags, vulnerable), vulnerability


def _frequent_caller(frame: pl.DataFrame, as_of: dt.date, std: Standards) -> Flag:
    c = pl.col
    first_day = as_of - dt.timedelta(days=std.int("lookback_days") - 1)
    calls = frame.filter((c("feed") == "calls") & (c("role") == "caller")).select(
        "person_id", "event_id", "at"
    )
    # As frequent_callers does: fewer calls than the smallest threshold can meet no rule.
    least = min(std.int("adult_calls_in_month"), std.int("child_calls"), std.int("adult_calls_in_3_months"))
    hits = pl.DataFrame(schema={"person_id": pl.String, "rule": pl.String, "month": pl.String})
    if calls.height >= least:
        dobs = best_dobs(frame.select("person_id", "dob"))
        aged = add_age(calls, dobs, std.int("adult_age"))
        hits = threshold_hits(aged, standards=std, first_day=first_day, last_day=as_of)
    months = sorted(set(hits["month"].to_list()))
    rules = sorted(set(hits["rule"].to_list()))
    in_window = calls.filter(local_day(first_day, as_of)).height
    detail = (
        f"{in_window} named calls from {_day(first_day)} to {_day(as_of)}; "
        f"met {' and '.join(_met(r, std) for r in rules)} (in {', '.join(_month(m) for m in months)})"
        if hits.height
        else f"{in_window} named calls from {_day(first_day)} to {_day(as_of)}: no FreCaNN rule met"
    )
    return Flag("frequent_caller", "Frequent caller", hits.height > 0, detail, _rules(std, PEOPLE_RULES[:6]))


def _reached(frame: pl.DataFrame, keys: list[str], k: int, window: dt.timedelta) -> pl.DataFrame:
    """``repeats.reached``, skipped when there are fewer than k incidents in all."""
    if frame.height < k:
        return frame.select(*keys, "at").clear()
    return reached(frame, keys, k, window)


def _incidents(frame: pl.DataFrame, categories: list[str], agencies: list[str] | None = None) -> pl.DataFrame:
    """Crime and ASB incidents the person reported, as ``demand.victim_incidents`` reads them:
    calls they made in ``categories`` (to ``agencies``), and ASB reports they made, dated
    when reported."""
    c = pl.col
    calls = (c("feed") == "calls") & (c("role") == "caller") & c("category").is_in(categories)
    if agencies is not None:
        calls = calls & c("agency").is_in(agencies)
    reports = (c("feed") == "asb-reports") & (c("role") == "reporter")
    reported = (
        c("reported_at")
        .str.replace("Z$", "+00:00")
        .str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
        .dt.replace_time_zone(None)
    )
    picked = frame.filter(calls | reports).with_columns(
        reported=pl.when(c("feed") == "asb-reports").then(reported)
    )
    dated = localise(picked.filter(c("reported").is_not_null()).with_columns(at=c("reported")), "at")
    return pl.concat([picked.filter(c("reported").is_null()), dated]).with_columns(occurred=c("occurred_at"))


def _repeat_victim(frame: pl.DataFrame, as_of: dt.date, std: Standards) -> Flag:
    days = std.int("repeat_victim_window_days")
    first_day = as_of - dt.timedelta(days=days - 1)
    incidents = _incidents(frame, std.strings("repeat_victim_call_categories")).filter(
        local_day(first_day, as_of)
    )
    hits = _reached(
        incidents, ["person_id"], std.int("repeat_victim_incidents"), _days(std, "repeat_victim_window_days")
    )
    detail = f"{incidents.height} crime or ASB incident(s) reported from {_day(first_day)} to {_day(as_of)}"
    return Flag("repeat_victim", "Repeat victim", hits.height > 0, detail, _rules(std, VICTIM_RULES[:3]))


def _case_review(frame: pl.DataFrame, as_of: dt.date, std: Standards) -> Flag:
    first_day = as_of - dt.timedelta(days=std.int("lookback_days") - 1)
    agencies = std.strings("complaint_agencies")
    complaints = qualifying_complaints(_incidents(frame, ["asb"], agencies), std)
    k, window = std.int("case_review_complaints"), _days(std, "case_review_window_days")
    ever = _reached(complaints.filter(local_day(first_day, as_of)), ["person_id"], k, window)
    recent_first = as_of - window + dt.timedelta(days=1)
    now = _reached(complaints.filter(local_day(recent_first, as_of)), ["person_id"], k, window)
    if now.height:
        detail = f"meets the threshold now: {k}+ qualifying complaints since {_day(recent_first)}"
    elif ever.height:
        detail = (
            f"met the threshold between {_day(first_day)} and {_day(as_of)}, "
            f"not in the last {window.days} days"
        )
    else:
        n = complaints.filter(local_day(first_day, as_of)).height
        detail = f"{n} qualifying complaint(s) from {_day(first_day)}"
    return Flag(
        "asb_case_review", "ASB Case Review threshold", ever.height > 0, detail, _rules(std, REVIEW_RULES[:4])
    )


def _vulnerable(frame: pl.DataFrame, as_of: dt.date) -> Vulnerability | None:
    first_day = as_of - dt.timedelta(days=VULNERABLE_LOOKBACK_DAYS - 1)
    c = pl.col
    referrals = frame.filter(
        (c("feed") == "referrals") & (c("role") == "subject") & local_day(first_day, as_of, "occurred_at")
    )
    rows = vulnerable_people(referrals.select("person_id", "vulnerabilities", "risk", "occurred_at"))
    if rows.height == 0:
        return None
    row = rows.row(0, named=True)
    last = row["last_referral"]
    return Vulnerability(
        referrals=int(row["referrals"]),
        vulnerabilities=tuple(row["vulnerabilities"] or ()),
        risk=row["risk"],
        last_referral=last.replace(tzinfo=LONDON) if last else None,  # local wall-clock time
    )


def repeat_location_flag(
    records: pl.DataFrame, *, place_id: str, as_of: dt.date, standards: Standards
) -> Flag:
    """Whether a place is a repeat location from its whole records (event_id, feed, agency,
    category, type, motive, occurred_at naive UTC, reported_at)."""
    std = standards
    c = pl.col
    days = std.int("repeat_location_window_days")
    first_day = as_of - dt.timedelta(days=days - 1)
    reported = (
        c("reported_at")
        .str.replace("Z$", "+00:00")
        .str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
        .dt.replace_time_zone(None)
    )
    frame = records.filter(c("feed").is_in(std.strings("repeat_location_feeds"))).with_columns(
        at=pl.coalesce(reported, c("occurred_at")), place_id=pl.lit(place_id)
    )
    frame = similar_incident(localise(frame, "at")).filter(local_day(first_day, as_of))
    k, window = std.int("repeat_location_incidents"), _days(std, "repeat_location_window_days")
    hits = _reached(frame, ["place_id", "category"], k, window)
    categories = sorted(set(hits["category"].to_list()))
    detail = (
        f"repeated from {_day(first_day)} to {_day(as_of)}: {', '.join(categories)}"
        if categories
        else f"{frame.height} incident(s) from {_day(first_day)} to {_day(as_of)}, none repeated"
    )
    return Flag(
        "repeat_location", "Repeat location", bool(categories), detail, _rules(std, LOCATION_RULES[:3])
    )
