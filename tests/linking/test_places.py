"""Places in the store: resolution, stable ids, points, homes, the export and synthetic truth."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import typer
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from feeds.helpers import run_import, write_csv
from saferhub.areas import to_wgs84
from saferhub.cli_places import register
from saferhub.config import Settings
from saferhub.linking.places import export_places, resolve_places
from saferhub.store.place_models import EventPlace, MentionPlace, Place, PlaceKey

CALLS = ["agency", "source_id", "received_at", "location_address", "location_postcode", "easting",
         "northing", "latitude", "longitude", "caller_first_name", "caller_last_name",
         "caller_address", "caller_postcode"]  # fmt: skip
E0, N0 = 331_000.0, 389_000.0  # Birkenhead, in British National Grid metres


def calls_file(path: Path, rows: dict[str, dict[str, Any]]) -> Path:
    """A calls file: one row per source_id with the given columns (police, 1 Nov 2026 by default)."""
    body = []
    for source_id, row in rows.items():
        full = {"agency": "police", "source_id": source_id, "received_at": "2026-11-01T10:00:00", **row}
        body.append([full.get(c) for c in CALLS])
    return write_csv(path, CALLS, body)


def placed(engine: Engine, tmp_path: Path) -> dict[str, str | None]:
    """source_id → place_id (None if the located record has no place), via the export."""
    out = tmp_path / "places.csv"
    export_places(engine=engine, out=out)
    with out.open(newline="", encoding="utf-8") as f:
        return {r["source_id"]: r["place_id"] or None for r in csv.DictReader(f)}


def table(engine: Engine, model: type) -> list[dict[str, Any]]:
    t = model.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]


def test_an_empty_store_is_harmless(engine: Engine, tmp_path: Path) -> None:
    for _ in range(2):
        summary = resolve_places(engine=engine)
        assert (summary.events, summary.homes, summary.places, summary.new_places) == (0, 0, 0, 0)
    out = tmp_path / "places.csv"
    assert export_places(engine=engine, out=out) == 0
    assert out.read_text(encoding="utf-8").strip() == "feed,agency,source_id,place_id"


def test_one_flat_written_many_ways_is_one_place_and_flats_share_a_building(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    rows = {
        "A1": {"location_address": "Flat 2, 14 Park Rd", "location_postcode": "CH41 5AB"},
        "A2": {"agency": "fire", "location_address": "14 PARK ROAD FLAT 2", "location_postcode": "ch415ab"},
        "A3": {"agency": "council", "location_address": "2/14 Park Road, Birkenhead",
               "location_postcode": "CH41 5AB"},
        "A4": {"agency": "ambulance", "location_address": "F2 14 Park Rd", "location_postcode": "CH41 5AB"},
        "A5": {"agency": "housing", "location_address": "Apartment 2, 14 Park Road CH41 5AB"},
        "B1": {"location_address": "Flat 3, 14 Park Road", "location_postcode": "CH41 5AB"},
        "C1": {"location_address": "14 Park Road", "location_postcode": "CH41 5AB"},
        "C2": {"location_address": "14 PARK RD.", "location_postcode": "CH41 5AB"},
        "D1": {"location_address": "14A Park Road", "location_postcode": "CH41 5AB"},
        "F1": {"location_address": "14 Park Road", "location_postcode": "CH43 1AA"},
        "G1": {"location_address": "3 St Johns Rd", "location_postcode": "CH41 5AD"},
        "G2": {"location_address": "3 Saint John's Road", "location_postcode": "CH41 5AD"},
        "H1": {"location_address": "3 John St", "location_postcode": "CH41 5AD"},
        "H2": {"location_address": "3 JOHN STREET, WIRRAL", "location_postcode": "CH41 5AD"},
    }  # fmt: skip
    run_import(settings, engine, "calls", calls_file(tmp_path / "calls.csv", rows))
    resolve_places(engine=engine)
    got = placed(engine, tmp_path)

    assert None not in got.values()
    flat2 = {got[k] for k in ("A1", "A2", "A3", "A4", "A5")}
    assert len(flat2) == 1
    assert got["C1"] == got["C2"] and got["G1"] == got["G2"] and got["H1"] == got["H2"]
    distinct = [got[k] for k in ("A1", "B1", "C1", "D1", "F1", "G1", "H1")]
    assert len(set(distinct)) == len(distinct)

    places = {p["place_id"]: p for p in table(engine, Place)}
    building = {k: places[got[k]]["building_id"] for k in ("A1", "B1", "C1", "D1", "F1")}
    assert building["A1"] == building["B1"] == building["C1"] is not None
    assert len({building["A1"], building["D1"], building["F1"]}) == 3
    flat = places[got["A1"]]
    assert (flat["kind"], flat["address"], flat["postcode"]) == ("flat", "Flat 2, 14 Park Road", "CH41 5AB")
    assert flat["records"] == 5


def test_an_address_without_a_postcode_joins_only_an_unambiguous_place(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    rows = {
        "K1": {"location_address": "9 Oak Road", "location_postcode": "CH43 2AB",
               "easting": E0, "northing": N0},
        "K2": {"location_address": "9 OAK RD", "easting": E0 + 12, "northing": N0 - 5},
        "K3": {"location_address": "9 Oak Road", "easting": E0 + 5000, "northing": N0},
        "K4": {"agency": "council", "location_address": "9 Oak Road, Birkenhead"},
        # Elm Grove is known in two postcode sectors: without a postcode, no guessing.
        "L1": {"location_address": "4 Elm Grove", "location_postcode": "CH44 1AA"},
        "L2": {"location_address": "6 Elm Grove", "location_postcode": "CH46 2BB"},
        "L3": {"agency": "council", "location_address": "4 Elm Grove"},
        "M1": {"agency": "council", "location_address": "8 Nowhere Lane"},
    }  # fmt: skip
    run_import(settings, engine, "calls", calls_file(tmp_path / "calls.csv", rows))
    summary = resolve_places(engine=engine)
    got = placed(engine, tmp_path)

    assert got["K1"] is not None
    assert got["K2"] == got["K1"]  # the same address, 13 m away
    assert got["K3"] is None  # a namesake 5 km away: not this place
    assert got["K4"] == got["K1"]  # the only 9 Oak Road the hub knows
    assert got["L3"] is None and got["M1"] is None
    assert summary.methods == {"address": 3, "nearby": 1, "unique": 1}


def test_points_take_a_place_only_at_an_address_point(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    at = {"easting": E0, "northing": N0}
    block = {"easting": E0 + 200, "northing": N0 + 200}
    rows = {
        # A fire service geocodes 5 Elm Grove to one point, every time.
        "P1": {"agency": "fire", "location_address": "5 Elm Grove", "location_postcode": "CH44 1AA", **at},
        "P2": {"agency": "fire", "location_address": "5 ELM GR", "location_postcode": "CH44 1AA", **at},
        "P3": {"agency": "fire", "easting": E0 + 0.4, "northing": N0},
        "P4": {"agency": "fire", "easting": E0 + 25, "northing": N0},
        "P5": {"agency": "fire", "location_postcode": "CH44 1AA", "easting": E0 + 25, "northing": N0},
        # Two flats share their building's point: a bare point there names neither.
        "Q1": {"agency": "fire", "location_address": "Flat 1, 7 Elm Grove", "location_postcode": "CH44 1AA",
               **block},
        "Q2": {"agency": "fire", "location_address": "Flat 1, 7 Elm Grove", "location_postcode": "CH44 1AA",
               **block},
        "Q3": {"agency": "fire", "location_address": "Flat 2, 7 Elm Grove", "location_postcode": "CH44 1AA",
               **block},
        "Q4": {"agency": "fire", **block},
        # One record is no address point.
        "R1": {"agency": "fire", "location_address": "9 Elm Grove", "location_postcode": "CH44 1AA",
               "easting": E0 - 300, "northing": N0},
        "R2": {"agency": "fire", "easting": E0 - 300, "northing": N0},
    }  # fmt: skip
    run_import(settings, engine, "calls", calls_file(tmp_path / "calls.csv", rows))
    # police.uk publishes map points, anonymised: exactly on the address point, still no place.
    lon, lat = to_wgs84([E0], [N0])
    header = [
        "Crime ID",
        "Month",
        "Reported by",
        "Falls within",
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "LSOA name",
        "Crime type",
        "Last outcome category",
        "Context",
    ]
    police_uk = write_csv(tmp_path / "2026-10-merseyside-street.csv", header, [
        ["ab" * 32, "2026-10", "Merseyside Police", "Merseyside Police", f"{lon[0]:.6f}", f"{lat[0]:.6f}",
         "On or near Elm Grove", "E01007126", "Wirral 014A", "Burglary", None, None]])  # fmt: skip
    run_import(settings, engine, "police-uk-street", police_uk)
    summary = resolve_places(engine=engine)
    got = placed(engine, tmp_path)

    assert got["P3"] == got["P1"] == got["P2"] is not None
    assert got["P4"] is None and got["P5"] is None
    assert got["Q1"] == got["Q2"] != got["Q3"]
    assert got["Q4"] is None
    assert got["R1"] is not None and got["R2"] is None
    assert got["ab" * 32] is None
    assert summary.methods["point"] == 1
    assert len(got) == len(rows) + 1  # every located record is exported


def test_a_home_address_links_to_the_place(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    rows = {
        "S1": {"location_address": "Flat 2, 14 Park Road", "location_postcode": "CH41 5AB",
               "caller_first_name": "Liz", "caller_last_name": "Jones",
               "caller_address": "14 PARK RD FLAT 2", "caller_postcode": "CH41 5AB"},
        "S2": {"location_address": "Park Road", "location_postcode": "CH41 5AB",
               "caller_first_name": "Elizabeth", "caller_last_name": "Jones",
               "caller_address": "Flat 2, 14 Park Road, Birkenhead", "caller_postcode": "CH41 5AB"},
        "S3": {"location_address": "20 Hill Street", "location_postcode": "CH42 3DF",
               "caller_first_name": "Sam", "caller_last_name": "Ng", "caller_address": "NFA"},
        "S4": {"location_address": "20 Hill Street", "location_postcode": "CH42 3DF",
               "caller_first_name": "Jo", "caller_last_name": "Ng", "caller_address": "Hill Street",
               "caller_postcode": "CH42 3DF"},
    }  # fmt: skip
    run_import(settings, engine, "calls", calls_file(tmp_path / "calls.csv", rows))
    summary = resolve_places(engine=engine)
    got = placed(engine, tmp_path)
    homes = table(engine, MentionPlace)

    assert summary.homes == 4 and summary.homes_placed == 2
    assert {h["place_id"] for h in homes if h["place_id"]} == {got["S1"]}
    assert {h["method"] for h in homes if not h["place_id"]} == {"none"}  # tried: NFA, a street
    assert got["S2"] != got["S1"]  # the street is where the call was about, not the flat


def test_rerun_is_idempotent_and_ids_stay_as_data_arrives(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    first = {
        "T1": {"location_address": "Flat 2, 14 Park Road", "location_postcode": "CH41 5AB",
               "easting": E0, "northing": N0},
        "T2": {"location_address": "16 Park Road", "location_postcode": "CH41 5AB",
               "easting": E0 + 10, "northing": N0},
        "T3": {"location_address": "18 Park Road", "location_postcode": "CH41 5AB"},
    }  # fmt: skip
    run_import(settings, engine, "calls", calls_file(tmp_path / "first.csv", first))
    resolve_places(engine=engine)
    before = {m.__name__: table(engine, m) for m in (Place, PlaceKey, EventPlace)}
    ids = placed(engine, tmp_path)

    again = resolve_places(engine=engine)
    assert (again.new_places, again.methods, again.resolved) == (0, {}, 0)
    assert {m.__name__: table(engine, m) for m in (Place, PlaceKey, EventPlace)} == before

    later = {
        "U1": {"location_address": "14 PARK RD FLAT 2", "location_postcode": "CH41 5AB",
               "easting": E0 + 2, "northing": N0},
        "U2": {"location_address": "20 Park Road", "location_postcode": "CH41 5AB"},
    }  # fmt: skip
    run_import(settings, engine, "calls", calls_file(tmp_path / "later.csv", later))
    # T3 is corrected by its partner: it was 18A, not 18.
    run_import(
        settings,
        engine,
        "calls",
        calls_file(
            tmp_path / "fix.csv",
            {"T3": {"location_address": "18A Park Road", "location_postcode": "CH41 5AB"}},
        ),
    )
    summary = resolve_places(engine=engine)
    now = placed(engine, tmp_path)

    assert now["T1"] == ids["T1"] and now["T2"] == ids["T2"]
    assert now["U1"] == ids["T1"]  # a new record joins the existing place
    assert now["U2"] not in ids.values()
    assert now["T3"] not in ids.values() and now["T3"] != now["U2"]
    assert summary.resolved == 3 and summary.new_places == 2
    old = {p["place_id"]: p for p in before["Place"]}
    current = {p["place_id"]: p for p in table(engine, Place)}
    assert all(current[k]["address"] == v["address"] for k, v in old.items())
    assert current[ids["T1"]]["records"] == 2 and current[ids["T1"]]["easting"] == E0 + 1
    assert current[ids["T3"]]["records"] == 0  # 18 Park Road keeps its id, now without records


def test_a_place_knows_where_it_is(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    lon, lat = to_wgs84([E0 + 3.0], [N0 - 4.0])
    rows = {
        "V1": {"location_address": "Flat 1, Oak Court, Park Road", "location_postcode": "CH41 5AB",
               "easting": E0, "northing": N0},
        "V2": {"location_address": "1 Oak Court", "location_postcode": "CH41 5AB",
               "latitude": f"{lat[0]:.6f}", "longitude": f"{lon[0]:.6f}"},
        "V3": {"location_address": "Flat 1 Oak Ct", "location_postcode": "CH41 5AB",
               "easting": E0 + 100, "northing": N0},
        "V4": {"agency": "council", "location_address": "Flat 2, Oak Court", "location_postcode": "CH41 5AB"},
    }  # fmt: skip
    run_import(settings, engine, "calls", calls_file(tmp_path / "calls.csv", rows))
    resolve_places(engine=engine)
    got = placed(engine, tmp_path)
    places = {p["place_id"]: p for p in table(engine, Place)}

    assert got["V1"] == got["V2"] == got["V3"] != got["V4"]
    one, two = places[got["V1"]], places[got["V4"]]
    assert one["address"] == "Flat 1, Oak Court, Park Road"
    assert (one["easting"], one["northing"]) == (E0 + 3.0, N0)  # the median of its records
    assert one["lsoa_code"] and one["ward_code"] and one["latitude"] and one["longitude"]
    assert one["building_id"] == two["building_id"]
    # A place known without coordinates takes its postcode's areas, not a point.
    assert two["easting"] is None and two["lsoa_code"] == one["lsoa_code"]


def test_export_places_command(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    rows = {
        "W1": {"location_address": "5 Elm Grove", "location_postcode": "CH44 1AA"},
        "W2": {"location_postcode": "CH44 1AA"},
    }
    run_import(settings, engine, "calls", calls_file(tmp_path / "calls.csv", rows))
    resolve_places(engine=engine)
    app, export_app = typer.Typer(), typer.Typer()
    app.add_typer(export_app, name="export")
    register(export_app)
    out = tmp_path / "out" / "places.csv"
    result = CliRunner().invoke(app, ["export", "places", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "feed,agency,source_id,place_id"
    assert lines[1].startswith("calls,police,W1,PL") and lines[2] == "calls,police,W2,"


def _pairs(sizes: pl.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def test_synthetic_ground_truth(
    engine: Engine, tmp_path: Path, synth_dir: Path, import_feeds: Callable[..., None]
) -> None:
    import_feeds()
    first = resolve_places(engine=engine)
    out = tmp_path / "places.csv"
    export_places(engine=engine, out=out)
    pred = pl.read_csv(out, infer_schema=False)
    truth = pl.read_csv(synth_dir / "truth" / "locations.csv", infer_schema=False)
    truth = truth.filter(pl.col("location_given") == "true")
    both = truth.join(pred, on=["feed", "agency", "source_id"], suffix="_hub")
    # (truth counts a few rows whose every location field the generator then dropped)
    assert both.height == pred.height >= 0.99 * truth.height

    placed_rows = both.filter(pl.col("place_id_hub").is_not_null())
    together = _pairs(placed_rows.group_by("place_id", "place_id_hub").len()["len"])
    precision = together / _pairs(placed_rows.group_by("place_id_hub").len()["len"])
    recall = together / _pairs(both.group_by("place_id").len()["len"])
    assert precision >= 0.995 and recall >= 0.85, (precision, recall)

    # Flats in one building are never one place, and mostly share a building.
    places = pl.read_csv(synth_dir / "truth" / "places.csv", infer_schema=False)
    flats = placed_rows.join(places.select("place_id", "kind", "building_id"), on="place_id")
    flats = flats.filter(pl.col("kind") == "flat")
    assert flats.group_by("place_id_hub").agg(pl.col("place_id").n_unique())["place_id"].max() == 1
    hub_building = pl.DataFrame(table(engine, Place)).select("place_id", "building_id")
    flats = flats.join(
        hub_building.rename({"place_id": "place_id_hub", "building_id": "hub_building"}), on="place_id_hub"
    )
    per_building = flats.group_by("building_id").agg(pl.col("hub_building").n_unique().alias("k"))
    assert (per_building["k"] == 1).mean() >= 0.9  # type: ignore[operator]

    again = resolve_places(engine=engine)
    assert again.new_places == 0 and again.places == first.places and again.methods == {}


def test_a_record_waits_for_its_place_to_appear(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    run_import(
        settings,
        engine,
        "calls",
        calls_file(tmp_path / "a.csv", {"X1": {"agency": "council", "location_address": "9 Oak Road"}}),
    )
    assert resolve_places(engine=engine).events_placed == 0
    assert resolve_places(engine=engine).resolved == 0  # nothing new: nothing retried
    run_import(
        settings,
        engine,
        "calls",
        calls_file(
            tmp_path / "b.csv", {"X2": {"location_address": "9 OAK RD", "location_postcode": "CH43 2AB"}}
        ),
    )
    summary = resolve_places(engine=engine)
    got = placed(engine, tmp_path)
    assert got["X1"] == got["X2"] is not None
    assert summary.methods == {"address": 1, "unique": 1}


def test_a_typing_slip_in_the_street_is_the_same_place(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    rows = {
        "Y1": {"location_address": "14 Park Road", "location_postcode": "CH41 5AB"},
        "Y2": {"location_address": "14 PARK RD", "location_postcode": "CH41 5AB"},
        "Y3": {"location_address": "14 Park Raod", "location_postcode": "CH41 5AB"},
        "Y4": {"location_address": "14 Park Lane", "location_postcode": "CH41 5AB"},
        "Z1": {"location_address": "3 Hill Road", "location_postcode": "CH41 5AD"},
        "Z2": {"location_address": "3 Mill Road", "location_postcode": "CH41 5AD"},
        "Z3": {"location_address": "3 Hill Road", "location_postcode": "CH41 5AE"},
    }  # fmt: skip
    run_import(settings, engine, "calls", calls_file(tmp_path / "a.csv", rows))
    resolve_places(engine=engine)
    run_import(
        settings,
        engine,
        "calls",
        calls_file(
            tmp_path / "b.csv", {"Y5": {"location_address": "14 Prak Road", "location_postcode": "CH41 5AB"}}
        ),
    )
    resolve_places(engine=engine)
    got = placed(engine, tmp_path)
    places = {p["place_id"]: p for p in table(engine, Place)}

    assert got["Y1"] == got["Y2"] == got["Y3"] == got["Y5"], got
    assert places[got["Y1"]]["address"] == "14 Park Road"  # named as most records write it
    assert len({got["Y1"], got["Y4"], got["Z1"], got["Z2"], got["Z3"]}) == 5
