"""What the analysis, hotspot, briefing and home pages share: the hub's areas and the day's
cached results (``saferhub.workspace.cache.DayCache`` on the app), so no request recomputes
a frequent-callers list or a Gi* another request of the same day has made.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import func, select

from saferhub.access import Level
from saferhub.analysis.standards import standards_for
from saferhub.areas import Areas, load_areas
from saferhub.briefings.periods import london_today
from saferhub.store.models import ImportRun
from saferhub.store.people_models import PersonLinkRun as LinkRun
from saferhub.web.deps import Actor, agreement_of, engine_of, settings_of
from saferhub.workspace.cache import DayCache
from saferhub.workspace.people_lists import PeopleAnalyses, people_analyses
from saferhub.workspace.places import HotspotMap, boundaries_geojson, hotspot_map, visibility

_SETUP = threading.RLock()


def _state(request: Request, name: str, make: Any) -> Any:
    state = request.app.state
    with _SETUP:
        if not hasattr(state, name):
            setattr(state, name, make())
        return getattr(state, name)


def day_cache(request: Request) -> DayCache:
    cache: DayCache = _state(request, "workspace_cache", DayCache)
    return cache


def areas_of(request: Request) -> Areas:
    areas: Areas = _state(request, "workspace_areas", lambda: load_areas(settings_of(request).areas_file))
    return areas


def boundaries_of(request: Request) -> dict[str, Any]:
    doc: dict[str, Any] = _state(
        request, "workspace_boundaries", lambda: boundaries_geojson(areas_of(request))
    )
    return doc


def today() -> dt.date:
    return london_today()


_VERSION_SECONDS = 10.0  # how stale a page may be after an import or a link run


def data_version(request: Request) -> tuple[int, int]:
    """(last import, last link run): part of every cached result's key, so a list made
    before this morning's import is not shown after it. Re-read at most every 10 s."""
    state = _state(request, "workspace_version", lambda: {"at": 0.0, "value": (0, 0)})
    now = time.monotonic()
    if now - state["at"] > _VERSION_SECONDS:
        with engine_of(request).connect() as conn:
            imports = conn.execute(select(func.max(ImportRun.id))).scalar()
            runs = conn.execute(select(func.max(LinkRun.id))).scalar()
        state["value"], state["at"] = (int(imports or 0), int(runs or 0)), now
    value: tuple[int, int] = state["value"]
    return value


def as_of_day(value: str | None) -> dt.date:
    """A page's ``as_of`` query value (YYYY-MM-DD), today by default; never in the future."""
    if not value:
        return today()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, "The date must be written as YYYY-MM-DD.") from None
    if day > today():
        raise HTTPException(400, "The date cannot be in the future.")
    if day.year < 1900:  # the analyses look back years from it: year 1 has no past to read
        raise HTTPException(400, "The date must be in 1900 or later.")
    return day


def _make_analyses(request: Request, day: dt.date) -> Any:
    settings = settings_of(request)
    engine = engine_of(request)
    return lambda: people_analyses(engine=engine, standards=standards_for(settings), as_of=day)


def analyses(request: Request, day: dt.date) -> PeopleAnalyses:
    """The day's people analyses (the same for every reader), made once a day."""
    key = ("people", day, data_version(request))
    value: PeopleAnalyses = day_cache(request).get(key, today(), _make_analyses(request, day))
    return value


def analyses_if_ready(request: Request, day: dt.date) -> PeopleAnalyses | None:
    """The day's people analyses if made; else they start in the background (None)."""
    value: PeopleAnalyses | None = day_cache(request).ready_or_start(
        ("people", day, data_version(request)), today(), _make_analyses(request, day)
    )
    return value


def _make_map(request: Request, actor: Actor, category: str, period: str, day: dt.date) -> Any:
    seen = visibility(actor.reader, agreement_of(request), at_least=Level.FULL)
    engine, areas = engine_of(request), areas_of(request)
    key = ("hotspots", seen, category, period, day, data_version(request))
    make = lambda: hotspot_map(  # noqa: E731
        engine=engine, areas=areas, seen=seen, category=category, period_key=period, today=day
    )
    return key, make


def hotspots(request: Request, actor: Actor, category: str, period: str, day: dt.date) -> HotspotMap:
    """The Gi* hotspot map for readers who see what ``actor`` sees, made once a day."""
    key, make = _make_map(request, actor, category, period, day)
    value: HotspotMap = day_cache(request).get(key, today(), make)
    return value


def hotspots_if_ready(
    request: Request, actor: Actor, category: str, period: str, day: dt.date
) -> HotspotMap | None:
    key, make = _make_map(request, actor, category, period, day)
    value: HotspotMap | None = day_cache(request).ready_or_start(key, today(), make)
    return value
