"""Putting a pack together: read a period's data once, then build each reader's pack from it.

``read_period`` runs the analyses and reads the records a period's packs draw on; they
are the same for every reader and neighbourhood, and are never shown as they are.
``build_pack`` asks the access layer (``Gate``) what one reader may see of them and
assembles the sections, most important first.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import polars as pl
from sqlalchemy import Engine

from saferhub.access import Level
from saferhub.analysis.standards import Standards
from saferhub.areas import Areas
from saferhub.briefings import happened, intelligence, places
from saferhub.briefings.actions import actions_section
from saferhub.briefings.content import Figure, Pack, Section, Table, Text, plural
from saferhub.briefings.figures import hotspot_map, trend_charts
from saferhub.briefings.gate import Gate
from saferhub.briefings.people import PeopleLists, people_lists, people_section, with_new_within
from saferhub.briefings.periods import BANK_HOLIDAYS_SOURCE, BriefingPeriod
from saferhub.briefings.sources import read_contacts, read_events, read_place_sources

TREND_WEEKS = 4


@dataclass
class PeriodData:
    """Everything a period's packs draw on (unrestricted: only the gate passes any of it on)."""

    period: BriefingPeriod
    areas: Areas
    events: pl.DataFrame  # the period and its baseline weeks
    hotspot_events: pl.DataFrame  # ASB and secondary fires over the hotspot weeks
    contacts: pl.DataFrame  # people's contacts in the period
    lists: PeopleLists
    repeats: pl.DataFrame  # repeat locations with a new incident in the period
    place_sources: pl.DataFrame
    reports: pl.DataFrame  # intelligence recorded in the period
    subjects: pl.DataFrame


def read_period(*, engine: Engine, period: BriefingPeriod, areas: Areas, standards: Standards) -> PeriodData:
    first = period.first - dt.timedelta(weeks=max(happened.BASELINE_WEEKS, TREND_WEEKS))
    events = read_events(engine=engine, first_day=first, last_day=period.last, areas=areas)
    hotspot_events = read_events(
        engine=engine,
        first_day=places.hotspot_window(period)[0],
        last_day=period.last,
        areas=areas,
        hotspot_only=True,
    )
    contacts = read_contacts(engine=engine, first_day=period.first, last_day=period.last, areas=areas)
    with ThreadPoolExecutor(max_workers=1) as pool:  # the slowest analysis, beside the people lists
        repeats_job = pool.submit(
            places.repeat_location_list,
            engine=engine,
            period=period,
            standards=with_new_within(standards, period.days),
        )
        lists = people_lists(engine=engine, period=period, standards=standards)
        repeats = repeats_job.result()
    year = period.last - dt.timedelta(days=364)
    place_sources = read_place_sources(
        engine=engine, places=repeats["place_id"].to_list(), first_day=year, last_day=period.last
    ).filter(pl.col("feed").is_in(lists.standards.strings("repeat_location_feeds")))  # what the list counts
    reports, subjects = intelligence.read_intelligence(engine=engine, period=period, areas=areas)
    return PeriodData(
        period, areas, events, hotspot_events, contacts, lists, repeats, place_sources, reports, subjects
    )


def build_pack(
    *,
    data: PeriodData,
    gate: Gate,
    engine: Engine,
    kind: Literal["daily", "weekly"],
    neighbourhood: str | None = None,
    produced_at: dt.datetime | None = None,
) -> Pack:
    """One reader's pack: the whole area (daily) or one neighbourhood (weekly)."""
    period, areas = data.period, data.areas
    ward_names = {a.code: a.name for a in areas.wards}
    if neighbourhood is None:
        where, wards = areas.name, None
        columns, column, label = list(areas.neighbourhoods), "neighbourhood", "neighbourhood"
        names = {n: n for n in columns} | {"all": f"all of {where}"}
    else:
        where, wards = neighbourhood, list(areas.neighbourhoods[neighbourhood])
        columns, column, label = wards, "ward_code", "ward"
        names = {w: ward_names[w] for w in wards} | {"all": f"all of {where}"}
    events = gate.events(data.events)
    local = events.filter(pl.col("ward_code").is_in(wards)) if wards is not None else events
    counts = happened.count_against_usual(
        local, period=period, area=column, areas=columns, area_label=label, held=data.events.select("day")
    )
    hotspots = places.classify_hotspots(gate.events(data.hotspot_events), period=period, areas=areas)

    contacts = gate.events(data.contacts)
    people_here = None
    if wards is not None:
        people_here = set(contacts.filter(pl.col("ward_code").is_in(wards))["person_id"].drop_nulls())
    people = people_section(
        lists=data.lists,
        period=period,
        gate=gate,
        engine=engine,
        contacts=contacts,
        people=people_here,
        where=where,
    )
    repeats = gate.listed(data.repeats, data.place_sources, key="place_id", what="repeat locations")
    in_period = local.filter((pl.col("day") >= period.first) & (pl.col("day") <= period.last))
    map_svg = hotspot_map(
        areas=areas, hotspots=hotspots, events=in_period, wards=wards, where=where, period=period
    )
    place = places.places_section(
        hotspots=hotspots,
        repeats=repeats,
        period=period,
        areas=areas,
        wards=wards,
        where=where,
        map_svg=map_svg,
    )
    if gate.withheld.get("repeat locations"):
        place.lead.append(
            "Repeat locations whose records the sharing agreement does not give your agency are not shown."
        )
    intel = intelligence.intelligence_section(
        reports=data.reports, subjects=data.subjects, gate=gate, areas=areas, wards=wards, where=where
    )
    what = _happened_section(counts, period, names, where, kind)
    if kind == "weekly":
        what.blocks.extend(_trends(local, period, where))
    actions = actions_section(engine=engine, gate=gate, period=period)
    sections = [what, people, place, intel, actions]
    title = ("Daily hub briefing" if kind == "daily" else "Weekly local briefing") + f": {where}"
    pack = Pack(
        kind=kind,
        title=title,
        area=where,
        period=period,
        agency=gate.agency,
        reader=f"{gate.agency_name()} ({gate.reader.role.replace('_', ' ')})",
        produced_at=produced_at or dt.datetime.now().replace(microsecond=0),
        key_points=_key_points(counts, names, people, place, intel),
        sections=sections,
        about=_about(gate, period, data, counts),
    )
    pack.scope = _scope(gate)
    pack.people = sorted({str(r["person"]) for s in (people, intel) for r in _refs(s, "person")})
    pack.places = sorted({str(r["place"]) for r in _refs(place, "place")})
    pack.counts = {
        s.key: sum(len(getattr(b, "rows", getattr(b, "items", []))) for b in s.blocks) for s in sections
    }
    return pack


