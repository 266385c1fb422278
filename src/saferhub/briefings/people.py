"""People: new and escalating frequent callers, repeat victims with new incidents, vulnerable
people with new contacts, people newly meeting the ASB Case Review threshold.

``people_lists`` runs the analyses once for a period (they are the same for every reader and
area); ``people_section`` picks what one pack shows, after the access layer has decided
what its reader may see of each list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine

from saferhub.analysis.frequent_callers import frequent_callers
from saferhub.analysis.repeats import asb_case_review, repeat_victims
from saferhub.analysis.standards import Rule, Standards
from saferhub.briefings.content import Column, Ref, Section, Table, Text, fmt_count, plural
from saferhub.briefings.gate import Gate
from saferhub.briefings.periods import BriefingPeriod
from saferhub.briefings.sources import name_and_age, read_person_mentions, read_person_sources, read_referrals

#: Rows a people table shows on paper; the rest are counted and the full list named.
ROWS = 12
VULNERABLE_LOOKBACK_DAYS = 365


PersonCells = Callable[[str], dict[str, object]]


@dataclass
class PeopleLists:
    """The analyses' lists as of the period's last day (unrestricted: never shown as they are)."""

    frequent: pl.DataFrame
    victims: pl.DataFrame
    review: pl.DataFrame
    referrals: pl.DataFrame  # person_id, event_id, feed, agency, occurred_at, vulnerabilities, risk
    sources: pl.DataFrame  # person_id, feed, agency, role, category: the records behind the lists
    standards: Standards
    notes: list[str]


def with_new_within(standards: Standards, days: int) -> Standards:
    """The standards with 'new on the list' meaning new since the last briefing."""
    rule = standards.rule("new_within_days")
    new = Rule(rule.name, days, f"briefing: new since the last briefing ({days} days before)", rule.local)
    return dataclasses.replace(standards, rules={**standards.rules, rule.name: new})


def people_lists(*, engine: Engine, period: BriefingPeriod, standards: Standards) -> PeopleLists:
    """Run the analyses as of the period's last day, with 'new' meaning new since the last briefing."""
    std = with_new_within(standards, period.days)
    as_of = period.last
    with ThreadPoolExecutor(max_workers=2) as pool:  # reading and polars release the GIL
        # Only those with a call or incident in the period, as the pack lists no other
        # (people_section: new on a list, which takes one, rising and calling, or with a
        # new incident); and no frequent-caller addresses, which are not in the pack.
        active = (period.first, period.last)
        fc_job = pool.submit(
            frequent_callers, engine=engine, as_of=as_of, standards=std, addresses=False, active=active
        )
        rv_job = pool.submit(repeat_victims, engine=engine, as_of=as_of, standards=std, active=active)
        acr_job = pool.submit(asb_case_review, engine=engine, as_of=as_of, standards=std, active=active)
        fc, rv, acr = fc_job.result(), rv_job.result(), acr_job.result()
    referrals = read_referrals(
        engine=engine, first_day=as_of - dt.timedelta(days=VULNERABLE_LOOKBACK_DAYS - 1), last_day=as_of
    )
    referrals = referrals.with_columns(feed=pl.lit("referrals"))
    c = pl.col
    candidates = {
        *fc.people.filter(c("new_this_week") | (c("trend") == "rising"))["person_id"],
        *rv.rows.filter(_in_period("last_incident", period))["person_id"],
        *acr.rows.filter(c("new_this_week"))["person_id"],
        *referrals["person_id"],
    }
    year = as_of - dt.timedelta(days=VULNERABLE_LOOKBACK_DAYS - 1)
    sources = read_person_sources(engine=engine, people=sorted(candidates), first_day=year, last_day=as_of)
    notes = [
        "Frequent callers: " + "; ".join(r.plain() for r in fc.rules[:3]) + ".",
        f"Rising: calls in the last {std.int('trend_days')} days against the {std.int('trend_days')} before, "
        f"Poisson z at least {std.value('trend_z')} ({std.rule('trend_z').source}).",
        "Repeat victim: " + std.rule("repeat_victim_incidents").source + ".",
        "ASB Case Review: " + std.rule("case_review_complaints").source + ".",
        f"Vulnerable: the subject of a safeguarding referral in the last {VULNERABLE_LOOKBACK_DAYS} days.",
    ]
    return PeopleLists(fc.people, rv.rows, acr.rows, referrals, sources, std, notes)


