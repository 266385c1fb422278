"""Searching people and places, checked against the synthetic ground truth."""

from __future__ import annotations

import json

import polars as pl
import pytest

from profiles.helpers import WHERE, Hub, cleanly_linked, reader, truth_people
from saferhub.access import recent
from saferhub.linking.nicknames import nickname_groups
from saferhub.profiles import search_people, search_places


def _misspelt(surname: str) -> str:
    """The surname with two middle letters swapped: one typing slip."""
    i = len(surname) // 2
    return surname[: i - 1] + surname[i] + surname[i - 1] + surname[i + 1 :]


def _planted(hub: Hub, flag: str, n: int = 5) -> list[tuple[dict[str, str], str]]:
    """(truth row, hub person id) of flagged truth people linkage got exactly right."""
    rows = truth_people(hub).filter(pl.col(flag) == "true").sort("person_id")
    out = []
    for row in rows.iter_rows(named=True):
        pid = cleanly_linked(hub, row["person_id"])
        if (
            pid
            and len(row["last_name"]) >= 5
            and row["last_name"][len(row["last_name"]) // 2 - 1]
            != row["last_name"][len(row["last_name"]) // 2]
        ):
            out.append((row, pid))
    assert len(out) >= 2, f"too few cleanly linked {flag} people to test with"
    return out[:n]


def test_search_finds_planted_frequent_callers_by_misspelt_surname(hub: Hub) -> None:
    police = reader("police")
    for row, pid in _planted(hub, "frequent_caller"):
        query = f"{row['first_name']} {_misspelt(row['last_name'])}"
        found = search_people(
            engine=hub.engine, reader=police, agreement=hub.agreement, where_from=WHERE, query=query
        )
        assert found.searched_by == ("name",)
        ids = [p.person_id for p in found.people]
        assert pid in ids, (query, ids)
        match = found.people[ids.index(pid)]
        assert match.contacts >= 3 and match.agencies and match.last_contact is not None
        assert match.name is not None  # the name partners gave most often (it may carry their slips)


def test_search_by_nickname_initial_and_surname_first(hub: Hub) -> None:
    police = reader("police")
    groups = nickname_groups()
    tried = 0
    for row, pid in _planted(hub, "frequent_caller", n=20):
        first = row["first_name"].lower()
        others = sorted({n for g in groups.get(first, ()) for n, gs in groups.items() if g in gs} - {first})
        queries = [
            f"{row['last_name']}, {row['first_name'][0]}",
            f"{row['first_name'][0]}. {row['last_name']}",
        ]
        if others:
            queries.append(f"{others[0]} {row['last_name']}")
        for query in queries:
            found = search_people(
                engine=hub.engine, reader=police, agreement=hub.agreement, where_from=WHERE, query=query
            )
            assert pid in [p.person_id for p in found.people], query
        tried += 1
    assert tried >= 2


def test_search_by_date_of_birth_and_phone(hub: Hub) -> None:
    police = reader("police")
    row, pid = _planted(hub, "frequent_caller")[0]
    by_dob = search_people(
        engine=hub.engine, reader=police, agreement=hub.agreement, where_from=WHERE, query=row["dob"]
    )
    assert by_dob.searched_by == ("dob",)
    assert pid in [p.person_id for p in by_dob.people]
    named = search_people(
        engine=hub.engine,
        reader=police,
        agreement=hub.agreement,
        where_from=WHERE,
        query=f"{row['last_name']} {row['dob']}",
    )
    assert named.searched_by == ("dob", "name") and pid in [p.person_id for p in named.people]
    assert all("dob" in p.matched_on for p in named.people)
    phone = row["mobile"] or row["landline"]
    if phone:
        by_phone = search_people(
            engine=hub.engine, reader=police, agreement=hub.agreement, where_from=WHERE, query=phone
        )
        assert by_phone.searched_by == ("phone",)
        assert pid in [p.person_id for p in by_phone.people]


def test_search_by_person_id(hub: Hub) -> None:
    _, pid = _planted(hub, "frequent_caller")[0]
    found = search_people(
        engine=hub.engine, reader=reader("police"), agreement=hub.agreement, where_from=WHERE, query=pid
    )
    assert [p.person_id for p in found.people] == [pid]


def test_a_reader_finds_only_people_in_records_they_see_in_full(hub: Hub) -> None:
    """third_sector sees other agencies' referrals only as summaries and no calls at all:
    a frequent caller with no third-sector referral is not found, however well named."""
    links = hub.links
    for row, pid in _planted(hub, "frequent_caller", n=20):
        agencies = set(links.filter(pl.col("person_id") == pid)["agency"].to_list())
        if "third_sector" in agencies:
            continue
        found = search_people(
            engine=hub.engine,
            reader=reader("third_sector"),
            agreement=hub.agreement,
            where_from=WHERE,
            query=f"{row['first_name']} {row['last_name']}",
        )
        assert pid not in [p.person_id for p in found.people]
        assert all(p.name is not None for p in found.people)  # found only through its own records
        return
    pytest.fail("no planted frequent caller without a third-sector record")


def test_an_auditor_finds_nobody(hub: Hub) -> None:
    row, _ = _planted(hub, "frequent_caller")[0]
    found = search_people(
        engine=hub.engine,
        reader=reader("police", "auditor"),
        agreement=hub.agreement,
        where_from=WHERE,
        query=f"{row['first_name']} {row['last_name']}",
    )
    assert found.people == ()


def test_the_audit_log_holds_ids_and_counts_never_the_query(hub: Hub) -> None:
    row, pid = _planted(hub, "frequent_caller")[0]
    police = reader("police")
    query = f"{row['first_name']} {_misspelt(row['last_name'])} {row['dob']}"
    search_people(engine=hub.engine, reader=police, agreement=hub.agreement, where_from=WHERE, query=query)
    entry = recent(hub.engine, last=1).row(0, named=True)
    assert entry["action"] == "search" and entry["actor"] == police.user
    what = json.loads(entry["what"])
    assert what["purpose"] == "search_people" and what["searched_by"] == ["dob", "name"]
    assert pid in what["person_ids"] and what["results"] == len(what["person_ids"])
    text = entry["what"].lower()
    for part in (row["first_name"], row["last_name"], _misspelt(row["last_name"]), row["dob"]):
        assert part.lower() not in text


def test_search_places_by_postcode_and_address(hub: Hub) -> None:
    places = pl.read_csv(hub.truth / "places.csv", infer_schema=False)
    police = reader("police")
    busy = hub.links.group_by("event_id").len()  # any record will do: find places by their address
    assert busy.height
    row = (
        places.filter(pl.col("kind") == "dwelling").drop_nulls("postcode").sort("place_id").row(0, named=True)
    )
    by_code = search_places(
        engine=hub.engine, reader=police, agreement=hub.agreement, where_from=WHERE, query=row["postcode"]
    )
    assert by_code.searched_by == ("postcode",)
    assert all(p.postcode == row["postcode"] for p in by_code.places)
    if by_code.places:
        first = by_code.places[0]
        assert first.address is not None
        number_and_street = " ".join(first.address.split(",")[-1].split()[:3])
        by_words = search_places(
            engine=hub.engine,
            reader=police,
            agreement=hub.agreement,
            where_from=WHERE,
            query=number_and_street,
        )
        assert first.place_id in [p.place_id for p in by_words.places]
        by_id = search_places(
            engine=hub.engine, reader=police, agreement=hub.agreement, where_from=WHERE, query=first.place_id
        )
        assert [p.place_id for p in by_id.places] == [first.place_id]
    uprn = search_places(
        engine=hub.engine, reader=police, agreement=hub.agreement, where_from=WHERE, query="1234567"
    )
    assert uprn.places == () and uprn.note is not None
    entry = recent(hub.engine, last=1).row(0, named=True)
    assert entry["action"] == "search" and json.loads(entry["what"])["searched_by"] == ["uprn"]
    assert "1234567" not in entry["what"]