PERSON_FEEDS = ("calls", "asb-reports", "fire-incidents", "referrals", "intelligence")


def _scope(gate: Gate) -> str:
    """The note for empty lists when the reader does not see every partner's records in full."""
    everyone = set(gate.agreement.agencies)
    full = gate.agreement.visible(gate.reader, at_least=Level.FULL)
    if all(everyone <= set(full.get(feed, ())) for feed in PERSON_FEEDS):
        return ""
    return f"(Among the records the sharing agreement lets {gate.agency_name()} see.)"


def _refs(section: Section, key: str) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for block in section.blocks:
        for row in getattr(block, "rows", []):
            if key in row and not isinstance(row[key], str):
                out.append(row)
        for item in getattr(block, "items", []):
            out.extend({key: ref} for ref in item.subjects)
    return out


def _happened_section(
    counts: happened.Counts, period: BriefingPeriod, names: dict[str, str], where: str, kind: str
) -> Section:
    by = "neighbourhood" if counts.area_label == "neighbourhood" else "ward"
    matrix = happened.matrix_table(
        counts,
        [a for a in names if a != "all"],
        names,
        caption=f"Records by category and {by}: count this period (usual for these days) and flag",
    )
    section = Section(
        "happened",
        "What happened",
        lead=happened.lead(counts, period, names, where),
        blocks=[happened.flagged_table(counts, names), matrix, Text(happened.explain(counts, period))],
    )
    if period.skipped:
        section.lead.append("This period includes the bank holiday " + " and ".join(period.skipped) + ".")
    return section


def _trends(events: pl.DataFrame, period: BriefingPeriod, where: str) -> list[Figure]:
    first = period.last - dt.timedelta(weeks=TREND_WEEKS) + dt.timedelta(days=1)
    window = events.filter((pl.col("day") >= first) & (pl.col("day") <= period.last))
    return trend_charts(window, first=first, weeks=TREND_WEEKS, where=where)


def _key_points(
    counts: happened.Counts, names: dict[str, str], people: Section, place: Section, intel: Section
) -> list[str]:
    points = happened.rises_for_key_points(counts, names)
    tables = {b.caption: b for s in (people, place) for b in s.blocks if isinstance(b, Table)}

    def n(caption: str) -> int:
        t = tables.get(caption)
        return (len(t.rows) + t.more) if t is not None else 0

    review = n("People newly meeting the ASB Case Review threshold")
    if review:
        points.append(
            f"{plural(review, 'person', 'people')} newly meeting the ASB Case Review threshold: "
            "offer a case review."
        )
    fc = n("Frequent callers new on the list, or rising and calling again")
    if fc:
        points.append(f"{plural(fc, 'frequent caller')} new on the list, or rising and calling again.")
    vul = n("Vulnerable people with a new contact")
    if vul:
        points.append(f"{plural(vul, 'vulnerable person', 'vulnerable people')} with a new contact.")
    emerging = sum(1 for b in place.blocks for r in getattr(b, "rows", []) if r.get("class") == "emerging")
    if emerging:
        points.append(f"{plural(emerging, 'emerging hotspot cell')} (listed under Places).")
    points.append(intel.lead[0])
    if not points:
        points.append("Nothing in this period stands out from the usual.")
    return points


def _about(gate: Gate, period: BriefingPeriod, data: PeriodData, counts: happened.Counts) -> list[str]:
    lines = [gate.describe()]
    if period.kind == "daily":
        lines.append(
            f"Period: {period.label}, the whole days since the last working day's briefing "
            f"(working days: Monday to Friday except {BANK_HOLIDAYS_SOURCE})."
        )
    else:
        lines.append(f"Period: {period.label} (an ISO week, Monday to Sunday).")
    lines.append(
        "People and places carry their hub id (P… a person, PL… a place, E…N… a hotspot cell); "
        "the web version links each to its profile."
    )
    lines.append(
        "Lists are as of the period's last day, from records linked across all partners; "
        "thresholds and their sources are given under each section."
    )
    return lines
