"""Trend charts and sparklines for the briefings as SVG text.

Each series differs from the others by line dash and marker shape (bars: by fill
pattern and lightness) as well as by colour, so a greyscale print reads the same.
Values are written on the chart and listed in the text alternative (``<desc>``). A
missing value (a period a feed holds no records for) is a gap, never a zero, and the
chart says so under the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from saferhub.briefings.svg import (
    GRID,
    INK,
    Fill,
    document,
    fill_attrs,
    format_number,
    make_prefix,
    mark_path,
    nice_step,
    num,
    pattern_def,
    text,
    text_width,
    wrap,
)

#: Okabe-Ito colours (safe for colour-blind readers), one per series in turn.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#000000")
#: Line series: dash pattern (mm; "" solid) and marker (shape, filled), in turn.
LINE_STYLES = (
    ("", "circle", True),
    ("2.2 1.2", "square", False),
    ("0.6 0.9", "triangle", True),
    ("3 1 0.6 1", "diamond", False),
    ("4 1.5", "cross", False),
    ("1.2 1.2", "circle", False),
)
#: Bar series: fills of different pattern and lightness, in turn.
BAR_FILLS = (
    Fill("solid", "#0b4f7c"),
    Fill("hatch", "#D55E00", "#fde3cf"),
    Fill("dots", "#00634f", "#e5f5ef"),
    Fill("solid", "#9ecae1"),
    Fill("cross", "#7a3a63", "#f6e4ef"),
    Fill("outline", "#000000"),
)

_TITLE = 3.2
_TICK = 2.4
_VALUE = 2.2
_MARKER = 0.95
_LEGEND = 2.5
_PAD = 2.0

Series = tuple[str, Sequence[float | None]]


@dataclass(frozen=True)
class _Plot:
    x: float
    y: float
    width: float
    height: float
    low: float
    high: float

    def py(self, value: float) -> float:
        return self.y + self.height * (1 - (value - self.low) / (self.high - self.low))

    def slot(self, i: int, periods: int) -> tuple[float, float]:
        """Left edge and width of period ``i``'s slot."""
        w = self.width / periods
        return self.x + i * w, w


def trend_chart_svg(
    *,
    series: Sequence[Series],
    periods: Sequence[str],
    title: str,
    y_label: str,
    width_mm: float = 120.0,
    height_mm: float = 70.0,
    kind: Literal["line", "bar"] = "line",
    id_prefix: str | None = None,
) -> str:
    """A line (or grouped bar) chart of ``series`` — (label, one value per period) — over ``periods``.

    None is a missing value (a gap, noted under the chart), not zero. ``id_prefix``
    keeps element ids apart when several charts share a page.
    """
    _check(series, periods, title, kind)
    prefix = id_prefix or make_prefix("chart", kind, title, y_label, *periods, *(s[0] for s in series))
    values = [v for _, vals in series for v in vals if v is not None]
    low, high, step = _axis(values)
    title_lines = wrap(title, _TITLE, width_mm - 2 * _PAD)
    y = _PAD + len(title_lines) * _TITLE * 1.2
    body = [
        text(_PAD, _PAD + (i + 1) * _TITLE * 1.1, line, size=_TITLE, weight="bold")
        for i, line in enumerate(title_lines)
    ]
    fills = [BAR_FILLS[i % len(BAR_FILLS)] for i in range(len(series))]
    legend, legend_h = _legend(series, kind, fills, prefix, _PAD, y + 1.5, width_mm - 2 * _PAD)
    body.append(legend)
    missing = [(label, periods[i]) for label, vals in series for i, v in enumerate(vals) if v is None]
    note_h = 4.0 if missing else 0.0
    ticks = _ticks(low, high, step)
    left = _PAD + 4.0 + max(text_width(format_number(t), _TICK) for t in ticks) + 1.5
    slot_w = (width_mm - left - _PAD) / len(periods)
    x_lines = [wrap(p, _TICK, slot_w - 1.0) for p in periods]
    x_h = max(len(lines) for lines in x_lines) * _TICK * 1.2 + 1.5
    top = y + legend_h + 3.5
    plot = _Plot(left, top, width_mm - left - _PAD, height_mm - top - x_h - note_h - _PAD, low, high)
    if plot.height < 10 or plot.width < 10:
        raise ValueError(f"{width_mm} x {height_mm} mm is too small for this chart")
    body.append(_axes(plot, ticks, y_label, periods, x_lines))
    if kind == "line":
        body.extend(_lines(plot, series, len(periods)))
    else:
        body.extend(_bars(plot, series, len(periods), fills, prefix))
    if missing:
        gaps = "; ".join(f"{label} in {period}" for label, period in missing)
        note = wrap(f"No data (not zero): {gaps}.", 2.2, width_mm - 2 * _PAD, 1)[0]
        body.append(text(_PAD, height_mm - _PAD, note, size=2.2, fill="#444444"))
    desc = _describe(series, periods, y_label, kind)
    defs = [pattern_def(f"{prefix}-s{i}", f) for i, f in enumerate(fills)] if kind == "bar" else []
    return document(
        width_mm=width_mm, height_mm=height_mm, prefix=prefix, title=title, desc=desc, defs=defs,
        body="".join(body),
    )  # fmt: skip