_RISK_ORDER = {"standard": 1, "low": 1, "medium": 2, "high": 3, "very_high": 4}
_RISK_NAME = {1: "standard", 2: "medium", 3: "high", 4: "very high"}


def vulnerable_people(referrals: pl.DataFrame) -> pl.DataFrame:
    """person_id, referrals, vulnerabilities, risk_rank, risk, last_referral: from the
    referrals given (those the reader may see with the person's id)."""
    c = pl.col
    return (
        referrals.filter(c("person_id").is_not_null())
        .with_columns(
            v=c("vulnerabilities").str.json_decode(pl.List(pl.String)).fill_null([]),
            r=c("risk").replace_strict(_RISK_ORDER, default=0, return_dtype=pl.Int64),
        )
        .group_by("person_id")
        .agg(
            referrals=pl.len(),
            vulnerabilities=c("v")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .drop_nulls()
            .unique()
            .sort(),
            risk_rank=c("r").max(),
            last_referral=c("occurred_at").max(),
        )
        .with_columns(risk=c("risk_rank").replace_strict(_RISK_NAME, default=None, return_dtype=pl.String))
    )


def _in_period(column: str, period: BriefingPeriod) -> pl.Expr:
    day = pl.col(column).dt.date()
    return (day >= period.first) & (day <= period.last)


def _people_in(contacts: pl.DataFrame, where: pl.Expr | None = None) -> pl.DataFrame:
    """person_id, n: contacts per person (optionally only some)."""
    frame = contacts if where is None else contacts.filter(where)
    return frame.group_by("person_id").agg(n=pl.len())


def _names(frame: pl.DataFrame) -> dict[str, str]:
    """person_id -> "name, age" where the access layer left them in."""
    out: dict[str, str] = {}
    if "name" not in frame.columns:
        return out
    for r in frame.iter_rows(named=True):
        bits = [b for b in (r.get("name"), f"{r['age']}" if r.get("age") is not None else None) if b]
        if bits:
            out[r["person_id"]] = ", ".join(bits)
    return out


def _join_list(values: Iterable[object] | None) -> str:
    return ", ".join(str(v).replace("_", " ") for v in (values or []))


def _counts_text(structs: list[dict[str, object]] | None) -> str:
    return ", ".join(f"{str(s['value']).replace('_', ' ')} {s['n']}" for s in (structs or []))


