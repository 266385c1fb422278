"""``saferhub hotspots`` and ``saferhub concentration`` on the shipped Wirral police.uk sample."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from saferhub.analysis.hotspot_gistar import hotspot_gistar
from saferhub.analysis.points import whole_area
from saferhub.areas import load_areas, to_bng
from saferhub.cli import app
from saferhub.config import PACKAGE_DIR, Settings
from saferhub.services import import_partner_file
from saferhub.store import Event

SAMPLE = PACKAGE_DIR / "sample_data" / "police_uk" / "wirral"


@pytest.fixture
def asb_2019(settings: Settings, engine: Engine) -> pl.DataFrame:
    """The sample's 2019 files imported; returns their ASB rows as read from the files."""
    files = sorted(SAMPLE.glob("2019-*.csv.gz"))
    for path in files:
        import_partner_file(settings=settings, engine=engine, feed="police-uk-street", path=path)
    raw = pl.concat(pl.read_csv(f, infer_schema_length=0) for f in files)
    return raw.filter((pl.col("Crime type") == "Anti-social behaviour") & pl.col("Longitude").is_not_null())


def _run(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_hotspots_command_writes_csv_and_geojson(asb_2019: pl.DataFrame, tmp_path: Path) -> None:
    doc = _run(
        "hotspots", "--category", "anti-social-behaviour", "--from", "2019-01", "--to", "2019-12",
        "--geojson", str(tmp_path / "asb.geojson"), "--csv", str(tmp_path / "asb.csv"),
    )  # fmt: skip
    p = doc["parameters"]
    assert p["events"] == asb_2019.height and p["events_without_location"] == 0
    assert p["cell_size_m"] == 300 and p["period"] == "2019-01-01 to 2019-12-31"
    assert any("Cell size 300 m chosen" in line for line in doc["defaults"])
    cells = pl.read_csv(tmp_path / "asb.csv")
    geo = json.loads((tmp_path / "asb.geojson").read_text(encoding="utf-8"))
    assert cells.height == p["cells"] == len(geo["features"]) and cells["count"].sum() == asb_2019.height
    assert {"cell_id", "ward", "lsoa", "gistar", "p_value", "p_adjusted", "hotspot"} <= set(cells.columns)
    # The store's answer is the verb's on the files' own coordinates over the same area. The
    # store keeps these eastings to the metre (police.uk map points are whole BNG metres), so a
    # point on a cell's edge may fall on the other side: a few in a thousand do.
    lon, lat = (asb_2019[c].cast(pl.Float64).to_numpy() for c in ("Longitude", "Latitude"))
    e, n = to_bng(lon, lat)
    direct = hotspot_gistar(
        pl.DataFrame({"easting": e, "northing": n}), region=whole_area(load_areas()).geometry
    )
    assert direct.cells["cell_id"].to_list() == cells["cell_id"].to_list()
    moved = np.abs(direct.cells["count"].to_numpy() - cells["count"].to_numpy()).sum()
    assert moved / 2 <= 0.005 * asb_2019.height  # each moved event counts in two cells
    assert np.corrcoef(direct.cells["gistar"].to_numpy(), cells["gistar"].to_numpy())[0, 1] > 0.999
    assert doc["top"] and all(row["hotspot"] == "hotspot" for row in doc["top"])
    assert doc["top"][0]["ward"] == "Birkenhead and Tranmere"


def test_hotspots_table_says_its_defaults(asb_2019: pl.DataFrame) -> None:
    result = CliRunner().invoke(
        app, ["hotspots", "--category", "asb", "--from", "2019-01", "--to", "2019-06"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Cell size 300 m chosen" in result.output and "Benjamini–Hochberg" in result.output
    assert "Strongest hotspots" in result.output
    assert "events around: in the cell and the 8 around it." in " ".join(result.output.split())


def test_the_table_says_what_around_means_for_the_neighbourhood_used(asb_2019: pl.DataFrame) -> None:
    for distance, words in (("0", "in the cell alone"), ("700", "in the cell and the 20 around it")):
        result = CliRunner().invoke(
            app,
            ["hotspots", "--category", "asb", "--from", "2019-01", "--to", "2019-12",
             "--neighbour-distance", distance],
            env={"COLUMNS": "200"},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert f"events around: {words}." in " ".join(result.output.split()), result.output


def test_area_and_methods(asb_2019: pl.DataFrame, engine: Engine) -> None:
    areas = load_areas()
    wards = areas.neighbourhoods["Birkenhead"]
    with engine.connect() as conn:
        expected = conn.execute(
            select(Event.id).where(Event.category == "asb", Event.ward_code.in_(wards))
        ).all()
    doc = _run("hotspots", "--category", "asb", "--area", "neighbourhood:Birkenhead", "--method", "count")
    assert doc["parameters"]["events"] == len(expected) < asb_2019.height
    assert doc["parameters"]["area"] == "neighbourhood Birkenhead"
    assert doc["parameters"]["cell_size_m"] < 300  # a smaller area, smaller default cells
    change = _run(
        "hotspots", "--category", "asb", "--method", "change", "--from", "2019-01", "--to", "2019-12",
        "--boundary", "2019-07",
    )  # fmt: skip
    assert change["parameters"]["boundary"] == "2019-07-01 00:00"
    assert any("No events at all in 2019-07" in line for line in change["defaults"])  # police.uk gap
    classes = _run("hotspots", "--category", "asb", "--method", "classify", "--period", "quarter")
    assert classes["parameters"]["period_length"] == "quarter" and classes["parameters"]["periods_used"] == 4
    kde = _run("hotspots", "--category", "asb", "--method", "kde", "--cell-size", "500")
    assert kde["parameters"]["cell_size_m"] == 500 and kde["parameters"]["bandwidth_m"] > 0


def test_hotspots_refuses_what_it_cannot_do(asb_2019: pl.DataFrame) -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["hotspots", "--category", "noise"])
    assert unknown.exit_code == 2 and "the categories are" in unknown.output
    none = runner.invoke(app, ["hotspots", "--category", "deliberate-secondary-fire"])
    assert none.exit_code == 2 and "no deliberate-secondary-fire events" in none.output
    area = runner.invoke(app, ["hotspots", "--category", "asb", "--area", "ward:Atlantis"])
    assert area.exit_code == 2 and "no ward" in area.output
    size = runner.invoke(app, ["hotspots", "--category", "asb", "--cell-size", "0"])
    assert size.exit_code == 2 and "cell size" in size.output


def test_concentration_command(asb_2019: pl.DataFrame, tmp_path: Path) -> None:
    doc = _run("concentration", "--category", "anti-social-behaviour", "--from", "2019-01", "--to", "2019-12",
               "--csv", str(tmp_path / "curve.csv"))  # fmt: skip
    p = doc["parameters"]
    assert p["incidents"] == asb_2019.height and p["unit"] == "cell"
    curve = pl.read_csv(tmp_path / "curve.csv")
    assert curve["incident_share"][-1] == pytest.approx(1.0) and curve["unit_share"][-1] == 1.0
    # ASB is concentrated: half of it in a small share of the cells.
    assert p["share_of_units_with_half"] < 0.1
    shares = [row["share_of_incidents"] for row in doc["summary"]]
    assert shares == sorted(shares)
    located = _run("concentration", "--category", "asb", "--unit", "location")
    distinct = asb_2019.select("Longitude", "Latitude").unique().height
    assert located["parameters"]["units"] == pytest.approx(distinct, rel=0.01)
    places = CliRunner().invoke(app, ["concentration", "--category", "asb", "--unit", "place"])
    assert places.exit_code == 2 and "saferhub link" in places.output