def sparkline_svg(
    values: Sequence[float | None],
    *,
    label: str,
    width_mm: float = 18.0,
    height_mm: float = 5.0,
    id_prefix: str | None = None,
) -> str:
    """A word-sized line of ``values`` from zero to their maximum, the last value marked.

    ``label`` (what the values are, e.g. "ASB, last 4 weeks") is the text alternative's
    title; the values themselves are in its description. None is a gap.
    """
    if not values:
        raise ValueError("a sparkline needs at least one value")
    prefix = id_prefix or make_prefix("spark", label, *values)
    known = [v for v in values if v is not None]
    high = max([*known, 0.0]) or 1.0
    low = min([*known, 0.0])
    pad = 0.8
    n = len(values)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (width_mm - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        return x, height_mm - pad - (height_mm - 2 * pad) * (v - low) / (high - low)

    body = [f'<path d="M{num(pad)} {num(xy(0, 0.0)[1])}H{num(width_mm - pad)}" stroke="{GRID}" '
            'stroke-width="0.2"/>']  # fmt: skip
    for run in _runs(values):
        pts = " ".join(f"{num(a)} {num(b)}" for a, b in (xy(i, v) for i, v in run))
        if len(run) > 1:
            body.append(f'<polyline points="{pts}" fill="none" stroke="{INK}" stroke-width="0.35" '
                        'stroke-linejoin="round"/>')  # fmt: skip
        elif run[0][0] != n - 1:  # a value alone between gaps: a small dot (the last gets a larger one)
            a, b = xy(*run[0])
            body.append(f'<circle cx="{num(a)}" cy="{num(b)}" r="0.3" fill="{INK}"/>')
    last = [(i, v) for i, v in enumerate(values) if v is not None]
    if last:
        i, v = last[-1]
        a, b = xy(i, v)
        body.append(f'<circle cx="{num(a)}" cy="{num(b)}" r="0.55" fill="{INK}"/>')
    listed = ", ".join("no data" if v is None else format_number(v) for v in values)
    latest = f" (latest {format_number(last[-1][1])})" if last else ""
    return document(
        width_mm=width_mm, height_mm=height_mm, prefix=prefix, title=label,
        desc=f"{label}: {listed}{latest}.", defs=[], body="".join(body),
    )  # fmt: skip


# ---------------------------------------------------------------------------- parts


def _check(series: Sequence[Series], periods: Sequence[str], title: str, kind: str) -> None:
    if kind not in ("line", "bar"):
        raise ValueError(f"kind must be 'line' or 'bar', not {kind!r}")
    if not title.strip():
        raise ValueError("a chart needs a title (it is also its text alternative)")
    if not periods:
        raise ValueError("a chart needs at least one period")
    if not series:
        raise ValueError("a chart needs at least one series")
    for label, vals in series:
        if len(vals) != len(periods):
            raise ValueError(f"series {label!r} has {len(vals)} values for {len(periods)} periods")
        bad = [v for v in vals if v is not None and not math.isfinite(v)]
        if bad:
            raise ValueError(f"series {label!r} has values that are not finite numbers: {bad}")


def _axis(values: Sequence[float]) -> tuple[float, float, float]:
    """The value axis: from zero (or below, for negatives) to a round number above the maximum."""
    high = max([*values, 0.0])
    low = min([*values, 0.0])
    step = nice_step(high - low, 4) if high > low else 1.0
    if all(float(v).is_integer() for v in values):
        step = max(1.0, step)
    return math.floor(low / step) * step, max(math.ceil(high / step) * step, step), step


def _ticks(low: float, high: float, step: float) -> list[float]:
    count = round((high - low) / step)
    return [low + i * step for i in range(count + 1)]


def _legend(series: Sequence[Series], kind: str, fills: list[Fill], prefix: str, x: float, y: float,
            width: float) -> tuple[str, float]:  # fmt: skip
    """Legend entries in rows across the top; returns the SVG and the height used."""
    out: list[str] = []
    cx, cy = x, y
    for i, (label, _) in enumerate(series):
        entry_w = 10.0 + text_width(label, _LEGEND) * 0.92 + 3.0
        if cx > x and cx + entry_w > x + width:
            cx, cy = x, cy + 4.2
        if kind == "line":
            colour = COLOURS[i % len(COLOURS)]
            dash, shape, filled = LINE_STYLES[i % len(LINE_STYLES)]
            out.append(_line_path(f"M{num(cx)} {num(cy + 1.4)}h8", colour, dash))
            out.append(mark_path(shape, filled, [cx + 4.0], [cy + 1.4], 0.85, colour))
        else:
            attrs = fill_attrs(fills[i], f"{prefix}-s{i}", outline_width=0.35)
            out.append(f'<rect x="{num(cx + 1)}" y="{num(cy)}" width="6" height="2.8" {attrs}/>')
        out.append(text(cx + 10.0, cy + 2.3, label, size=_LEGEND))
        cx += entry_w
    return "".join(out), cy - y + 3.2


def _axes(plot: _Plot, ticks: list[float], y_label: str, periods: Sequence[str],
          x_lines: list[list[str]]) -> str:  # fmt: skip
    out: list[str] = []
    for t in ticks:
        ty = plot.py(t)
        colour = INK if t == 0 else GRID
        out.append(f'<path d="M{num(plot.x)} {num(ty)}h{num(plot.width)}" stroke="{colour}" '
                   f'stroke-width="{0.3 if t == 0 else 0.2}"/>')  # fmt: skip
        out.append(text(plot.x - 1.2, ty + _TICK * 0.35, format_number(t), size=_TICK, anchor="end"))
    out.append(f'<path d="M{num(plot.x)} {num(plot.y)}V{num(plot.y + plot.height)}" stroke="{INK}" '
               'stroke-width="0.3"/>')  # fmt: skip
    for i, lines in enumerate(x_lines):
        sx, sw = plot.slot(i, len(periods))
        base = plot.y + plot.height
        out.append(f'<path d="M{num(sx + sw / 2)} {num(base)}v1" stroke="{INK}" stroke-width="0.3"/>')
        out.extend(
            text(sx + sw / 2, base + 1.2 + (k + 1) * _TICK * 1.1, line, size=_TICK, anchor="middle")
            for k, line in enumerate(lines)
        )
    cy = plot.y + plot.height / 2
    out.append(text(0, 0, y_label, size=_TICK, anchor="middle",
                    extra=f'transform="translate({num(_PAD + 2.2)} {num(cy)}) rotate(-90)"'))  # fmt: skip
    return "".join(out)


def _line_path(d: str, colour: str, dash: str) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="0.5" stroke-linejoin="round"'
            f'{dash_attr}/>')  # fmt: skip


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Stretches of consecutive known values, with their positions."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((i, float(v)))
    return [r for r in runs if r]


