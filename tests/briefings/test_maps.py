"""The briefing map: valid SVG, honest legend and text alternative, true scale, greyscale-safe.

Cells and points are placed at known spots in known wards (the wards' poles of
inaccessibility, far from any boundary), so the counts the map must report are known.
WeasyPrint, which draws the PDFs, must render the map without complaint.
"""

from __future__ import annotations

import itertools
import logging
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.ops import polylabel

from saferhub.areas import Areas, load_areas
from saferhub.briefings.maps import CELL_STYLES, area_map_svg
from saferhub.briefings.svg import Fill, text_width

WIRRAL_TOML = (
    Path(__file__).resolve().parents[2] / "src" / "saferhub" / "areas" / "data" / "wirral" / "areas.toml"
)
SVG = "{http://www.w3.org/2000/svg}"
CELL = 100.0
#: Class -> the wards (codes) that get one cell of that class.
TRUTH = {
    "persistent hotspot": ["E05000956", "E05000972", "E05000965"],  # Birkenhead & T., Seacombe, Liscard
    "emerging hotspot": ["E05000970", "E05000958"],  # Prenton, Clatterbridge
    "intermittent hotspot": ["E05000968"],  # Oxton
    "former hotspot": ["E05000962", "E05000955"],  # Heswall, Bidston & St James
}
BIRKENHEAD = ["E05000955", "E05000956", "E05000959", "E05000968", "E05000970", "E05000971"]


@pytest.fixture(scope="module")
def areas() -> Areas:
    return load_areas(WIRRAL_TOML)


def centre(areas: Areas, code: str) -> tuple[float, float]:
    geom = next(a.geometry for a in areas.wards if a.code == code)
    part = max(shapely.get_parts(geom), key=lambda p: p.area)
    point = polylabel(part, tolerance=5.0)
    assert shapely.distance(point, part.boundary) > 3 * CELL  # a cell there stays inside the ward
    return point.x, point.y


@pytest.fixture(scope="module")
def cells(areas: Areas) -> pl.DataFrame:
    rows = [(*centre(areas, code), cls) for cls, codes in TRUTH.items() for code in codes]
    x, y = centre(areas, "E05000973")  # Upton: cells that say "nothing here"
    rows += [(x + i * CELL, y, "no pattern") for i in range(3)]
    rows.append((300000.0, 400000.0, "persistent hotspot"))  # far out at sea: not on the map
    return pl.DataFrame(rows, schema=["easting", "northing", "classification"], orient="row")


@pytest.fixture(scope="module")
def points(areas: Areas) -> pl.DataFrame:
    """12 ASB and 3 fires in Oxton (in Birkenhead), 5 ASB in Heswall (not in Birkenhead)."""
    ox, oy = centre(areas, "E05000968")
    hx, hy = centre(areas, "E05000962")
    rows = [(ox + 20 * i, oy, "ASB") for i in range(6)] * 2  # 6 locations, 2 events each
    rows += [(ox, oy + 30 * i, "Fire") for i in range(1, 4)]
    rows += [(hx + 20 * i, hy, "ASB") for i in range(5)]
    rows.append((float("nan"), oy, "ASB"))  # no location: left out
    return pl.DataFrame(rows, schema=["easting", "northing", "kind"], orient="row")


@pytest.fixture(scope="module")
def wirral_map(areas: Areas, cells: pl.DataFrame, points: pl.DataFrame) -> str:
    return area_map_svg(areas=areas, title="ASB hotspots, Wirral", cells=cells, cell_size=CELL, points=points)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def desc(root: ET.Element) -> str:
    node = root.find(f"{SVG}desc")
    assert node is not None and node.text
    return node.text


def path_points(d: str) -> list[tuple[float, float]]:
    """Every point a path passes through (M L H V Z and relative m l h v a), absolute."""
    tokens = re.findall(r"[MLHVZmlhvaz]|-?\d+(?:\.\d+)?(?:e-?\d+)?", d)
    pts: list[tuple[float, float]] = []
    x = y = sx = sy = 0.0
    cmd = ""
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            if cmd in "Zz":
                x, y = sx, sy
                continue
        take = {"M": 2, "L": 2, "m": 2, "l": 2, "H": 1, "V": 1, "h": 1, "v": 1, "a": 7}[cmd]
        args = [float(t) for t in tokens[i : i + take]]
        i += take
        if cmd in "ML":
            x, y = args
        elif cmd in "ml":
            x, y = x + args[0], y + args[1]
        elif cmd == "H":
            x = args[0]
        elif cmd == "V":
            y = args[0]
        elif cmd == "h":
            x += args[0]
        elif cmd == "v":
            y += args[0]
        else:
            x, y = x + args[5], y + args[6]
        if cmd in "Mm":
            sx, sy = x, y
            cmd = "L" if cmd == "M" else "l"  # further pairs are line-tos
        pts.append((x, y))
    return pts


