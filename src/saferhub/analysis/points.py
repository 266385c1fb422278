"""Event points for the place-based analyses: which events, when, where.

``read_points`` reads the events of one category in a period and an area from the
store, as a polars frame of BNG points. ``CATEGORIES`` names what can be mapped:
all partners' ASB, deliberate secondary fires, each police.uk crime type, or any event
category the feeds write. ``select_area`` turns ``neighbourhood:Birkenhead``,
``ward:Seacombe`` or ``lsoa:E01007110`` into codes and a boundary.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Engine, and_, select

from saferhub.areas import Areas, to_bng
from saferhub.feeds.calls import CATEGORIES as CALL_CATEGORIES
from saferhub.feeds.police_uk import CRIME_TYPE_SLUGS
from saferhub.store import Event
from saferhub.store.place_models import EventPlace

LONDON = ZoneInfo("Europe/London")
POLICE_UK = "police-uk-street"


class SelectionError(ValueError):
    """A category, period or area the user named cannot be used; the message says why."""


# ------------------------------------------------------------------------------ categories


@dataclass(frozen=True)
class Category:
    """A kind of event that can be mapped, and how to find it in the events table."""

    name: str
    label: str
    where: tuple[ColumnElement[bool], ...]


def _categories() -> dict[str, Category]:
    cats: dict[str, Category] = {
        "anti-social-behaviour": Category(
            "anti-social-behaviour",
            "anti-social behaviour from every partner (police.uk ASB, ASB reports, calls about ASB)",
            (Event.category == "asb",),
        ),
        "deliberate-secondary-fire": Category(
            "deliberate-secondary-fire",
            "deliberate secondary fires (fire incidents: secondary fire, motive deliberate)",
            (
                Event.feed == "fire-incidents",
                Event.type == "secondary_fire",
                Event.attributes["motive"].as_string() == "deliberate",
            ),
        ),
    }
    for slug in sorted(set(CRIME_TYPE_SLUGS.values()) - {"anti-social-behaviour"}):
        label = next(k for k, v in CRIME_TYPE_SLUGS.items() if v == slug)
        where = (Event.feed == POLICE_UK, Event.type == slug)
        cats[slug] = Category(slug, f"police.uk crime type '{label}'", where)
    for value in (*CALL_CATEGORIES, "false_alarm", "intelligence", "safeguarding"):
        name = value.replace("_", "-")
        if name not in cats and value != "asb":
            label = f"events of category '{value}' from every partner"
            cats[name] = Category(name, label, (Event.category == value,))
    return cats


CATEGORIES = _categories()
ALIASES = {"asb": "anti-social-behaviour", "deliberate-secondary-fires": "deliberate-secondary-fire"}


def category(name: str) -> Category:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = ALIASES.get(key, key)
    if key not in CATEGORIES:
        raise SelectionError(f"unknown category '{name}'; the categories are: {', '.join(CATEGORIES)}")
    return CATEGORIES[key]


# ------------------------------------------------------------------------------ periods


@dataclass(frozen=True)
class Period:
    """Local (Europe/London) dates: ``start`` inclusive, ``end`` exclusive; None is open."""

    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def label(self) -> str:
        a = self.start.isoformat() if self.start else "the first event"
        b = (self.end - dt.timedelta(days=1)).isoformat() if self.end else "the last event"
        return f"{a} to {b}"

    def utc_bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Naive UTC datetimes of local midnight at start and end, as the store keeps times."""
        return _utc(self.start), _utc(self.end)


