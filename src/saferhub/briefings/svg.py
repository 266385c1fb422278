"""SVG building blocks for the briefing maps and charts, kept to what WeasyPrint draws.

WeasyPrint has its own SVG renderer and runs no script: everything here is basic
shapes, paths, text and ``<pattern>`` fills with presentation attributes. Drawings use
millimetres as user units (``viewBox`` = size in mm), so a font size of 2.8 is 2.8 mm.
Fills encode a class by lightness and by pattern together, so that a page printed in
greyscale reads the same as on screen: never hue alone.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

FONT = "DejaVu Sans,Arial,Helvetica,sans-serif"
INK = "#1a1a1a"
GRID = "#d9d9d9"
#: Average glyph advance of DejaVu Sans as a share of the font size (generous: labels must fit).
CHAR_EM = 0.6

PatternKind = Literal[
    "solid", "hatch", "backhatch", "dots", "cross", "horizontal", "vertical", "outline", "dashed"
]


@dataclass(frozen=True)
class Fill:
    """How an area is filled: a pattern kind, its ink colour and its background colour."""

    kind: PatternKind
    ink: str
    background: str = "#ffffff"

    def lightness(self) -> float:
        """The relative luminance (0 black .. 1 white) the fill averages to, as greyscale print sees it."""
        share = _INK_SHARE[self.kind]
        return share * luminance(self.ink) + (1 - share) * luminance(self.background)


#: The share of a pattern tile covered by ink (for ``Fill.lightness``).
_INK_SHARE: dict[str, float] = {
    "solid": 1.0, "hatch": 0.45, "backhatch": 0.45, "cross": 0.6, "horizontal": 0.35,
    "vertical": 0.35, "dots": 0.25, "outline": 0.0, "dashed": 0.0,
}  # fmt: skip
#: Tile size (mm) and line width (mm) of the patterns.
_TILE = 1.6
_LINE = 0.42


def esc(text: object) -> str:
    """Text escaped for XML content and double-quoted attributes."""
    return escape(str(text), {'"': "&quot;"})


def num(value: float) -> str:
    """A coordinate in mm to 0.01 mm, without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def coord(value: float) -> str:
    """A map coordinate in mm to 0.1 mm (finer than print shows; keeps big maps small)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_width(text: str, size: float) -> float:
    """Estimated width (mm) of ``text`` at font size ``size`` mm."""
    return len(text) * size * CHAR_EM


def luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour {colour!r} is not #rrggbb")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def make_prefix(*parts: object) -> str:
    """A short id prefix derived from the drawing's content, so ids differ between drawings."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()
    return "s" + digest[:8]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def pattern_def(pattern_id: str, fill: Fill) -> str:
    """The ``<pattern>`` for a patterned fill ('' for solid and outline fills)."""
    if fill.kind in ("solid", "outline", "dashed"):
        return ""
    t, w = _TILE, _LINE
    line = f'stroke="{fill.ink}" stroke-width="{num(w)}" fill="none"'
    shapes = {
        "hatch": f'<path d="M-0.4 0.4l0.8-0.8M0 {t}l{t}-{t}M{t - 0.4} {t + 0.4}l0.8-0.8" {line}/>',
        "backhatch": f'<path d="M-0.4 {t - 0.4}l0.8 0.8M0 0l{t} {t}M{t - 0.4} -0.4l0.8 0.8" {line}/>',
        "cross": (f'<path d="M0 0l{t} {t}M0 {t}l{t}-{t}M-0.4 0.4l0.8-0.8M{t - 0.4} {t + 0.4}l0.8-0.8'
                  f'M-0.4 {t - 0.4}l0.8 0.8M{t - 0.4} -0.4l0.8 0.8" stroke="{fill.ink}" '
                  f'stroke-width="{num(w * 0.7)}" fill="none"/>'),
        "horizontal": f'<path d="M0 {t / 2}h{t}" {line}/>',
        "vertical": f'<path d="M{t / 2} 0v{t}" {line}/>',
        "dots": f'<circle cx="{num(t / 2)}" cy="{num(t / 2)}" r="{num(t * 0.22)}" fill="{fill.ink}"/>',
    }  # fmt: skip
    return (
        f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="{num(t)}" height="{num(t)}">'
        f'<rect width="{num(t)}" height="{num(t)}" fill="{fill.background}"/>{shapes[fill.kind]}</pattern>'
    )


