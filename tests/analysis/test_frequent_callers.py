"""Frequent callers on hand-built tiny stores: the FreCaNN boundaries, one case each."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from saferhub.analysis.frequent_callers import frequent_callers
from saferhub.analysis.standards import load_standards
from saferhub.config import Settings
from saferhub.store.bulk import append_frame

LONDON = ZoneInfo("Europe/London")
AS_OF = dt.date(2026, 11, 25)
_counter: Iterator[int] = iter(range(1, 10**9))


def utc(local: dt.datetime) -> dt.datetime:
    """A Europe/London wall-clock time as the store keeps it: naive UTC."""
    return local.replace(tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def add_events(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Events with at most one linked person each, straight into the store.

    Each row: at (local datetime), person (id or None), and optionally feed (calls), role
    (caller), agency (police), category (welfare), channel, attended, dob, place,
    place_kind, address, reported_at (local), type, motive.
    """
    with engine.begin() as conn:
        if not conn.exec_driver_sql("SELECT count(*) FROM imports").scalar():
            conn.exec_driver_sql(
                "INSERT INTO imports (id, feed, file_name, file_sha256, started_at, read, imported, "
                "updated, unchanged, quarantined) "
                "VALUES (1, 'calls', 'test', '', '2026-01-01 00:00:00', 0, 0, 0, 0, 0)"
            )
        events, mentions, links, places, event_places = [], [], [], {}, []
        for row in rows:
            n = next(_counter)
            attributes: dict[str, Any] = {
                "channel": row.get("channel", "999"),
                "attended": row.get("attended", True),
            }
            if "reported_at" in row:
                attributes["reported_at"] = utc(row["reported_at"]).isoformat() + "Z"
            if "motive" in row:
                attributes["motive"] = row["motive"]
            feed = row.get("feed", "calls")
            events.append(
                {
                    "id": n,
                    "feed": feed,
                    "agency": row.get("agency", "police"),
                    "source_id": f"S{n}",
                    "source_key": n,
                    "occurred_at": utc(row["at"]),
                    "time_precision": "second",
                    "category": row.get("category", "asb" if feed == "asb-reports" else "welfare"),
                    "type": row.get("type"),
                    "address": row.get("address"),
                    "attributes": json.dumps(attributes),
                    "content_hash": "x",
                    "import_id": 1,
                }
            )
            if row.get("person"):
                role = row.get("role", "reporter" if feed == "asb-reports" else "caller")
                mentions.append(
                    {
                        "id": n,
                        "event_id": n,
                        "role": role,
                        "raw": "{}",
                        "first_name": "Zebedee",
                        "last_name": "Quist",
                        "dob": row.get("dob"),
                    }
                )
                links.append(
                    {
                        "mention_id": n,
                        "person_id": row["person"],
                        "fingerprint": "",
                        "linkable": True,
                        "run_id": 1,
                    }
                )
            if row.get("place"):
                places[row["place"]] = {
                    "place_id": row["place"],
                    "kind": row.get("place_kind", "address"),
                    "address": row.get("address") or "1 Any Road",
                    "records": 0,
                    "created_at": dt.datetime(2026, 1, 1),
                }
                event_places.append(
                    {"event_id": n, "place_id": row["place"], "method": "address", "basis": 0}
                )
        known = {r[0] for r in conn.exec_driver_sql("SELECT place_id FROM places").all()}
        frames = [
            ("events", pl.DataFrame(events, schema_overrides={"type": pl.String, "address": pl.String})),
            ("person_mentions", pl.DataFrame(mentions, schema_overrides={"dob": pl.Date})),
            ("person_links", pl.DataFrame(links)),
            ("places", pl.DataFrame([p for k, p in places.items() if k not in known])),
            ("event_places", pl.DataFrame(event_places)),
        ]
        for table, frame in frames:
            if frame.height:
                append_frame(conn, table, frame)


def calls(person: str | None, *days: str, hour: int = 12, **fields: Any) -> list[dict[str, Any]]:
    """One call per day given (YYYY-MM-DD), at ``hour`` local time."""
    return [{"person": person, "at": dt.datetime.fromisoformat(d).replace(hour=hour), **fields} for d in days]


def listed(engine: Engine, as_of: dt.date = AS_OF, **kwargs: Any) -> dict[str, dict[str, Any]]:
    result = frequent_callers(engine=engine, as_of=as_of, **kwargs)
    return {r["person_id"]: r for r in result.records()}


