"""Demand pages: frequent callers, repeat victims, vulnerable people and changes in counts.

Each is a table of what ``saferhub.workspace`` lets the signed-in reader see (the sharing
agreement applied, the look written to the audit log), with a sentence saying what it counts.
Only non-personal values travel in the query string (a date, a month, an area level).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from saferhub.analysis.changes import AREA_LEVELS, AreaLevel
from saferhub.analysis.periods import Period, PeriodError
from saferhub.web.deps import STAFF, Actor, Allow, agreement_of, engine_of
from saferhub.web.templating import render
from saferhub.web.workspace import analyses, areas_of, as_of_day, today
from saferhub.workspace.people_lists import (
    ShownList,
    frequent_callers_for,
    log_look,
    repeat_victims_for,
    vulnerable_people_for,
)
from saferhub.workspace.places import change_rows, changes_for, last_whole_month

router = APIRouter(tags=["pages"], include_in_schema=False)
Reading = Annotated[Actor, Depends(Allow(STAFF))]
AsOf = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]

#: The demand pages, for the sub-navigation: (label, path).
PAGES = (
    ("Frequent callers", "/frequent-callers"),
    ("Repeat victims", "/repeat-victims"),
    ("Vulnerable people", "/vulnerable-people"),
    ("Changes", "/changes"),
)


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _counts(items: list[dict[str, Any]] | None, names: dict[str, str] | None = None) -> str:
    names = names or {}
    return ", ".join(f"{names.get(i['value'], _words(i['value']))} {i['n']}" for i in items or [])


def _day(value: str | None) -> str:
    return dt.date.fromisoformat(value[:10]).strftime("%-d %b %Y") if value else ""


def _page(
    request: Request,
    actor: Actor,
    shown: ShownList,
    *,
    title: str,
    counts: str,
    columns: list[tuple[str, bool]],
    rows: list[tuple[str, list[str]]],
    empty: str,
) -> HTMLResponse:
    return render(
        request,
        "people_list.html",
        {
            "title": title,
            "pages": PAGES,
            "shown": shown,
            "counts": counts,
            "columns": columns,
            "rows": rows,
            "empty": empty,
            "as_of_value": shown.as_of.isoformat(),
            "today": today().isoformat(),
        },
        actor=actor,
    )


@router.get("/frequent-callers", name="frequent_callers")
def frequent_callers_page(request: Request, actor: Reading, as_of: AsOf = None) -> HTMLResponse:
    day = as_of_day(as_of)
    shown = frequent_callers_for(
        analyses=analyses(request, day), engine=engine_of(request), reader=actor.reader,
        agreement=agreement_of(request), where_from=actor.where_from,
    )  # fmt: skip
    names = request.app.state.agency_names
    rows = [
        (
            r["person_id"],
            [
                f"{r['calls']:,}",
                _counts(r.get("calls_by_agency"), names),
                ", ".join(r.get("months_over_threshold") or []),
                _words(r.get("trend") or ""),
                _day(r.get("last_contact")),
                f"£{r['cost_estimate']:,.0f}" if r.get("cost_estimate") is not None else "",
                "New" if r.get("new_this_week") else "",
            ],
        )
        for r in shown.rows
    ]
    return _page(
        request, actor, shown, title="Frequent callers",
        counts=(
            f"People whose calls to all partners from {shown.first_day:%-d %b %Y} to {shown.as_of:%-d %b %Y} "
            f"meet a FreCaNN frequent-caller definition: {len(rows):,}. Calls are counted across "
            "agencies once a person's records are linked."
        ),
        columns=[("Calls", True), ("Calls by agency", False), ("Months over threshold", False),
                 ("Trend", False), ("Last contact", False), ("Estimated cost", True), ("New", False)],
        rows=rows,
        empty="No one meets the frequent-caller definitions on this day.",
    )  # fmt: skip


@router.get("/repeat-victims", name="repeat_victims")
def repeat_victims_page(request: Request, actor: Reading, as_of: AsOf = None) -> HTMLResponse:
    day = as_of_day(as_of)
    shown = repeat_victims_for(
        analyses=analyses(request, day), engine=engine_of(request), reader=actor.reader,
        agreement=agreement_of(request), where_from=actor.where_from,
    )  # fmt: skip
    rows = [
        (
            r["person_id"],
            [
                f"{r['incidents']:,}",
                _counts(r.get("incidents_by_category")),
                _counts(r.get("incidents_by_feed")),
                _day(r.get("threshold_met_at")),
                _day(r.get("last_incident")),
                "New" if r.get("new_this_week") else "",
            ],
        )
        for r in shown.rows
    ]
    return _page(
        request, actor, shown, title="Repeat victims",
        counts=(
            f"People with more than one crime or ASB incident, as caller or reporter, from "
            f"{shown.first_day:%-d %b %Y} to {shown.as_of:%-d %b %Y}: {len(rows):,}."
        ),
        columns=[("Incidents", True), ("Of which", False), ("From", False), ("Repeat since", False),
                 ("Last incident", False), ("New", False)],
        rows=rows,
        empty="No one is a repeat victim on this day.",
    )  # fmt: skip


@router.get("/vulnerable-people", name="vulnerable_people")
def vulnerable_people_page(request: Request, actor: Reading, as_of: AsOf = None) -> HTMLResponse:
    day = as_of_day(as_of)
    shown = vulnerable_people_for(
        analyses=analyses(request, day), engine=engine_of(request), reader=actor.reader,
        agreement=agreement_of(request), where_from=actor.where_from,
    )  # fmt: skip
    rows = [
        (
            r["person_id"],
            [
                r.get("risk") or "not stated",
                ", ".join(_words(v) for v in r.get("vulnerabilities") or []) or "not stated",
                f"{r['referrals']:,}",
                _day(r.get("last_referral")),
            ],
        )
        for r in shown.rows
    ]
    return _page(
        request, actor, shown, title="Vulnerable people",
        counts=(
            f"People who were the subject of a safeguarding referral from {shown.first_day:%-d %b %Y} "
            f"to {shown.as_of:%-d %b %Y}: {len(rows):,}."
        ),
        columns=[("Highest risk", False), ("Vulnerabilities recorded", False), ("Referrals", True),
                 ("Last referral", False)],
        rows=rows,
        empty="No one was referred for safeguarding in this year.",
    )  # fmt: skip


@router.get("/changes", name="changes")
def changes_page(
    request: Request,
    actor: Annotated[Actor, Depends(Allow(STAFF, personal=False))],
    period: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}(\.\.\d{4}-\d{2})?$")] = None,
    area_level: Annotated[str, Query()] = "neighbourhood",
) -> HTMLResponse:
    if area_level not in AREA_LEVELS:
        raise HTTPException(400, "Choose an area level from the list.")
    try:
        chosen = Period.parse(period) if period else Period.of(*(last_whole_month(today()),) * 2)
    except PeriodError:
        raise HTTPException(
            400, "The period must be a month (YYYY-MM) or months (YYYY-MM..YYYY-MM)."
        ) from None
    level = cast(AreaLevel, area_level)
    result = changes_for(
        engine=engine_of(request), areas=areas_of(request), reader=actor.reader,
        agreement=agreement_of(request), period=chosen, area_level=level,
    )  # fmt: skip
    rows = change_rows(result)
    flagged = result.flagged().height
    log_look(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from,
        what={"object": "changes", "period": str(chosen), "area_level": level, "rows": len(rows),
              "flagged": flagged},
    )  # fmt: skip
    return render(
        request,
        "changes.html",
        {
            "title": "Changes in counts",
            "pages": PAGES,
            "result": result,
            "rows": rows,
            "flagged": flagged,
            "period_value": str(chosen),
            "area_level": level,
            "area_levels": AREA_LEVELS,
        },
        actor=actor,
    )
