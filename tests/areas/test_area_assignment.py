"""Placing points in the shipped Wirral area: polygons, edges, the reference set, config."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import shapely

from saferhub.areas import Areas, load_areas
from saferhub.areas.boundaries import AreaFileError
from saferhub.areas.reference import ReferencePoints

DATA = Path(__file__).resolve().parents[2] / "src" / "saferhub" / "areas" / "data" / "wirral"


def _area_file(tmp_path: Path, extra: str = "", name: str = "areas.toml") -> Path:
    """A Wirral area file of our own, naming the shipped boundary files."""
    path = tmp_path / name
    path.write_text(
        f"""name = "Wirral test"
edge_tolerance_m = 250
[lsoa]
file = "{DATA / "lsoa11.geojson"}"
code_field = "LSOA11CD"
name_field = "LSOA11NM"
[ward]
file = "{DATA / "wards.geojson"}"
code_field = "WD25CD"
name_field = "WD25NM"
{extra}""",
        encoding="utf-8",
    )
    return path


def _reference_file(tmp_path: Path, rows: list[tuple[float, float, str]]) -> Path:
    path = tmp_path / "ref.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("easting,northing,lsoa11cd\n")
        fh.writelines(f"{e},{n},{c}\n" for e, n, c in rows)
    return path


def test_every_area_contains_its_own_inner_point(wirral: Areas) -> None:
    lsoa_pts = [a.geometry.representative_point() for a in wirral.lsoas]
    lsoa, _ = wirral.assign(np.array([p.x for p in lsoa_pts]), np.array([p.y for p in lsoa_pts]))
    assert lsoa.tolist() == [a.code for a in wirral.lsoas]
    ward_pts = [a.geometry.representative_point() for a in wirral.wards]
    _, ward = wirral.assign(np.array([p.x for p in ward_pts]), np.array([p.y for p in ward_pts]))
    assert ward.tolist() == [a.code for a in wirral.wards]


def test_missing_and_outside_points_get_none(wirral: Areas) -> None:
    e = np.array([np.nan, 330000.0, np.inf, 0.0, 337000.0, 335000.0])
    n = np.array([388000.0, np.nan, 388000.0, 0.0, 391000.0, 420000.0])
    # NaN, NaN, inf, the grid origin, central Liverpool, Liverpool Bay.
    lsoa, ward = wirral.assign(e, n)
    assert lsoa.tolist() == [None] * 6
    assert ward.tolist() == [None] * 6
    empty = wirral.assign(np.array([]), np.array([]))
    assert [len(x) for x in empty] == [0, 0]


def test_points_just_off_the_coast_get_the_nearest_lsoa(wirral: Areas) -> None:
    land = shapely.union_all([a.geometry for a in wirral.lsoas])
    assert wirral.edge_tolerance_m == 250
    for offshore, expect_found in ((100.0, True), (400.0, False)):
        around = max(shapely.get_parts(land.buffer(offshore)), key=lambda g: g.area)
        ring = np.asarray(around.exterior.coords)
        north = ring[np.argsort(-ring[:, 1])[:20]]  # the north coast, on Liverpool Bay
        dist = shapely.distance(shapely.points(north), land)
        assert np.allclose(dist, offshore, atol=2)
        lsoa, ward = wirral.assign(north[:, 0], north[:, 1])
        if expect_found:
            nearest = wirral.lsoa.tree.query_nearest(shapely.points(north), all_matches=False)[1]
            assert lsoa.tolist() == wirral.lsoa.codes[nearest].tolist()
            assert all(w is not None for w in ward)
        else:
            assert lsoa.tolist() == [None] * len(north)
            assert ward.tolist() == [None] * len(north)


def test_repeated_and_shuffled_points_are_placed_alike(wirral: Areas) -> None:
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = shapely.total_bounds(wirral.lsoa.geometries)
    e, n = rng.uniform(x0, x1, 500), rng.uniform(y0, y1, 500)
    e[::7], n[::7] = np.nan, np.nan
    lsoa, ward = wirral.assign(e, n)
    order = rng.permutation(1500) % 500
    lsoa2, ward2 = wirral.assign(e[order], n[order])
    assert lsoa2.tolist() == lsoa[order].tolist()
    assert ward2.tolist() == ward[order].tolist()
    one_by_one = [wirral.assign(e[i : i + 1], n[i : i + 1])[0][0] for i in range(0, 500, 25)]
    assert one_by_one == lsoa[::25].tolist()


def test_neighbourhoods_cover_every_ward_exactly_once(wirral: Areas) -> None:
    listed = [w for wards in wirral.neighbourhoods.values() for w in wards]
    assert len(wirral.wards) == 22
    assert sorted(listed) == sorted(a.code for a in wirral.wards)
    assert len(set(listed)) == len(listed) == 22
    assert set(wirral.neighbourhood_of_ward()) == {a.code for a in wirral.wards}


def test_shipped_configuration_has_the_reference_set(wirral: Areas) -> None:
    ref = wirral.reference
    assert ref is not None
    assert (ref.band_m, ref.radius_m) == (25.0, 2.0)
    assert len(ref) > 4000
    assert set(ref.codes) <= set(wirral.lsoa.codes)
    assert (DATA / "reference_points.csv.gz").stat().st_size < 300_000


def test_no_reference_table_means_polygons_alone(tmp_path: Path, wirral: Areas) -> None:
    plain = load_areas(_area_file(tmp_path))
    assert plain.reference is None
    ref = wirral.reference
    assert ref is not None
    lsoa, _ = plain.assign(ref.easting, ref.northing)
    assert lsoa.tolist() == wirral.assign_lsoa(ref.easting, ref.northing, reference=None).tolist()


def _boundary_case(wirral: Areas) -> tuple[float, float, str, str, str]:
    """A point inside one LSOA, 3-10 m from a neighbour, and a far-away third LSOA."""
    geoms = wirral.lsoa.geometries
    inside = geoms[0]
    x0, y0, x1, y1 = inside.bounds
    gx, gy = (a.ravel() for a in np.meshgrid(np.arange(x0, x1, 5.0), np.arange(y0, y1, 5.0)))
    grid = shapely.points(gx, gy)
    grid = grid[shapely.contains(inside, grid)]
    edge = shapely.distance(grid, inside.boundary)
    for j in np.flatnonzero(shapely.intersects(geoms, inside)):
        if j == 0:
            continue
        near = (shapely.distance(grid, geoms[j]) < 10) & (edge > 3)
        if near.any():
            p = grid[np.flatnonzero(near)[0]]
            far = int(np.argmax(shapely.distance(geoms, p)))
            return p.x, p.y, wirral.lsoa.codes[0], wirral.lsoa.codes[j], wirral.lsoa.codes[far]
    raise AssertionError("no LSOA next to the first one")


def test_reference_point_decides_only_near_a_boundary(tmp_path: Path, wirral: Areas) -> None:
    x, y, own, neighbour, far = _boundary_case(wirral)
    deep = wirral.lsoa.geometries[0]
    deep_pt = max((deep.representative_point(), deep.centroid), key=lambda p: deep.boundary.distance(p))
    assert deep.boundary.distance(deep_pt) > 25
    ref = _reference_file(
        tmp_path,
        [
            (x, y, neighbour),  # near the boundary: decides
            (deep_pt.x, deep_pt.y, neighbour),  # deep inside: the polygon stands
            (x + 300.0, y + 300.0, "E09999999"),  # an LSOA the area does not have
        ],
    )
    toml = _area_file(tmp_path, f'[reference_points]\nfile = "{ref}"\nband_m = 25\nradius_m = 2\n')
    areas = load_areas(toml)
    e = np.array([x, x + 1.0, x + 10.0, deep_pt.x, x + 300.0])
    n = np.array([y, y, y, deep_pt.y, y + 300.0])
    lsoa, ward = areas.assign(e, n)
    polygons = areas.assign_lsoa(e, n, reference=None)
    assert polygons[0] == polygons[1] == own
    assert lsoa[0] == lsoa[1] == neighbour  # the reference point, and 1 m from it
    assert lsoa[2] == polygons[2]  # 10 m away: beyond radius_m
    assert lsoa[3] == own  # deep inside its LSOA
    assert lsoa[4] == polygons[4]  # unknown code: ignored
    assert ward.tolist() == wirral.assign(e, n)[1].tolist()  # wards stay by polygon

    # An implausible LSOA (its polygon far away) does not decide either.
    ref2 = _reference_file(tmp_path, [(x, y, far)])
    toml2 = _area_file(
        tmp_path, f'[reference_points]\nfile = "{ref2}"\nband_m = 25\nradius_m = 2\n', "b.toml"
    )
    assert load_areas(toml2).assign(np.array([x]), np.array([y]))[0].tolist() == [own]


def test_nearest_reference_decides_and_ties_stand_down() -> None:
    ref = ReferencePoints(
        easting=np.array([0.0, 4.0, 100.0, 104.0, 200.0]),
        northing=np.zeros(5),
        codes=np.array(["A", "B", "A", "B", "C"], dtype=object),
        band_m=25,
        radius_m=3,
    )
    e = np.array([1.0, 3.5, 102.0, 150.0, np.nan, 200.0])
    n = np.zeros(6)
    assert ref.nearest_code(e, n).tolist() == ["A", "B", None, None, None, "C"]
    # Leave-one-out: point 5 sits on reference 4, which it may not use.
    exclude = np.array([-1, -1, -1, -1, -1, 4])
    assert ref.nearest_code(e, n, exclude).tolist() == ["A", "B", None, None, None, None]
    with pytest.raises(ValueError):
        ref.with_settings(radius_m=0)


@pytest.mark.parametrize(
    "table",
    [
        '[reference_points]\nfile = "reference_points.csv.gz"\nband_m = 25\n',
        '[reference_points]\nfile = "reference_points.csv.gz"\nband_m = 25\nradius_m = -1\n',
        '[reference_points]\nfile = "nowhere.csv.gz"\nband_m = 25\nradius_m = 2\n',
    ],
)
def test_unusable_reference_table_is_an_area_file_error(tmp_path: Path, table: str) -> None:
    (tmp_path / "reference_points.csv.gz").write_bytes((DATA / "reference_points.csv.gz").read_bytes())
    with pytest.raises(AreaFileError):
        load_areas(_area_file(tmp_path, table))


def test_a_setting_under_the_wrong_table_is_refused(tmp_path: Path) -> None:
    # In TOML a key written after [population] belongs to it: the shipped file once
    # lost its edge tolerance that way, silently.
    (tmp_path / "pop.csv").write_text("lsoa11cd,all_residents\n", encoding="utf-8")
    toml = _area_file(tmp_path, '[population]\nfile = "pop.csv"\nedge_tolerance_m = 250\n')
    text = toml.read_text(encoding="utf-8").replace("edge_tolerance_m = 250\n[lsoa]", "[lsoa]", 1)
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(AreaFileError, match=r"population\.edge_tolerance_m"):
        load_areas(toml)
