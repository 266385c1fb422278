"""Repeat victims, ASB Case Review and repeat locations on a synthetic year against the
generator's ground truth, with the hub's own linkage and places and with the truth's.

A year at scale 0.2 (seed 3), as in test_frequent_callers_synthetic. Measured 2026-11-26
with the linkage then in the tree (SQLite and PostgreSQL alike), with the hub's own
linkage and places:

- repeat victims: 2,767 listed, precision 0.999, recall 0.950 (2,761 of 2,907);
- ASB Case Review: 50 listed, precision 0.98, recall 0.845 (49 of 58);
- repeat locations: 3,753 listed, precision 1.0, recall 0.942 (3,753 of 3,983).

With the truth's people and places every list is exact (precision and recall 1.0), and
every person missed or wrongly listed is explained by linkage: their mentions split over
two people or merged with someone else's (146 of 146 missed repeat victims, 3 of 3
wrong). Recall 0.95 for repeat victims is on the edge of what this linkage allows, so the
test asks 0.93 and that every miss is linkage's. Places are missed because the truth
places every incident while 7% of the calls, ASB reports and fires here get no place
from the hub (0.6% have no location at all; the rest a location the place resolver does
not turn into a place). Nothing is listed wrongly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from analysis.test_frequent_callers_synthetic import DAYS, SCALE, SEED, database
from saferhub.analysis import evaluate_people as ev
from saferhub.analysis.frequent_callers import frequent_callers
from saferhub.analysis.repeats import asb_case_review, repeat_locations, repeat_victims
from saferhub.analysis.standards import load_standards
from saferhub.briefings.people import with_new_within
from saferhub.config import Settings
from saferhub.store import connect
from saferhub.synth import DEFAULT_END_DATE

PEOPLE = {"repeat_victim": repeat_victims, "asb_case_review": asb_case_review}


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("repeats_synth")
    for url in database(tmp):
        engine = connect(url)
        settings = Settings(database_url=url, data_dir=tmp / "hub")
        truth = ev.build_synthetic_hub(
            settings=settings, engine=engine, out_dir=tmp / "synth", days=DAYS, seed=SEED, scale=SCALE
        )
        out: dict[str, Any] = {}
        for oracle in (False, True):
            if oracle:
                ev.use_truth_links(engine=engine, truth_dir=truth)
                ev.use_truth_places(engine=engine, truth_dir=truth)
            side = "oracle" if oracle else "hub"
            people = ev.person_truth(engine=engine, truth_dir=truth)
            for flag, analysis in PEOPLE.items():
                listed = analysis(engine=engine, as_of=DEFAULT_END_DATE).rows["person_id"].to_list()
                flagged = ev.flagged(truth, "people.csv", flag)
                out[side, flag] = ev.score_list(listed, people, flagged, "person_id")
                if not oracle:
                    out["explained", flag] = ev.explain(
                        engine=engine, truth_dir=truth, listed=listed, flag=flag
                    )
            places = ev.place_truth(engine=engine, truth_dir=truth)
            listed = repeat_locations(engine=engine, as_of=DEFAULT_END_DATE).rows["place_id"].to_list()
            out[side, "repeat_location"] = ev.score_list(
                listed, places, ev.flagged(truth, "places.csv", "repeat_location"), "place_id"
            )
            if not oracle:
                out["active"] = active_against_whole(engine)
        engine.dispose()
        yield out


ACTIVE: dict[str, tuple[Callable[..., pl.DataFrame], str]] = {
    "repeat locations": (lambda **kw: repeat_locations(**kw).rows, "last_incident"),
    "repeat victims": (lambda **kw: repeat_victims(**kw).rows, "last_incident"),
    "ASB case review": (lambda **kw: asb_case_review(**kw).rows, "last_incident"),
    "frequent callers": (lambda **kw: frequent_callers(addresses=False, **kw).people, "last_contact"),
}
# A day, a weekend over the change to summer time (29 March 2026), days and weeks through the year.
PERIODS = [(1, DEFAULT_END_DATE), (7, DEFAULT_END_DATE), (3, dt.date(2026, 3, 29)), (7, dt.date(2026, 8, 2))]
PERIODS += [(1, dt.date(2026, 1, 14)), (7, dt.date(2026, 5, 10)), (7, dt.date(2026, 10, 4))]


def active_against_whole(engine: Engine) -> list[tuple[str, int, dt.date, pl.DataFrame, pl.DataFrame]]:
    """(list, days, last day, the whole list, the list of those active on those days) as a
    briefing of those days makes them: 'new' meaning new within those days."""
    out = []
    for name, (analysis, _) in ACTIVE.items():
        for days, as_of in PERIODS:
            std = with_new_within(load_standards(), days)
            first = as_of - dt.timedelta(days=days - 1)
            whole = analysis(engine=engine, as_of=as_of, standards=std)
            active = analysis(engine=engine, as_of=as_of, standards=std, active=(first, as_of))
            out.append((name, days, as_of, whole, active))
    return out


def test_the_lists_of_those_active_in_a_period_equal_the_whole_lists(measured: dict[str, Any]) -> None:
    """What a briefing reads (the places and people with a call or incident in its period)
    gives the same rows, field for field, as the whole 12 months' list cut to the period;
    and everyone new on a list is among them, as the briefing's people lists assume."""
    shown: dict[str, int] = {}
    for name, days, as_of, whole, active in measured["active"]:
        day = pl.col(ACTIVE[name][1]).dt.date()
        in_days = (day > as_of - dt.timedelta(days=days)) & (day <= as_of)
        assert_frame_equal(active.filter(in_days), whole.filter(in_days))
        new = pl.col("new_this_week")
        assert whole.filter(new & ~in_days).height == 0, (name, days, as_of)
        assert_frame_equal(active.filter(new), whole.filter(new))
        shown[name] = shown.get(name, 0) + whole.filter(in_days).height
    assert min(shown.values()) > 0, shown  # every list was tested on some rows


