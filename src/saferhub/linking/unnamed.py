"""Mentions that name no one in the household, given to the one person they can be.

"MR REED" or "REED" with the family's landline at 11 Prenton Road tells the Reed household
apart from everyone else, but not its members from each other, so on its own such a pair
never links (``scores.with_person_evidence``). Looked at against everything already known,
though, it can often be only one person: when the model's candidates for the mention, among
mentions that name someone, all belong to one person, and the link to that person is above
the threshold with both the phone and the home agreeing, the mention joins them. When two
named members of the household are candidates (Megan and John Reed), or a reviewer or a
clear disagreement forbids it, it stays apart and goes to review as before.

The risk is a member of the household who is never named anywhere: their unnamed calls
join the named member. Asking for phone and home together, not either, kept that rare on
synthetic data (docs/linking-people.md gives the figures).
"""

from __future__ import annotations

import numpy as np
import polars as pl


def only_person_it_can_be(
    ids: np.ndarray,
    labels: np.ndarray,
    edges: pl.DataFrame,
    frame: pl.DataFrame,
    *,
    threshold: float,
) -> pl.DataFrame:
    """Extra links (``l``, ``r``, ``strength``) for unnamed mentions with one candidate person.

    ``ids`` (sorted) and ``labels`` are the people after clustering the accepted links;
    ``edges`` are the scored pairs (``l``, ``r``, ``p``, ``w``, ``veto``, ``mw_phone``,
    ``mw_home``: every pair the model puts forward, from ``people.HOUSEHOLD_FROM``); ``frame``
    is the model's input.
    """
    empty = pl.DataFrame(schema={"l": pl.Int64, "r": pl.Int64, "strength": pl.Float64})
    if edges.height == 0:
        return empty
    named = frame.select(m="mention_id", named=pl.col("fn").is_not_null() | pl.col("fn_init").is_not_null())
    people = pl.DataFrame({"m": ids, "person": labels})
    c = pl.col
    # The household's phone and its home both agree, not just one of them.
    household = edges.select(
        "l", "r", "p", "w", "veto", phone_and_home=(c("mw_phone") > 0) & (c("mw_home") > 0)
    )
    both_ways = pl.concat(
        [
            household,
            household.select(l="r", r="l", p="p", w="w", veto="veto", phone_and_home="phone_and_home"),
        ]
    )
    # Only people made of unnamed mentions alone are placed; a person already named stays.
    unnamed_people = people.join(named, on="m").group_by("person").agg(c("named").any()).filter(~c("named"))
    candidates = (
        both_ways.join(named.rename({"m": "l", "named": "l_named"}), on="l")
        .filter(~c("l_named"))
        .join(named.rename({"m": "r", "named": "r_named"}), on="r")
        .join(people.rename({"m": "l", "person": "l_person"}), on="l")
        .join(people.rename({"m": "r", "person": "r_person"}), on="r")
        .filter(c("l_person") != c("r_person"))
        .join(unnamed_people.select(l_person="person"), on="l_person", how="semi")
    )
    # A clear disagreement with anyone in a person rules that person out for the mention.
    ruled_out = candidates.filter("veto").select("l", "r_person").unique()
    named_candidates = candidates.filter(c("r_named") & ~c("veto")).join(
        ruled_out, on=["l", "r_person"], how="anti"
    )
    # One candidate person for all the unnamed person's mentions together, or none.
    sole = (
        named_candidates.group_by("l_person")
        .agg(persons=c("r_person").n_unique())
        .filter(c("persons") == 1)
        .select("l_person")
    )
    strong = named_candidates.join(sole, on="l_person").filter((c("p") >= threshold) & c("phone_and_home"))
    best = strong.sort("w", "l", "r", descending=True).unique("l", keep="first", maintain_order=True)
    return best.select(l=pl.min_horizontal("l", "r"), r=pl.max_horizontal("l", "r"), strength=c("w")).sort(
        "l", "r"
    )
