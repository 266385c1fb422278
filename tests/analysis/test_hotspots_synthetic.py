"""Synthetic Wirral with planted hotspots (truth/hotspots.csv): are they found, and only they?

The generator plants 7 ASB and 4 deliberate secondary fire clusters (persistent, emerging,
former) on top of a background that is itself concentrated on a few busy streets, shops
and deprived areas. So a flag away from every planted cluster is not necessarily wrong:
it may be one of the background's own concentrations. Precision is judged on maps of each
half of the days (split by day parity, so each half is sparser than the analyst's map):

- The generator writes where its background puts events: truth/background.csv (fires,
  expected by street and shop) and truth/background_asb.csv (ASB that a map can show, the
  police's calls and reports with coordinates: expected by home, street and shop from the
  everyday callers', reporters' and neighbours' routes, plus the planted people's ASB,
  victims' and cuckooed homes, where and when it was made). A flag away from the planted
  clusters is right when the background there is truly concentrated: the neighbourhood of
  its strongest cell expects at least ``CONCENTRATED`` (2) times the events the map's
  average neighbourhood expects in that half. Gi*'s own null is the average (1 times);
  twice it is a concentration an analyst would want shown, and 84% of neighbourhoods on
  synthetic Wirral expect less (fires).

Both used the held-out half of the days before (a flag had to show again in the other
half, z >= 1.645) until the flags it left unconfirmed were checked against the generator:
all fire flags and all but one ASB flag (seed 21) lay on real background concentrations
that the other half had not shown, because a
flag is chosen for being high in its own half (regression to the mean; no rhythm of days
in the generator). The held-out half misjudges real, weaker concentrations; the truth
does not. The held-out count is still reported (``describe``), for comparison.

Definitions (each planted cluster is judged on the dates it was active, on 250 m cells):

- recall, cluster level: share of planted clusters with at least one hotspot cell whose
  square overlaps the planted disc (centre, radius);
- recall, cell level: share of planted centres whose own cell is a hotspot;
- precision, cluster level: share of flagged clusters (8-connected hotspot cells) that lie
  on a planted cluster (a cell whose Gi* neighbourhood overlaps its disc) or on a real
  background concentration (above); and, reported only, the share on a planted cluster alone;
- precision, cell level: the same share counted in cells; each cell is judged by
  its own neighbourhood's expected events, not its cluster's strongest cell.

Seeds: both categories are asserted on seeds 7, 3, 11 and 21, but for one known
shortfall of the method, marked strict xfail with the truth's reason below (seed 21 misses
the compact ASB cluster HS03). Until cell changes needed the exact test to agree with the
z-score, seed 3's `change` showed a decrease at HS05's edge: a cell going from 4 events to 0.
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

from saferhub.analysis.grid import Grid
from saferhub.analysis.hotspot_gistar import gistar, hotspot_gistar, neighbour_window
from saferhub.analysis.hotspot_result import HotspotResult
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
#: A background concentration: at least this many times the average neighbourhood's events.
CONCENTRATED = 2.0
SEEDS = (7, 3, 11, 21)
#: Category and seed pairs whose targets are asserted (module docstring).
ASSERTED = [(seed, name) for seed in SEEDS for name in CATEGORIES.values()]
#: Known shortfalls of the method, each checked by the truth (docs/hotspots.md "Other seeds").
#: Strict: the test fails if one of them starts to pass, so this list stays true.
MISSED_HS03_SEED21 = pytest.mark.xfail(
    strict=True,
    reason=(
        "seed 21, HS03 (persistent ASB, radius 150 m): its ~105 mapped events over 15 months fall "
        "in one 250 m cell (104 events against 6 in the average cell) in a quiet area (the "
        "background truth expects 0.35 times the average neighbourhood around it), so its 3x3 "
        "neighbourhood holds 120 events and Gi* z is 1.5-1.7, not significant: Gi* misses a "
        "compact cluster with empty neighbours. The truth says it is there; the method misses it. A "
        "rule letting a cell be a hotspot on its own finds it, but also flags the background's single "
        "busy places in quiet neighbourhoods, which this judge calls ordinary (docs/decisions/0011)"
    ),
)


def _marked(mark: pytest.MarkDecorator, seed: int, name: str) -> list[object]:
    return [pytest.param(s, n, marks=mark) if (s, n) == (seed, name) else (s, n) for s, n in ASSERTED]


@dataclass
class Scores:
    planted: int = 0
    found: list[str] = field(default_factory=list)
    centre_cells: int = 0
    centre_cells_hot: int = 0
    clusters: int = 0
    clusters_on_planted: int = 0
    clusters_confirmed: int = 0  # by the truth where the generator writes it, else by the held-out half
    clusters_held_out: int = 0  # confirmed by the held-out half (reported)
    judge: str = "held-out half"
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
            f"planted + {self.clusters_confirmed} confirmed by the {self.judge} + {unexplained} "
            f"unexplained; the held-out half would confirm {self.clusters_held_out}"
        )


class Stores:
    """One synthetic store at a time (PostgreSQL has one database a session), built on demand."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None) -> None:
        self.tmp_path_factory, self.postgres_database = tmp_path_factory, postgres_database
        self.seed: int | None = None
        self.store: tuple[Engine, Path] | None = None
        self.scores: dict[int, dict[str, Scores]] = {}

    def get(self, seed: int) -> tuple[Engine, Path]:
        if self.seed != seed or self.store is None:
            if self.store is not None:
                self.store[0].dispose()
            self.store, self.seed = _build(seed, self.tmp_path_factory, self.postgres_database), seed
        return self.store

    def scores_of(self, seed: int) -> dict[str, Scores]:
        if seed not in self.scores:
            self.scores[seed] = _scores(*self.get(seed))
        return self.scores[seed]


