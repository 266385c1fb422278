"""Repeat victims, repeat locations and the ASB Case Review on hand-built tiny stores."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal
from sqlalchemy import Engine
from typer.testing import CliRunner

from analysis.test_frequent_callers import add_events, calls
from saferhub.analysis.frequent_callers import frequent_callers
from saferhub.analysis.repeats import asb_case_review, repeat_locations, repeat_victims
from saferhub.analysis.standards import load_standards
from saferhub.briefings.people import with_new_within
from saferhub.config import Settings

AS_OF = dt.date(2026, 11, 25)


def rows(result: Any) -> dict[str, dict[str, Any]]:
    return {r[result.key]: r for r in result.records()}


def report(person: str, reported: str, occurred_days_before: float = 1, **fields: Any) -> dict[str, Any]:
    """An ASB report made on ``reported`` (local noon) about behaviour some days before."""
    at = dt.datetime.fromisoformat(reported).replace(hour=12)
    return {
        "person": person,
        "feed": "asb-reports",
        "agency": fields.pop("agency", "council"),
        "at": at - dt.timedelta(days=occurred_days_before),
        "reported_at": at,
        **fields,
    }


def test_a_repeat_victim_has_two_crime_or_asb_incidents_in_the_rolling_12_months(engine: Engine) -> None:
    add_events(engine, calls("two", "2025-11-27", "2026-11-24", category="crime"))
    add_events(engine, calls("once", "2026-06-01", category="crime"))
    add_events(engine, calls("once", "2026-06-02", category="medical"))  # not a crime or ASB
    add_events(engine, calls("early", "2025-11-25", "2026-06-01", category="asb"))  # first is 366 days back
    add_events(engine, [*calls("mixed", "2026-05-01", category="domestic"), report("mixed", "2026-07-01")])
    add_events(engine, [report("reports", "2026-03-01"), report("reports", "2026-09-01")])
    found = rows(repeat_victims(engine=engine, as_of=AS_OF))
    assert set(found) == {"two", "mixed", "reports"}
    assert found["mixed"]["incidents"] == 2
    assert {x["value"] for x in found["mixed"]["incidents_by_feed"]} == {"calls", "asb-reports"}
    assert found["two"]["new_this_week"] and not found["mixed"]["new_this_week"]


def test_an_asb_report_counts_when_it_was_reported(engine: Engine) -> None:
    # Behaviour 40 days before the window opened, reported inside it: the report counts.
    add_events(engine, [report("late", "2025-12-10", occurred_days_before=55)])
    add_events(engine, calls("late", "2026-02-01", category="asb"))
    assert set(rows(repeat_victims(engine=engine, as_of=AS_OF))) == {"late"}


def test_the_asb_case_review_needs_three_qualifying_complaints_in_six_months(engine: Engine) -> None:
    asb = {"category": "asb"}
    add_events(engine, calls("three", "2026-01-10", "2026-03-10", "2026-07-11", **asb))  # 182 days
    add_events(engine, calls("spread", "2026-01-10", "2026-03-10", "2026-07-13", **asb))  # 184 days
    add_events(engine, calls("ambulance", "2026-05-01", "2026-05-02", agency="ambulance", **asb))
    add_events(engine, calls("ambulance", "2026-05-03", **asb))
    add_events(
        engine,
        [
            report("late", "2026-05-01"),
            report("late", "2026-05-08"),
            report("late", "2026-05-15", occurred_days_before=40),
        ],
    )  # 40 days: not qualifying
    add_events(engine, [report("mixed", "2026-10-01"), report("mixed", "2026-10-20", agency="housing")])
    add_events(engine, calls("mixed", "2026-11-01", **asb))
    found = rows(asb_case_review(engine=engine, as_of=AS_OF))
    assert set(found) == {"three", "mixed"}
    assert found["three"]["threshold_met_at"].startswith("2026-07-11")
    assert found["mixed"]["meets_now"] and not found["three"]["meets_now"]
    assert found["mixed"]["new_this_week"] is False


def test_a_repeat_location_has_a_further_similar_incident_within_12_months(engine: Engine) -> None:
    add_events(engine, calls(None, "2026-02-01", "2026-09-01", category="asb", place="A"))
    add_events(
        engine,
        [report("someone", "2026-04-01", place="B"), *calls(None, "2026-05-01", category="asb", place="B")],
    )
    add_events(
        engine,
        calls(None, "2026-02-01", category="asb", place="C")
        + calls(None, "2026-03-01", category="crime", place="C"),
    )  # not similar
    fire = {"feed": "fire-incidents", "agency": "fire", "category": "fire", "type": "secondary_fire"}
    add_events(
        engine,
        [
            {"at": dt.datetime(2026, 4, 1, 20), "place": "D", "motive": "deliberate", **fire},
            {"at": dt.datetime(2026, 4, 8, 20), "place": "D", "motive": "accidental", **fire},
        ],
    )
    add_events(
        engine,
        [
            {"at": dt.datetime(2026, 4, 1, 20), "place": "E", "motive": "deliberate", **fire},
            {"at": dt.datetime(2026, 4, 8, 20), "place": "E", "motive": "deliberate", **fire},
        ],
    )
    found = rows(repeat_locations(engine=engine, as_of=AS_OF))
    assert set(found) == {"A", "B", "E"}
    assert found["B"]["repeat_categories"] == ["asb"]
    assert found["E"]["repeat_categories"] == ["deliberate_secondary_fire"]


def test_cli_commands_print_json_and_sources(engine: Engine, settings: Settings) -> None:
    from saferhub.cli import app

    add_events(engine, calls("P1", "2026-01-10", "2026-03-10", "2026-07-11", category="asb", place="A"))
    runner = CliRunner()
    for command, key, expected in (
        ("repeat-victims", "person_id", "P1"),
        ("asb-case-review", "person_id", "P1"),
        ("repeat-locations", "place_id", "A"),
    ):
        result = runner.invoke(app, [command, "--as-of", "2026-11-25", "--json"])
        assert result.exit_code == 0, result.output
        assert [r[key] for r in json.loads(result.stdout)] == [expected]
        assert "(" in result.stderr and "zebedee" not in result.output.lower()
        table = runner.invoke(app, [command, "--as-of", "2026-11-25"], env={"COLUMNS": "250"})
        assert table.exit_code == 0 and expected in table.stdout
    assert "2014 s104" in runner.invoke(app, ["asb-case-review", "--json"]).stderr


def test_repeat_locations_of_the_active_places_are_the_whole_lists_rows(engine: Engine) -> None:
    """A briefing reads only the places with an incident in its period: the rows whose
    latest incident falls in the period are the whole list's, field for field."""
    asb = {"category": "asb"}
    add_events(engine, calls(None, "2026-02-01", "2026-07-14", place="A", **asb))  # latest in the period
    add_events(engine, calls(None, "2026-02-01", "2026-06-01", place="B", **asb))  # listed, not active
    add_events(
        engine, calls(None, "2026-03-01", "2026-07-13", hour=23, place="C", **asb)
    )  # 22:00 UTC: before
    add_events(
        engine, calls(None, "2026-03-01", "2026-07-14", hour=0, place="D", **asb)
    )  # 23:00 UTC the 13th
    add_events(engine, calls(None, "2026-07-14", place="E", **asb) + calls(None, "2026-05-01", place="E"))
    # Behaviour 200 days back, reported in the period: the report is dated when it was made.
    add_events(engine, [report("x", "2026-07-15", occurred_days_before=200, place="F")])
    add_events(engine, calls(None, "2026-04-01", place="F", **asb))
    # Reported before the period about behaviour in it: dated before, so not active.
    add_events(engine, [report("y", "2026-07-10", occurred_days_before=-4, place="G")])
    add_events(engine, calls(None, "2026-04-01", place="G", **asb))
    as_of, active = dt.date(2026, 7, 15), (dt.date(2026, 7, 14), dt.date(2026, 7, 15))
    whole = repeat_locations(engine=engine, as_of=as_of).rows
    day = pl.col("last_incident").dt.date()
    expected = whole.filter((day >= active[0]) & (day <= active[1]))
    found = repeat_locations(engine=engine, as_of=as_of, active=active).rows
    assert set(whole["place_id"]) == {"A", "B", "C", "D", "F", "G"}
    assert sorted(expected["place_id"]) == ["A", "D", "F"]
    assert_frame_equal(found.filter((day >= active[0]) & (day <= active[1])), expected)
    assert set(found["place_id"]) <= set(whole["place_id"]) - {"B"}
    quiet = (dt.date(2026, 6, 25), dt.date(2026, 6, 25))  # no incident near that day
    assert repeat_locations(engine=engine, as_of=as_of, active=quiet).rows.height == 0
    assert repeat_victims(engine=engine, as_of=as_of, active=quiet).rows.height == 0
    assert frequent_callers(engine=engine, as_of=as_of, active=quiet).people.height == 0


