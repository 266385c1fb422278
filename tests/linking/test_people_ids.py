"""Stable person ids: empty and repeated runs, incremental linking, decisions, bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, select

from linking.helpers import write_calls
from saferhub.config import Settings
from saferhub.linking import decide, explain, link_people, person_links, review_queue
from saferhub.linking.evaluate import pairwise_scores
from saferhub.linking.people import LinkBusy, LinkOptions
from saferhub.services import import_partner_file
from saferhub.store.locks import exclusive
from saferhub.store.people_models import PersonIdEvent, PersonLink, PersonLinkModel


def _links(engine: Engine) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(PersonLink.mention_id, PersonLink.person_id)).all()
    return pl.DataFrame(rows, schema={"mention_id": pl.Int64, "person_id": pl.String}, orient="row")


def _in_file_order(engine: Engine) -> list[str]:
    """Person ids of a test file's rows, in the file's order (its source ids count up)."""
    return person_links(engine=engine).sort("source_id")["person_id"].to_list()


def _events(engine: Engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    PersonIdEvent.kind,
                    PersonIdEvent.person_id,
                    PersonIdEvent.other_person_id,
                    PersonIdEvent.reason,
                ).order_by(PersonIdEvent.id)
            ).all()
        ]


def test_empty_store_and_linking_twice_are_harmless(
    engine: Engine, import_feeds: Callable[..., None]
) -> None:
    empty = link_people(engine=engine)
    assert empty.mode == "empty" and empty.people == 0
    import_feeds("referrals", "fire-incidents")
    first = link_people(engine=engine)
    before = _links(engine)
    again = link_people(engine=engine)
    assert again.mode == "unchanged" and again.people == first.people
    assert _links(engine).sort("mention_id").equals(before.sort("mention_id"))
    assert _events(engine) == []


def test_new_data_joins_people_without_renaming_anyone(
    engine: Engine, import_feeds: Callable[..., None], truth: pl.DataFrame
) -> None:
    import_feeds("calls")
    first = link_people(engine=engine)
    before = _links(engine)
    import_feeds("asb-reports", "fire-incidents", "referrals", "intelligence")
    second = link_people(engine=engine)
    assert second.mode == "incremental" and second.model_version == first.model_version
    after = _links(engine)
    moved = before.join(after, on="mention_id", suffix="_now").filter(
        pl.col("person_id") != pl.col("person_id_now")
    )
    # An id changes only where new evidence merged two earlier people, and says so.
    retired = {e[2] for e in _events(engine) if e[0] == "merged"}
    assert set(moved["person_id"].to_list()) <= retired
    assert moved.height <= 0.01 * before.height

    from saferhub.linking import person_links

    scores = pairwise_scores(person_links(engine=engine), truth)
    assert scores.precision >= 0.98 and scores.f1 >= 0.9, scores.as_dict()


def test_decisions_beat_the_model_and_are_recorded(engine: Engine, import_feeds: Callable[..., None]) -> None:
    import_feeds()
    link_people(engine=engine)
    queue, total = review_queue(engine=engine, limit=5)
    assert total > 0 and queue
    item = queue[0]
    assert item.left.person_id != item.right.person_id
    assert {"prior", "forename", "surname", "date_of_birth", "phone", "home"} <= {
        e["comparison"] for e in item.evidence
    }

    decide(engine=engine, decision="same", decided_by="tester", pair_id=item.pair_id)
    summary = link_people(engine=engine)
    assert summary.merges + summary.splits >= 1
    links = _links(engine).to_dicts()
    person = {r["mention_id"]: r["person_id"] for r in links}
    a, b = item.left.mention_id, item.right.mention_id
    assert person[a] == person[b]
    assert _events(engine)[-1][3] == "decision"

    # Now say they are two people after all: a later decision replaces the earlier one.
    decide(engine=engine, decision="different", decided_by="tester", mentions=(b, a))
    summary = link_people(engine=engine)
    assert summary.splits == 1
    person = {r["mention_id"]: r["person_id"] for r in _links(engine).to_dicts()}
    assert person[a] != person[b]
    # Decisions hold through a full relink and a retrain too.
    link_people(engine=engine, retrain=True)
    person = {r["mention_id"]: r["person_id"] for r in _links(engine).to_dicts()}
    assert person[a] != person[b]
    with engine.connect() as conn:
        versions = conn.execute(select(PersonLinkModel.version)).scalars().all()
    assert sorted(versions) == [1, 2]

    why = explain(engine=engine, mentions=(a, b))
    assert why.left.mention_id == min(a, b) and len(why.evidence) == 7
    assert abs(sum(e["weight"] for e in why.evidence) - why.match_weight) < 0.05


def test_too_little_to_link_on_stays_alone(tmp_path: Path, settings: Settings, engine: Engine) -> None:
    same = {
        "caller_first_name": "Elizabeth",
        "caller_last_name": "Jones",
        "caller_dob": "03/04/1961",
        "caller_phone": "07700 900123",
        "caller_address": "Flat 2, 14 Park Rd",
        "caller_postcode": "CH41 5AB",
    }
    rows = [
        {"caller_first_name": "Dave"},
        {"caller_first_name": "Dave"},
        {"caller_first_name": "dave"},
        same,
        {
            **same,
            "caller_first_name": "LIZ",
            "caller_last_name": "JONES",
            "caller_dob": "",
            "caller_address": "",
            "caller_postcode": "",
        },
        {
            **same,
            "caller_first_name": "E.",
            "caller_dob": "1961-04-03",
            "caller_phone": "",
            "caller_address": "14 PARK ROAD FLAT 2",
        },
        # A daughter at the same address, same landline: never merged with her mother.
        {**same, "caller_first_name": "Sarah", "caller_dob": "1990-07-21"},
    ]
    path = write_calls(tmp_path / "calls.csv.gz", rows)
    import_partner_file(settings=settings, engine=engine, feed="calls", path=path)
    summary = link_people(engine=engine)
    assert summary.mode == "full"
    ordered = _in_file_order(engine)
    assert len(set(ordered[:3])) == 3  # three first-name-only mentions: three people
    assert ordered[3] == ordered[4] == ordered[5]  # Elizabeth, Liz and E. Jones
    assert ordered[6] != ordered[3]


def test_an_agencys_own_person_reference_links_unless_the_names_say_otherwise(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    rows = [
        {"caller_first_name": "Kim", "caller_ref": "NOM-40417"},
        {"caller_first_name": "KIM", "caller_ref": "nom-40417"},
        # The same reference on a record whose forename differs is a keying error, not a link.
        {"caller_first_name": "Ahmed", "caller_ref": "NOM-40417"},
        # Another agency's reference with the same text says nothing about this person.
        {"agency": "fire", "caller_first_name": "Kim", "caller_ref": "NOM-40417"},
        {"caller_first_name": "Kim", "caller_ref": "NOM-40418"},
    ]
    path = write_calls(tmp_path / "calls.csv.gz", rows)
    import_partner_file(settings=settings, engine=engine, feed="calls", path=path)
    # However strict the threshold, the agency's own reference links on its own.
    link_people(engine=engine, options=LinkOptions(threshold=0.999999))
    ordered = _in_file_order(engine)
    assert ordered[0] == ordered[1]
    assert len({ordered[0], ordered[2], ordered[3], ordered[4]}) == 4


def test_household_details_or_names_alone_never_link_without_a_person(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    home = {"caller_address": "14 Park Rd", "caller_postcode": "CH41 5AB"}
    rows = [
        # Same rare name and nothing else: could be anyone of that name.
        {"caller_first_name": "Zebedee", "caller_last_name": "Quenby"},
        {"caller_first_name": "ZEBEDEE", "caller_last_name": "QUENBY"},
        # A surname, the home and its landline, but no forename: which of the household?
        {**home, "caller_last_name": "Jones", "caller_phone": "0151 496 0000"},
        {**home, "caller_first_name": "Sarah", "caller_last_name": "Jones", "caller_phone": "0151 496 0000"},
        # Control: the same household details with a mobile number, which is one person's.
        {**home, "caller_last_name": "Jones", "caller_phone": "07700 900456"},
        {**home, "caller_first_name": "Mark", "caller_last_name": "Jones", "caller_phone": "07700 900456"},
    ]
    path = write_calls(tmp_path / "calls.csv.gz", rows)
    import_partner_file(settings=settings, engine=engine, feed="calls", path=path)
    # A lax threshold, so that only the rule can keep these apart.
    link_people(engine=engine, options=LinkOptions(threshold=0.5, review_from=0.01))
    ordered = _in_file_order(engine)
    assert ordered[0] != ordered[1]
    assert ordered[2] != ordered[3]
    assert ordered[4] == ordered[5]
    # The pairs kept apart wait for a person's decision instead.
    queued, _total = review_queue(engine=engine, limit=50)
    pairs = {frozenset((i.left.source_id, i.right.source_id)) for i in queued}
    assert frozenset(("T-00000", "T-00001")) in pairs
    assert frozenset(("T-00002", "T-00003")) in pairs


def test_an_unnamed_mention_joins_the_only_person_it_can_be(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
    home = {"caller_address": "11 Prenton Rd", "caller_postcode": "CH63 1SQ"}
    landline = {**home, "caller_phone": "0151 496 0011"}
    rows = [
        # One household, one named member: "REED" with its landline at its home is Megan.
        {**landline, "caller_first_name": "Megan", "caller_last_name": "Reed", "caller_dob": "07/04/1998"},
        {**landline, "caller_first_name": "Megan", "caller_last_name": "Reed"},
        {**landline, "caller_last_name": "REED"},
        # The home alone, without the landline, is not enough.
        {**home, "caller_last_name": "Reed"},
        # Another household with two named members: the unnamed mention could be either.
        {**landline, "caller_address": "3 Bay St", "caller_postcode": "CH62 5QW",
         "caller_first_name": "Chloe", "caller_last_name": "Fairworth"},
        {**landline, "caller_address": "3 Bay St", "caller_postcode": "CH62 5QW",
         "caller_first_name": "Ian", "caller_last_name": "Fairworth"},
        {**landline, "caller_address": "3 Bay St", "caller_postcode": "CH62 5QW",
         "caller_last_name": "Fairworth"},
    ]  # fmt: skip
    path = write_calls(tmp_path / "calls.csv.gz", rows)
    import_partner_file(settings=settings, engine=engine, feed="calls", path=path)
    link_people(engine=engine)
    ordered = _in_file_order(engine)
    assert ordered[0] == ordered[1] == ordered[2]
    assert ordered[3] != ordered[0]
    assert len({ordered[4], ordered[5], ordered[6]}) == 3
    queued, _total = review_queue(engine=engine, limit=50)
    pairs = {frozenset((i.left.source_id, i.right.source_id)) for i in queued}
    assert frozenset(("T-00004", "T-00006")) in pairs


def test_one_link_run_at_a_time(engine: Engine, import_feeds: Callable[..., None]) -> None:
    import_feeds("referrals")
    with exclusive(engine, "link-people"), pytest.raises(LinkBusy, match="another link run"):
        link_people(engine=engine)
    # The lock goes with its holder: the next run goes ahead.
    assert link_people(engine=engine).mode == "full"


def test_where_review_starts_changes_the_queue_not_the_people(
    settings: Settings, engine: Engine, import_feeds: Callable[..., None]
) -> None:
    """``review_from`` only says which unsure pairs a person reviews: who is linked is the
    same whether the band starts at 0.01, 0.5 or 0.9, and run after run."""
    import_feeds()
    people, queued = [], []
    for review_from in (0.5, 0.01, 0.9, 0.5):
        link_people(engine=engine, options=LinkOptions(review_from=review_from), full=True)
        people.append(_links(engine))
        queued.append(review_queue(engine=engine, limit=1)[1])
    for other in people[1:]:
        both = people[0].join(other, on="mention_id", suffix="_other")
        assert both.height == people[0].height == other.height > 1000
        # The same people: each person of one run is exactly one person of the other.
        pairs = both.select("person_id", "person_id_other").unique().height
        assert pairs == both["person_id"].n_unique() == both["person_id_other"].n_unique()
    assert people[0]["person_id"].n_unique() < people[0].height  # some mentions were linked
    assert queued[1] > queued[0] > queued[2]
