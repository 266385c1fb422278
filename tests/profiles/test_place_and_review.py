"""The place profile and the review queue behind the access layer."""

from __future__ import annotations

import json

import polars as pl
import pytest
from sqlalchemy import select

from profiles.helpers import AS_OF, WHERE, Hub, reader
from saferhub.access import Level, recent
from saferhub.analysis.repeats import repeat_locations
from saferhub.profiles import Denied, NotFound, place_profile, review_decision, review_items
from saferhub.profiles.schemas import PlaceProfileOut, ReviewQueueOut
from saferhub.store.models import Event
from saferhub.store.people_models import PersonLinkDecision
from saferhub.store.place_models import EventPlace


def _places(hub: Hub) -> pl.DataFrame:
    e, ep = Event.__table__.c, EventPlace.__table__.c
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(ep.place_id, e.id, e.feed, e.agency).join(Event.__table__, e.id == ep.event_id)
        ).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"place_id": pl.String, "event_id": pl.Int64, "feed": pl.String, "agency": pl.String},
        orient="row",
    ).drop_nulls("place_id")


def test_a_place_shows_the_incidents_there_that_the_reader_may_see(hub: Hub) -> None:
    places = _places(hub)
    listed = set(repeat_locations(engine=hub.engine, as_of=AS_OF).rows["place_id"])
    busiest = places.group_by("place_id").len().sort(["len", "place_id"], descending=[True, False])
    for place_id in busiest["place_id"].head(3).to_list():
        there = places.filter(pl.col("place_id") == place_id)
        for agency in ("police", "fire", "third_sector"):
            levels = [
                hub.agreement.decide(reader(agency), f, a).level
                for f, a in there.select("feed", "agency").iter_rows()
            ]
            expected = {e for e, lv in zip(there["event_id"], levels, strict=True) if lv is not Level.NONE}
            if not any(lv is Level.FULL for lv in levels):
                with pytest.raises(NotFound):
                    place_profile(
                        engine=hub.engine,
                        reader=reader(agency),
                        agreement=hub.agreement,
                        where_from=WHERE,
                        place_id=place_id,
                        as_of=AS_OF,
                    )
                continue
            profile = place_profile(
                engine=hub.engine,
                reader=reader(agency),
                agreement=hub.agreement,
                where_from=WHERE,
                place_id=place_id,
                as_of=AS_OF,
            )
            assert {e.event_id for e in profile.incidents} == expected
            if agency == "police":  # sees every record, so the flag is the analysis's answer
                assert profile.repeat_location.met == (place_id in listed)
                assert PlaceProfileOut.model_validate(profile).place_id == place_id
                entry = recent(hub.engine, last=1).row(0, named=True)
                assert entry["action"] == "view" and json.loads(entry["what"])["place_id"] == place_id


def test_residents_are_people_the_reader_may_see(hub: Hub) -> None:
    homes = hub.links.drop_nulls("person_id")
    police = reader("police")
    places = _places(hub)
    opened = 0
    for place_id in (
        places.group_by("place_id").len().sort("len", descending=True)["place_id"].head(30).to_list()
    ):
        profile = place_profile(
            engine=hub.engine,
            reader=police,
            agreement=hub.agreement,
            where_from=WHERE,
            place_id=place_id,
            as_of=AS_OF,
        )
        for resident in profile.residents:
            assert resident.person_id in set(homes["person_id"])
            assert resident.mentions >= 1
        opened += bool(profile.residents)
    assert opened, "some busy place has residents"


def test_unknown_and_forbidden_places_look_alike(hub: Hub) -> None:
    places = _places(hub)
    police_calls_only = (
        places.group_by("place_id")
        .agg(only=((pl.col("agency") == "police") & (pl.col("feed") == "calls")).all())
        .filter(pl.col("only"))
        .sort("place_id")["place_id"]
    )
    assert police_calls_only.len()
    errors = set()
    for place_id, agency in (
        ("PL99999999", "police"),
        (police_calls_only[0], "third_sector"),
        ("CH41 1DJ", "police"),
    ):
        with pytest.raises(NotFound) as caught:
            place_profile(
                engine=hub.engine,
                reader=reader(agency),
                agreement=hub.agreement,
                where_from=WHERE,
                place_id=place_id,
                as_of=AS_OF,
            )
        errors.add((type(caught.value), str(caught.value)))
        assert "ch41" not in recent(hub.engine, last=1)["what"][0].lower()
    assert len(errors) == 1