def test_repeat_victims_of_the_active_people_are_the_whole_lists_rows(engine: Engine) -> None:
    crime = {"category": "crime"}
    add_events(engine, calls("in", "2026-02-01", "2026-07-14", **crime))  # latest in the period
    add_events(engine, calls("before", "2026-02-01", "2026-07-10", **crime))  # listed, not active
    add_events(
        engine, calls("midnight", "2026-03-01", **crime) + calls("midnight", "2026-07-14", hour=0, **crime)
    )
    add_events(engine, calls("other", "2026-03-01", "2026-04-01", **crime) + calls("other", "2026-07-15"))
    add_events(engine, [report("late", "2026-07-15", occurred_days_before=200), report("late", "2026-05-01")])
    as_of, active = dt.date(2026, 7, 15), (dt.date(2026, 7, 14), dt.date(2026, 7, 15))
    whole = repeat_victims(engine=engine, as_of=as_of).rows
    day = pl.col("last_incident").dt.date()
    expected = whole.filter((day >= active[0]) & (day <= active[1]))
    found = repeat_victims(engine=engine, as_of=as_of, active=active).rows
    assert set(whole["person_id"]) == {"in", "before", "midnight", "other", "late"}
    assert sorted(expected["person_id"]) == ["in", "late", "midnight"]
    assert_frame_equal(found.filter((day >= active[0]) & (day <= active[1])), expected)
    assert set(found["person_id"]) <= set(whole["person_id"]) - {"before", "other"}