def _build(
    seed: int, tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None
) -> tuple[Engine, Path]:
    """15 months of synthetic Wirral at half scale: ASB and fire calls, ASB reports, fire incidents."""
    out = tmp_path_factory.mktemp(f"hotspots-synth-seed{seed}")
    generate(out_dir=out, days=450, seed=seed, scale=0.5)
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


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, postgres_database: str | None) -> Stores:
    return Stores(tmp_path_factory, postgres_database)


def _distance_to_squares(cells: pl.DataFrame, x: float, y: float, half: float) -> np.ndarray:
    dx = np.maximum(np.abs(cells["easting"].to_numpy() - x) - half, 0)
    dy = np.maximum(np.abs(cells["northing"].to_numpy() - y) - half, 0)
    return np.hypot(dx, dy)


def _window(row: dict[str, object]) -> Period:
    start, end = row["start_date"], row["end_date"]
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    return Period(start, end + dt.timedelta(days=1))


def _scores(engine: Engine, out: Path) -> dict[str, Scores]:
    areas = load_areas()
    truth = pl.read_csv(out / "truth" / "hotspots.csv", try_parse_dates=True)
    results: dict[str, Scores] = {}
    for truth_name, name in CATEGORIES.items():
        planted = truth.filter(pl.col("category") == truth_name)
        expected = _background(out, truth_name)
        s = results[name] = Scores(planted=planted.height)
        if expected.height:
            s.judge = "background truth"
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
                s.centre_cells += 1
                s.centre_cells_hot += int(hot[np.argmin(on_disc)])
            # Any planted cluster active in the window explains a flag near it.
            active = planted.filter((pl.col("start_date") <= end) & (pl.col("end_date") >= start))
            _precision(s, engine=engine, window=window, name=name, active=active, background=expected)
        _change(s, engine=engine, name=name, planted=planted)
        print(f"\n{out.name} {name}: {s.describe()}")  # the figures docs/hotspots.md quotes (pytest -s)
    return results


def _background(out: Path, category: str) -> pl.DataFrame:
    """The generator's background for a category: truth/background.csv (fires) or
    truth/background_asb.csv (ASB), with ``source`` and active dates for every row."""
    name = "background_asb.csv" if category == "asb" else "background.csv"
    frame = pl.read_csv(out / "truth" / name, try_parse_dates=True).filter(pl.col("category") == category)
    if "source" not in frame.columns:  # fires: everyday background over the whole period
        frame = frame.with_columns(source=pl.lit("background"), first_date=pl.lit(None, pl.Date))
    return frame


def _offsets() -> tuple[np.ndarray, np.ndarray]:
    """Quadrature of a uniform distance in [0, 1] and a uniform direction: 10 x 24 points."""
    r = (np.arange(10) + 0.5) / 10
    a = 2 * np.pi * (np.arange(24) + 0.5) / 24
    rr, aa = np.meshgrid(r, a)
    return rr.ravel(), aa.ravel()