def legend(root: ET.Element) -> list[tuple[str, ET.Element]]:
    """(label, swatch rect) of each legend row with a filled swatch: a group, then its label."""
    children = list(root)
    rows = []
    for group, label in itertools.pairwise(children):
        rect = group.find(f"{SVG}rect")
        if group.tag == f"{SVG}g" and label.tag == f"{SVG}text" and rect is not None:
            rows.append(("".join(label.itertext()), rect))
    return rows


def positions(root: ET.Element) -> list[tuple[str, float, float]]:
    """(tag, x, y) of every drawn point, with translate() of enclosing groups applied."""
    out: list[tuple[str, float, float]] = []

    def walk(node: ET.Element, dx: float, dy: float) -> None:
        m = re.search(r"translate\(([-\d.]+)[ ,]+([-\d.]+)\)", node.get("transform", ""))
        if m:
            dx, dy = dx + float(m.group(1)), dy + float(m.group(2))
        tag = node.tag.replace(SVG, "")
        if tag == "path":
            out.extend((tag, dx + a, dy + b) for a, b in path_points(node.get("d", "")))
        elif tag in ("rect", "text"):
            x, y = float(node.get("x", 0)), float(node.get("y", 0))
            out.append((tag, dx + x, dy + y))
            if tag == "rect":
                out.append((tag, dx + x + float(node.get("width", 0)), dy + y + float(node.get("height", 0))))
        elif tag == "circle":
            out.append((tag, dx + float(node.get("cx", 0)), dy + float(node.get("cy", 0))))
        if tag not in ("defs", "pattern"):
            for child in node:
                walk(child, dx, dy)

    walk(root, 0.0, 0.0)
    return out


def test_map_is_svg_with_a_text_alternative(wirral_map: str) -> None:
    root = parse(wirral_map)
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby", "").split()
    assert len(ids) == 2
    title = root.find(f"{SVG}title")
    description = root.find(f"{SVG}desc")
    assert title is not None and description is not None
    assert [title.get("id"), description.get("id")] == ids
    assert title.text == "ASB hotspots, Wirral"
    assert root.get("width") == "180mm" and root.get("viewBox") == "0 0 180 130"
    assert "<script" not in wirral_map and "<image" not in wirral_map and "@font-face" not in wirral_map


def test_text_alternative_states_the_counts(wirral_map: str) -> None:
    text = desc(parse(wirral_map))
    assert "all 22 wards of Wirral" in text
    for cls, codes in TRUTH.items():
        assert f"{CELL_STYLES[cls][0]}: {len(codes)}" in text  # the far-off cell is not counted
    assert "Hotspot grid cells shown (8)" in text
    assert "no pattern" not in text.lower()
    # 17 ASB events at 11 locations (Oxton's 12 at 6, Heswall's 5), 3 fires; the unlocated one is left out
    assert "ASB: 17 at 11 locations." in text
    assert "Fire: 3 at 3 locations." in text
    assert re.search(r"Scale bar \d+(\.\d+)? k?m; north is up\.", text)


def test_legend_names_every_class_and_kind_drawn(wirral_map: str) -> None:
    labels = texts(parse(wirral_map))
    for cls in TRUTH:
        assert CELL_STYLES[cls][0] in labels
    assert {"ASB", "Fire", "Ward boundary", "N", "0"} <= set(labels)
    assert not any("No pattern" in t or "no pattern" in t for t in labels)
    assert any(re.fullmatch(r"\d+(\.\d+)? k?m", t) for t in labels)  # the scale bar's length


def test_everything_lies_inside_the_viewbox(wirral_map: str) -> None:
    root = parse(wirral_map)
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    points = positions(root)
    assert len(points) > 1000
    outside = [p for p in points if not (-0.01 <= p[1] <= width + 0.01 and -0.01 <= p[2] <= height + 0.01)]
    assert outside == []


