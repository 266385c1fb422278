"""Change in counts: the statistics against independent references, and counts per London
month and area from a calls file written here, whose counts are known by construction."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binomtest
from sqlalchemy import Engine

from feeds.helpers import cli, write_csv
from saferhub.analysis.changes import count_changes, monthly_counts, poisson_z, rate_ratio_interval
from saferhub.analysis.periods import Month, Period, PeriodError
from saferhub.areas import load_areas, to_wgs84
from saferhub.config import Settings
from saferhub.services import import_partner_file

# ------------------------------------------------------------------ statistics


def test_poisson_z_is_wheelers_formula() -> None:
    z = poisson_z(np.array([100, 0, 49]), np.array([144, 9, 36]))
    assert z.tolist() == pytest.approx([2 * (12 - 10), 2 * 3, 2 * (6 - 7)])


@pytest.mark.parametrize(("before", "after"), [(10, 30), (30, 10), (0, 5), (5, 0), (958, 2204), (1, 1)])
def test_rate_ratio_interval_is_the_exact_binomial_one(before: int, after: int) -> None:
    """Equal periods: the interval is Clopper-Pearson on after | total, mapped p -> p/(1-p)."""
    ratio, low, high = rate_ratio_interval(np.array([before]), np.array([after]), confidence=0.95)
    ci = binomtest(after, before + after).proportion_ci(confidence_level=0.95, method="exact")
    to_ratio = lambda p: p / (1 - p) if p < 1 else math.inf  # noqa: E731
    assert low[0] == pytest.approx(to_ratio(ci.low), rel=1e-9)
    assert high[0] == pytest.approx(to_ratio(ci.high), rel=1e-9)
    assert ratio[0] == (after / before if before else math.inf)
    assert low[0] <= ratio[0] <= high[0]


def test_rate_ratio_is_per_day() -> None:
    """February (28 days) to March (31 days): the same count per day is a ratio of 1."""
    ratio, low, high = rate_ratio_interval(np.array([280]), np.array([310]), before_days=28, after_days=31)
    assert ratio[0] == pytest.approx(1.0)
    assert low[0] < 1 < high[0]


def test_no_events_at_all_has_no_ratio() -> None:
    ratio, low, high = rate_ratio_interval(np.array([0]), np.array([0]))
    assert np.isnan(ratio[0]) and np.isnan(low[0]) and np.isnan(high[0])


# ------------------------------------------------------------------ periods


def test_periods() -> None:
    p = Period.parse("2020-04..2020-05")
    assert [str(m) for m in p.months] == ["2020-04", "2020-05"]
    assert str(p.previous()) == "2020-02..2020-03" and str(p.last_year()) == "2019-04..2019-05"
    assert str(Period.parse("2020-01").previous()) == "2019-12"
    assert p.days == 61
    # London midnight on 1 June 2024 is 23:00 UTC the day before (summer time).
    assert str(Month.parse("2024-06").utc_start()) == "2024-05-31 23:00:00"
    for bad in ("2020-13", "April 2020", "2020-05..2020-04", "2020-01..2020-02..2020-03"):
        with pytest.raises(PeriodError):
            Period.parse(bad)


# ------------------------------------------------------------------ counts from the store

HEADER = ["agency", "source_id", "received_at", "category", "call_type", "latitude", "longitude"]


def _inside(lsoa_index: int) -> tuple[str, str, float, float]:
    """An LSOA's code, its ward's code, and a point well inside it (latitude, longitude)."""
    areas = load_areas()
    lsoa = areas.lsoas[lsoa_index]
    point = lsoa.geometry.buffer(-30).representative_point()
    lon, lat = to_wgs84(np.array([point.x]), np.array([point.y]))
    ward = areas.assign(np.array([point.x]), np.array([point.y]))[1][0]
    return lsoa.code, ward, float(lat[0]), float(lon[0])


@pytest.fixture
def two_lsoas() -> tuple[tuple[str, str, float, float], tuple[str, str, float, float]]:
    """Two LSOAs in different neighbourhoods."""
    areas = load_areas()
    hood = areas.neighbourhood_of_ward()
    a = _inside(0)
    for i in range(1, len(areas.lsoas)):
        b = _inside(i)
        if hood[b[1]] != hood[a[1]]:
            return a, b
    raise AssertionError("no two neighbourhoods")


# The truth: ASB calls per month and LSOA. 2024-07 has no records from the feed at all
# (missing); the feed's records end on 2024-08-15 (August is partial).
TRUTH = {"2023-06": (12, 6), "2024-05": (10, 4), "2024-06": (30, 5), "2024-08": (3, 0)}


def _write_calls(path: Path, a: tuple[str, str, float, float], b: tuple[str, str, float, float]) -> Path:
    rows: list[list[object]] = []
    n = 0

    def add(when: str, category: str, where: tuple[str, str, float, float] | None, kind: str = "ASB") -> None:
        nonlocal n
        n += 1
        lat, lon = (where[2], where[3]) if where else (None, None)
        rows.append(["police", f"C{n}", when, category, kind, lat, lon])

    add("2023-06-01T10:00:00", "other", None, kind="ENQUIRY")  # the feed's first record: June 2023 is whole
    for month, (in_a, in_b) in TRUTH.items():
        for i in range(in_a):
            day = 1 + i % 14
            # At the edges of May and June 2024, in London time (summer: UTC+1):
            when = {("2024-05", 0): "2024-05-31T23:30:00", ("2024-06", 0): "2024-06-01T00:30:00"}.get(
                (month, i), f"{month}-{day:02d}T12:00:00"
            )
            add(when, "asb", a)
        for i in range(in_b):
            add(f"{month}-{1 + i % 14:02d}T18:00:00", "asb", b)
    add("2024-06-10T12:00:00", "asb", None)  # no location: not in any area
    add("2024-06-11T12:00:00", "asb", ("", "", 53.4084, -2.9916))  # Liverpool: outside Wirral
    add("2024-06-12T12:00:00", "crime", a, kind="BURGLARY DWELLING")
    add("2024-06-13T12:00:00", "crime", a, kind="BURGLARY DWELLING")
    add("2024-08-15T09:00:00", "other", None, kind="ENQUIRY")  # the feed's last record
    return write_csv(path, HEADER, rows)


@pytest.fixture
def calls_store(
    tmp_path: Path, settings: Settings, engine: Engine, two_lsoas: tuple
) -> tuple[Engine, tuple, tuple]:
    a, b = two_lsoas
    summary = import_partner_file(
        settings=settings, engine=engine, feed="calls", path=_write_calls(tmp_path / "calls.csv", a, b)
    )
    assert summary.quarantined == 0
    return engine, a, b


def test_monthly_counts_per_lsoa_in_london_months(calls_store: tuple) -> None:
    engine, a, b = calls_store
    months = [Month.parse(m) for m in ("2024-05", "2024-06", "2024-07", "2024-08")]
    counts = monthly_counts(engine=engine, months=months, area_level="lsoa", categories=["asb"])
    frame = counts.frame
    lsoa = frame.filter(frame["area_level"] == "lsoa")
    got = {(r["month"], r["area_code"]): r["count"] for r in lsoa.iter_rows(named=True)}
    for month in ("2024-05", "2024-06"):
        assert (got[(month, a[0])], got[(month, b[0])]) == TRUTH[month]
    # Every other LSOA is there with a real zero; the missing and partial months are null.
    assert len(load_areas().lsoas) * 4 == lsoa.height
    assert sum(v for (m, c), v in got.items() if c not in (a[0], b[0]) and v is not None) == 0
    assert {got[("2024-07", a[0])], got[("2024-08", a[0])]} == {None}
    status = dict(lsoa.filter(lsoa["area_code"] == a[0]).select("month", "status").iter_rows())
    assert status == {
        "2024-05": "complete",
        "2024-06": "complete",
        "2024-07": "missing",
        "2024-08": "partial",
    }
    whole = dict(frame.filter(frame["area_level"] == "all").select("month", "count").iter_rows())
    assert whole["2024-06"] == sum(TRUTH["2024-06"])
    assert counts.outside_area["asb"] == 2  # one without a location, one in Liverpool
    assert counts.feeds["asb"] == ("calls",)


def test_a_type_is_a_category_too(calls_store: tuple) -> None:
    engine, a, _ = calls_store
    counts = monthly_counts(
        engine=engine, months=[Month.parse("2024-06")], area_level="ward", categories=["burglary dwelling"]
    )
    ward = counts.frame.filter(counts.frame["area_level"] == "ward")
    assert dict(ward.filter(ward["count"] > 0).select("area_code", "count").iter_rows()) == {a[1]: 2}


def test_rises_against_last_month_and_last_year(calls_store: tuple) -> None:
    engine, a, b = calls_store
    result = count_changes(
        engine=engine, period=Period.parse("2024-06"), area_level="lsoa", categories=["asb"]
    )
    rows = {(r["comparison"], r["area_code"]): r for r in result.frame.iter_rows(named=True)}
    whole = load_areas().local_authority
    expected = {
        ("previous", a[0]): (10, 30, "rise"),  # z = 4.63
        ("previous", b[0]): (4, 5, "none"),  # z = 0.47
        ("previous", whole): (14, 35, "rise"),  # z = 4.35
        ("last-year", a[0]): (12, 30, "rise"),  # z = 3.03
        ("last-year", b[0]): (6, 5, "none"),
        ("last-year", whole): (18, 35, "rise"),  # z = 3.35
    }
    for key, (before, after, change) in expected.items():
        row = rows[key]
        assert (row["before"], row["after"], row["change"]) == (before, after, change), key
        assert row["z"] == pytest.approx(2 * (math.sqrt(after) - math.sqrt(before)))
    # June to June: same days, so the ratio is the counts' ratio, with the exact interval.
    row = rows[("last-year", a[0])]
    ci = binomtest(30, 42).proportion_ci(method="exact")
    assert (row["rate_ratio"], row["ratio_low"], row["ratio_high"]) == pytest.approx(
        (2.5, ci.low / (1 - ci.low), ci.high / (1 - ci.high))
    )
    assert result.threshold == 3.0 and "Wheeler" in result.threshold_source
    assert "percent" not in " ".join(result.frame.columns)
    # A stricter threshold, given by the user, flags less.
    strict = count_changes(
        engine=engine, period=Period.parse("2024-06"), area_level="lsoa", categories=["asb"], threshold=4.5
    )
    flagged = {(r["comparison"], r["area_code"]) for r in strict.flagged().iter_rows(named=True)}
    assert flagged == {("previous", a[0])}


def test_missing_and_partial_months_are_never_zero(calls_store: tuple) -> None:
    engine = calls_store[0]
    for period, gap in (("2024-07", "2024-07 missing (calls)"), ("2024-08", "2024-08 partial (calls)")):
        result = count_changes(
            engine=engine, period=Period.parse(period), compare=["previous"], categories=["asb"]
        )
        assert set(result.frame["change"]) == {"missing"}, period
        assert result.frame["z"].null_count() == result.frame.height
        assert gap in result.gaps
    # Two months whose baseline (March-April 2024) the feed holds nothing for.
    result = count_changes(
        engine=engine, period=Period.parse("2024-05..2024-06"), compare=["previous"], categories=["asb"]
    )
    assert set(result.frame["change"]) == {"missing"}
    assert result.frame["after"].to_list()[0] == sum(TRUTH["2024-05"]) + sum(TRUTH["2024-06"])


def test_cli_json_and_table(calls_store: tuple, settings: Settings, tmp_path: Path) -> None:
    _, a, _ = calls_store
    done = cli("changes", "--period", "2024-06", "--area-level", "lsoa", "--category", "asb", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["threshold"] == 3.0 and "Wheeler" in data["threshold_source"]
    assert data["baselines"] == {"previous": "2024-05", "last-year": "2023-06"}
    rise = [r for r in data["rows"] if r["area_code"] == a[0] and r["comparison"] == "last-year"]
    assert rise[0]["change"] == "rise"
    out_csv = tmp_path / "changes.csv"
    done = cli("changes", "--period", "2024-07", "--category", "asb", "--csv", str(out_csv))
    assert done.returncode == 0, done.stderr
    assert "Wheeler" in done.stdout and "(default)" in done.stdout
    assert "2024-07 missing (calls)" in done.stdout
    assert out_csv.read_text().startswith("comparison,period,baseline")
    bad = cli("changes", "--period", "2024-13")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


def test_an_empty_store_says_so(engine: Engine) -> None:
    result = count_changes(engine=engine, period=Period.parse("2020-04"))
    assert result.frame.is_empty() and "no events at all in these months" in result.notes
    asb = count_changes(engine=engine, period=Period.parse("2020-04"), categories=["asb"])
    assert set(asb.frame["change"]) == {"missing"}  # no feed holds those months: not zero
    assert "2020-04 missing (no records in any feed)" in asb.gaps
