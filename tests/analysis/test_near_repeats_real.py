"""Near repeats on real Wirral burglary, 2019 (data.police.uk, imported through the service).

A smoke test: it runs, says what is wrong with the data for this purpose (dates to the
month only; July 2019 missing), and its pair counts add up against a brute-force count.
police.uk dates every record to the first of its month, so with day bands all pairs in one
month are 0 days apart and February to March (28 days) is the only pair of months within
28 days: the 8-14 day column must be empty.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select

from saferhub.analysis.near_repeats import near_repeats
from saferhub.analysis.periods import Period
from saferhub.config import Settings
from saferhub.services import import_partner_file
from saferhub.store import Event


def test_wirral_burglary_2019_counts_add_up(shared_data: Path, settings: Settings, engine: Engine) -> None:
    folder = shared_data / "police_uk" / "merseyside" / "street"
    files = sorted(folder.glob("2019-*-merseyside-street.csv.gz"))
    if not files:
        pytest.skip(f"no 2019 police.uk files in {folder}")
    assert len(files) == 11  # no July
    for path in files:
        import_partner_file(settings=settings, engine=engine, feed="police-uk-street", path=path)

    result = near_repeats(engine=engine, categories=["burglary"], period=Period.parse("2019-01..2019-12"))

    # Brute force over every pair of the burglaries the hub placed in Wirral.
    with engine.connect() as conn:
        rows = conn.execute(
            select(Event.easting, Event.northing, Event.occurred_at).where(
                Event.type == "burglary", Event.lsoa_code.is_not(None)
            )
        ).all()
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    day = np.array([(r[2].date() - dt.date(2019, 1, 1)).days for r in rows])
    i, j = np.triu_indices(len(rows), 1)
    close = (np.hypot(x[i] - x[j], y[i] - y[j]) <= 400) & (np.abs(day[i] - day[j]) <= 28)
    frame = result.knox.frame
    assert result.knox.events == len(rows) > 1000
    assert frame["observed"].sum() == int(close.sum())
    assert frame.filter(frame["time_band"] == "8–14 days")["observed"].sum() == 0
    # The shuffled expectation: (pairs in the distance band) x (share of all pairs of dates in
    # the time band), to within the Monte Carlo error of 99 shuffles.
    d = np.hypot(x[i] - x[j], y[i] - y[j])
    gap = np.abs(day[i] - day[j])
    for row in frame.iter_rows(named=True):
        low, high = row["space_from"], row["space_to"]
        in_space = ((d <= high) & ((d > low) if low else (d >= 0))).sum()
        share = ((gap <= row["time_to"]) & ((gap > row["time_from"]) if row["time_from"] else True)).mean()
        assert row["expected"] == pytest.approx(in_space * share, rel=0.1, abs=2), row
    assert result.knox.close_pairs >= frame["observed"].sum()
    assert result.month_precision == len(rows) and "month only" in result.notes[0]
    assert result.gaps == ("2019-07 missing (police-uk-street)",)
    assert result.outside_area > 0  # the rest of Merseyside
    assert frame["p_value"].is_between(0, 1).all()
