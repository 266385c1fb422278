"""Crime concentration: shares of incidents in the busiest cells, places and locations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely

from saferhub.analysis.concentration import crime_concentration, gini


def test_shares_over_locations_worked_by_hand() -> None:
    # 10 locations: one with 50 incidents, one with 20, eight with 5 each (110 in all).
    small = [(200.0 + 100 * i, 0.0) for i in range(8) for _ in range(5)]
    xy = [(0.0, 0.0)] * 50 + [(100.0, 0.0)] * 20 + small
    points = pl.DataFrame({"easting": [p[0] for p in xy], "northing": [p[1] for p in xy]})
    result = crime_concentration(points, unit="location", top_shares=(0.1, 0.2, 0.5))
    assert result.parameters["units"] == 10 and result.incidents == 110
    summary = result.summary
    shares = dict(zip(summary["top_share_of_units"], summary["share_of_incidents"], strict=True))
    assert shares[0.1] == pytest.approx(50 / 110)  # the busiest 1 of 10
    assert shares[0.2] == pytest.approx(70 / 110)
    assert shares[0.5] == pytest.approx(85 / 110)
    # Half of the 110 (55) is reached a quarter of the way from the 1st to the 2nd location.
    assert result.parameters["share_of_units_with_half"] == pytest.approx((1 + 5 / 20) / 10)
    assert any("Weisburd" in line for line in result.defaults)


def test_cells_count_empty_cells_too(tmp_path: Path) -> None:
    # 100 incidents in one corner of a 1 km square of 100 m cells: 1 cell of 100 holds them all.
    points = pl.DataFrame({"easting": [50.0] * 100, "northing": [50.0] * 100})
    result = crime_concentration(points, unit="cell", cell_size=100, region=shapely.box(0, 0, 1_000, 1_000))
    assert result.parameters["units"] == 100 and result.parameters["units_with_incidents"] == 1
    assert result.share_of_incidents(0.01) == pytest.approx(1.0)
    assert result.parameters["gini"] == pytest.approx(0.99)
    curve = pl.read_csv(result.to_csv(tmp_path / "curve.csv"))
    assert curve.columns == ["rank", "count", "unit_share", "incident_share"]
    assert curve["incident_share"][0] == 1.0 and curve["unit_share"][-1] == 1.0


def test_places_need_place_ids_and_leave_out_events_without_one() -> None:
    points = pl.DataFrame(
        {"easting": [0.0] * 6, "northing": [0.0] * 6, "place_id": ["A", "A", "A", "B", None, "C"]}
    )
    result = crime_concentration(points, unit="place")
    assert result.parameters["units"] == 3 and result.parameters["events_without_place"] == 1
    assert result.counts.tolist() == [3, 1, 1]
    with pytest.raises(ValueError):
        crime_concentration(points.drop("place_id"), unit="place")


def test_gini() -> None:
    assert gini(np.array([5, 5, 5, 5])) == pytest.approx(0.0)
    assert gini(np.array([0, 0, 0, 10])) == pytest.approx(0.75)  # (n - 1) / n for all in one
    assert gini(np.array([])) == 0.0


def test_uniform_points_are_not_concentrated() -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 2_000, (40_000, 2))
    points = pl.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1]})
    result = crime_concentration(points, unit="cell", cell_size=200, region=shapely.box(0, 0, 2_000, 2_000))
    assert result.parameters["units"] == 100
    assert result.share_of_incidents(0.5) == pytest.approx(0.5, abs=0.03)
    assert result.parameters["gini"] < 0.05