def test_scale_is_true_on_both_axes_and_matches_the_scale_bar(areas: Areas, wirral_map: str) -> None:
    root = parse(wirral_map)
    outline = next(
        p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#4d4d4d" and p.get("fill") == "none"
    )
    xy = np.array(path_points(outline.get("d", "")))
    x0, y0, x1, y1 = shapely.bounds(shapely.union_all([a.geometry for a in areas.wards]))
    mm_per_m_x = (xy[:, 0].max() - xy[:, 0].min()) / (x1 - x0)
    mm_per_m_y = (xy[:, 1].max() - xy[:, 1].min()) / (y1 - y0)
    assert mm_per_m_x == pytest.approx(mm_per_m_y, rel=0.01)  # simplification moves edges by < 20 m
    bar = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "1.2"]
    assert len(bar) == 2
    bar_mm = sum(float(r.get("width", 0)) for r in bar)
    label = next(t for t in texts(root) if re.fullmatch(r"\d+(\.\d+)? k?m", t))
    metres = float(label.split()[0]) * (1000 if label.endswith("km") else 1)
    assert bar_mm / metres == pytest.approx(mm_per_m_x, rel=0.01)


def test_classes_differ_by_pattern_and_lightness_not_hue(wirral_map: str) -> None:
    root = parse(wirral_map)
    patterns = {p.get("id"): ET.tostring(p, encoding="unicode") for p in root.iter(f"{SVG}pattern")}
    swatches = dict(legend(root))
    fills = {cls: (swatches[CELL_STYLES[cls][0]].get("fill"), swatches[CELL_STYLES[cls][0]].get("stroke"))
             for cls in TRUTH}  # fmt: skip
    assert len(set(fills.values())) == len(TRUTH)
    used = [f[0][5:-1] for f in fills.values() if f[0] and f[0].startswith("url(#")]
    assert len(used) == len(set(used)) == 2  # emerging: hatch, intermittent: dots
    assert all(u in patterns for u in used)
    bodies = {re.sub(r'id="[^"]*"', "", patterns[u]) for u in used}
    assert len(bodies) == len(used)  # different drawings, not just different names
    # persistent is solid and dark, former an outline only
    assert fills["persistent hotspot"][0] == CELL_STYLES["persistent hotspot"][1].ink
    assert fills["former hotspot"][0] == "none"


def test_every_style_family_is_told_apart_in_greyscale() -> None:
    """hotspot_classify's classes all differ in pattern; hot and cold also differ in lightness."""
    classify = [c for c in CELL_STYLES if c not in ("hotspot", "coldspot")]
    kinds = [CELL_STYLES[c][1].kind for c in classify]
    assert len(set(kinds)) == len(kinds)
    gistar = [CELL_STYLES["hotspot"][1], CELL_STYLES["coldspot"][1]]
    assert gistar[0].kind != gistar[1].kind
    assert abs(gistar[0].lightness() - gistar[1].lightness()) > 0.3
    persistent = CELL_STYLES["persistent hotspot"][1].lightness()
    assert all(persistent < CELL_STYLES[c][1].lightness() for c in classify if c != "persistent hotspot")
    assert Fill("solid", "#000000").lightness() == 0 and Fill("outline", "#000000").lightness() == 1


def test_neighbourhood_map_shows_only_its_wards(
    areas: Areas, cells: pl.DataFrame, points: pl.DataFrame
) -> None:
    svg = area_map_svg(
        areas=areas, wards=BIRKENHEAD, title="Birkenhead", cells=cells, cell_size=CELL, points=points,
        width_mm=150, height_mm=120,
    )  # fmt: skip
    root = parse(svg)
    text = desc(root)
    names = {a.code: a.name for a in areas.wards}
    assert f"6 wards: {', '.join(names[c] for c in BIRKENHEAD)}." in text
    inside = {cls: sum(c in BIRKENHEAD for c in codes) for cls, codes in TRUTH.items()}
    assert inside == {"persistent hotspot": 1, "emerging hotspot": 1, "intermittent hotspot": 1,
                      "former hotspot": 1}  # fmt: skip
    for cls, n in inside.items():
        assert f"{CELL_STYLES[cls][0]}: {n}" in text
    assert "ASB: 12 at 6 locations." in text  # Heswall's five are not in Birkenhead
    assert "Other Wirral wards" in texts(root)
    # ward names label the map where they fit: Birkenhead's wards are big enough at this size
    labelled = " ".join(texts(root))
    assert sum(names[c].split()[0] in labelled for c in BIRKENHEAD) >= 4
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert all(0 <= x <= width and 0 <= y <= height for _, x, y in positions(root))