def test_only_admins_and_analysts_review_links(hub: Hub) -> None:
    for role in ("officer", "partner_viewer", "auditor"):
        with pytest.raises(Denied):
            review_items(
                engine=hub.engine, reader=reader("police", role), agreement=hub.agreement, where_from=WHERE
            )
        with pytest.raises(Denied):
            review_decision(
                engine=hub.engine,
                reader=reader("police", role),
                agreement=hub.agreement,
                where_from=WHERE,
                pair=1,
                same=True,
            )
        assert recent(hub.engine, last=1)["action"][0] == "deny"


def test_the_queue_shows_only_pairs_the_reader_sees_in_full(hub: Hub) -> None:
    police = review_items(
        engine=hub.engine, reader=reader("police"), agreement=hub.agreement, where_from=WHERE, limit=500
    )
    assert police.total > 0 and len(police.items) == min(500, police.total)
    probabilities = [i.match_probability for i in police.items]
    assert probabilities == sorted(probabilities, reverse=True)
    voluntary = review_items(
        engine=hub.engine, reader=reader("third_sector"), agreement=hub.agreement, where_from=WHERE, limit=500
    )
    assert voluntary.total < police.total
    for item in voluntary.items:
        assert item.left.agency == "third_sector" and item.right.agency == "third_sector"
    fire = review_items(
        engine=hub.engine, reader=reader("fire"), agreement=hub.agreement, where_from=WHERE, limit=500
    )
    assert all("intelligence" not in (i.left.feed, i.right.feed) for i in fire.items)
    assert ReviewQueueOut.model_validate(fire).total == fire.total
    entry = recent(hub.engine, last=1).row(0, named=True)
    what = json.loads(entry["what"])
    assert entry["action"] == "view" and what["pair_ids"] == [i.pair_id for i in fire.items]


def test_a_decision_is_recorded_and_audited_and_hidden_pairs_are_not_found(hub: Hub) -> None:
    police = review_items(
        engine=hub.engine, reader=reader("police"), agreement=hub.agreement, where_from=WHERE, limit=2000
    )
    hidden = next(i for i in police.items if "intelligence" in (i.left.feed, i.right.feed))
    with pytest.raises(NotFound):
        review_decision(
            engine=hub.engine,
            reader=reader("fire"),
            agreement=hub.agreement,
            where_from=WHERE,
            pair=hidden.pair_id,
            same=True,
        )
    with pytest.raises(NotFound):
        review_decision(
            engine=hub.engine,
            reader=reader("fire"),
            agreement=hub.agreement,
            where_from=WHERE,
            pair=10**9,
            same=True,
        )
    item = police.items[-1]
    outcome = review_decision(
        engine=hub.engine, reader=reader("police"), agreement=hub.agreement, where_from=WHERE,
        pair=item.pair_id, same=False, why="different dates of birth",
    )  # fmt: skip
    assert (
        outcome.mentions == (item.left.mention_id, item.right.mention_id) and outcome.decision == "different"
    )
    d = PersonLinkDecision.__table__.c
    with hub.engine.connect() as conn:
        stored = conn.execute(
            select(d.decision, d.decided_by).where(
                d.mention_l == item.left.mention_id, d.mention_r == item.right.mention_id
            )
        ).one()
    assert tuple(stored) == ("different", "police-analyst")
    entry = recent(hub.engine, last=1).row(0, named=True)
    assert entry["action"] == "change" and entry["why"] == "different dates of birth"
    assert json.loads(entry["what"])["pair_id"] == item.pair_id
    after = review_items(
        engine=hub.engine, reader=reader("police"), agreement=hub.agreement, where_from=WHERE, limit=2000
    )
    assert item.pair_id not in [i.pair_id for i in after.items] and after.total == police.total - 1
