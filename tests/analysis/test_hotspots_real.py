"""Real data: Wirral ASB in 2019 from the police.uk files in shared/data.

Gi* must equal PySAL esda's ``G_Local(star=True)`` with the same binary weights, and no
hotspot output may depend on the order of the input rows.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from saferhub.analysis.grid import Grid
from saferhub.analysis.hotspot_change import hotspot_change
from saferhub.analysis.hotspot_classify import hotspot_classify
from saferhub.analysis.hotspot_count import hotspot_count
from saferhub.analysis.hotspot_gistar import hotspot_gistar, neighbour_window
from saferhub.analysis.hotspot_kde import hotspot_kde
from saferhub.analysis.points import whole_area
from saferhub.areas import load_areas, to_bng

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")


@pytest.fixture(scope="module")
def wirral_asb_2019(shared_data: Path) -> pl.DataFrame:
    street = shared_data / "police_uk" / "merseyside" / "street"
    files = sorted(street.glob("2019-*-merseyside-street.csv.gz"))
    if not files:
        pytest.skip("no 2019 Merseyside police.uk files in shared/data")
    raw = pl.concat(pl.read_csv(f, infer_schema_length=0) for f in files).filter(
        pl.col("LSOA name").str.starts_with("Wirral ")
        & (pl.col("Crime type") == "Anti-social behaviour")
        & pl.col("Longitude").is_not_null()
    )
    e, n = to_bng(raw["Longitude"].cast(pl.Float64).to_numpy(), raw["Latitude"].cast(pl.Float64).to_numpy())
    return pl.DataFrame(
        {
            "easting": e,
            "northing": n,
            "occurred_at": raw["Month"].str.to_datetime("%Y-%m"),
            "time_precision": ["month"] * raw.height,
        }
    )


def _esda_z(grid: Grid, counts: np.ndarray, window: np.ndarray) -> np.ndarray:
    """esda G_Local(star=True) Zs with binary weights built from the same neighbourhood."""
    flat = grid.cells
    position = {int(c): i for i, c in enumerate(flat)}
    r = window.shape[0] // 2
    offsets = [(di - r, dj - r) for di, dj in np.argwhere(window > 0) if (di, dj) != (r, r)]
    neighbours: dict[int, list[int]] = {}
    for i, c in enumerate(flat):
        row, col = divmod(int(c), grid.nx)
        near = []
        for di, dj in offsets:
            rr, cc = row + di, col + dj
            if 0 <= rr < grid.ny and 0 <= cc < grid.nx and rr * grid.nx + cc in position:
                near.append(position[rr * grid.nx + cc])
        neighbours[i] = near
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    # Binary weights without the diagonal: star=True puts weight 1 on each cell itself.
    g = esda.G_Local(counts.astype(float), w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs)


@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected")  # Hilbre Island
@pytest.mark.parametrize(
    ("cell_size", "distance_cells", "on_wirral"),
    [(None, math.sqrt(2), False), (200, math.sqrt(2), True), (250, 2.0, True)],
)
def test_gistar_equals_esda(
    wirral_asb_2019: pl.DataFrame, cell_size: float | None, distance_cells: float, on_wirral: bool
) -> None:
    region = whole_area(load_areas()).geometry if on_wirral else None
    size = 300 if cell_size is None else cell_size
    result = hotspot_gistar(
        wirral_asb_2019, cell_size=cell_size, region=region, neighbour_distance=size * distance_cells
    )
    assert result.grid.cell_size == size
    assert result.cells.height > 1_000 and result.cells["count"].sum() == wirral_asb_2019.height
    window = neighbour_window(size, size * distance_cells)
    expected = _esda_z(result.grid, result.cells["count"].to_numpy(), window)
    ours = result.cells["gistar"].to_numpy()
    assert np.abs(ours - expected).max() <= 1e-9
    assert result.parameters["hotspots"] > 0  # Birkenhead's town centre at least
    # A year of ASB is plentiful: the chance test changes none of Gi*'s hotspots.
    cells = result.cells
    significant = (cells["gistar"] > 0) & (cells["p_adjusted"] < 0.05)
    assert (significant == (cells["hotspot"] == "hotspot")).all()
    assert cells.filter(significant)["neighbourhood_count"].min() > cells["neighbourhood_needed"].max()


def _shuffled(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    order = np.random.default_rng(seed).permutation(frame.height)
    return frame[order]


def test_hotspots_do_not_depend_on_row_order(wirral_asb_2019: pl.DataFrame, tmp_path: Path) -> None:
    runs = {
        "gistar": lambda f: hotspot_gistar(f),
        "count": lambda f: hotspot_count(f, cell_size=200),
        "kde": lambda f: hotspot_kde(f, cell_size=200),
        "change": lambda f: hotspot_change(f, boundary=dt.datetime(2019, 7, 1)),
        "classify": lambda f: hotspot_classify(f, period="quarter"),
    }
    for name, run in runs.items():
        first = run(wirral_asb_2019)
        reference = first.to_csv(tmp_path / f"{name}-0.csv").read_bytes()
        for seed in (1, 2):
            again = run(_shuffled(wirral_asb_2019, seed))
            assert again.cells.equals(first.cells), name
            assert again.parameters == first.parameters and again.defaults == first.defaults
            assert again.to_csv(tmp_path / f"{name}-{seed}.csv").read_bytes() == reference, name
    hot = runs["gistar"](wirral_asb_2019)
    assert hot.parameters["points"] == wirral_asb_2019.height
