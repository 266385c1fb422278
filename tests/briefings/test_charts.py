"""Trend charts and sparklines: valid SVG, the numbers in the text alternative, true bar heights,
series told apart without colour, missing values shown as gaps, and WeasyPrint renders them."""

from __future__ import annotations

import itertools
import logging
import re
import xml.etree.ElementTree as ET

import pytest

from saferhub.briefings.charts import BAR_FILLS, LINE_STYLES, sparkline_svg, trend_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
PERIODS = ["w/c 1 Sep", "w/c 8 Sep", "w/c 15 Sep", "w/c 22 Sep"]
SERIES: list[tuple[str, list[float | None]]] = [
    ("ASB", [120, 98, None, 140]),
    ("Deliberate fires", [12, 20, 15, 0]),
    ("Criminal damage", [40, 45, 38, 61]),
]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    ids = root.get("aria-labelledby", "").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None and [title.get("id"), desc.get("id")] == ids
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def desc(root: ET.Element) -> str:
    node = root.find(f"{SVG}desc")
    assert node is not None and node.text
    return node.text


def numbers(d: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]


def absolute_points(root: ET.Element) -> list[tuple[float, float]]:
    """Points given absolutely: rect corners, text and circle anchors, path M/L pairs, polyline points."""
    pts: list[tuple[float, float]] = []
    defs = root.find(f"{SVG}defs")
    inside_defs = set() if defs is None else set(defs.iter())
    for node in root.iter():
        tag = node.tag.replace(SVG, "")
        if node in inside_defs:  # pattern tiles have their own coordinates
            continue
        if tag == "rect" and node.get("x") is not None:
            x, y = float(node.get("x", 0)), float(node.get("y", 0))
            pts += [(x, y), (x + float(node.get("width", 0)), y + float(node.get("height", 0)))]
        elif tag == "text" and "transform" not in node.attrib:
            pts.append((float(node.get("x", 0)), float(node.get("y", 0))))
        elif tag == "circle" and node.get("cx") is not None:
            pts.append((float(node.get("cx", 0)), float(node.get("cy", 0))))
        elif tag == "polyline":
            v = numbers(node.get("points", ""))
            pts += list(zip(v[::2], v[1::2], strict=True))
        elif tag == "path":
            for _, args in re.findall(r"([ML])([-\d. ]+)", node.get("d", "")):
                v = numbers(args)
                pts += list(zip(v[::2], v[1::2], strict=True))
    return pts


def within_viewbox(root: ET.Element) -> None:
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    pts = absolute_points(root)
    assert pts
    assert [p for p in pts if not (0 <= p[0] <= width and 0 <= p[1] <= height)] == []


def test_line_chart_lists_every_number_and_gap() -> None:
    svg = trend_chart_svg(
        series=SERIES, periods=PERIODS, title="Last 4 weeks, Birkenhead", y_label="Incidents"
    )
    root = parse(svg)
    text = desc(root)
    assert text.startswith("Line chart of Incidents, 4 periods (w/c 1 Sep to w/c 22 Sep).")
    assert "ASB — w/c 1 Sep: 120, w/c 8 Sep: 98, w/c 15 Sep: no data, w/c 22 Sep: 140." in text
    assert "Deliberate fires — w/c 1 Sep: 12, w/c 8 Sep: 20, w/c 15 Sep: 15, w/c 22 Sep: 0." in text
    labels = texts(root)
    assert {"ASB", "Deliberate fires", "Criminal damage", *PERIODS, "Incidents"} <= set(labels)
    assert "No data (not zero): ASB in w/c 15 Sep." in labels
    assert {"120", "98", "140", "61"} <= set(labels)  # values are written on the chart
    within_viewbox(root)


def test_line_series_differ_by_dash_and_marker() -> None:
    root = parse(trend_chart_svg(series=SERIES, periods=PERIODS, title="t", y_label="y"))
    lines = [p for p in root.iter(f"{SVG}path") if p.get("fill") == "none" and p.get("stroke-width") == "0.5"]
    dashes = {p.get("stroke"): p.get("stroke-dasharray", "") for p in lines}
    assert len(dashes) == 3 and len(set(dashes.values())) == 3
    assert len({shape for _, shape, _ in LINE_STYLES[:3]}) == 3


def test_a_missing_value_breaks_the_line() -> None:
    root = parse(trend_chart_svg(series=SERIES[:1], periods=PERIODS, title="t", y_label="y"))
    lines = [p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == "0.5" and p.get("fill") == "none"]
    # the legend swatch, and one line for the two values before the gap: the value after it stands alone
    drawn = [numbers(p.get("d", "")) for p in lines]
    assert sum(len(d) == 4 and d[1] != d[3] for d in drawn) == 1
    assert not any(len(d) > 4 for d in drawn)


