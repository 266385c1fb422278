"""The evidence for each link of a person: which fields agree with their other mentions,
and how the link was decided (a reviewer's word, an agency's own reference, the model).

Linking stores no match weight per link (only for pairs queued for review, in
``person_review_pairs``), so a weight is given only where one is stored. Fields are
compared as the linkage model reads them (``linking.features.prepare``: titles dropped,
nicknames grouped, Mac/Mc folded, placeholder dates of birth ignored), and only among the
mentions the reader sees in full.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Connection, or_, select

from saferhub.linking.features import MENTION_COLUMNS, prepare
from saferhub.profiles.reading import to_london
from saferhub.profiles.results import LinkEvidence
from saferhub.store.people_models import PersonLinkDecision, PersonReviewPair

D, Q = PersonLinkDecision.__table__.c, PersonReviewPair.__table__.c


def link_evidence(conn: Connection, whole: pl.DataFrame) -> dict[int, LinkEvidence]:
    """mention_id -> evidence, for the whole (unredacted) mentions of one person."""
    if whole.height == 0:
        return {}
    ids = whole["mention_id"].to_list()
    decided = _decisions(conn, ids)
    weights = _queued(conn, ids)
    agreeing = _agreeing(whole)
    out = {}
    for mention_id in ids:
        fields = agreeing.get(mention_id, ())
        decision = decided.get(mention_id)
        if decision is not None:
            how = "reviewer"
        elif "agency reference" in fields:
            how = "agency reference"
        else:
            how = "model"
        p, w = weights.get(mention_id, (None, None))
        out[mention_id] = LinkEvidence(how, fields, p, w, decision)
    return out


def _decisions(conn: Connection, ids: Sequence[int]) -> dict[int, dt.datetime]:
    """Mentions a reviewer said are the same person as another of these mentions."""
    rows = conn.execute(
        select(D.mention_l, D.mention_r, D.decided_at).where(
            D.decision == "same", D.mention_l.in_(list(ids)), D.mention_r.in_(list(ids))
        )
    ).all()
    out: dict[int, dt.datetime] = {}
    for left, right, at in rows:
        when = to_london(at)  # stored as naive UTC; shown and answered as London time
        assert when is not None
        out[int(left)] = out[int(right)] = when
    return out


def _queued(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[float, float]]:
    """The best stored match probability and weight of a queued pair touching each mention."""
    rows = conn.execute(
        select(Q.mention_l, Q.mention_r, Q.match_probability, Q.match_weight).where(
            or_(Q.mention_l.in_(list(ids)), Q.mention_r.in_(list(ids)))
        )
    ).all()
    mine = set(ids)
    out: dict[int, tuple[float, float]] = {}
    for left, right, p, w in rows:
        if left in mine and right in mine:
            for m in (int(left), int(right)):
                if m not in out or out[m][0] < p:
                    out[m] = (float(p), float(w))
    return out


_FIELDS = {
    "surname": "ln",
    "forename": "fn",
    "date of birth": "dob",
    "phone": "phone",
    "home": "home_key",
    "postcode": "postcode",
    "agency reference": "ref_key",
}


FEATURES: dict[str, pl.DataType | type[pl.DataType]] = {
    "ln": pl.String, "fn": pl.String, "fn_init": pl.String, "fn_groups": pl.List(pl.String),
    "dob": pl.String, "dob_swap": pl.String, "phone": pl.String, "home_key": pl.String,
    "postcode": pl.String, "ref_key": pl.String,
}  # fmt: skip
# A mention's comparison fields, by (mention id, linking's fingerprint of its details): they
# change only when the details do. Preparing costs ~15 ms a call whatever the number of rows.
_features: dict[tuple[int, str], tuple[object, ...]] = {}
_KEPT = 200_000
_lock = threading.Lock()


def features(whole: pl.DataFrame) -> pl.DataFrame:
    """mention_id and the comparison fields of ``linking.features.prepare`` for each mention."""
    keys = list(zip(whole["mention_id"].to_list(), whole["fingerprint"].fill_null("").to_list(), strict=True))
    missing = [i for i, k in enumerate(keys) if k not in _features]
    if missing:
        frame = whole[missing].select(
            "mention_id", "feed", "agency", "source_id", "role", "first_name", "last_name",
            pl.col("dob").cast(pl.String), "phone", address="home_address", postcode="home_postcode",
            agency_ref="agency_ref",
        ).select(MENTION_COLUMNS)  # fmt: skip
        prepared = prepare(frame).select(list(FEATURES))
        with _lock:
            if len(_features) > _KEPT:
                _features.clear()
            for i, row in zip(missing, prepared.iter_rows(), strict=True):
                _features[keys[i]] = row
    rows = [(k[0], *_features[k]) for k in keys]
    return pl.DataFrame(rows, schema={"mention_id": pl.Int64, **FEATURES}, orient="row")


# Which fields agree, by the set of (mention id, fingerprint) compared: a pure function of them.
_agreements: dict[tuple[tuple[int, str], ...], dict[int, tuple[str, ...]]] = {}
_AGREEMENTS_KEPT = 4_096


def _agreeing(whole: pl.DataFrame) -> dict[int, tuple[str, ...]]:
    """mention_id -> the fields that agree with at least one other of the mentions."""
    if whole.height < 2:
        return {}  # nothing to compare with
    key = tuple(
        sorted(zip(whole["mention_id"].to_list(), whole["fingerprint"].fill_null("").to_list(), strict=True))
    )
    known = _agreements.get(key)
    if known is None:
        known = _compare(whole)
        with _lock:
            if len(_agreements) >= _AGREEMENTS_KEPT:
                _agreements.clear()
            _agreements[key] = known
    return dict(known)


def _compare(whole: pl.DataFrame) -> dict[int, tuple[str, ...]]:
    left = features(whole)
    right = left.rename({c: f"{c}_r" for c in left.columns})
    pairs = left.join(right, how="cross").filter(pl.col("mention_id") != pl.col("mention_id_r"))
    c = pl.col
    checks = {name: (c(col) == c(f"{col}_r")).fill_null(False) for name, col in _FIELDS.items()}
    checks["nickname"] = (
        (c("fn") != c("fn_r")) & (c("fn_groups").list.set_intersection(c("fn_groups_r")).list.len() > 0)
    ).fill_null(False)
    checks["initial"] = (
        (c("fn").is_null() | c("fn_r").is_null()) & (c("fn_init") == c("fn_init_r"))
    ).fill_null(False)
    checks["date of birth (day and month swapped)"] = (c("dob") == c("dob_swap_r")).fill_null(False)
    agreed = pairs.select("mention_id", **checks).group_by("mention_id").agg(pl.all().any())
    out = {}
    for row in agreed.iter_rows(named=True):
        mention_id = int(row.pop("mention_id"))
        out[mention_id] = tuple(name for name, ok in row.items() if ok)
    return out
