"""The Knox test on points made here: a planted near-repeat process against pure chance.

The truth is the process that made the points: in the near-repeat series, half of 400
events are followed 1-7 days later by another within 90 m; in the random series, places
and days are independent. Counts are checked against a brute-force count of all pairs,
and the shuffled expectation against its exact value.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from feeds.helpers import cli, write_csv
from saferhub.analysis.near_repeats import BandError, knox_test, near_repeats
from saferhub.analysis.periods import Period
from saferhub.areas import load_areas, to_wgs84
from saferhub.config import Settings
from saferhub.services import import_partner_file

SPACE = (0, 100, 200, 400)
TIME = (0, 7, 14, 28)
ITERATIONS = 999  # p-values down to 0.001


def random_series(seed: int, n: int = 600, side: float = 4000, days: int = 365) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, side, n), rng.uniform(0, side, n), rng.integers(0, days, n)


def near_repeat_series(seed: int, initiators: int = 400, share: float = 0.5) -> tuple[np.ndarray, ...]:
    """Random initiators; each, with probability ``share``, has a follower 1-7 days later within 90 m."""
    x, y, t = random_series(seed, n=initiators)
    rng = np.random.default_rng(seed + 1)
    follows = rng.random(initiators) < share
    k = int(follows.sum())
    r, angle = 90 * np.sqrt(rng.random(k)), rng.uniform(0, 2 * np.pi, k)
    fx, fy = x[follows] + r * np.cos(angle), y[follows] + r * np.sin(angle)
    ft = t[follows] + rng.integers(1, 8, k)
    return np.r_[x, fx], np.r_[y, fy], np.r_[t, ft]


def brute_force(x: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Pairs per (space band, time band) over all n(n-1)/2 pairs, bands as documented."""
    i, j = np.triu_indices(len(t), 1)
    d = np.hypot(x[i] - x[j], y[i] - y[j])
    dt = np.abs(t[i] - t[j])
    table = np.zeros((len(SPACE) - 1, len(TIME) - 1), dtype=int)
    for s in range(len(SPACE) - 1):
        in_s = (d <= SPACE[s + 1]) & ((d > SPACE[s]) if s else (d >= SPACE[0]))
        for b in range(len(TIME) - 1):
            in_t = (dt <= TIME[b + 1]) & ((dt > TIME[b]) if b else (dt >= TIME[0]))
            table[s, b] = int((in_s & in_t).sum())
    return table


def _cells(frame: object, column: str) -> np.ndarray:
    return frame[column].to_numpy().reshape(len(SPACE) - 1, len(TIME) - 1)  # type: ignore[index]


def test_planted_near_repeats_are_found() -> None:
    x, y, t = near_repeat_series(seed=11)
    result = knox_test(easting=x, northing=y, days=t, space_bands=SPACE, time_bands=TIME,
                       iterations=ITERATIONS, seed=3)  # fmt: skip
    observed, ratio, p = (_cells(result.frame, c) for c in ("observed", "knox_ratio", "p_value"))
    assert (observed == brute_force(x, y, t)).all()
    # Close in space and time: far more pairs than chance, no shuffle comes near.
    assert ratio[0, 0] > 3 and p[0, 0] == pytest.approx(1 / (ITERATIONS + 1))
    assert result.events == len(t)


def test_pure_chance_is_not_flagged() -> None:
    """No planted effect. Over 100 random series (seeds 1000-1099, 199 shuffles), the close
    cell had p <= 0.05 in 3 and any of the nine cells p <= 0.01 in 6 (chance: about 5 and 9)."""
    x, y, t = random_series(seed=11)
    result = knox_test(easting=x, northing=y, days=t, space_bands=SPACE, time_bands=TIME,
                       iterations=ITERATIONS, seed=3)  # fmt: skip
    observed, ratio, p = (_cells(result.frame, c) for c in ("observed", "knox_ratio", "p_value"))
    assert (observed == brute_force(x, y, t)).all()
    assert p[0, 0] > 0.05 and 0.5 < ratio[0, 0] < 2
    assert (p > 0.01).all()


