"""Area maps for the briefings as SVG text: ward boundaries, hotspot cells and points.

British National Grid metres map to millimetres at one scale on both axes (no
distortion; grid north is up). Hotspot classes are told apart by lightness and by
pattern, so the map reads the same printed in greyscale; every map carries a legend,
a scale bar, a north arrow and a text alternative (``<title>``, ``<desc>``) that
states what it shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from saferhub.areas import Area, Areas
from saferhub.briefings.svg import (
    INK,
    Fill,
    coord,
    document,
    fill_attrs,
    format_number,
    halo_text,
    make_prefix,
    mark_path,
    north_arrow,
    num,
    pattern_def,
    scale_bar,
    scale_bar_metres,
    slug,
    split_lines,
    text,
    text_width,
    wrap,
)

#: How each hotspot class is drawn, in legend order: (legend label, fill). The classes
#: of ``hotspot_classify`` all differ in pattern; hot and cold differ in lightness too.
CELL_STYLES: dict[str, tuple[str, Fill]] = {
    "persistent hotspot": ("Persistent hotspot", Fill("solid", "#67000d")),
    "emerging hotspot": ("Emerging hotspot", Fill("hatch", "#cb181d", "#fee0d2")),
    "intermittent hotspot": ("Intermittent hotspot", Fill("dots", "#a50f15", "#fff5f0")),
    "former hotspot": ("Former hotspot", Fill("outline", "#d6604d")),
    "hotspot": ("Hotspot", Fill("solid", "#a50f15")),
    "mixed hot/coldspot": ("Mixed hot/coldspot", Fill("cross", "#525252", "#f0f0f0")),
    "persistent coldspot": ("Persistent coldspot", Fill("horizontal", "#08519c", "#c6dbef")),
    "emerging coldspot": ("Emerging coldspot", Fill("backhatch", "#2171b5", "#deebf7")),
    "intermittent coldspot": ("Intermittent coldspot", Fill("vertical", "#4292c6", "#f7fbff")),
    "former coldspot": ("Former coldspot", Fill("dashed", "#4292c6")),
    "coldspot": ("Coldspot", Fill("horizontal", "#2171b5", "#deebf7")),
}
#: Classes that mean "nothing here": not drawn.
NOT_DRAWN = frozenset({"", "no pattern", "none"})
#: Fills for classes not in CELL_STYLES, in turn.
FALLBACK_FILLS = (
    Fill("solid", "#252525"), Fill("hatch", "#252525", "#d9d9d9"), Fill("dots", "#252525", "#ffffff"),
    Fill("outline", "#252525"), Fill("cross", "#525252", "#f0f0f0"), Fill("horizontal", "#525252", "#ffffff"),
)  # fmt: skip
#: Sequential fills for a numeric cell value, light to dark (ColorBrewer Reds, 5 classes).
VALUE_FILLS = tuple(Fill("solid", c) for c in ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"))
#: Point marks by kind, in turn: (shape, filled).
MARKS = (("circle", True), ("square", False), ("triangle", True), ("diamond", False), ("cross", False),
         ("circle", False))  # fmt: skip

_TITLE = 3.6  # font sizes, mm
_LEGEND = 2.6
_LABEL = 2.5
_ROW = 4.6  # legend row height
_PAD = 2.0


@dataclass(frozen=True)
class _Frame:
    """Where the map sits on the page (mm) and which BNG rectangle it shows."""

    x: float
    y: float
    width: float
    height: float
    east0: float
    north1: float
    scale: float  # mm per metre

    def xy(self, e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.x + (e - self.east0) * self.scale, self.y + (self.north1 - n) * self.scale

    @property
    def box(self) -> BaseGeometry:
        e1 = self.east0 + self.width / self.scale
        n0 = self.north1 - self.height / self.scale
        return shapely.box(self.east0, n0, e1, self.north1)


@dataclass(frozen=True)
class _Entry:
    """A legend row: a swatch (drawn at 0,0 in a 6 x 3.6 mm box) and its label."""

    swatch: str
    label: str


def area_map_svg(
    *,
    areas: Areas,
    title: str,
    wards: Sequence[str] | None = None,
    cells: pl.DataFrame | None = None,
    cell_size: float | None = None,
    class_column: str = "classification",
    points: pl.DataFrame | None = None,
    point_label: str = "Events",
    width_mm: float = 180.0,
    height_mm: float = 130.0,
    label_wards: bool = True,
    simplify_m: float | None = None,
    id_prefix: str | None = None,
) -> str:
    """A map of ``wards`` (codes; default all) with hotspot ``cells`` and ``points``, as SVG text.

    ``cells``: BNG squares given by x_min, y_min, x_max, y_max, or by the centre
    (easting, northing) and ``cell_size`` (or a cell_size column); ``class_column`` holds
    the class (``hotspot_classify``'s labels have fixed styles; "no pattern" is not drawn)
    or a number (shaded in five classes). ``points``: easting, northing and an optional
    ``kind`` column (one mark shape per kind; ``point_label`` names them without one).
    Wards are simplified by ``simplify_m`` metres (default 0.2 mm at the map's scale,
    5-20 m). ``id_prefix`` keeps element ids apart when several maps share a page.
    """
    if not title.strip():
        raise ValueError("a map needs a title (it is also its text alternative)")
    chosen = _chosen_wards(areas, wards)
    codes = {a.code for a in chosen}
    others = [a for a in areas.wards if a.code not in codes]
    exact_land = shapely.union_all([a.geometry for a in chosen])
    layers = _cell_layers(cells, cell_size, class_column, exact_land)
    marks = _point_marks(points, point_label, areas, codes)
    entries = _legend_entries(layers, marks, bool(others), areas)
    title_lines = wrap(title, _TITLE, width_mm - 2 * _PAD)
    top = _PAD + len(title_lines) * _TITLE * 1.25 + 1.0
    frame, legend_at = _layout(exact_land, entries, width_mm, height_mm, top)
    tolerance = simplify_m if simplify_m is not None else min(20.0, max(5.0, 0.2 / frame.scale))
    prefix = id_prefix or make_prefix("map", title, width_mm, height_mm, *sorted(codes))
    geoms = _simplified(areas, tolerance)
    inside = [geoms[a.code] for a in chosen]
    land = shapely.union_all(inside)
    box = frame.box
    body: list[str] = [
        text(_PAD, _PAD + _TITLE * (i + 1) * 1.1, line, size=_TITLE, weight="bold")
        for i, line in enumerate(title_lines)
    ]
    context = [g for g in (shapely.intersection(geoms[a.code], box) for a in others) if not g.is_empty]
    if context:
        body.append(
            f'<path d="{_path(context, frame)}" fill="#e8e8e8" stroke="#bdbdbd" stroke-width="0.15"/>'
        )
    body.append(f'<path d="{_path(inside, frame)}" fill="#ffffff" stroke="none"/>')
    defs = [pattern_def(f"{prefix}-{slug(layer.key)}", layer.fill) for layer in layers]
    # The most important class last, on top; cells are cut to the wards' (drawn) outline.
    body.extend(layer.draw(frame, land, f"{prefix}-{slug(layer.key)}") for layer in reversed(layers))
    body.append(
        f'<path d="{_path(inside, frame)}" fill="none" stroke="#4d4d4d" stroke-width="0.3" '
        'stroke-linejoin="round"/>'
    )
    body.extend(m.draw(frame) for m in marks)
    if label_wards:
        body.append(_ward_labels(chosen, geoms, frame))
    body.append(
        f'<rect x="{num(frame.x)}" y="{num(frame.y)}" width="{num(frame.width)}" '
        f'height="{num(frame.height)}" fill="none" stroke="{INK}" stroke-width="0.3"/>'
    )
    legend_svg, scale_m = _legend(entries, frame, legend_at, prefix, layers)
    body.append(legend_svg)
    desc = _describe(chosen, areas, layers, marks, scale_m, cells is not None)
    return document(width_mm=width_mm, height_mm=height_mm, prefix=prefix, title=title, desc=desc,
                    defs=defs, body="".join(body))  # fmt: skip


# ---------------------------------------------------------------------------- inputs


def _chosen_wards(areas: Areas, wards: Sequence[str] | None) -> list[Area]:
    if wards is None:
        return list(areas.wards)
    if isinstance(wards, str):
        raise TypeError("wards must be a list of ward codes, not one string")
    by_code = {a.code: a for a in areas.wards}
    unknown = [w for w in wards if w not in by_code]
    if unknown:
        raise ValueError(f"unknown ward codes {unknown}; the area has {len(by_code)} wards")
    if not wards:
        raise ValueError("no wards to draw")
    return [by_code[w] for w in dict.fromkeys(wards)]


def _simplified(areas: Areas, tolerance: float) -> dict[str, BaseGeometry]:
    """Every ward simplified as one coverage, so that neighbours keep a shared edge."""
    geoms = np.array([a.geometry for a in areas.wards], dtype=object)
    try:
        simple = shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify one by one
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    return {a.code: g for a, g in zip(areas.wards, simple, strict=True)}


@dataclass(frozen=True)
class _CellLayer:
    """The cells of one class that lie (partly) on the map's wards, merged into one shape (BNG)."""

    key: str
    label: str
    fill: Fill
    count: int
    shape: BaseGeometry

    def draw(self, frame: _Frame, land: BaseGeometry, pattern_id: str) -> str:
        # Merged squares keep vertices midway along straight edges: drop them (1 cm tolerance).
        shape = shapely.simplify(shapely.intersection(self.shape, land), 0.01)
        if shape.is_empty or shape.area <= 0:
            return ""
        rule = ' fill-rule="evenodd"' if self.fill.kind not in ("outline", "dashed") else ""
        return f'<path d="{_path([shape], frame)}"{rule} {fill_attrs(self.fill, pattern_id)}/>'


def _cell_layers(cells: pl.DataFrame | None, cell_size: float | None, column: str, land: BaseGeometry
                 ) -> list[_CellLayer]:  # fmt: skip
    """One layer per class present on ``land``, in legend order (most important first)."""
    if cells is None or cells.height == 0:
        return []
    if column not in cells.columns:
        raise ValueError(f"cells have no column {column!r} (columns: {cells.columns})")
    if {"x_min", "y_min", "x_max", "y_max"} <= set(cells.columns):
        bounds = cells.select(
            [pl.col(c).cast(pl.Float64) for c in ("x_min", "y_min", "x_max", "y_max")]
        ).to_numpy()
    elif {"easting", "northing"} <= set(cells.columns):
        if cell_size is None and "cell_size" not in cells.columns:
            raise ValueError("cells given by their centre need cell_size (or a cell_size column)")
        half = (cells["cell_size"].cast(pl.Float64).to_numpy() if cell_size is None
                else np.full(cells.height, float(cell_size))) / 2  # fmt: skip
        e = cells["easting"].cast(pl.Float64).to_numpy()
        n = cells["northing"].cast(pl.Float64).to_numpy()
        bounds = np.column_stack([e - half, n - half, e + half, n + half])
    else:
        raise ValueError("cells need x_min, y_min, x_max, y_max or easting, northing (BNG metres)")
    ok = np.isfinite(bounds).all(axis=1)
    boxes = shapely.box(*(np.where(ok, bounds[:, i], 0.0) for i in range(4)))
    shapely.prepare(land)
    ok &= shapely.intersects(land, boxes)
    ok[ok] = shapely.area(shapely.intersection(boxes[ok], land)) > 0  # not merely touching
    values = cells[column]
    if values.dtype.is_numeric():
        groups = _value_groups(values.cast(pl.Float64).to_numpy(), ok)
    else:
        labels = np.array([("" if v is None else str(v)) for v in values.to_list()], dtype=object)
        present = [c for c in dict.fromkeys(labels[ok].tolist()) if c.strip().lower() not in NOT_DRAWN]
        known = [c for c in CELL_STYLES if c in present]
        unknown = sorted(c for c in present if c not in CELL_STYLES)
        groups = [(c, *CELL_STYLES[c], ok & (labels == c)) for c in known]
        groups += [(c, c[:1].upper() + c[1:], FALLBACK_FILLS[i % len(FALLBACK_FILLS)], ok & (labels == c))
                   for i, c in enumerate(unknown)]  # fmt: skip
    return [
        _CellLayer(key, label, fill, int(sel.sum()), shapely.union_all(boxes[sel]))
        for key, label, fill, sel in groups
        if sel.any()
    ]


def _value_groups(values: np.ndarray, ok: np.ndarray) -> list[tuple[str, str, Fill, np.ndarray]]:
    """Up to five classes of a positive value: breaks at quantiles of the values drawn."""
    ok = ok & np.isfinite(values) & (values > 0)
    if not ok.any():
        return []
    breaks = np.unique(np.quantile(values[ok], np.linspace(0, 1, len(VALUE_FILLS) + 1)))
    whole = bool(np.all(values[ok] == np.round(values[ok])))
    if whole:
        breaks = np.unique(np.round(breaks))
    lows = list(breaks[:-1]) if len(breaks) > 1 else [breaks[0]]
    groups = []
    for i, low in enumerate(lows):
        last = i == len(lows) - 1
        high = breaks[i + 1] if len(breaks) > 1 else low
        sel = ok & (values >= low) & ((values <= high) if last else (values < high))
        if whole:
            top = high if last else high - 1
            label = format_number(low) if top <= low else f"{format_number(low)}–{format_number(top)}"
        else:
            label = f"{low:,.3g}–{high:,.3g}"
        fill = VALUE_FILLS[round(i * (len(VALUE_FILLS) - 1) / max(len(lows) - 1, 1))]
        groups.append((f"value-{i}", label, fill, sel))
    return groups


@dataclass(frozen=True)
class _Marks:
    """Points of one kind on the map's wards: distinct locations and how many events each holds."""

    label: str
    shape: str
    filled: bool
    e: np.ndarray
    n: np.ndarray
    weight: np.ndarray

    @property
    def count(self) -> int:
        return int(self.weight.sum())

    def draw(self, frame: _Frame) -> str:
        x, y = frame.xy(self.e, self.n)
        inside = (
            (x >= frame.x) & (x <= frame.x + frame.width) & (y >= frame.y) & (y <= frame.y + frame.height)
        )
        if not inside.any():
            return ""
        return mark_path(self.shape, self.filled, x[inside].tolist(), y[inside].tolist(), 0.75)


def _point_marks(
    points: pl.DataFrame | None, point_label: str, areas: Areas, codes: set[str]
) -> list[_Marks]:
    """Marks for the points that ``areas`` places in the chosen wards, the commonest kind first."""
    if points is None or points.height == 0:
        return []
    missing = [c for c in ("easting", "northing") if c not in points.columns]
    if missing:
        raise ValueError(f"points need easting and northing (BNG metres); missing {missing}")
    kind = (
        pl.col("kind").cast(pl.String).fill_null("other") if "kind" in points.columns else pl.lit(point_label)
    )
    # Round to a metre and count: records repeat locations (police.uk map points) heavily.
    places = (
        points.select(
            pl.col("easting").cast(pl.Float64).round(0).alias("e"),
            pl.col("northing").cast(pl.Float64).round(0).alias("n"),
            kind.alias("kind"),
        )
        .filter(pl.col("e").is_finite() & pl.col("n").is_finite())
        .group_by("kind", "e", "n")
        .len()
    )
    _, ward = areas.assign(places["e"].to_numpy(), places["n"].to_numpy())
    places = places.filter(pl.Series([w in codes for w in ward.tolist()], dtype=pl.Boolean))
    totals = places.group_by("kind").agg(pl.col("len").sum()).sort(["len", "kind"], descending=[True, False])
    marks = []
    for i, name in enumerate(totals["kind"].to_list()):
        rows = places.filter(pl.col("kind") == name).sort("e", "n")
        shape, filled = MARKS[i % len(MARKS)]
        marks.append(
            _Marks(name, shape, filled, rows["e"].to_numpy(), rows["n"].to_numpy(), rows["len"].to_numpy())
        )
    return marks


# ---------------------------------------------------------------------------- drawing


def _path(geoms: Sequence[BaseGeometry], frame: _Frame) -> str:
    """SVG path data for the polygons (and their holes) of ``geoms``."""
    parts: list[str] = []
    for geom in geoms:
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            for ring in (poly.exterior, *poly.interiors):
                coords = np.asarray(ring.coords)
                x, y = frame.xy(coords[:, 0], coords[:, 1])
                xs, ys = np.round(x, 1), np.round(y, 1)
                keep = np.ones(xs.size, dtype=bool)
                keep[1:] = (np.diff(xs) != 0) | (np.diff(ys) != 0)
                pts = [f"{coord(a)} {coord(b)}" for a, b in zip(xs[keep], ys[keep], strict=True)]
                if len(pts) >= 3:
                    parts.append("M" + pts[0] + "L" + " ".join(pts[1:]) + "Z")
    return "".join(parts) or "M0 0"


def _ward_labels(chosen: Sequence[Area], geoms: dict[str, BaseGeometry], frame: _Frame) -> str:
    """Ward names where they fit inside the ward and clear of other names."""
    placed: list[BaseGeometry] = []
    out: list[str] = []
    inner = frame.box.buffer(-1.5 / frame.scale)
    for area in sorted(chosen, key=lambda a: -geoms[a.code].area):
        geom = geoms[area.code]
        largest = max(shapely.get_parts(geom), key=lambda p: p.area)
        anchor = polylabel(largest, tolerance=max(1.0, 0.5 / frame.scale))
        for size, lines in ((_LABEL, 1), (_LABEL, 2), (_LABEL * 0.85, 2), (_LABEL * 0.85, 3)):
            rows = wrap(area.name, size, 1e9, 1) if lines == 1 else split_lines(area.name, lines)
            w = max(text_width(r, size) for r in rows) / frame.scale
            h = len(rows) * size * 1.15 / frame.scale
            box = shapely.box(anchor.x - w / 2, anchor.y - h / 2, anchor.x + w / 2, anchor.y + h / 2)
            slack = largest.buffer(size * 0.6 / frame.scale)
            if slack.contains(box) and inner.contains(box) and not any(box.intersects(p) for p in placed):
                placed.append(box)
                x, y = frame.xy(np.array([anchor.x]), np.array([anchor.y]))
                y0 = float(y[0]) - (len(rows) - 1) * size * 1.15 / 2 + size * 0.36
                out.extend(halo_text(float(x[0]), y0 + i * size * 1.15, row, size=size, anchor="middle")
                           for i, row in enumerate(rows))  # fmt: skip
                break
    return "".join(out)


# ---------------------------------------------------------------------------- layout and legend


def _legend_entries(
    layers: list[_CellLayer], marks: list[_Marks], context: bool, areas: Areas
) -> list[_Entry]:
    entries = [_Entry(f"@fill:{i}", layer.label) for i, layer in enumerate(layers)]
    entries += [_Entry(mark_path(m.shape, m.filled, [3.0], [1.8], 0.9), m.label)
                for m in marks]  # fmt: skip
    entries.append(_Entry('<path d="M0 1.8h6" stroke="#4d4d4d" stroke-width="0.3"/>', "Ward boundary"))
    if context:
        entries.append(_Entry('<rect width="6" height="3.6" fill="#e8e8e8" stroke="#bdbdbd" '
                              'stroke-width="0.15"/>', f"Other {areas.name} wards"))  # fmt: skip
    return entries


@dataclass(frozen=True)
class _LegendPlace:
    """Where the legend rows go: top-left corner, column width and count, and the arrow/bar block."""

    x: float
    y: float
    col_w: float
    cols: int
    block_x: float
    block_y: float


#: Width of the north arrow and scale bar block (mm); the bar is at most this long less a margin.
_BLOCK_W = 42.0


def _layout(land: BaseGeometry, entries: list[_Entry], width: float, height: float, top: float
            ) -> tuple[_Frame, _LegendPlace]:  # fmt: skip
    """The map frame and its legend, beside or below the map, whichever lets the map be larger."""
    x0, y0, x1, y1 = land.bounds
    pad = 0.04 * max(x1 - x0, y1 - y0, 200.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    label_w = max(text_width(e.label, _LEGEND) for e in entries) + 9.0
    side_w = min(62.0, max(_BLOCK_W, label_w))
    col_w = min(max(label_w, 36.0), 62.0, width - 2 * _PAD)
    # Below the map the rows go in columns, the arrow and bar beside them or, if that is
    # taller, under them.
    beside = int((width - 2 * _PAD - _BLOCK_W) // col_w)
    full = max(1, int((width - 2 * _PAD) // col_w))
    beside_h = max(math.ceil(len(entries) / beside) * _ROW, 17.0) + 4.0 if beside else math.inf
    under_h = math.ceil(len(entries) / full) * _ROW + 17.0 + 4.0
    block_under = under_h < beside_h
    bottom_h = min(beside_h, under_h)
    # Beside the map: one column of rows (two if one is too tall), the arrow and bar under them.
    side_h = {k: math.ceil(len(entries) / k) * _ROW + 20.0 for k in (1, 2)}
    options = {
        "side": (width - 2 * _PAD - side_w - 2.0, height - top - _PAD),
        "side2": (width - 2 * _PAD - 2 * side_w - 2.0, height - top - _PAD),
        "bottom": (width - 2 * _PAD, height - top - _PAD - bottom_h),
    }
    fits = {
        "side": options["side"][1] >= side_h[1],
        "side2": options["side2"][1] >= side_h[2],
        "bottom": True,
    }
    scales = {
        k: min(w / (x1 - x0), h / (y1 - y0)) for k, (w, h) in options.items() if w > 10 and h > 10 and fits[k]
    }
    if not scales:
        raise ValueError(f"{width} x {height} mm is too small for this map and its legend")
    at = max(scales, key=lambda k: (scales[k], k != "bottom", k == "side"))
    w, h = options[at]
    scale = scales[at]
    # Widen the shown rectangle to fill the frame: no distortion, the frame is fully used.
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    frame = _Frame(x=_PAD, y=top, width=w, height=h, east0=cx - w / scale / 2, north1=cy + h / scale / 2,
                   scale=scale)  # fmt: skip
    if at in ("side", "side2"):
        x = frame.x + w + 3.0
        cols = 1 if at == "side" else 2
        place = _LegendPlace(x, top + 1.0, (width - _PAD - x) / cols, cols, x, top + h - 17.0)
    elif block_under:
        y = top + h + 3.0
        place = _LegendPlace(_PAD, y, col_w, full, _PAD, y + math.ceil(len(entries) / full) * _ROW + 1.0)
    else:
        y = top + h + 3.0
        place = _LegendPlace(_PAD, y, col_w, beside, width - _PAD - _BLOCK_W + 2.0, y)
    return frame, place


def _legend(entries: list[_Entry], frame: _Frame, at: _LegendPlace, prefix: str, layers: list[_CellLayer]
            ) -> tuple[str, float]:  # fmt: skip
    """The legend, north arrow and scale bar beside or below the map; also the scale bar's metres."""
    out: list[str] = []
    for i, entry in enumerate(entries):
        ex = at.x + (i % at.cols) * at.col_w
        ey = at.y + (i // at.cols) * _ROW
        if entry.swatch.startswith("@fill:"):
            layer = layers[int(entry.swatch[6:])]
            attrs = fill_attrs(layer.fill, f"{prefix}-{slug(layer.key)}", outline_width=0.45)
            swatch = f'<rect x="0.2" y="0.2" width="5.6" height="3.2" {attrs}/>'
        else:
            swatch = entry.swatch
        out.append(f'<g transform="translate({num(ex)} {num(ey)})">{swatch}</g>')
        label = wrap(entry.label, _LEGEND, at.col_w - 8.5, 1)[0]
        out.append(text(ex + 7.5, ey + 2.75, label, size=_LEGEND))
    metres = scale_bar_metres(frame.scale, _BLOCK_W - 8.0)
    out.append(north_arrow(at.block_x + 4.0, at.block_y))
    out.append(scale_bar(at.block_x, at.block_y + 11.5, metres, frame.scale))
    return "".join(out), metres


def _describe(chosen: Sequence[Area], areas: Areas, layers: list[_CellLayer], marks: list[_Marks],
              metres: float, had_cells: bool) -> str:  # fmt: skip
    """The text alternative: what the map shows, with the count of every class drawn."""
    names = [a.name for a in chosen]
    where = (f"all {len(names)} wards of {areas.name}" if len(chosen) == len(areas.wards)
             else f"{len(names)} ward{'s' if len(names) != 1 else ''}: {', '.join(names)}")  # fmt: skip
    parts = [f"Map of {where}."]
    if layers:
        counts = "; ".join(f"{layer.label}: {format_number(layer.count)}" for layer in layers)
        total = sum(layer.count for layer in layers)
        parts.append(f"Hotspot grid cells shown ({format_number(total)}): {counts}.")
    elif had_cells:
        parts.append("No hotspot cells in these wards.")
    for m in marks:
        places = len(m.weight)
        parts.append(f"{m.label}: {format_number(m.count)} at {format_number(places)} "
                     f"location{'s' if places != 1 else ''}.")  # fmt: skip
    scale_label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    parts.append(f"Scale bar {scale_label}; north is up.")
    return " ".join(parts)


__all__ = ["CELL_STYLES", "area_map_svg"]