def test_numeric_values_are_shaded_in_ordered_classes(areas: Areas) -> None:
    x, y = centre(areas, "E05000958")  # Clatterbridge, the largest ward
    frame = pl.DataFrame(
        {"x_min": [x + i * CELL for i in range(10)], "y_min": [y] * 10,
         "x_max": [x + (i + 1) * CELL for i in range(10)], "y_max": [y + CELL] * 10,
         "count": list(range(1, 11))}
    )  # fmt: skip
    svg = area_map_svg(areas=areas, title="Counts", cells=frame, class_column="count")
    root = parse(svg)
    shown = re.search(r"shown \((\d+)\): (.*?)\.", desc(root))
    assert shown is not None and shown.group(1) == "10"
    entries = dict(e.split(": ") for e in shown.group(2).split("; "))
    assert sum(int(v) for v in entries.values()) == 10
    swatches = legend(root)[: len(entries)]
    assert [label for label, _ in swatches] == list(entries)
    assert swatches[0][0].startswith("1") and swatches[-1][0].endswith("10")
    lum = [Fill("solid", str(rect.get("fill"))).lightness() for _, rect in swatches]
    assert lum == sorted(lum, reverse=True) and len(set(lum)) == len(lum)  # darker for more


def test_the_whole_area_map_stays_small(areas: Areas) -> None:
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = shapely.bounds(shapely.union_all([a.geometry for a in areas.wards]))
    cols = np.arange(x0, x1, 200.0)
    rows = np.arange(y0, y1, 200.0)
    e, n = (a.ravel() for a in np.meshgrid(cols, rows))
    classes = rng.choice(list(TRUTH), size=e.size)
    cells = pl.DataFrame({"easting": e, "northing": n, "classification": classes})
    points = pl.DataFrame({"easting": rng.uniform(x0, x1, 3000), "northing": rng.uniform(y0, y1, 3000)})
    svg = area_map_svg(areas=areas, title="Busy", cells=cells, cell_size=200, points=points)
    parse(svg)
    assert len(svg.encode()) < 300_000


