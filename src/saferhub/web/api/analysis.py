"""The analyses as JSON: frequent callers, repeat victims, vulnerable people, changes, hotspots.

The same services, sharing agreement and audit entries as the pages; hotspot maps and ward
boundaries are GeoJSON in EPSG:4326 (aggregates: no person, no address).
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from saferhub.analysis.changes import AREA_LEVELS, AreaLevel
from saferhub.analysis.periods import Period, PeriodError
from saferhub.web.api.common import answers
from saferhub.web.deps import STAFF, Actor, Allow, agreement_of, engine_of
from saferhub.web.routes.hotspots import choices
from saferhub.web.workspace import analyses, areas_of, as_of_day, boundaries_of, hotspots, today
from saferhub.workspace.people_lists import (
    ShownList,
    frequent_callers_for,
    log_look,
    repeat_victims_for,
    vulnerable_people_for,
)
from saferhub.workspace.places import CURRENT, change_rows, changes_for, last_whole_month

router = APIRouter(tags=["analyses"])
Reading = Annotated[Actor, Depends(Allow(STAFF))]
Mapping = Annotated[Actor, Depends(Allow(STAFF, personal=False))]
AsOf = Annotated[
    str | None,
    Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="The list as it stood at the end of this day."),
]


class Count(BaseModel):
    value: str
    n: int


class ListAbout(BaseModel):
    as_of: str
    first_day: str
    partial: bool  # the sharing agreement gives the reader only part of the partners' records
    some_withheld: bool  # people on the list whose records the reader may not see in full are left out
    definitions: list[str]


class FrequentCaller(BaseModel):
    person_id: str
    calls: int
    calls_by_agency: list[Count]
    months_over_threshold: list[str]
    rules: list[str]
    last_contact: str | None
    trend: str | None
    trend_z: float | None
    cost_estimate: float | None
    new_this_week: bool


class FrequentCallers(ListAbout):
    people: list[FrequentCaller]


class RepeatVictim(BaseModel):
    person_id: str
    incidents: int
    incidents_by_feed: list[Count]
    incidents_by_category: list[Count]
    threshold_met_at: str | None
    last_incident: str | None
    new_this_week: bool


class RepeatVictims(ListAbout):
    people: list[RepeatVictim]


class VulnerablePerson(BaseModel):
    person_id: str
    referrals: int
    risk: str | None
    vulnerabilities: list[str]
    last_referral: str | None


class VulnerablePeople(ListAbout):
    people: list[VulnerablePerson]


class ChangeRow(BaseModel):
    comparison: str
    period: str
    baseline: str
    area_level: str
    area_code: str | None
    area_name: str | None
    category: str
    before: int | None
    after: int | None
    z: float | None
    change: str
    rate_ratio: float | None
    ratio_low: float | None
    ratio_high: float | None


class Changes(BaseModel):
    period: str
    area_level: str
    threshold: float
    threshold_source: str
    flagged: int
    gaps: list[str]
    rows: list[ChangeRow]


def _about(shown: ShownList) -> dict[str, Any]:
    return {
        "as_of": shown.as_of.isoformat(),
        "first_day": shown.first_day.isoformat(),
        "partial": shown.partial,
        "some_withheld": shown.withheld > 0,
        "definitions": shown.definitions,
    }


@router.get(
    "/frequent-callers", name="api_frequent_callers", response_model=FrequentCallers, responses=answers(400)
)
def frequent_callers(request: Request, actor: Reading, as_of: AsOf = None) -> FrequentCallers:
    """People meeting the FreCaNN frequent-caller definitions whose calls you may all see in full."""
    shown = frequent_callers_for(
        analyses=analyses(request, as_of_day(as_of)), engine=engine_of(request), reader=actor.reader,
        agreement=agreement_of(request), where_from=actor.where_from,
    )  # fmt: skip
    return FrequentCallers(**_about(shown), people=[FrequentCaller(**r) for r in shown.rows])


@router.get(
    "/repeat-victims", name="api_repeat_victims", response_model=RepeatVictims, responses=answers(400)
)
def repeat_victims(request: Request, actor: Reading, as_of: AsOf = None) -> RepeatVictims:
    """People with more than one crime or ASB incident in 12 months, whose incidents you may see."""
    shown = repeat_victims_for(
        analyses=analyses(request, as_of_day(as_of)), engine=engine_of(request), reader=actor.reader,
        agreement=agreement_of(request), where_from=actor.where_from,
    )  # fmt: skip
    return RepeatVictims(**_about(shown), people=[RepeatVictim(**r) for r in shown.rows])


@router.get(
    "/vulnerable-people",
    name="api_vulnerable_people",
    response_model=VulnerablePeople,
    responses=answers(400),
)
def vulnerable_people(request: Request, actor: Reading, as_of: AsOf = None) -> VulnerablePeople:
    """People subject of a safeguarding referral in the last 365 days that you may see."""
    shown = vulnerable_people_for(
        analyses=analyses(request, as_of_day(as_of)), engine=engine_of(request), reader=actor.reader,
        agreement=agreement_of(request), where_from=actor.where_from,
    )  # fmt: skip
    return VulnerablePeople(**_about(shown), people=[VulnerablePerson(**r) for r in shown.rows])


@router.get("/changes", name="api_changes", response_model=Changes, responses=answers(400))
def changes(
    request: Request,
    actor: Mapping,
    period: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}(\.\.\d{4}-\d{2})?$")] = None,
    area_level: Annotated[str, Query()] = "neighbourhood",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Changes:
    """Counts per area and category against the months before and a year earlier (Poisson z)."""
    if area_level not in AREA_LEVELS:
        raise HTTPException(400, f"area_level is one of: {', '.join(AREA_LEVELS)}")
    try:
        chosen = Period.parse(period) if period else Period.of(*(last_whole_month(today()),) * 2)
    except PeriodError:
        raise HTTPException(400, "period is YYYY-MM or YYYY-MM..YYYY-MM") from None
    level = cast(AreaLevel, area_level)
    result = changes_for(
        engine=engine_of(request), areas=areas_of(request), reader=actor.reader,
        agreement=agreement_of(request), period=chosen, area_level=level,
    )  # fmt: skip
    rows = change_rows(result, limit=limit)
    flagged = result.flagged().height
    log_look(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from,
        what={"object": "changes", "period": str(chosen), "area_level": level, "rows": len(rows),
              "flagged": flagged},
    )  # fmt: skip
    return Changes(
        period=str(chosen),
        area_level=level,
        threshold=result.threshold,
        threshold_source=result.threshold_source,
        flagged=flagged,
        gaps=list(result.gaps),
        rows=[ChangeRow(**{k: v for k, v in r.items() if k in ChangeRow.model_fields}) for r in rows],
    )


@router.get("/hotspots", name="api_hotspots", responses=answers(400))
def hotspot_cells(
    request: Request,
    actor: Mapping,
    category: Annotated[str | None, Query()] = None,
    period: Annotated[str | None, Query(description="28d, 3m or 12m, to today.")] = None,
) -> dict[str, Any]:
    """Gi* hotspot cells as GeoJSON polygons (EPSG:4326), from the records you may see in full."""
    category, period = choices(category, period)
    return hotspots(request, actor, category, period, today()).geojson()


@router.get("/hotspots/current", name="api_hotspots_current")
def current_hotspots(request: Request, actor: Mapping) -> dict[str, Any]:
    """The home page's map: ASB hotspots over the last 12 months, GeoJSON (EPSG:4326)."""
    category, period = CURRENT
    return hotspots(request, actor, category, period, today()).geojson()


@router.get("/areas/wards", name="api_ward_boundaries")
def ward_boundaries(
    request: Request, actor: Annotated[Actor, Depends(Allow(frozenset(STAFF | {"auditor"}), personal=False))]
) -> dict[str, Any]:
    """The hub's wards (with their neighbourhood) as GeoJSON (EPSG:4326), simplified for maps."""
    return boundaries_of(request)