def _lines(plot: _Plot, series: Sequence[Series], periods: int) -> list[str]:
    out: list[str] = []
    labels: list[tuple[float, float, str]] = []  # x, y, text
    for s, (_, vals) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        dash, shape, filled = LINE_STYLES[s % len(LINE_STYLES)]
        xs: list[float] = []
        ys: list[float] = []
        for run in _runs(vals):
            pts = [(plot.slot(i, periods)[0] + plot.slot(i, periods)[1] / 2, plot.py(v)) for i, v in run]
            if len(pts) > 1:
                d = "M" + "L".join(f"{num(a)} {num(b)}" for a, b in pts)
                out.append(_line_path(d, colour, dash))
            xs += [a for a, _ in pts]
            ys += [b for _, b in pts]
            labels += [(a, b, format_number(v)) for (a, b), (_, v) in zip(pts, run, strict=True)]
        out.append(mark_path(shape, filled, xs, ys, _MARKER, colour))
    out.extend(_value_labels(labels, plot))
    return out


def _value_labels(labels: list[tuple[float, float, str]], plot: _Plot) -> list[str]:
    """Each value above its marker, or below it when that would overlap; left out if neither fits.

    Labels keep clear of each other and of every marker (the text alternative has them all).
    """
    r = _MARKER + 0.2
    placed: list[tuple[float, float, float, float]] = [(x - r, y - r, x + r, y + r) for x, y, _ in labels]
    out: list[str] = []
    h = _VALUE * 1.05
    for x, y, label in sorted(labels, key=lambda t: (t[0], t[1])):
        w = text_width(label, _VALUE)
        for base in (y - 1.5, y + 1.5 + h):
            box = (x - w / 2, base - h, x + w / 2, base)
            clear = all(box[2] <= p[0] or box[0] >= p[2] or box[3] <= p[1] or box[1] >= p[3] for p in placed)
            if clear and box[1] >= plot.y - 3.0 and box[3] <= plot.y + plot.height:
                placed.append(box)
                out.append(text(x, base - 0.3, label, size=_VALUE, anchor="middle"))
                break
    return out