def test_expected_is_the_mean_of_the_shuffles() -> None:
    """Shuffling days gives each pair a random pair of the n days, so the exact expectation of
    a cell is (pairs in its distance band) x (share of all pairs of days in its time band)."""
    x, y, t = near_repeat_series(seed=5)
    result = knox_test(easting=x, northing=y, days=t, space_bands=SPACE, time_bands=TIME,
                       iterations=ITERATIONS, seed=1)  # fmt: skip
    i, j = np.triu_indices(len(t), 1)
    d = np.hypot(x[i] - x[j], y[i] - y[j])
    dt = np.abs(t[i] - t[j])
    in_space = np.array([((d <= b) & (d > a if a else d >= 0)).sum() for a, b in pairwise(SPACE)])
    share = np.array([((dt <= b) & (dt > a if a else dt >= 0)).mean() for a, b in pairwise(TIME)])
    exact = np.outer(in_space, share)
    expected = _cells(result.frame, "expected")
    # Monte Carlo error of a mean of 999 shuffles: well within 5% (and 1 pair) of the exact value.
    assert np.allclose(expected, exact, rtol=0.05, atol=1.0), (expected, exact)


def test_bands_are_checked() -> None:
    x, y, t = random_series(seed=1, n=10)
    for space, time in (((0,), TIME), ((0, 200, 100), TIME), (SPACE, (0, 7.5)), (SPACE, (-1, 7))):
        with pytest.raises(BandError):
            knox_test(easting=x, northing=y, days=t, space_bands=space, time_bands=time)  # type: ignore[arg-type]


def test_through_the_store_and_the_command(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    """The planted series as burglary calls in Wirral; daily times, so day bands apply."""
    areas = load_areas()
    box = areas.lsoas[0].geometry.centroid
    x, y, t = near_repeat_series(seed=11)
    lon, lat = to_wgs84(box.x - 2000 + x, box.y - 2000 + y)
    start = np.datetime64("2024-01-01T12:00:00")
    when = [str(start + np.timedelta64(int(d), "D")) for d in t]
    rows = [["police", f"B{k}", w, "crime", "BURGLARY DWELLING", la, lo]
            for k, (w, la, lo) in enumerate(zip(when, lat, lon, strict=True))]  # fmt: skip
    path = write_csv(tmp_path / "calls.csv", ["agency", "source_id", "received_at", "category", "call_type",
                                             "latitude", "longitude"], rows)  # fmt: skip
    import_partner_file(settings=settings, engine=engine, feed="calls", path=path)
    result = near_repeats(
        engine=engine, categories=["burglary dwelling"], period=Period.parse("2024-01..2025-01"),
        iterations=199, include_outside=True,
    )  # fmt: skip
    # Dates are London days: the shift of the grid does not matter, only days apart.
    assert (_cells(result.knox.frame, "observed") == brute_force(x, y, t)).all()
    assert result.month_precision == 0 and not result.notes
    assert result.significant()["space_band"].to_list()[:1] == ["0–100 m"]

    done = cli("near-repeats", "--category", "burglary dwelling", "--from", "2024-01", "--to", "2025-01",
               "--include-outside", "--iterations", "199", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["events"] == len(t) and data["iterations"] == 199
    first = data["rows"][0]
    assert (first["space_band"], first["time_band"]) == ("0–100 m", "0–7 days")
    assert first["observed"] == brute_force(x, y, t)[0, 0] and first["p_value"] == pytest.approx(0.005)
    table = cli("near-repeats", "--category", "burglary dwelling", "--from", "2024-01", "--to", "2025-01",
                "--include-outside")  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "Near Repeat Calculator" in table.stdout and "99 shuffles (default)" in table.stdout
    bad = cli("near-repeats", "--category", "burglary", "--from", "2024-01", "--space-bands", "0,x")
    assert bad.returncode == 2 and "bands" in bad.stderr