def test_bad_input_is_refused_with_a_reason(areas: Areas, cells: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown ward codes"):
        area_map_svg(areas=areas, title="x", wards=["E05999999"])
    with pytest.raises(ValueError, match="cell_size"):
        area_map_svg(areas=areas, title="x", cells=cells)
    with pytest.raises(ValueError, match="no column"):
        area_map_svg(areas=areas, title="x", cells=cells, cell_size=CELL, class_column="gistar")
    with pytest.raises(ValueError, match="title"):
        area_map_svg(areas=areas, title=" ")
    with pytest.raises(TypeError):
        area_map_svg(areas=areas, title="x", wards="E05000968")


def test_ids_differ_between_maps_on_one_page(areas: Areas, cells: pl.DataFrame) -> None:
    a = area_map_svg(areas=areas, title="One", cells=cells, cell_size=CELL)
    b = area_map_svg(areas=areas, title="Two", cells=cells, cell_size=CELL)
    c = area_map_svg(areas=areas, title="One", cells=cells, cell_size=CELL, id_prefix="daily-map")
    ids = [set(re.findall(r'id="([^"]+)"', s)) for s in (a, b, c)]
    assert ids[0] and not ids[0] & ids[1] and not ids[0] & ids[2]
    assert all(i.startswith("daily-map") for i in ids[2])


def render_pdf(svgs: list[str], caplog: pytest.LogCaptureFixture, style: str = "") -> bytes:
    """The SVGs inline in one HTML page, through WeasyPrint; fails on any warning it logs."""
    weasyprint = pytest.importorskip("weasyprint")
    html = f"<html><head>{style}</head><body>" + "".join(f"<div>{s}</div>" for s in svgs) + "</body></html>"
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    # Missing HarfBuzz-Subset on the machine is about font embedding, not our drawing.
    problems = [r.getMessage() for r in caplog.records if "HarfBuzz-Subset" not in r.getMessage()]
    assert problems == []
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    return pdf


def test_weasyprint_renders_the_maps(
    areas: Areas, wirral_map: str, cells: pl.DataFrame, points: pl.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    local = area_map_svg(areas=areas, wards=BIRKENHEAD, title="Birkenhead", cells=cells, cell_size=CELL,
                         points=points, width_mm=150, height_mm=110)  # fmt: skip
    pdf = render_pdf([wirral_map, local], caplog)
    assert b"/PatternType" in pdf  # the hatch and dot fills survived as PDF patterns


def test_printed_in_greyscale_the_classes_keep_their_order_of_darkness(
    areas: Areas, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Through WeasyPrint and a greyscale rasteriser: persistent darkest, former (an outline) lightest."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    image = pytest.importorskip("PIL.Image")
    order = {"persistent hotspot": "E05000958", "emerging hotspot": "E05000962",
             "intermittent hotspot": "E05000969", "former hotspot": "E05000960"}  # fmt: skip
    big = 800.0
    frame = pl.DataFrame(
        [(*centre(areas, code), cls) for cls, code in order.items()],
        schema=["easting", "northing", "classification"], orient="row",
    )  # fmt: skip
    svg = area_map_svg(areas=areas, title="Grey", cells=frame, cell_size=big, label_wards=False)
    root = parse(svg)
    page = "<style>@page{size:180mm 130mm;margin:0} body{margin:0} svg{display:block}</style>"
    pdf = render_pdf([svg], caplog, style=page)
    (tmp_path / "map.pdf").write_bytes(pdf)
    dpi = 200
    subprocess.run(["pdftoppm", "-gray", "-png", "-r", str(dpi), "-singlefile", str(tmp_path / "map.pdf"),
                    str(tmp_path / "map")], check=True)  # fmt: skip
    grey = np.asarray(image.open(tmp_path / "map.png"), dtype=float)
    darkness = {}
    for cls in order:
        label = CELL_STYLES[cls][0]
        fill = dict(legend(root))[label].get("fill")
        path = next(p for p in root.iter(f"{SVG}path") if (p.get("fill") == fill and "fill-rule" in p.attrib)
                    or (fill == "none" and p.get("stroke") == CELL_STYLES[cls][1].ink))  # fmt: skip
        xy = np.array(path_points(path.get("d", ""))) * dpi / 25.4
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        w, h = x1 - x0, y1 - y0
        assert w > 20 and h > 20  # the cell is drawn, and big enough to sample
        inner = grey[int(y0 + h / 4) : int(y1 - h / 4), int(x0 + w / 4) : int(x1 - w / 4)]
        darkness[cls] = 255 - inner.mean()
    values = [darkness[c] for c in order]
    assert values == sorted(values, reverse=True), darkness
    assert values[0] > 180 and values[-1] < 10  # persistent nearly black; former's inside left white
    assert min(a - b for a, b in itertools.pairwise(values)) > 15  # each step visible in print


def test_a_crowded_legend_still_fits_the_drawing(areas: Areas) -> None:
    """Every class and six kinds of point on a small map: nothing is placed outside the SVG."""
    codes = [a.code for a in areas.wards]
    rows = [(*centre(areas, codes[i]), cls) for i, cls in enumerate(CELL_STYLES)]
    cells = pl.DataFrame(rows, schema=["easting", "northing", "classification"], orient="row")
    x, y = centre(areas, "E05000958")
    kinds = [
        "ASB reports",
        "Deliberate secondary fires",
        "Criminal damage",
        "Calls about noise",
        "Drugs",
        "Other",
    ]
    points = pl.DataFrame({"easting": [x + 30.0 * i for i in range(6)], "northing": [y] * 6, "kind": kinds})
    for width, height in ((120.0, 90.0), (180.0, 70.0), (90.0, 140.0)):
        svg = area_map_svg(areas=areas, title="Crowded", cells=cells, cell_size=CELL, points=points,
                           width_mm=width, height_mm=height)  # fmt: skip
        root = parse(svg)
        shown = texts(root)
        for label in [*(CELL_STYLES[c][0] for c in CELL_STYLES), *kinds, "Ward boundary"]:
            # every row is there; a label too long for its column is cut short with an ellipsis
            assert label in shown or any(t.endswith("…") and label.startswith(t[:-1]) for t in shown), label
        for tag, px, py in positions(root):
            assert 0 <= px <= width and 0 <= py <= height, (tag, px, py, width, height)
        for node in root.iter(f"{SVG}text"):
            end = float(node.get("x", 0)) + (
                0 if node.get("text-anchor") else text_width(node.text or "", 2.6)
            )
            assert end <= width + 0.5, (node.text, end, width)
