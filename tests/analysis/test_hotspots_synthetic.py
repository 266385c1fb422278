"""Synthetic Wirral with planted hotspots (truth/hotspots.csv): are they found, and only they?

The generator plants 7 ASB and 4 deliberate secondary fire clusters (persistent, emerging,
former) on top of a background that is itself concentrated on a few busy streets, shops
and deprived areas. So a flag away from every planted cluster is not necessarily wrong:
it may be one of the background's own concentrations. We tell the two apart with data
Gi* never saw: the events are split by day into two independent halves of the same
underlying pattern; a cluster flagged in one half that is not on a planted hotspot must
show up again in the other half (its strongest cell at Gi* z >= 1.645, one-sided 5%),
or it counts as a false alarm in an ordinary area.

Definitions (each planted cluster is judged on the dates it was active, on 250 m cells):

- recall, cluster level: share of planted clusters with at least one hotspot cell whose
  square overlaps the planted disc (centre, radius);
- recall, cell level: share of planted centres whose own cell is a hotspot;
- precision, cluster level: share of flagged clusters (8-connected hotspot cells) that lie
  on a planted cluster (a cell whose Gi* neighbourhood overlaps its disc) or are confirmed
  by the other half; and, reported only, the share on a planted cluster alone;
- precision, cell level: the same share counted in cells.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import ndimage
from sqlalchemy import Engine, select, text

from saferhub.analysis.hotspot_gistar import hotspot_gistar
from saferhub.analysis.hotspot_service import hotspots_from_store
from saferhub.analysis.points import Period, read_points
from saferhub.areas import load_areas
from saferhub.config import Settings
from saferhub.services import import_partner_file
from saferhub.store import Base, Event, connect, upgrade
from saferhub.synth import generate

CELL_M = 250  # planted radii are 150-300 m; the default 300 m for all of Wirral is as wide
CATEGORIES = {"asb": "anti-social-behaviour", "deliberate_secondary_fire": "deliberate-secondary-fire"}
CONFIRM_Z = 1.645


@dataclass
class Scores:
    planted: int = 0
    found: list[str] = field(default_factory=list)
    centre_cells: int = 0
    centre_cells_hot: int = 0
    clusters: int = 0
    clusters_on_planted: int = 0
    clusters_confirmed: int = 0
    cells: int = 0
    cells_explained: int = 0
    change_checked: list[str] = field(default_factory=list)
    change_right: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return len(self.found) / self.planted

    @property
    def cell_recall(self) -> float:
        return self.centre_cells_hot / self.centre_cells

    @property
    def precision(self) -> float:
        return (self.clusters_on_planted + self.clusters_confirmed) / self.clusters

    @property
    def precision_planted_only(self) -> float:
        return self.clusters_on_planted / self.clusters

    @property
    def cell_precision(self) -> float:
        return self.cells_explained / self.cells

    def describe(self) -> str:
        unexplained = self.clusters - self.clusters_on_planted - self.clusters_confirmed
        return (
            f"recall {self.recall:.3f} (clusters), {self.cell_recall:.3f} (centre cells); precision "
            f"{self.precision:.3f} (clusters), {self.cell_precision:.3f} (cells), on planted alone "
            f"{self.precision_planted_only:.3f}; {self.clusters} clusters = {self.clusters_on_planted} "
            f"planted + {self.clusters_confirmed} confirmed + {unexplained} unexplained"
        )


@pytest.fixture(scope="module")
def synthetic_store(
    tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None
) -> tuple[Engine, Path]:
    """15 months of synthetic Wirral at half scale: ASB and fire calls, ASB reports, fire incidents."""
    out = tmp_path_factory.mktemp("hotspots-synth")
    generate(out_dir=out, days=450, seed=7, scale=0.5)
    calls = pl.read_csv(out / "calls.csv.gz", infer_schema_length=0)
    # ASB calls, and fire calls (which must not leak into either category), keep the import quick.
    calls.filter(pl.col("category").is_in(["asb", "fire"])).write_csv(out / "calls-asb-fire.csv")
    if postgres_database is None:
        url = f"sqlite:///{out / 'hub.db'}"
        upgrade(url)
    else:
        url = postgres_database
    engine = connect(url)
    if postgres_database is not None:
        with engine.begin() as conn:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    settings = Settings(data_dir=out / "hub", database_url=url)
    for feed, name in (("calls", "calls-asb-fire.csv"), ("asb-reports", "asb-reports.csv.gz"),
                       ("fire-incidents", "fire-incidents.csv.gz")):  # fmt: skip
        import_partner_file(settings=settings, engine=engine, feed=feed, path=out / name)
    return engine, out


def _distance_to_squares(cells: pl.DataFrame, x: float, y: float, half: float) -> np.ndarray:
    dx = np.maximum(np.abs(cells["easting"].to_numpy() - x) - half, 0)
    dy = np.maximum(np.abs(cells["northing"].to_numpy() - y) - half, 0)
    return np.hypot(dx, dy)


def _window(row: dict[str, object]) -> Period:
    start, end = row["start_date"], row["end_date"]
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    return Period(start, end + dt.timedelta(days=1))


@pytest.fixture(scope="module")
def scores(synthetic_store: tuple[Engine, Path]) -> dict[str, Scores]:
    engine, out = synthetic_store
    areas = load_areas()
    truth = pl.read_csv(out / "truth" / "hotspots.csv", try_parse_dates=True)
    results: dict[str, Scores] = {}
    for truth_name, name in CATEGORIES.items():
        planted = truth.filter(pl.col("category") == truth_name)
        s = results[name] = Scores(planted=planted.height)
        for (start, end), group in planted.group_by(["start_date", "end_date"], maintain_order=True):
            window = _window({"start_date": start, "end_date": end})
            result = hotspots_from_store(
                engine=engine, areas=areas, category=name, period=window, cell_size=CELL_M
            )
            cells, hot = result.cells, (result.cells["hotspot"] == "hotspot").to_numpy()
            for row in group.iter_rows(named=True):
                centre = (row["centre_easting"], row["centre_northing"])
                on_disc = _distance_to_squares(cells, *centre, CELL_M / 2)
                if (hot & (on_disc <= row["radius_m"])).any():
                    s.found.append(row["hotspot_id"])
                centre = np.argmin(on_disc)
                s.centre_cells += 1
                s.centre_cells_hot += int(hot[centre])
            # Any planted cluster active in the window explains a flag near it.
            active = planted.filter((pl.col("start_date") <= end) & (pl.col("end_date") >= start))
            _precision(s, engine=engine, window=window, name=name, active=active)
        _change(s, engine=engine, name=name, planted=planted)
        print(f"\n{name}: {s.describe()}")  # the figures docs/hotspots.md quotes (pytest -s)
    return results


def _precision(s: Scores, *, engine: Engine, window: Period, name: str, active: pl.DataFrame) -> None:
    """Flags in each half of the days, judged by the planted truth or else by the other half."""
    areas = load_areas()
    points = read_points(engine=engine, areas=areas, category_name=name, period=window)
    region = points.area.geometry
    local_day = (points.frame["occurred_at"].dt.epoch("d")).to_numpy()
    halves = [points.frame.filter(pl.Series(local_day % 2 == k)) for k in (0, 1)]
    runs = [hotspot_gistar(h, cell_size=CELL_M, region=region) for h in halves]
    for k in (0, 1):
        run, other = runs[k], runs[1 - k]
        cells = run.cells
        hot = (cells["hotspot"] == "hotspot").to_numpy()
        zone = np.zeros(cells.height, dtype=bool)  # cells whose Gi* neighbourhood overlaps a disc
        for row in active.iter_rows(named=True):
            reach = _distance_to_squares(cells, row["centre_easting"], row["centre_northing"], 1.5 * CELL_M)
            zone |= reach <= row["radius_m"]
        raster = np.zeros(run.grid.mask.shape, dtype=bool)
        raster.ravel()[run.grid.cells[hot]] = True
        labels, n = ndimage.label(raster, structure=np.ones((3, 3)))
        label = labels.ravel()[run.grid.cells]
        z_other = dict(zip(other.cells["cell_id"].to_list(), other.cells["gistar"].to_list(), strict=True))
        ids, z = cells["cell_id"].to_numpy(), cells["gistar"].to_numpy()
        for c in range(1, n + 1):
            member = label == c
            s.clusters += 1
            s.cells += int(member.sum())
            if (member & zone).any():
                s.clusters_on_planted += 1
                s.cells_explained += int(member.sum())
                continue
            strongest = ids[member][np.argmax(z[member])]
            if z_other.get(strongest, 0.0) >= CONFIRM_Z:
                s.clusters_confirmed += 1
                s.cells_explained += int(member.sum())


def _change(s: Scores, *, engine: Engine, name: str, planted: pl.DataFrame) -> None:
    """Emerging clusters rise against the same number of days before; former ones fall after."""
    areas = load_areas()
    for row in planted.filter(pl.col("kind") != "persistent").iter_rows(named=True):
        start, end = row["start_date"], row["end_date"]
        days = dt.timedelta(days=(end - start).days + 1)
        if row["kind"] == "emerging":
            window, boundary, expected = Period(start - days, end + dt.timedelta(days=1)), start, "increase"
        else:
            after = end + dt.timedelta(days=1)
            window, boundary, expected = Period(start, after + days), after, "decrease"
        split = Period(boundary, None).utc_bounds()[0]
        result = hotspots_from_store(
            engine=engine, areas=areas, category=name, method="change", period=window, boundary=split,
            cell_size=CELL_M,
        )  # fmt: skip
        centre = (row["centre_easting"], row["centre_northing"])
        on_disc = _distance_to_squares(result.cells, *centre, CELL_M / 2)
        flags = result.cells["change_flag"].to_numpy()[on_disc <= row["radius_m"]]
        s.change_checked.append(row["hotspot_id"])
        wrong = "decrease" if expected == "increase" else "increase"
        if (flags == expected).any() and not (flags == wrong).any():
            s.change_right.append(row["hotspot_id"])


@pytest.mark.parametrize("name", CATEGORIES.values())
def test_planted_hotspots_are_found(scores: dict[str, Scores], name: str) -> None:
    s = scores[name]
    assert s.recall >= 0.95, f"found {s.found} of {s.planted}: {s.describe()}"


@pytest.mark.parametrize("name", CATEGORIES.values())
def test_ordinary_areas_are_not_flagged(scores: dict[str, Scores], name: str) -> None:
    # Fires are sparse (0.04-0.05 a cell in each half of the 90 days of the emerging clusters):
    # there Gi* alone flagged groups of four or five fires by chance (precision 0.81); the
    # chance test on the neighbourhood count stops them (docs/hotspots.md "The chance test").
    # Seed 7 only: on seeds 3, 11 and 21 fires reach 0.89 (docs/hotspots.md "Other seeds").
    s = scores[name]
    assert s.precision >= 0.95 and s.cell_precision >= 0.95, s.describe()


@pytest.mark.parametrize("name", CATEGORIES.values())
def test_emerging_and_former_hotspots_show_as_change(scores: dict[str, Scores], name: str) -> None:
    s = scores[name]
    assert s.change_checked and s.change_right == s.change_checked


def test_categories_select_the_right_events(synthetic_store: tuple[Engine, Path]) -> None:
    engine, out = synthetic_store
    areas = load_areas()
    with engine.connect() as conn:
        rows = conn.execute(
            select(Event.id, Event.feed, Event.category, Event.type, Event.attributes).where(
                Event.lsoa_code.is_not(None) | Event.ward_code.is_not(None)
            )
        ).all()
    motive = {r.id: (r.attributes or {}).get("motive") for r in rows}
    deliberate = {r.id for r in rows if r.type == "secondary_fire" and motive[r.id] == "deliberate"}
    asb = {r.id for r in rows if r.category == "asb"}
    fires = read_points(engine=engine, areas=areas, category_name="deliberate-secondary-fire")
    assert set(fires.frame["event_id"].to_list()) == deliberate - _unlocated(engine, deliberate)
    assert fires.frame.height + fires.without_location == len(deliberate) > 0
    raw = pl.read_csv(out / "fire-incidents.csv.gz", infer_schema_length=0)
    in_file = raw.filter((pl.col("incident_type") == "secondary_fire") & (pl.col("motive") == "deliberate"))
    assert len(deliberate) <= in_file.height  # the area filter only takes away
    found = read_points(engine=engine, areas=areas, category_name="asb")
    assert set(found.frame["feed"].unique().to_list()) == {"calls", "asb-reports"}
    assert found.frame.height + found.without_location == len(asb)


def _unlocated(engine: Engine, ids: set[int]) -> set[int]:
    with engine.connect() as conn:
        rows = conn.execute(select(Event.id).where(Event.id.in_(ids), Event.easting.is_(None))).all()
    return {r.id for r in rows}