def _expected_raster(grid: Grid, background: pl.DataFrame) -> np.ndarray:
    """The background's expected events over the period in each study cell (0 elsewhere)."""
    r, a = _offsets()
    low, high = background["offset_min_m"].to_numpy(), background["offset_max_m"].to_numpy()
    if not high.any():  # every event at its place (ASB)
        r, a = np.zeros(1), np.zeros(1)
    dist = low[:, None] + (high - low)[:, None] * r[None]
    e = (background["easting"].to_numpy()[:, None] + dist * np.cos(a)[None]).ravel()
    n = (background["northing"].to_numpy()[:, None] + dist * np.sin(a)[None]).ravel()
    raster = grid.raster(e, n, np.repeat(background["expected_events"].to_numpy() / r.size, r.size))
    return np.where(grid.mask, raster, 0.0)


def _relative_expectation(
    run: HotspotResult, background: pl.DataFrame, days: np.ndarray, active: pl.DataFrame
) -> np.ndarray:
    """Per study cell: the background's expected events in its neighbourhood on ``days``, in
    multiples of what the map's average neighbourhood expects (Gi*'s null).

    The average neighbourhood expects the half's events (planted ones included, as Gi*
    takes them) × k / m. The everyday background (source ``background``) expects its share
    of the half's events, those less the planted hotspots' expected on ``days`` and the
    planted people's made on ``days`` (ASB: dated rows), spread over the grid as the truth
    says; the planted people's events on ``days`` are added where they were made. ASB
    hotspots' planted events are taken off in full though only the police's (about 60%)
    carry coordinates: the everyday share is a little under its truth (under 2%), which
    can only make a flag harder to confirm.
    """
    grid = run.grid
    window = neighbour_window(CELL_M, CELL_M * np.sqrt(2))
    everyday = background.filter(pl.col("source") == "background")
    raster = _expected_raster(grid, everyday)
    _, k, sums = gistar(raster, grid.mask, window)
    k, share = k.ravel()[grid.cells], sums.ravel()[grid.cells] / raster.sum()
    day = pl.col("first_date").cast(pl.Date).cast(pl.Int64)
    people = background.filter((pl.col("source") != "background") & day.is_in(days.tolist()))
    made, planted = np.zeros(grid.cells.size), 0.0
    if people.height:
        people_raster = _expected_raster(grid, people)
        _, _, people_sums = gistar(people_raster, grid.mask, window)
        made, planted = people_sums.ravel()[grid.cells], float(people_raster.sum())
    for row in active.iter_rows(named=True):
        first, last = (np.datetime64(row[c], "D").astype(np.int64) for c in ("start_date", "end_date"))
        planted += row["planted_events"] * ((days >= first) & (days <= last)).sum() / (last - first + 1)
    events = int(str(run.parameters["points"]))
    return np.asarray((max(events - planted, 0.0) * share + made) / (events * k / grid.cells.size))


def _precision(
    s: Scores, *, engine: Engine, window: Period, name: str, active: pl.DataFrame, background: pl.DataFrame
) -> None:
    """Flags in each half of the days, judged by the planted truth, then by the background's
    truth where the generator writes it, else by the other half."""
    areas = load_areas()
    points = read_points(engine=engine, areas=areas, category_name=name, period=window)
    region = points.area.geometry
    local_day = (points.frame["occurred_at"].dt.epoch("d")).to_numpy()
    halves = [points.frame.filter(pl.Series(local_day % 2 == k)) for k in (0, 1)]
    runs = [hotspot_gistar(h, cell_size=CELL_M, region=region) for h in halves]
    assert window.start is not None and window.end is not None
    all_days = np.arange(np.datetime64(window.start, "D"), np.datetime64(window.end, "D")).astype(np.int64)
    for k in (0, 1):
        run, other = runs[k], runs[1 - k]
        cells = run.cells
        hot = (cells["hotspot"] == "hotspot").to_numpy()
        zone = np.zeros(cells.height, dtype=bool)  # cells whose Gi* neighbourhood overlaps a disc
        for row in active.iter_rows(named=True):
            reach = _distance_to_squares(cells, row["centre_easting"], row["centre_northing"], 1.5 * CELL_M)
            zone |= reach <= row["radius_m"]
        concentrated = None
        if background.height:
            ratio = _relative_expectation(run, background, all_days[all_days % 2 == k], active)
            concentrated = ratio >= CONCENTRATED
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
            strongest = int(np.flatnonzero(member)[np.argmax(z[member])])
            held_out = z_other.get(ids[strongest], 0.0) >= CONFIRM_Z
            s.clusters_held_out += int(held_out)
            if concentrated is None:
                s.clusters_confirmed += int(held_out)
                s.cells_explained += int(member.sum()) if held_out else 0
            else:
                s.clusters_confirmed += int(concentrated[strongest])
                s.cells_explained += int((member & (concentrated | zone)).sum())


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