def people_section(
    *,
    lists: PeopleLists,
    period: BriefingPeriod,
    gate: Gate,
    engine: Engine,
    contacts: pl.DataFrame,
    people: set[str] | None = None,
    where: str = "the hub's area",
) -> Section:
    """The people section for one reader: ``contacts`` are the period's contacts the reader
    may see; ``people``, if given, limits the lists to them (a neighbourhood's people)."""
    c = pl.col

    def mine(frame: pl.DataFrame) -> pl.DataFrame:
        return frame if people is None else frame.filter(c("person_id").is_in(sorted(people)))

    in_period = _people_in(contacts)
    # New on the list since the last briefing, or rising and calling again in this period.
    fc = mine(lists.frequent).join(
        _people_in(contacts, (c("feed") == "calls") & (c("role") == "caller")), on="person_id", how="left"
    )
    fc = fc.filter(c("new_this_week") | ((c("trend") == "rising") & (c("n").fill_null(0) > 0)))
    # person_id last: ties keep one order from run to run (and so the same people in a cut).
    fc = fc.sort(["new_this_week", "trend_z", "person_id"], descending=[True, True, False], nulls_last=True)
    victim_cats = lists.standards.strings("repeat_victim_call_categories")
    victim_events = ((c("feed") == "calls") & (c("role") == "caller") & c("category").is_in(victim_cats)) | (
        (c("feed") == "asb-reports") & (c("role") == "reporter")
    )
    rv = mine(lists.victims).filter(_in_period("last_incident", period))
    rv = rv.join(_people_in(contacts, victim_events), on="person_id", how="left")
    rv = rv.sort(
        ["incidents", "n", "new_this_week", "person_id"],
        descending=[True, True, True, False],
        nulls_last=True,
    )
    # Built from the referrals the reader may see with the person's id, so that no other
    # agency's referral adds to what is shown against a person.
    vul = (
        mine(vulnerable_people(gate.events(lists.referrals)))
        .join(in_period, on="person_id", how="inner")
        .sort(["risk_rank", "n", "person_id"], descending=[True, True, False], nulls_last=True)
    )
    acr = mine(lists.review).filter(c("new_this_week"))

    src = lists.sources
    caller = (c("feed") == "calls") & (c("role") == "caller")
    complaint = (
        caller & (c("category") == "asb") & c("agency").is_in(lists.standards.strings("complaint_agencies"))
    ) | ((c("feed") == "asb-reports") & (c("role") == "reporter"))
    # A list's figures add up records of every agency: an entry is shown only when the
    # reader may see in full every record that put it there.
    fc = gate.listed(fc, src.filter(caller), key="person_id", what="frequent callers")
    rv = gate.listed(rv, src.filter(victim_events), key="person_id", what="repeat victims")
    acr = gate.listed(acr, src.filter(complaint), key="person_id", what="ASB case review")
    shown = {
        *fc["person_id"].head(ROWS),
        *rv["person_id"].head(ROWS),
        *vul["person_id"].head(ROWS),
        *acr["person_id"].head(ROWS),
    }
    mentions = gate.events(read_person_mentions(engine=engine, people=sorted(shown)))
    details = name_and_age(mentions, on=period.last)
    names = _names(details)
    show_names = bool(names)

    def person(pid: str) -> dict[str, object]:
        row: dict[str, object] = {"person": Ref("person", pid) if pid else "withheld"}
        if show_names:
            row["who"] = names.get(pid, "")
        return row

    who = [Column("who", "Name, age")] if show_names else []
    tables = [
        _frequent_table(fc, person, who, period),
        _victims_table(rv, person, who, period.last.isoformat()),
        _vulnerable_table(vul, person, who),
        _review_table(acr, person, who, period.last.isoformat()),
    ]
    lead = [
        f"{plural(fc.height, 'frequent caller')} new on the list, or rising and calling again; "
        f"{plural(rv.height, 'repeat victim')} with a new incident; "
        f"{plural(vul.height, 'vulnerable person', 'vulnerable people')} with a new contact; "
        f"{plural(acr.height, 'person', 'people')} newly meeting the ASB Case Review threshold, in {where}."
    ]
    if acr.height:
        lead.append(
            "A person meeting the ASB Case Review threshold can ask for a case review: the council's "
            "community safety team should contact them."
        )
    withheld = sum(gate.withheld.get(w, 0) for w in ("frequent callers", "repeat victims", "ASB case review"))
    if withheld:
        lead.append("People whose records the sharing agreement does not give your agency are not shown.")
    if not show_names and (fc.height or rv.height or vul.height or acr.height):
        lead.append("People are shown by their hub id only: names and ages are not shared with this reader.")
    section = Section("people", "People", lead=lead, blocks=list(tables))
    section.blocks.append(Text(lists.notes))
    return section


def _frequent_table(
    fc: pl.DataFrame, person: PersonCells, who: list[Column], period: BriefingPeriod
) -> Table:
    rows = []
    for r in fc.head(ROWS).iter_rows(named=True):
        why = "new on the list" if r["new_this_week"] else ""
        if r.get("trend") == "rising":
            last, before = r["calls_last_period"], r["calls_previous_period"]
            rising = f"rising: {last} calls in the last 3 months against {before}"
            why = f"{why}; {rising}" if why else rising
        rows.append(
            {
                **person(r["person_id"]),
                "why": why,
                "calls": fmt_count(r.get("calls")),
                "now": fmt_count(r.get("n") or 0),
                "months": _join_list(r.get("months_over_threshold")),
                "agencies": _counts_text(r.get("calls_by_agency")) or _join_list(r.get("agencies")),
            }
        )
    table = Table(
        caption="Frequent callers new on the list, or rising and calling again",
        columns=[
            Column("person", "Person"),
            *who,
            Column("why", "Why listed"),
            Column("calls", "Calls, 12 months", numeric=True),
            Column("now", "Calls this period", numeric=True),
            Column("months", "Months over threshold"),
            Column("agencies", "Calls by agency"),
        ],
        rows=rows,
        row_header="person",
        empty="No one joined the frequent-caller list or started rising in this period.",
        notes=[
            "Calls, 12 months: named calls to every partner in the 365 days to the period's last day, "
            "the person's records linked across agencies. Months over threshold: calendar months in "
            "which they met a FreCaNN rule (below)."
        ],
    )
    return _with_more(table, fc.height, f"frequent-callers --as-of {period.last.isoformat()}")