def test_frequent_callers_and_case_reviews_of_the_active_people_are_the_whole_lists_rows(
    engine: Engine,
) -> None:
    """As a briefing of 24-25 November asks: new on a list means new within those days."""
    add_events(engine, calls("new", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-20", "2026-11-24"))
    add_events(engine, calls("march", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-31"))
    add_events(engine, calls("again", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-31"))
    add_events(engine, calls("again", "2026-11-25", category="asb"))
    add_events(engine, calls("review", "2026-10-01", "2026-10-20", "2026-11-24", category="asb"))
    add_events(engine, calls("old review", "2026-06-01", "2026-06-20", "2026-07-24", category="asb"))
    std = with_new_within(load_standards(), 2)
    active = (dt.date(2026, 11, 24), AS_OF)
    last = {"frequent": "last_contact", "review": "last_incident"}
    for what, analysis in (
        ("frequent", lambda **kw: frequent_callers(**kw).people),
        ("review", lambda **kw: asb_case_review(**kw).rows),
    ):
        whole = analysis(engine=engine, as_of=AS_OF, standards=std)
        found = analysis(engine=engine, as_of=AS_OF, standards=std, active=active)
        day = pl.col(last[what]).dt.date()
        in_days = (day >= active[0]) & (day <= active[1])
        assert_frame_equal(found.filter(in_days), whole.filter(in_days))
        assert_frame_equal(found.filter("new_this_week"), whole.filter("new_this_week"))
        assert set(found["person_id"]) < set(whole["person_id"])
        assert whole.filter("new_this_week")["person_id"].to_list() == [
            {"frequent": "new", "review": "review"}[what]
        ]
    assert set(
        frequent_callers(engine=engine, as_of=AS_OF, standards=std, active=active).people["person_id"]
    ) == {
        "new",
        "again",
    }