@pytest.mark.parametrize("flag", ["repeat_victim", "asb_case_review", "repeat_location"])
def test_the_rules_reproduce_the_truth_exactly_given_the_true_people_and_places(
    measured: dict[str, Any], flag: str
) -> None:
    s = measured["oracle", flag]
    assert s.truth >= 30, s.as_dict()  # enough to measure
    assert s.precision >= 0.95 and s.recall >= 0.95, s.as_dict()


def test_repeat_victims_with_the_hubs_linkage(measured: dict[str, Any]) -> None:
    s, why = measured["hub", "repeat_victim"], measured["explained", "repeat_victim"]
    print(f"\nrepeat victims with the hub's linkage: {s.as_dict()}")
    assert s.precision >= 0.95, s.as_dict()
    # 0.950 measured: at the edge of what linkage allows (every miss accounted for below).
    assert s.recall >= 0.93, s.as_dict()
    assert why.missed == why.missed_linkage and why.wrong == why.wrong_merged, why.as_dict()


def test_asb_case_review_with_the_hubs_linkage(measured: dict[str, Any]) -> None:
    s, why = measured["hub", "asb_case_review"], measured["explained", "asb_case_review"]
    print(f"\nASB case review with the hub's linkage: {s.as_dict()}")
    assert s.precision >= 0.9 and s.recall >= 0.8, s.as_dict()
    assert why.missed == why.missed_linkage and why.wrong == why.wrong_merged, why.as_dict()


def test_repeat_locations_with_the_hubs_places(measured: dict[str, Any]) -> None:
    s = measured["hub", "repeat_location"]
    print(f"\nrepeat locations with the hub's places: {s.as_dict()}")
    assert s.precision >= 0.95 and s.recall >= 0.9, s.as_dict()
