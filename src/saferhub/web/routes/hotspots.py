"""The hotspots page: a Gi* map and table of one category over a recent period.

The map draws the hub's ward boundaries (no tiles needed) and the hotspot cells as GeoJSON
from ``/api/hotspots``; the table lists the same cells. Category and period are chosen by
query values from fixed lists (nothing personal). Results are made once a day per kind of
reader (``saferhub.web.workspace``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from saferhub.analysis.points import CATEGORIES
from saferhub.web.deps import STAFF, Actor, Allow, engine_of, settings_of
from saferhub.web.templating import render
from saferhub.web.workspace import hotspots, today
from saferhub.workspace.places import CURRENT, HOTSPOT_CATEGORIES, HOTSPOT_PERIODS, log_map

router = APIRouter(tags=["pages"], include_in_schema=False)


def choices(category: str | None, period: str | None) -> tuple[str, str]:
    """The category and period asked for, checked against the fixed lists."""
    category = category or CURRENT[0]
    period = period or CURRENT[1]
    if category not in HOTSPOT_CATEGORIES or period not in HOTSPOT_PERIODS:
        raise HTTPException(400, "Choose a category and a period from the lists.")
    return category, period


def category_label(name: str) -> str:
    return name.replace("-", " ").capitalize()


@router.get("/hotspots", name="hotspots")
def hotspots_page(
    request: Request,
    actor: Annotated[Actor, Depends(Allow(STAFF, personal=False))],
    category: Annotated[str | None, Query()] = None,
    period: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    category, period = choices(category, period)
    shown = hotspots(request, actor, category, period, today())
    log_map(engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, shown=shown)
    settings = settings_of(request)
    return render(
        request,
        "hotspots.html",
        {
            "title": "Hotspots",
            "shown": shown,
            "rows": [f["properties"] for f in shown.features],
            "category": category,
            "period": period,
            "categories": [(c, category_label(c), CATEGORIES[c].label) for c in HOTSPOT_CATEGORIES],
            "periods": [(k, label) for k, (label, _) in HOTSPOT_PERIODS.items()],
            "data_url": "/api/hotspots?" + urlencode({"category": category, "period": period}),
            "tile_url": settings.tile_url,
            "tile_attribution": settings.tile_attribution,
        },
        actor=actor,
    )