def _bars(plot: _Plot, series: Sequence[Series], periods: int, fills: list[Fill], prefix: str) -> list[str]:
    out: list[str] = []
    n = len(series)
    for i in range(periods):
        sx, sw = plot.slot(i, periods)
        bar = min(sw * 0.8 / n, 14.0)  # a lone bar stays a bar, not a block
        group = bar * n
        for s, (_, vals) in enumerate(series):
            v = vals[i]
            if v is None:
                continue
            bx = sx + (sw - group) / 2 + s * bar
            y0, y1 = sorted((plot.py(0.0), plot.py(float(v))))
            attrs = fill_attrs(fills[s], f"{prefix}-s{s}", outline_width=0.35)
            if y1 - y0 > 0:
                out.append(f'<rect x="{num(bx + 0.15)}" y="{num(y0)}" width="{num(bar - 0.3)}" '
                           f'height="{num(y1 - y0)}" {attrs}/>')  # fmt: skip
            label = format_number(v)
            size = _VALUE if text_width(label, _VALUE) <= bar + 0.6 else _VALUE * 0.8
            if text_width(label, size) <= bar + 1.0:
                out.append(text(bx + bar / 2, y0 - 0.8, label, size=size, anchor="middle"))
    return out


def _describe(series: Sequence[Series], periods: Sequence[str], y_label: str, kind: str) -> str:
    what = "Line chart" if kind == "line" else "Bar chart"
    span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
    parts = [f"{what} of {y_label}, {len(periods)} period{'s' if len(periods) != 1 else ''} ({span})."]
    for label, vals in series:
        listed = ", ".join(
            f"{p}: {'no data' if v is None else format_number(v)}" for p, v in zip(periods, vals, strict=True)
        )
        parts.append(f"{label} — {listed}.")
    return " ".join(parts)


__all__ = ["sparkline_svg", "trend_chart_svg"]
