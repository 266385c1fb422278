"""Getis-Ord Gi* hotspots on a regular grid (sfhotspot ``hotspot_gistar``).

Gi* for cell i compares the events in its neighbourhood (the cells whose centres lie
within ``neighbour_distance``, itself included) with what the mean over all study cells
would put there: ``z = (S_i - x̄ k_i) / (s √(k_i (n - k_i) / (n - 1)))``, with ``S_i``
the neighbourhood's events, ``k_i`` its cells, ``n`` the study cells, ``x̄`` and ``s``
the mean and (population) standard deviation of counts over all study cells — the
statistic esda's ``G_Local(star=True)`` computes with binary weights. On a grid the
neighbourhood sums are one 2-D correlation of the count raster with a small window, so
the cost is a few passes over the raster whatever the number of events.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from shapely.geometry.base import BaseGeometry

from saferhub.analysis.grid import Grid, make_grid
from saferhub.analysis.hotspot_result import HotspotResult
from saferhub.analysis.points import point_arrays

#: Significance level for adjusted p-values (sfhotspot hotspot_classify_params critical_p).
CRITICAL_P = 0.05
SOURCE = "shared/spec/standards.md 'Hotspots' (sfhotspot conventions)"
#: Below this many events per cell on average the result carries a warning (hub choice).
SPARSE_EVENTS_PER_CELL = 1.0


def neighbour_window(cell_size: float, distance: float) -> np.ndarray:
    """The (2r+1)² 0/1 window of cells whose centres lie within ``distance`` of the middle one."""
    if distance < 0:
        raise ValueError("neighbour distance must not be negative")
    r = math.floor(distance / cell_size + 1e-9)
    i, j = np.mgrid[-r : r + 1, -r : r + 1]
    # A hair of tolerance: cell_size * sqrt(2) must take in the diagonal cells exactly.
    return (np.hypot(i, j) * cell_size <= distance * (1 + 1e-9)).astype(float)


def gistar(
    counts: np.ndarray, mask: np.ndarray, window: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gi* z-scores, neighbourhood sizes and neighbourhood sums for every cell of a raster.

    ``counts`` and ``mask`` are (ny, nx); only cells where ``mask`` is true are study cells
    (others count as absent, not as zero). Values outside the mask are meaningless.
    """
    from scipy import ndimage  # here, not at the top: every `saferhub` command loads this module

    y = np.where(mask, counts, 0.0).astype(float)
    inside = mask.astype(float)
    sums = ndimage.correlate(y, window, mode="constant", cval=0.0)
    k = ndimage.correlate(inside, window, mode="constant", cval=0.0)
    n = float(inside.sum())
    values = y[mask]
    mean = values.mean() if values.size else 0.0
    variance = (values**2).mean() - mean**2 if values.size else 0.0
    spread = np.sqrt(np.maximum(variance, 0.0)) * np.sqrt(np.maximum(k * (n - k), 0.0) / max(n - 1.0, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(spread > 0, (sums - mean * k) / np.where(spread > 0, spread, 1.0), 0.0)
    return z, k, sums


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """P(|Z| >= |z|) for a standard normal Z."""
    from scipy import special

    return 2.0 * special.ndtr(-np.abs(z))


def fdr_bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (R's ``p.adjust(p, "BH")``)."""
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out


def chance_limits(events: int, cells: int, sizes: np.ndarray, level: float) -> np.ndarray:
    """The fewest events a neighbourhood of each size in ``sizes`` needs to be beyond chance.

    With ``events`` placed independently and uniformly over ``cells`` cells (complete spatial
    randomness on the grid), a neighbourhood of k cells holds S ~ Binomial(events, k / cells).
    The limit is the smallest t with P(S >= t) × cells < ``level``: a count random placement
    would reach in some neighbourhood of the map less often than ``level`` (Bonferroni over
    the cells; conservative, as neighbourhoods overlap). Exact, so no seed and no simulation.
    """
    from scipy import special  # not scipy.stats: its import alone costs more than the whole map

    def at_least(t: int, share: float) -> float:  # P(S >= t)
        return 1.0 if t <= 0 else float(special.bdtrc(t - 1, events, share))

    sizes = np.asarray(sizes, dtype=np.int64)
    if sizes.size == 0 or cells <= 0:
        return np.zeros(sizes.shape, dtype=np.int64)
    bound = level / cells
    limits = np.zeros(int(sizes.max()) + 1, dtype=np.int64)  # by size: a lookup, not a sort
    for k in np.flatnonzero(np.bincount(sizes.ravel())).tolist():
        share = min(k / cells, 1.0)
        # Start from the normal approximation, then settle on the exact smallest t.
        mean, sd = events * share, math.sqrt(events * share * (1.0 - share))
        t = min(max(int(mean + sd * float(special.ndtri(1.0 - bound))), 0), events + 1)
        while t > 0 and at_least(t - 1, share) < bound:
            t -= 1
        while t <= events and at_least(t, share) >= bound:
            t += 1
        limits[k] = t
    return limits[sizes]


def classify(
    z: np.ndarray, p_adjusted: np.ndarray, critical_p: float, beyond_chance: np.ndarray | None = None
) -> np.ndarray:
    """Each cell's class: "hotspot", "coldspot" or ""; a hotspot must be ``beyond_chance`` too, if given."""
    significant = p_adjusted < critical_p
    hot = significant & (z > 0) if beyond_chance is None else significant & (z > 0) & beyond_chance
    return np.where(hot, "hotspot", np.where(significant & (z < 0), "coldspot", ""))


def default_notes(cell_size: float, distance: float, given: bool, critical_p: float, n: int) -> list[str]:
    notes = []
    if not given:
        notes.append(
            f"Neighbours within {distance:,.0f} m (cell size × √2: the 8 surrounding cells), "
            "the cell itself included (Gi*): sfhotspot's default."
        )
    notes.append(
        f"p-values two-sided, adjusted over all {n:,} cells by the false discovery rate "
        f"(Benjamini–Hochberg); a hotspot has adjusted p < {critical_p:g} — {SOURCE}."
    )
    return notes


def chance_note(needed: int, events: int, cells: int, window_cells: int, critical_p: float) -> str:
    return (
        f"A hotspot's neighbourhood also needs at least {needed:,} events (column neighbourhood_needed; "
        f"fewer at the grid's edge): placed at random over the {cells:,} cells, the {events:,} events "
        f"would put that many in some neighbourhood of {window_cells} cells less than {critical_p:.0%} "
        "of the time (exact binomial, Bonferroni over the cells: the map-wide test of scan statistics)."
    )


def scores_on_grid(
    grid: Grid, counts: np.ndarray, *, neighbour_distance: float, critical_p: float, chance_test: bool = True
) -> pl.DataFrame:
    """Gi* columns for the study cells of ``grid`` given a (ny, nx) count raster.

    With ``chance_test`` a hotspot's neighbourhood count must also reach ``neighbourhood_needed``.
    """
    window = neighbour_window(grid.cell_size, neighbour_distance)
    z, k, sums = gistar(counts, grid.mask, window)
    flat = grid.cells
    z, k, sums = z.ravel()[flat], np.rint(k.ravel()[flat]), np.rint(sums.ravel()[flat])
    p = two_sided_p(z)
    q = fdr_bh(p)
    values = counts.ravel()[flat].astype(np.int64)
    needed = chance_limits(int(values.sum()), values.size, k.astype(np.int64), critical_p)
    return pl.DataFrame(
        {
            "count": values,
            "neighbours": k.astype(np.int32),
            "neighbourhood_count": sums.astype(np.int64),
            "neighbourhood_needed": needed,
            "gistar": z,
            "p_value": p,
            "p_adjusted": q,
            "hotspot": classify(z, q, critical_p, sums >= needed if chance_test else None),
        }
    )


def hotspot_gistar(
    points: pl.DataFrame,
    *,
    cell_size: float | None = None,
    neighbour_distance: float | None = None,
    region: BaseGeometry | None = None,
    critical_p: float = CRITICAL_P,
) -> HotspotResult:
    """Gi* z-score, p-value and FDR-adjusted p-value of every cell for ``points`` (BNG metres).

    ``neighbour_distance`` defaults to ``cell_size * sqrt(2)``; ``region`` (BNG) is the
    study area (default: the points' convex hull).
    """
    if not 0 < critical_p < 1:
        raise ValueError("critical_p must be between 0 and 1")
    e, n = point_arrays(points)
    grid, notes = make_grid(e, n, cell_size=cell_size, region=region)
    distance = grid.cell_size * math.sqrt(2) if neighbour_distance is None else float(neighbour_distance)
    counts = grid.raster(e, n)
    scores = scores_on_grid(grid, counts, neighbour_distance=distance, critical_p=critical_p)
    cells = pl.concat([grid.frame(), scores], how="horizontal")
    notes += default_notes(grid.cell_size, distance, neighbour_distance is not None, critical_p, cells.height)
    window_cells = int(neighbour_window(grid.cell_size, distance).sum())
    needed = int(chance_limits(int(e.size), cells.height, np.array([window_cells]), critical_p)[0])
    notes.append(chance_note(needed, int(e.size), cells.height, window_cells, critical_p))
    per_cell = e.size / max(cells.height, 1)
    if per_cell < SPARSE_EVENTS_PER_CELL:
        notes.append(
            f"Sparse: {per_cell:.2f} events per cell on average. With so few, Gi*'s normal p-values "
            "are too optimistic; the chance test above keeps a handful of events from making a "
            "hotspot, at the price of missing small ones: prefer larger cells or a longer period."
        )
    hot = cells["hotspot"]
    return HotspotResult(
        method="gistar",
        cells=cells,
        grid=grid,
        parameters={
            "cell_size_m": grid.cell_size,
            "neighbour_distance_m": round(distance, 3),
            "include_self": True,
            "p_adjust": "fdr (Benjamini-Hochberg)",
            "critical_p": critical_p,
            "chance_test": "exact binomial under random placement, Bonferroni over cells",
            "neighbourhood_needed": needed,
            "cells": cells.height,
            "points": int(e.size),
            "hotspots": int((hot == "hotspot").sum()),
            "coldspots": int((hot == "coldspot").sum()),
        },
        defaults=tuple(notes),
    )