def fill_attrs(fill: Fill, pattern_id: str, *, outline_width: float = 0.45) -> str:
    """Presentation attributes that paint a shape with ``fill`` (its pattern defined elsewhere)."""
    if fill.kind == "solid":
        return f'fill="{fill.ink}" stroke="none"'
    if fill.kind in ("outline", "dashed"):
        dash = ' stroke-dasharray="1.2 0.8"' if fill.kind == "dashed" else ""
        return (f'fill="none" stroke="{fill.ink}" stroke-width="{num(outline_width)}" '
                f'stroke-linejoin="round"{dash}')  # fmt: skip
    return f'fill="url(#{pattern_id})" stroke="{fill.ink}" stroke-width="0.15"'


def mark_path(
    shape: str, filled: bool, x: Sequence[float], y: Sequence[float], r: float, colour: str = INK
) -> str:
    """One path holding a mark at every (x, y): circle, square, triangle, diamond or cross.

    Filled marks have a white edge and open marks a white inside, so both show on dark fills.
    """
    sub = []
    for a, b in zip(x, y, strict=True):
        if shape == "circle":
            sub.append(f"M{coord(a - r)} {coord(b)}a{num(r)} {num(r)} 0 1 0 {num(2 * r)} 0"
                       f"a{num(r)} {num(r)} 0 1 0 {num(-2 * r)} 0Z")  # fmt: skip
        elif shape == "square":
            s = r * 0.9
            sub.append(f"M{coord(a - s)} {coord(b - s)}h{num(2 * s)}v{num(2 * s)}h{num(-2 * s)}Z")
        elif shape == "triangle":
            sub.append(f"M{coord(a)} {coord(b - r * 1.2)}l{num(r * 1.1)} {num(r * 1.9)}h{num(-2.2 * r)}Z")
        elif shape == "diamond":
            k = r * 1.25
            sub.append(
                f"M{coord(a)} {coord(b - k)}l{num(k)} {num(k)}l{num(-k)} {num(k)}l{num(-k)} {num(-k)}Z"
            )
        else:  # cross
            two = num(2 * r)
            x0, y0, y1 = coord(a - r), coord(b - r), coord(b + r)
            sub.append(f"M{x0} {y0}l{two} {two}M{x0} {y1}l{two} -{two}")
    d = "".join(sub)
    if shape == "cross":
        return (f'<path d="{d}" fill="none" stroke="#ffffff" stroke-width="0.75"/>'
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="0.35"/>')  # fmt: skip
    if filled:
        return f'<path d="{d}" fill="{colour}" stroke="#ffffff" stroke-width="0.25"/>'
    return f'<path d="{d}" fill="#ffffff" stroke="{colour}" stroke-width="0.3"/>'


def halo_text(x: float, y: float, text: str, *, size: float, anchor: str = "start", weight: str = "") -> str:
    """Text with a white halo underneath, readable over any fill."""
    common = f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}" text-anchor="{anchor}"' + (
        f' font-weight="{weight}"' if weight else ""
    )
    content = esc(text)
    return (
        f'<text {common} fill="#ffffff" stroke="#ffffff" stroke-width="{num(size * 0.28)}" '
        f'stroke-linejoin="round">{content}</text><text {common} fill="{INK}">{content}</text>'
    )


def text(x: float, y: float, content: str, *, size: float, anchor: str = "start", weight: str = "",
         fill: str = INK, extra: str = "") -> str:  # fmt: skip
    attrs = f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if fill != INK:
        attrs += f' fill="{fill}"'
    return f"<text {attrs}{' ' + extra if extra else ''}>{esc(content)}</text>"


