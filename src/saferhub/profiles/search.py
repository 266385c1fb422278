"""Searching people and places across agencies, within what the reader may see.

Doors: ``search_people(engine=, reader=, agreement=, where_from=, query=)`` and
``search_places(...)``. A record counts as a match only if the reader sees it in full
(a match on a field the reader may not see would itself disclose it). Names, dates of
birth and addresses in the results come only from records the reader sees in full. Each
search is written to the audit log with what it was read as and the ids found, never
the query text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from saferhub.access import Reader, SharingAgreement, restrict
from saferhub.linking.nicknames import nickname_groups
from saferhub.profiles import reading
from saferhub.profiles.common import audit
from saferhub.profiles.names import forename_keys, similar_forenames, similar_surnames
from saferhub.profiles.query import PersonQuery, read_person_query, read_place_query
from saferhub.profiles.reading import L, M, P
from saferhub.profiles.results import PeopleSearch, PersonMatch, PlaceMatch, PlacesSearch
from saferhub.profiles.visibility import full_rows, names_and_dobs, restricted_mentions

LIMIT = 25


def search_people(
    *,
    engine: Engine,
    reader: Reader,
    agreement: SharingAgreement,
    where_from: str,
    query: str,
    limit: int = LIMIT,
) -> PeopleSearch:
    """People matching ``query`` (a name, date of birth, phone or person id, or a name with a
    date of birth), best first, each with the agencies that know them as far as the reader
    may see."""
    q = read_person_query(query)
    with engine.connect() as conn:
        matched = [
            full_rows(restricted_mentions(m, reader=reader, agreement=agreement)) for m in _criteria(conn, q)
        ]
        found = _people(matched)
        ranked = found.sort(["score", "person_id"], descending=[True, False])
        top = ranked.head(limit)
        mentions = reading.person_mentions(conn, top["person_id"].to_list())
    people = _describe(top, mentions, reader=reader, agreement=agreement)
    audit(
        engine,
        reader=reader,
        action="search",
        what={
            "purpose": "search_people",
            "searched_by": list(q.searched_by()),
            "results": len(people),
            "person_ids": [p.person_id for p in people],
        },
        where_from=where_from,
    )
    return PeopleSearch(tuple(people), q.searched_by(), truncated=ranked.height > limit)


def _criteria(conn: Connection, q: PersonQuery) -> list[pl.DataFrame]:
    """One frame of matching mentions (with ``matched`` and ``score``) per thing searched by."""
    out = []
    if q.person_id is not None:
        resolved = reading.current_person(conn, q.person_id)
        ids = [resolved[0]] if resolved else []
        out.append(_scored(reading.mentions_where(conn, L.person_id.in_(ids)), "person_id", 1.0))
    if q.phone is not None:
        out.append(_scored(reading.mentions_where(conn, M.phone == q.phone), "phone", 1.0))
    if q.dob is not None:
        out.append(_scored(reading.mentions_where(conn, M.dob == q.dob), "dob", 1.0))
    if q.surname is not None:
        out.append(_by_name(conn, q.surname, q.forename))
    return out


def _scored(frame: pl.DataFrame, matched: str, score: float) -> pl.DataFrame:
    return frame.with_columns(matched=pl.lit(matched), score=pl.lit(score))


def _by_name(conn: Connection, surname: str, forename: str | None) -> pl.DataFrame:
    """Mentions whose surname is the one asked (or a slip of it, or a part of a double-barrelled
    one) and whose forename agrees: the same, a nickname, an initial, or a slip of it."""
    exact = similar_surnames(conn.engine, surname)
    chunks = [sorted(exact)[i : i + 500] for i in range(0, len(exact), 500)]
    candidates = pl.concat(
        [reading.mentions_where(conn, M.last_name.in_(chunk)) for chunk in chunks]
        or [reading.mentions_where(conn, M.id.is_(None))]
    )
    c = pl.col
    surname_score = c("last_name").replace_strict(exact, default=False, return_dtype=pl.Boolean)
    base = candidates.with_columns(s=pl.when(surname_score).then(1.0).otherwise(0.9))
    if forename is None:
        return base.with_columns(matched=pl.lit("surname"), score=c("s")).drop("s")
    keys = forename_keys(base["first_name"])
    asked = forename.split()[0]
    groups = list(nickname_groups().get(asked, (asked,)))
    similar = similar_forenames(keys["fn"].drop_nulls().unique().to_list(), asked)
    initial_only = len(asked) == 1
    how = (
        pl.when(c("fn").is_null() & c("fn_init").is_null())
        .then(pl.lit("surname"))
        .when(pl.lit(initial_only) | c("fn").is_null())
        .then(pl.when(c("fn_init") == asked[:1]).then(pl.lit("initial")))
        .when(c("fn") == asked)
        .then(pl.lit("forename"))
        .when(c("fn_groups").list.set_intersection(pl.lit(groups, pl.List(pl.String))).list.len() > 0)
        .then(pl.lit("nickname"))
        .when(c("fn").is_in(sorted(similar)))
        .then(pl.lit("forename spelling"))
    )
    weight = {"forename": 1.0, "nickname": 0.9, "forename spelling": 0.85, "initial": 0.8, "surname": 0.5}
    scored = base.join(keys.select("first_name", how=how), on="first_name", how="left").with_columns(
        how=pl.when(c("first_name").is_null()).then(pl.lit("surname")).otherwise(c("how"))
    )
    scored = scored.filter(c("how").is_not_null())
    score = (c("s") + c("how").replace_strict(weight, return_dtype=pl.Float64)) / 2
    return scored.with_columns(matched=c("how"), score=score).drop("s", "how")


def _people(matched: list[pl.DataFrame]) -> pl.DataFrame:
    """person_id, score, matched_on: people matching every criterion (each by some record)."""
    if not matched:
        return pl.DataFrame(
            schema={"person_id": pl.String, "score": pl.Float64, "matched_on": pl.List(pl.String)}
        )
    per = [
        m.group_by("person_id").agg(score=pl.col("score").max(), matched_on=pl.col("matched").unique())
        for m in matched
    ]
    out = per[0]
    for other in per[1:]:
        out = out.join(other, on="person_id", how="inner").select(
            "person_id",
            score=pl.col("score") + pl.col("score_right"),
            matched_on=pl.concat_list("matched_on", "matched_on_right"),
        )
    return out.with_columns(pl.col("matched_on").list.unique().list.sort())


def _describe(
    top: pl.DataFrame, mentions: pl.DataFrame, *, reader: Reader, agreement: SharingAgreement
) -> list[PersonMatch]:
    """Each found person with who knows them, how often and when last, as the reader may see."""
    whole = full_rows(restricted_mentions(mentions, reader=reader, agreement=agreement))
    records = mentions.select("event_id", "feed", "agency", "occurred_at").unique("event_id")
    seen = restrict(records, reader=reader, agreement=agreement).select("event_id")
    contacts = (
        mentions.join(seen, on="event_id", how="semi")
        .unique(["person_id", "event_id"])
        .group_by("person_id")
        .agg(
            agencies=pl.col("agency").unique().sort(),
            contacts=pl.len(),
            last_contact=pl.col("occurred_at").max(),
        )
    )
    known = names_and_dobs(whole)
    out = []
    for row in top.join(contacts, on="person_id", how="left").iter_rows(named=True):
        name, dob = known.get(row["person_id"], (None, None))
        out.append(
            PersonMatch(
                person_id=row["person_id"],
                name=name,
                dob=dob,
                agencies=tuple(row["agencies"] or ()),
                contacts=int(row["contacts"] or 0),
                last_contact=reading.to_london(row["last_contact"]),
                matched_on=tuple(row["matched_on"]),
                score=round(float(row["score"]), 3),
            )
        )
    return out


# ------------------------------------------------------------------------------ places

PLACE_CANDIDATES = 200


def search_places(
    *,
    engine: Engine,
    reader: Reader,
    agreement: SharingAgreement,
    where_from: str,
    query: str,
    limit: int = LIMIT,
) -> PlacesSearch:
    """Places matching ``query`` (a place id, a postcode, address words with or without a
    postcode), among those where the reader sees a record in full."""
    q = read_place_query(query)
    note = None
    with engine.connect() as conn:
        if q.uprn is not None:
            rows: Sequence[Any] = []
            note = "SaferHub stores no UPRNs yet: search by address or postcode"
        else:
            stmt = select(P.place_id, P.address, P.postcode, P.kind, P.ward_code)
            if q.place_id is not None:
                stmt = stmt.where(P.place_id == q.place_id)
            if q.postcode is not None:
                stmt = stmt.where(P.postcode == q.postcode)
            for word in q.words:
                stmt = stmt.where(func.upper(P.address).contains(word, autoescape=True))
            if not q.searched_by():
                stmt = stmt.where(P.place_id.is_(None))
            rows = conn.execute(stmt.order_by(P.place_id).limit(PLACE_CANDIDATES)).all()
        ids = [r[0] for r in rows]
        at = reading.place_records(conn, ids)
        homes = reading.place_homes(conn, ids)
    seen_at = restrict(at, reader=reader, agreement=agreement)
    residents = full_rows(restrict(homes, reader=reader, agreement=agreement))
    # place_id is emptied where a record is only a summary: count those by event id.
    visible = at.join(seen_at.select("event_id"), on="event_id", how="semi")
    opened = set(full_rows(seen_at)["place_id"].to_list()) | set(residents["place_id"].to_list())
    places = []
    for place_id, address, code, kind, ward in rows:
        if place_id not in opened:
            continue
        places.append(
            PlaceMatch(
                place_id=place_id,
                address=address,
                postcode=code,
                kind=kind,
                ward_code=ward,
                incidents=visible.filter(pl.col("place_id") == place_id).height,
                residents=residents.filter(pl.col("place_id") == place_id)["person_id"].n_unique(),
            )
        )
    shown = places[:limit]
    audit(
        engine,
        reader=reader,
        action="search",
        what={
            "purpose": "search_places",
            "searched_by": list(q.searched_by()),
            "results": len(shown),
            "place_ids": [p.place_id for p in shown],
        },
        where_from=where_from,
    )
    return PlacesSearch(tuple(shown), q.searched_by(), truncated=len(places) > limit, note=note)