def _utc(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    local = dt.datetime.combine(day, dt.time(), tzinfo=LONDON)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def parse_day(text: str, *, end: bool = False) -> dt.date:
    """``YYYY-MM`` or ``YYYY-MM-DD``; with ``end`` the day after the month or day named."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            first = dt.date(int(text[:4]), int(text[5:7]), 1)
            if not end:
                return first
            return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise SelectionError(f"'{text}' is not a month (YYYY-MM) or a date (YYYY-MM-DD)") from exc
    return day + dt.timedelta(days=1) if end else day


def period(start: str | None = None, end: str | None = None) -> Period:
    p = Period(parse_day(start) if start else None, parse_day(end, end=True) if end else None)
    if p.start and p.end and p.end <= p.start:
        raise SelectionError(f"the period ends before it starts ({start} to {end})")
    return p


# ------------------------------------------------------------------------------ areas


@dataclass(frozen=True)
class AreaSelection:
    """Part of the hub's area: LSOA or ward codes and the union of their boundaries (BNG)."""

    label: str
    lsoa_codes: tuple[str, ...] = ()
    ward_codes: tuple[str, ...] = ()
    geometry: BaseGeometry = field(default_factory=shapely.Polygon, repr=False)


def whole_area(areas: Areas) -> AreaSelection:
    geometry = shapely.union_all([a.geometry for a in areas.lsoas])
    return AreaSelection(label=f"all of {areas.name}", geometry=geometry)


def select_area(areas: Areas, specs: Sequence[str]) -> AreaSelection:
    """``neighbourhood:NAME``, ``ward:CODE or NAME``, ``lsoa:CODE or NAME``; several are joined."""
    if not specs:
        return whole_area(areas)
    lsoas: list[str] = []
    wards: list[str] = []
    labels: list[str] = []
    for spec in specs:
        kind, _, value = spec.partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if not value:
            raise SelectionError(f"'{spec}': name an area as neighbourhood:NAME, ward:CODE or lsoa:CODE")
        if kind == "neighbourhood":
            match = {k.lower(): k for k in areas.neighbourhoods}.get(value.lower())
            if match is None:
                raise SelectionError(
                    f"unknown neighbourhood '{value}'; they are: {', '.join(areas.neighbourhoods)}"
                )
            wards.extend(areas.neighbourhoods[match])
            labels.append(f"neighbourhood {match}")
        elif kind in ("ward", "lsoa"):
            layer = areas.wards if kind == "ward" else areas.lsoas
            found = [a for a in layer if value.lower() in (a.code.lower(), a.name.lower())]
            if not found:
                raise SelectionError(f"no {kind} with code or name '{value}' in {areas.name}")
            (wards if kind == "ward" else lsoas).append(found[0].code)
            labels.append(f"{kind} {found[0].name} ({found[0].code})")
        else:
            raise SelectionError(f"'{spec}': the area kinds are neighbourhood, ward and lsoa")
    by_code = {a.code: a.geometry for a in (*areas.lsoas, *areas.wards)}
    geometry = shapely.union_all([by_code[c] for c in (*lsoas, *wards)])
    return AreaSelection(
        label=", ".join(labels), lsoa_codes=tuple(lsoas), ward_codes=tuple(wards), geometry=geometry
    )


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class EventPoints:
    """Events of one category in a period and an area, as BNG points, and what was left out."""

    frame: pl.DataFrame  # event_id, feed, occurred_at (naive UTC), time_precision, easting, northing
    category: Category
    period: Period
    area: AreaSelection
    without_location: int  # selected events that have no coordinates

    def describe(self) -> dict[str, object]:
        return {
            "category": self.category.name,
            "category_means": self.category.label,
            "period": self.period.label,
            "area": self.area.label,
            "events": self.frame.height,
            "events_without_location": self.without_location,
        }


POINT_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64(),
    "feed": pl.String(),
    "occurred_at": pl.Datetime("us"),
    "time_precision": pl.String(),
    "easting": pl.Float64(),
    "northing": pl.Float64(),
    "latitude": pl.Float64(),
    "longitude": pl.Float64(),
}


