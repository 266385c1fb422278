"""The ground truth agrees with the files and with the published definitions.

Each definition is recomputed here, independently of the generator, from the feed
files, truth/mentions.csv and the true dates of birth.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import polars as pl
import pytest

from saferhub.synth import SynthSummary

ROLES = {"calls": ("caller",), "asb-reports": ("reporter", "subject"),
         "fire-incidents": ("occupant",), "referrals": ("subject",),
         "intelligence": ("subject", "associate")}
PERSON = ("first_name", "last_name", "dob", "phone", "address", "postcode", "ref")


def _feed(s: SynthSummary, name: str) -> pl.DataFrame:
    frame = pl.read_csv(s.out_dir / f"{name}.csv.gz", infer_schema=False)
    if "agency" not in frame.columns:
        frame = frame.with_columns(agency=pl.lit("fire"))
    return frame


def _truth(s: SynthSummary, name: str) -> pl.DataFrame:
    return pl.read_csv(s.out_dir / "truth" / f"{name}.csv", infer_schema=False)


def _flag(frame: pl.DataFrame, column: str) -> set[str]:
    return set(frame.filter(pl.col(column) == "true")["person_id"].to_list())


def _planted(people: pl.DataFrame, label: str) -> set[str]:
    rows = people.filter(pl.col("planted").fill_null("").str.split(";").list.contains(label))
    return set(rows["person_id"].to_list())


def _wall_clock(text: str) -> dt.datetime:
    """The local date and time a row states (an offset, if any, is dropped)."""
    return dt.datetime.fromisoformat(text[:19] if len(text) >= 19 else text)


def _events(s: SynthSummary, feed: str, role: str, when: str) -> pl.DataFrame:
    m = _truth(s, "mentions").filter((pl.col("feed") == feed) & (pl.col("role") == role))
    return m.join(_feed(s, feed), on=["agency", "source_id"])


@pytest.mark.parametrize("fixture", ["small", "year"])
def test_mentions_match_named_rows_both_ways(fixture: str, request: pytest.FixtureRequest
                                             ) -> None:
    s: SynthSummary = request.getfixturevalue(fixture)
    mentions = _truth(s, "mentions")
    total = 0
    for feed, roles in ROLES.items():
        frame = _feed(s, feed)
        for role in roles:
            named = frame.filter(pl.any_horizontal(pl.col(f"{role}_{c}").is_not_null()
                                                   for c in PERSON))
            mine = mentions.filter((pl.col("feed") == feed) & (pl.col("role") == role))
            assert named.height == mine.height, (feed, role)
            assert set(named.select("agency", "source_id").iter_rows()) == set(
                mine.select("agency", "source_id").iter_rows()), (feed, role)
            total += mine.height
    assert total == mentions.height


def test_truth_files_refer_to_each_other(year: SynthSummary) -> None:
    people, places = _truth(year, "people"), _truth(year, "places")
    place_ids = set(places["place_id"].to_list())
    assert set(_truth(year, "mentions")["person_id"].to_list()) <= set(people["person_id"])
    assert set(people["home_place_id"].to_list()) <= place_ids
    locations = _truth(year, "locations")
    assert set(locations["place_id"].to_list()) <= place_ids
    located = sum(year.rows[f"{f}.csv.gz"] for f in ("calls", "asb-reports", "fire-incidents",
                                                      "intelligence"))
    assert locations.height == located
    flats = places.filter(pl.col("kind") == "flat")
    assert flats.group_by("building_id").len()["len"].max() > 1  # flats share buildings
    assert places.filter(pl.col("kind") == "street")["building_id"].null_count() == \
        places.filter(pl.col("kind") == "street").height
    wirral = places.filter(pl.col("lsoa11cd").is_not_null())
    assert wirral["lsoa11cd"].str.starts_with("E01").all()
    assert (wirral["postcode"].str.slice(0, 2) == "CH").all()


def test_frequent_callers_meet_frecann(year: SynthSummary) -> None:
    people = _truth(year, "people")
    dob = {p: dt.date.fromisoformat(d) for p, d in people.select("person_id", "dob").iter_rows()}
    calls = _events(year, "calls", "caller", "received_at")
    adult_months: dict[str, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    child_times: dict[str, list[dt.datetime]] = defaultdict(list)
    for person, text in calls.select("person_id", "received_at").iter_rows():
        when = _wall_clock(text)
        born = dob[person]
        age = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
        if age >= 18:
            adult_months[person][(when.year, when.month)] += 1
        else:
            child_times[person].append(when)
    expected = set()
    for person, months in adult_months.items():
        index = {y * 12 + m: n for (y, m), n in months.items()}
        if max(index.values()) >= 5 or any(
                sum(index.get(k + i, 0) for i in range(3)) >= 12 for k in index):
            expected.add(person)
    for person, times in child_times.items():
        times.sort()
        if any(times[i + 2] - times[i] <= dt.timedelta(days=183) for i in range(len(times) - 2)):
            expected.add(person)
    flagged = _flag(people, "frequent_caller")
    assert flagged == expected
    planted = _planted(people, "frequent_caller") | _planted(people, "frequent_caller_child")
    assert planted and planted <= flagged
    # Ordinary people seldom reach the threshold by chance.
    assert len(flagged - planted) <= max(3, len(planted) // 2)
    places = _truth(year, "places").filter(pl.col("communal_frequent_calling") == "true")
    assert set(places["communal_type"].to_list()) == {"care_home", "hostel"}


def test_asb_case_review_and_repeat_victims(year: SynthSummary) -> None:
    people = _truth(year, "people")
    calls = _events(year, "calls", "caller", "received_at")
    reports = _events(year, "asb-reports", "reporter", "reported_at")
    complaints: dict[str, list[dt.datetime]] = defaultdict(list)
    incidents: dict[str, list[dt.datetime]] = defaultdict(list)
    for person, agency, category, text in calls.select(
            "person_id", "agency", "category", "received_at").iter_rows():
        if category == "asb" and agency in ("police", "council", "housing"):
            complaints[person].append(_wall_clock(text))
        if category in ("asb", "crime", "domestic"):
            incidents[person].append(_wall_clock(text))
    for person, reported, occurred in reports.select(
            "person_id", "reported_at", "occurred_at").iter_rows():
        r = _wall_clock(reported)
        incidents[person].append(r)
        if occurred is None or r - _wall_clock(occurred) <= dt.timedelta(days=31):
            complaints[person].append(r)

    def within(times: list[dt.datetime], k: int, days: int) -> bool:
        times = sorted(times)
        return any(times[i + k - 1] - times[i] <= dt.timedelta(days=days)
                   for i in range(len(times) - k + 1))

    review = {p for p, t in complaints.items() if within(t, 3, 183)}
    repeat = {p for p, t in incidents.items() if within(t, 2, 365)}
    assert _flag(people, "asb_case_review") == review
    assert _flag(people, "repeat_victim") == repeat
    assert _planted(people, "asb_case_review") <= review
    misses = _planted(people, "asb_case_review_near_miss")
    assert misses and len(misses & review) <= len(misses) // 2
    assert _planted(people, "repeat_victim") <= repeat


def test_cuckooed_homes_show_the_indicators(year: SynthSummary) -> None:
    people, places = _truth(year, "people"), _truth(year, "places")
    cuckooed = places.filter(pl.col("cuckooed") == "true")
    assert cuckooed.height >= 2
    residents = people.filter(pl.col("cuckooed_resident") == "true")
    assert set(residents["home_place_id"].to_list()) == set(cuckooed["place_id"].to_list())
    assert (residents["vulnerable"] == "true").all()
    referred = set(_events(year, "referrals", "subject", "referred_at")["person_id"].to_list())
    assert set(residents["person_id"].to_list()) <= referred
    intel = _feed(year, "intelligence").join(
        _truth(year, "locations").filter(pl.col("feed") == "intelligence"),
        on=["agency", "source_id"])
    named = intel.filter(pl.col("place_id").is_in(cuckooed["place_id"].to_list()))
    assert set(named["place_id"].to_list()) == set(cuckooed["place_id"].to_list())
    assert named["tags"].str.contains("drugs").all()
    exploiters = _flag(people, "exploiter")
    subjects = set(_events(year, "intelligence", "subject", "recorded_at")["person_id"])
    assert exploiters & subjects
    # Some exploiters live outside Wirral (county lines from Liverpool).
    homes = people.filter(pl.col("exploiter") == "true")["home_place_id"].to_list()
    outside = places.filter(pl.col("place_id").is_in(homes) & pl.col("lsoa11cd").is_null())
    assert outside.height > 0


def test_hotspots_are_planted_where_they_say(year: SynthSummary) -> None:
    hotspots = _truth(year, "hotspots")
    assert set(hotspots["category"]) == {"asb", "deliberate_secondary_fire"}
    assert {"persistent", "emerging"} <= set(hotspots["kind"])
    fires = _feed(year, "fire-incidents").filter(
        (pl.col("incident_type") == "secondary_fire") & (pl.col("motive") == "deliberate"))
    for h in hotspots.filter(pl.col("category") == "deliberate_secondary_fire").iter_rows(
            named=True):
        e, n, r = int(h["centre_easting"]), int(h["centre_northing"]), int(h["radius_m"])
        near = fires.filter(
            ((pl.col("easting").cast(pl.Float64) - e) ** 2
             + (pl.col("northing").cast(pl.Float64) - n) ** 2 <= (r + 20) ** 2)
            & (pl.col("occurred_at").str.slice(0, 10) >= h["start_date"])
            & (pl.col("occurred_at").str.slice(0, 10) <= h["end_date"]))
        assert near.height >= int(h["planted_events"]), h["hotspot_id"]