def test_categories_select_the_right_events(stores: Stores) -> None:
    engine, out = stores.get(7)
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


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_background_truth_matches_the_events(stores: Stores, category: str) -> None:
    """The background truth, which judges flags, expects the events the generator made.

    Over the 15 months, away from the planted clusters, cells grouped by how many events the
    truth expects there hold that many, within 15% in each group (about 240 fires or 5,700
    ASB events each). ASB's truth adds the planted people's events (victims, frequent
    callers, cuckooed homes) where and when they were made.
    """
    engine, out = stores.get(7)
    background = _background(out, category)
    planted = pl.read_csv(out / "truth" / "hotspots.csv").filter(pl.col("category") == category)
    points = read_points(engine=engine, areas=load_areas(), category_name=CATEGORIES[category])
    run = hotspot_gistar(points.frame, cell_size=CELL_M, region=points.area.geometry)
    expected = _expected_raster(run.grid, background).ravel()[run.grid.cells]
    observed = run.cells["count"].to_numpy()
    away = np.ones(run.cells.height, dtype=bool)
    for row in planted.iter_rows(named=True):
        reach = _distance_to_squares(run.cells, row["centre_easting"], row["centre_northing"], CELL_M / 2)
        away &= reach > row["radius_m"]
    # Four groups of cells, from the quietest to the busiest, each expecting a quarter of the events.
    order = np.sort(expected[away])
    cuts = order[np.searchsorted(np.cumsum(order), np.array([0.25, 0.5, 0.75]) * order.sum())]
    bands = np.digitize(expected, cuts)
    ratios = [observed[away & (bands == b)].sum() / expected[away & (bands == b)].sum() for b in range(4)]
    print(f"\n{category}: observed / expected by group of cells, quietest first: {np.round(ratios, 3)}")
    assert all(0.85 <= r <= 1.15 for r in ratios), ratios


@pytest.mark.parametrize(("seed", "name"), _marked(MISSED_HS03_SEED21, 21, "anti-social-behaviour"))
def test_planted_hotspots_are_found(stores: Stores, seed: int, name: str) -> None:
    s = stores.scores_of(seed)[name]
    assert s.recall >= 0.95, f"found {s.found} of {s.planted}: {s.describe()}"


@pytest.mark.parametrize("name", CATEGORIES.values())
def test_planted_hotspots_are_found_over_all_seeds(stores: Stores, name: str) -> None:
    """The recall target over every planted cluster of the four seeds (28 ASB, 16 fire
    clusters): one seed's 7 or 4 clusters alone would allow no miss at all."""
    scores = [stores.scores_of(seed)[name] for seed in SEEDS]
    found, planted = sum(len(s.found) for s in scores), sum(s.planted for s in scores)
    print(f"\n{name}: {found} of {planted} planted clusters found over seeds {SEEDS}")
    assert found / planted >= 0.95, [s.describe() for s in scores]


@pytest.mark.parametrize(("seed", "name"), ASSERTED)
def test_ordinary_areas_are_not_flagged(stores: Stores, seed: int, name: str) -> None:
    # Fires are sparse (0.04-0.05 a cell in each half of the 90 days of the emerging clusters):
    # there Gi* alone flagged groups of four or five fires by chance (precision 0.81 on seed 7);
    # the chance test on the neighbourhood count stops them (docs/hotspots.md "The chance test").
    s = stores.scores_of(seed)[name]
    assert s.precision >= 0.95 and s.cell_precision >= 0.95, s.describe()


@pytest.mark.parametrize(("seed", "name"), ASSERTED)
def test_emerging_and_former_hotspots_show_as_change(stores: Stores, seed: int, name: str) -> None:
    s = stores.scores_of(seed)[name]
    assert s.change_checked and s.change_right == s.change_checked


def _unlocated(engine: Engine, ids: set[int]) -> set[int]:
    with engine.connect() as conn:
        rows = conn.execute(select(Event.id).where(Event.id.in_(ids), Event.easting.is_(None))).all()
    return {r.id for r in rows}