def read_points(
    *,
    engine: Engine,
    areas: Areas,
    category_name: str,
    period: Period = Period(),
    area: Sequence[str] = (),
    feeds: Sequence[str] = (),
    with_places: bool = False,
    visible: ColumnElement[bool] | None = None,
) -> EventPoints:
    """The events of a category in ``period`` within ``area`` (default: the hub's whole area).

    ``with_places`` adds the resolved ``place_id`` of each event (null where none);
    ``visible`` (a WHERE clause on events) keeps only the events a reader may see.
    """
    cat = category(category_name)
    selection = select_area(areas, area)
    start, end = period.utc_bounds()
    where: list[ColumnElement[bool]] = list(cat.where)
    if start is not None:
        where.append(Event.occurred_at >= start)
    if end is not None:
        where.append(Event.occurred_at < end)
    if feeds:
        where.append(Event.feed.in_(list(feeds)))
    if visible is not None:
        where.append(visible)
    if selection.lsoa_codes or selection.ward_codes:
        where.append(Event.lsoa_code.in_(selection.lsoa_codes) | Event.ward_code.in_(selection.ward_codes))
    else:
        where.append(Event.lsoa_code.is_not(None) | Event.ward_code.is_not(None))
    columns = [
        Event.id, Event.feed, Event.occurred_at, Event.time_precision,
        Event.easting, Event.northing, Event.latitude, Event.longitude,
    ]  # fmt: skip
    query = select(*columns)
    schema = dict(POINT_SCHEMA)
    if with_places:
        query = select(*columns, EventPlace.place_id).outerjoin(EventPlace, EventPlace.event_id == Event.id)
        schema["place_id"] = pl.String()
    with engine.connect() as conn:
        rows = conn.execute(query.where(and_(*where)).order_by(Event.id)).all()
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    frame = complete_bng(frame)
    located = frame["easting"].is_not_null() & frame["northing"].is_not_null()
    return EventPoints(
        frame=frame.filter(located).drop("latitude", "longitude"),
        category=cat,
        period=period,
        area=selection,
        without_location=int((~located).sum()),
    )


def data_span(frame: pl.DataFrame) -> tuple[dt.datetime, dt.datetime, bool]:
    """First event, the end of the last event's local day (or month, for month-only data), and
    whether any event is only known to the month; times naive UTC, as the store keeps them."""
    times = frame["occurred_at"]
    first, last = times.min(), times.max()
    assert isinstance(first, dt.datetime) and isinstance(last, dt.datetime)
    monthly = "time_precision" in frame.columns and bool((frame["time_precision"] == "month").any())
    day = last.replace(tzinfo=dt.UTC).astimezone(LONDON).date()
    if monthly:
        following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    else:
        following = day + dt.timedelta(days=1)
    end = _utc(following)
    assert end is not None
    return first, end, monthly


def complete_bng(frame: pl.DataFrame) -> pl.DataFrame:
    """Easting and northing from longitude and latitude where only those were stored."""
    if "latitude" not in frame.columns or frame.height == 0:
        return frame
    need = frame["easting"].is_null() & frame["latitude"].is_not_null()
    if not need.any():
        return frame
    e, n = to_bng(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    return frame.with_columns(
        pl.when(need).then(pl.Series(e)).otherwise(pl.col("easting")).alias("easting"),
        pl.when(need).then(pl.Series(n)).otherwise(pl.col("northing")).alias("northing"),
    )


def located(points: pl.DataFrame) -> pl.DataFrame:
    """The rows of a points frame with a finite easting and northing (BNG metres)."""
    missing = [c for c in ("easting", "northing") if c not in points.columns]
    if missing:
        raise SelectionError(f"points need columns easting and northing (BNG metres); missing {missing}")
    e, n = pl.col("easting").cast(pl.Float64), pl.col("northing").cast(pl.Float64)
    return points.filter(e.is_finite().fill_null(False) & n.is_finite().fill_null(False))


def point_arrays(points: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing of a points frame as float arrays (rows without both dropped)."""
    points = located(points)
    e = points["easting"].cast(pl.Float64).to_numpy()
    n = points["northing"].cast(pl.Float64).to_numpy()
    return e, n