def test_five_calls_in_a_calendar_month_make_an_adult_frequent_caller_four_do_not(engine: Engine) -> None:
    add_events(engine, calls("four", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-31"))
    add_events(engine, calls("five", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-31"))
    # Five calls in 30 days, but across two calendar months: not the monthly rule.
    add_events(
        engine, calls("straddle", "2026-03-20", "2026-03-25", "2026-03-30", "2026-04-02", "2026-04-10")
    )
    people = listed(engine)
    assert set(people) == {"five"}
    assert people["five"]["months_over_threshold"] == ["2026-03"]
    assert people["five"]["rules"] == ["adult_month"]
    assert people["five"]["calls"] == 5


def test_calendar_months_are_local_time(engine: Engine) -> None:
    # 00:30 on 1 April BST is 23:30 on 31 March UTC: the call belongs to April.
    add_events(engine, calls("p", "2026-04-01", hour=0))
    add_events(engine, calls("p", "2026-04-03", "2026-04-05", "2026-04-07", "2026-04-09"))
    people = listed(engine)
    assert people["p"]["months_over_threshold"] == ["2026-04"]


def test_twelve_calls_in_three_consecutive_months_eleven_do_not(engine: Engine) -> None:
    four = ["-03", "-10", "-17", "-24"]
    three = ["-03", "-10", "-17"]
    add_events(engine, calls("twelve", *[f"2026-0{m}{d}" for m in (5, 6, 7) for d in four]))
    add_events(
        engine,
        calls("eleven", *[f"2026-0{m}{d}" for m in (5, 6) for d in four], *[f"2026-07{d}" for d in three]),
    )
    # Twelve in all, but over May, July and September: never three consecutive months.
    add_events(engine, calls("spread", *[f"2026-0{m}{d}" for m in (5, 7, 9) for d in four]))
    people = listed(engine)
    assert set(people) == {"twelve"}
    assert people["twelve"]["rules"] == ["adult_3_months"]
    assert people["twelve"]["months_over_threshold"] == ["2026-07"]


def test_a_child_is_judged_by_age_on_the_call_date(engine: Engine) -> None:
    # Turns 18 on 2026-06-15: calls before that date are a child's.
    dob = dt.date(2008, 6, 15)
    add_events(engine, calls("child", "2026-03-01", "2026-04-01", "2026-06-14", dob=dob))
    add_events(engine, calls("turned18", "2026-03-01", "2026-04-01", "2026-06-15", dob=dob))
    add_events(engine, calls("adult", "2026-03-01", "2026-04-01", "2026-05-01", dob=dt.date(1990, 1, 1)))
    people = listed(engine)
    assert set(people) == {"child"}
    assert people["child"]["rules"] == ["child_6_months"]


def test_the_best_known_date_of_birth_is_the_one_given_most_often(engine: Engine) -> None:
    add_events(engine, calls("p", "2026-03-01", "2026-04-01", dob=dt.date(2012, 2, 2)))
    add_events(engine, calls("p", "2026-05-01", dob=dt.date(1970, 2, 2)))  # a slip by one agency
    assert listed(engine)["p"]["rules"] == ["child_6_months"]


def test_the_childs_six_months_are_183_days_first_to_last(engine: Engine) -> None:
    dob = dt.date(2015, 1, 1)
    add_events(engine, calls("in", "2026-01-05", "2026-03-01", dob=dob, hour=10))
    add_events(engine, [{"person": "in", "at": dt.datetime(2026, 7, 7, 10, 0), "dob": dob}])  # 183 days
    add_events(engine, calls("out", "2026-01-05", "2026-03-01", dob=dob, hour=10))
    add_events(engine, [{"person": "out", "at": dt.datetime(2026, 7, 7, 10, 1), "dob": dob}])  # a minute over
    assert set(listed(engine)) == {"in"}


def test_the_list_covers_the_lookback_to_the_as_of_day_and_says_who_is_new(engine: Engine) -> None:
    month = ["2026-11-02", "2026-11-05", "2026-11-10", "2026-11-12"]
    add_events(engine, calls("old", *month, "2026-11-14"))
    add_events(engine, calls("new", *month, "2026-11-20"))  # fifth call within the last week
    add_events(engine, calls("later", *month, "2026-11-26"))  # fifth call after the as-of day
    add_events(engine, calls("gone", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05"))
    people = listed(engine)
    assert set(people) == {"old", "new"}
    assert people["new"]["new_this_week"] and not people["old"]["new_this_week"]
    assert set(listed(engine, as_of=dt.date(2026, 11, 26))) == {"old", "new", "later"}
    assert "gone" in listed(engine, lookback_days=500)


def test_calls_by_agency_channel_category_trend_and_cost(engine: Engine) -> None:
    days = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"]
    add_events(engine, calls("p", *days, agency="ambulance", category="medical", channel="999"))
    add_events(engine, calls("p", "2026-10-05", "2026-10-06", agency="police", channel="101"))
    add_events(engine, calls("p", "2026-10-07", agency="fire", category="false_alarm", attended=False))
    add_events(engine, calls("p", "2026-10-08", agency="fire", category="false_alarm"))
    p = listed(engine)["p"]
    assert p["calls"] == 8
    assert p["agencies"] == ["ambulance", "fire", "police"]
    assert p["calls_by_agency"] == [
        {"value": "ambulance", "n": 4},
        {"value": "fire", "n": 2},
        {"value": "police", "n": 2},
    ]
    assert {"value": "101", "n": 2} in p["calls_by_channel"]
    assert {"value": "false_alarm", "n": 2} in p["calls_by_category"]
    # 4 ambulance calls at £99, one attended false alarm at £240; the unattended alarm
    # costs nothing; police calls have no national figure and stay uncosted.
    assert p["cost_estimate"] == pytest.approx(4 * 99 + 240)
    assert p["uncosted_calls"] == 2
    assert not p["cost_includes_local_estimates"]
    # All 8 calls in the last 91 days, none in the 91 before: z = 2 * sqrt(8) = 5.66.
    assert (p["calls_last_period"], p["calls_previous_period"]) == (8, 0)
    assert p["trend"] == "rising" and p["trend_z"] == pytest.approx(5.66)
    assert (p["first_contact"], p["last_contact"]) == ("2026-10-01T12:00", "2026-10-08T12:00")


def test_a_local_cost_is_used_and_marked(engine: Engine, tmp_path: Any) -> None:
    add_events(engine, calls("p", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05"))
    local = tmp_path / "standards.toml"
    local.write_text(
        '[costs.police_call]\npounds = 50\nprice_year = "2025/26"\nsource = "our finance team"\n'
    )
    p = listed(engine, standards=load_standards(local))["p"]
    assert p["cost_estimate"] == 250 and p["uncosted_calls"] == 0 and p["cost_includes_local_estimates"]


def test_addresses_communal_15_a_month_other_addresses_5(engine: Engine) -> None:
    days15 = [f"2026-05-{d:02d}" for d in range(1, 16)]
    add_events(engine, calls(None, *days15, place="CARE", address="Ferry Lodge Care Home, Bluebell Lane"))
    add_events(engine, calls(None, *days15[:14], place="HOSTEL", place_kind="communal"))
    add_events(engine, calls(None, *days15[:5], place="HOUSE"))
    add_events(engine, calls(None, *days15[:4], place="FLAT"))
    add_events(engine, calls(None, *days15, place="STREET", place_kind="street"))
    result = frequent_callers(engine=engine, as_of=AS_OF)
    rows = {r["place_id"]: r for r in result.address_records()}
    assert set(rows) == {"CARE", "HOUSE"}
    assert rows["CARE"]["communal"] and rows["CARE"]["rules"] == ["communal_month"]
    assert not rows["HOUSE"]["communal"] and rows["HOUSE"]["rules"] == ["address_month"]
    assert rows["CARE"]["calls"] == 15 and rows["CARE"]["months_over_threshold"] == ["2026-05"]


def test_cli_json_lists_ids_and_counts_and_no_names(engine: Engine, settings: Settings) -> None:
    from saferhub.cli import app

    add_events(
        engine, calls("P0000001", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05")
    )
    result = CliRunner().invoke(app, ["frequent-callers", "--as-of", "2026-11-25", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["person_id"] for r in records] == ["P0000001"]
    assert {"person_id", "calls", "agencies", "months_over_threshold", "cost_estimate"} <= set(records[0])
    assert "zebedee" not in result.output.lower() and "quist" not in result.output.lower()
    # Sources of the figures are shown (on stderr with --json).
    assert "FreCaNN" in result.stderr and "NHS reference costs 2013/14" in result.stderr
    table = CliRunner().invoke(app, ["frequent-callers", "--as-of", "2026-11-25"], env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "P0000001" in table.stdout and "regression to the mean" in table.stdout
    assert "zebedee" not in table.output.lower()


def test_local_time_matches_the_time_zone_database() -> None:
    import numpy as np

    from saferhub.analysis.demand import localise

    rng = np.random.default_rng(1)
    seconds = rng.integers(dt.datetime(1996, 1, 1).timestamp(), dt.datetime(2040, 1, 1).timestamp(), 200_000)
    # Every summer-time change from 1996 to 2039, and a second either side of it.
    changes = []
    for year in range(1996, 2040):
        for month in (3, 10):
            last = dt.date(year, month, 31)
            sunday = last - dt.timedelta(days=(last.weekday() + 1) % 7)
            at = dt.datetime.combine(sunday, dt.time(1), dt.UTC).timestamp()
            changes += [at - 1, at, at + 1]
    frame = pl.DataFrame({"at": np.concatenate([seconds, np.array(changes, dtype=np.int64)])}).select(
        pl.from_epoch("at", time_unit="s").cast(pl.Datetime("us"))
    )
    expected = frame.select(
        pl.col("at")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone("Europe/London")
        .dt.replace_time_zone(None)
    )
    assert localise(frame, "at")["at"].equals(expected["at"])


def test_people_whose_ids_hash_alike_are_still_told_apart() -> None:
    from saferhub.analysis.frequent_callers import _numbered

    at = dt.datetime(2026, 11, 1, 12)
    rows = pl.DataFrame(
        {
            "person_id": ["A", "A", "B", "B", "B", "C", "C", "C", "C"],
            "event_id": [1, 2, 3, 4, 5, 6, None, 8, 9],
            "at": [at] * 9,
            "dob": [None] * 9,
        },
        schema={"person_id": pl.String, "event_id": pl.Int64, "at": pl.Datetime("us"), "dob": pl.Date},
    )
    exact, exact_names = _numbered(rows, 3)
    # Every id with one hash: A's two calls and B's three must not make one person of five.
    clashing, names = _numbered(rows, 3, hashed=pl.lit(7, pl.UInt64))
    assert sorted(exact_names["person_id"].to_list()) == sorted(names["person_id"].to_list()) == ["B", "C"]
    assert clashing["code"].n_unique() == 2 and clashing.height == exact.height == 7
    pairs = clashing.select("person_id", "code").unique()
    assert pairs.height == 2 and pairs["code"].n_unique() == 2


def test_calls_read_in_bulk_keep_their_exact_event_ids_and_times(engine: Engine) -> None:
    """The bulk read packs a call's event id and time into one number: both come back
    exactly, at the window's first and last second too, and a row that only gives a date
    of birth keeps both empty."""
    from saferhub.analysis import demand

    start, end = demand.utc_bounds(dt.date(2026, 1, 1), AS_OF)
    first, last = start, end - dt.timedelta(seconds=1)
    local = [v.replace(tzinfo=dt.UTC).astimezone(LONDON).replace(tzinfo=None) for v in (first, last)]
    add_events(
        engine,
        [
            {"person": "P1", "at": local[0], "dob": dt.date(1970, 5, 17)},
            {"person": "P1", "at": local[1]},
            {"person": "P2", "at": dt.datetime(2026, 7, 3, 9, 41, 7)},
            {"person": "P2", "at": local[0] - dt.timedelta(seconds=1)},  # before the window
            {"person": "P3", "at": dt.datetime(2025, 6, 1, 12), "dob": dt.date(2011, 2, 28)},
        ],
    )
    with engine.connect() as conn:
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM events ORDER BY id").all()]
        rows = demand.caller_calls(conn, start=start, end=end).sort("event_id", nulls_last=True)
    assert rows.to_dicts() == [
        {"person_id": "P1", "event_id": ids[0], "at": local[0], "dob": dt.date(1970, 5, 17)},
        {"person_id": "P1", "event_id": ids[1], "at": local[1], "dob": None},
        {"person_id": "P2", "event_id": ids[2], "at": dt.datetime(2026, 7, 3, 9, 41, 7), "dob": None},
        {"person_id": "P3", "event_id": None, "at": None, "dob": dt.date(2011, 2, 28)},
    ]