def _victims_table(rv: pl.DataFrame, person: PersonCells, who: list[Column], as_of: str) -> Table:
    rows = [
        {
            **person(r["person_id"]),
            "new": "newly a repeat victim" if r["new_this_week"] else "",
            "now": fmt_count(r.get("n") or 0),
            "incidents": fmt_count(r["incidents"]),
            "what": _counts_text(r.get("incidents_by_category")),
        }
        for r in rv.head(ROWS).iter_rows(named=True)
    ]
    return _with_more(
        Table(
            caption="Repeat victims with a new incident",
            columns=[
                Column("person", "Person"),
                *who,
                Column("new", "New"),
                Column("now", "Incidents this period", numeric=True),
                Column("incidents", "Incidents, 12 months", numeric=True),
                Column("what", "Of which"),
            ],
            rows=rows,
            row_header="person",
            empty="No repeat victim reported a new incident in this period.",
            notes=[
                "Incidents: crime, domestic and ASB calls the person made and ASB reports they made, in the "
                "365 days to the period's last day. Two or more make a repeat victim."
            ],
        ),
        rv.height,
        f"repeat-victims --as-of {as_of}",
    )


def _vulnerable_table(vul: pl.DataFrame, person: PersonCells, who: list[Column]) -> Table:
    rows = [
        {
            **person(r["person_id"]),
            "risk": r.get("risk") or "not stated",
            "vulnerabilities": _join_list(r.get("vulnerabilities")) or "not stated",
            "now": fmt_count(r["n"]),
            "referrals": fmt_count(r["referrals"]),
        }
        for r in vul.head(ROWS).iter_rows(named=True)
    ]
    return _with_more(
        Table(
            caption="Vulnerable people with a new contact",
            columns=[
                Column("person", "Person"),
                *who,
                Column("risk", "Highest risk"),
                Column("vulnerabilities", "Vulnerabilities recorded"),
                Column("now", "Contacts this period", numeric=True),
                Column("referrals", "Referrals, 12 months", numeric=True),
            ],
            rows=rows,
            row_header="person",
            empty="No person referred for safeguarding in the last year had a contact with any partner in "
            "this period.",
            notes=[
                "Contacts: any record naming the person in this period (a call, report, fire incident, "
                "referral or intelligence), with any partner. Highest risk: the highest risk any referral "
                "in the last year gave."
            ],
        ),
        vul.height,
        None,
    )


def _review_table(acr: pl.DataFrame, person: PersonCells, who: list[Column], as_of: str) -> Table:
    rows = [
        {
            **person(r["person_id"]),
            "met": r["threshold_met_at"].strftime("%d %b %Y") if r.get("threshold_met_at") else "",
            "complaints": fmt_count(r["incidents"]),
            "agencies": _join_list(r.get("agencies")),
        }
        for r in acr.head(ROWS).iter_rows(named=True)
    ]
    return _with_more(
        Table(
            caption="People newly meeting the ASB Case Review threshold",
            columns=[
                Column("person", "Person"),
                *who,
                Column("met", "Threshold met on"),
                Column("complaints", "Qualifying complaints, 12 months", numeric=True),
                Column("agencies", "Complained to"),
            ],
            rows=rows,
            row_header="person",
            empty="No one newly met the ASB Case Review threshold in this period.",
            notes=[
                "Qualifying complaints: ASB calls to the police or council and ASB reports made "
                "within a month "
                "of the behaviour. Three within six months meet the threshold (2014 Act s104)."
            ],
        ),
        acr.height,
        f"asb-case-review --as-of {as_of}",
    )


def _with_more(table: Table, total: int, command: str | None) -> Table:
    table.limit(ROWS)
    if total > ROWS:
        where = f" (the full list: saferhub {command})" if command else ""
        table.notes.insert(0, f"The {ROWS} most pressing of {total:,} are shown{where}.")
    return table