def test_bar_heights_are_proportional_to_values() -> None:
    series: list[tuple[str, list[float | None]]] = [("ASB", [10, 30, None, 0]), ("Fires", [5, 20, 15, 40])]
    root = parse(
        trend_chart_svg(series=series, periods=PERIODS, title="Bars", y_label="Incidents", kind="bar")
    )
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("x") is not None and r.get("width") != "6"
            and float(r.get("height", 0)) > 0 and r.get("fill") != "#ffffff"]  # fmt: skip
    heights = sorted(float(r.get("height", 0)) for r in bars)
    values = sorted(v for _, vals in series for v in vals if v)
    assert len(heights) == len(values) == 6  # no bar for None, none of height 0
    per_unit = heights[-1] / values[-1]
    assert heights == pytest.approx([v * per_unit for v in values], abs=0.02)
    assert "0" in texts(root)  # a zero is written, not left blank
    assert "No data (not zero): ASB in w/c 15 Sep." in texts(root)
    within_viewbox(root)


def test_bar_series_differ_by_pattern_and_lightness() -> None:
    series = [(f"S{i}", [i + 1.0, 2.0]) for i in range(len(BAR_FILLS))]
    root = parse(trend_chart_svg(series=series, periods=["a", "b"], title="t", y_label="y", kind="bar"))
    swatches = [r for r in root.iter(f"{SVG}rect") if r.get("width") == "6"]
    fills = [(r.get("fill"), r.get("stroke")) for r in swatches]
    assert len(set(fills)) == len(BAR_FILLS)
    pattern_ids = [f[5:-1] for f, _ in fills if f and f.startswith("url(#")]
    defined = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    assert len(pattern_ids) == len(set(pattern_ids)) and set(pattern_ids) <= defined
    # two solid fills must differ clearly in lightness, not only in hue
    solids = [f for f in BAR_FILLS if f.kind == "solid"]
    assert abs(solids[0].lightness() - solids[1].lightness()) > 0.3


def test_axis_reaches_the_largest_value_with_round_ticks() -> None:
    root = parse(
        trend_chart_svg(series=[("x", [3, 7, 141])], periods=["a", "b", "c"], title="t", y_label="y")
    )
    ticks = [
        int(t.replace(",", ""))
        for t in texts(root)
        if re.fullmatch(r"[\d,]+", t) and t not in ("3", "7", "141")
    ]
    assert ticks[0] == 0 and ticks[-1] >= 141 and len(ticks) >= 3
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and steps.pop() in (10, 20, 25, 50, 100)


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="3 values for 4 periods"):
        trend_chart_svg(series=[("x", [1, 2, 3])], periods=PERIODS, title="t", y_label="y")
    with pytest.raises(ValueError, match="at least one series"):
        trend_chart_svg(series=[], periods=PERIODS, title="t", y_label="y")
    with pytest.raises(ValueError, match="not finite"):
        trend_chart_svg(series=[("x", [1, float("nan"), 3, 4])], periods=PERIODS, title="t", y_label="y")
    with pytest.raises(ValueError, match="kind"):
        trend_chart_svg(series=SERIES, periods=PERIODS, title="t", y_label="y", kind="pie")  # type: ignore[arg-type]


def test_sparkline_is_zero_based_with_the_values_in_its_description() -> None:
    root = parse(sparkline_svg([5, 5, 5], label="ASB, last 3 weeks"))
    assert desc(root) == "ASB, last 3 weeks: 5, 5, 5 (latest 5)."
    assert root.get("width") == "18mm" and root.get("height") == "5mm"
    line = next(root.iter(f"{SVG}polyline"))
    ys = numbers(line.get("points", ""))[1::2]
    assert len(set(ys)) == 1 and ys[0] < 1.0  # a flat series sits at the top (its maximum), not mid-way
    within_viewbox(root)
    gap = parse(sparkline_svg([1, None, 0, 2], label="Fires"))
    assert desc(gap) == "Fires: 1, no data, 0, 2 (latest 2)."
    assert len(list(gap.iter(f"{SVG}polyline"))) == 1  # 0 -> 2; the lone 1 is a dot
    assert len(list(gap.iter(f"{SVG}circle"))) == 2


def test_weasyprint_renders_the_charts(caplog: pytest.LogCaptureFixture) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    svgs = [
        trend_chart_svg(series=SERIES, periods=PERIODS, title="Lines", y_label="Incidents"),
        trend_chart_svg(series=SERIES, periods=PERIODS, title="Bars", y_label="Incidents", kind="bar"),
        sparkline_svg([3, 5, None, 8], label="ASB"),
    ]
    html = "<html><body>" + "".join(f"<p>{s}</p>" for s in svgs) + "</body></html>"
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    # Missing HarfBuzz-Subset on the machine is about font embedding, not our drawing.
    assert [r.getMessage() for r in caplog.records if "HarfBuzz-Subset" not in r.getMessage()] == []
    assert pdf.startswith(b"%PDF") and b"/PatternType" in pdf