def document(
    *, width_mm: float, height_mm: float, prefix: str, title: str, desc: str, defs: Sequence[str], body: str
) -> str:
    """A standalone SVG: size in mm, a text alternative (``<title>``, ``<desc>``) and ``role="img"``."""
    if not (math.isfinite(width_mm) and math.isfinite(height_mm)) or width_mm <= 0 or height_mm <= 0:
        raise ValueError(f"size must be positive millimetres, not {width_mm} x {height_mm}")
    defs_text = "".join(d for d in defs if d)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width_mm)}mm" height="{num(height_mm)}mm" '
        f'viewBox="0 0 {num(width_mm)} {num(height_mm)}" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-family="{FONT}">'
        f'<title id="{prefix}-title">{esc(title)}</title><desc id="{prefix}-desc">{esc(desc)}</desc>'
        + (f"<defs>{defs_text}</defs>" if defs_text else "")
        + f'<rect width="{num(width_mm)}" height="{num(height_mm)}" fill="#ffffff"/>'
        + body
        + "</svg>"
    )


def wrap(label: str, size: float, max_width: float, max_lines: int = 2) -> list[str]:
    """Greedy word wrap to ``max_width`` mm; the last line is cut with an ellipsis if need be."""
    words = label.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if current and text_width(trial, size) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    last = lines[-1] if lines else ""
    while text_width(last, size) > max_width and len(last) > 2:
        last = last[:-2] + "…"
    return [*lines[:-1], last] if lines else [""]


def nice_step(span: float, target: int = 5) -> float:
    """A 1-2-2.5-5 x 10^k step that cuts ``span`` into about ``target`` parts."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def format_number(value: float) -> str:
    """A count as people write it: 1,234; a fraction to at most one decimal place."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def split_lines(name: str, lines: int) -> list[str]:
    """A name cut into ``lines`` (2 or 3) lines of about equal length, at spaces."""
    words = name.split()
    if len(words) < lines:
        return words or [name]
    best: list[str] = [name]
    best_width = math.inf
    for cuts in _cut_points(len(words), lines):
        rows = [" ".join(words[a:b]) for a, b in zip((0, *cuts), (*cuts, len(words)), strict=True)]
        width = max(len(r) for r in rows)
        if width < best_width:
            best, best_width = rows, width
    return best


def _cut_points(n: int, lines: int) -> list[tuple[int, ...]]:
    if lines == 2:
        return [(i,) for i in range(1, n)]
    return [(i, j) for i in range(1, n) for j in range(i + 1, n)]


def scale_bar_metres(scale: float, max_mm: float) -> float:
    """The longest round length in metres whose bar at ``scale`` (mm per metre) fits in ``max_mm``."""
    for metres in (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10):
        if metres * scale <= max_mm:
            return float(metres)
    return 10.0


def scale_bar(x: float, y: float, metres: float, scale: float) -> str:
    """A two-part black and white bar ``metres`` long, labelled 0 and its length."""
    length = metres * scale
    half = length / 2
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return (
        f'<rect x="{num(x)}" y="{num(y)}" width="{num(half)}" height="1.2" fill="{INK}" '
        f'stroke="{INK}" stroke-width="0.2"/>'
        f'<rect x="{num(x + half)}" y="{num(y)}" width="{num(half)}" height="1.2" fill="#ffffff" '
        f'stroke="{INK}" stroke-width="0.2"/>'
        + text(x, y + 4.0, "0", size=2.3, anchor="middle")
        + text(x + length, y + 4.0, label, size=2.3, anchor="middle")
    )


def north_arrow(x: float, y: float) -> str:
    """An arrow pointing up with N below it; ``x`` is its middle, ``y`` its top."""
    return f'<path d="M{num(x)} {num(y + 1.5)}l2 6.5l-2 -1.6l-2 1.6Z" fill="{INK}"/>' + text(
        x, y + 10.2, "N", size=2.6, anchor="middle", weight="bold"
    )
