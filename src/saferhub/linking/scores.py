"""Reading Splink's scored pairs: each pair's match weight per comparison, vetoes, waterfall."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from splink import DuckDBAPI

from saferhub.linking.model import decisive_expr, level_weights, veto_expr


def scored_pairs(db_api: DuckDBAPI, sdf_name: str, model: dict[str, Any]) -> pl.DataFrame:
    """Scored pairs from a Splink prediction table: l < r, p, w, veto, decisive, mw_* columns."""
    names = list(level_weights(model))
    mw = [f'"mw_{n}"' for n in names]
    tf = [f'coalesce("mw_tf_adj_{n}", 0) AS "tf_{n}"' for n in names if _has_tf(model, n)]
    sql = (
        "SELECT least(mention_id_l, mention_id_r) AS l, greatest(mention_id_l, mention_id_r) AS r,"
        f" match_probability AS p, match_weight AS w, {', '.join(mw + tf)} FROM {sdf_name}"
    )
    frame = pl.from_arrow(db_api.duckdb_con.sql(sql).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(veto=veto_expr(model), decisive=decisive_expr(model)).unique(
        ["l", "r"], keep="first"
    )


# UK mobile numbers (+447…) belong to one person; a landline belongs to a household.
_MOBILE = r"^\+447"


def with_person_evidence(edges: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """``edges`` with ``enough``: whether the pair may be linked without a person's word.

    Two rules of how UK agencies record people, beyond the match probability:

    - something must tell this person from the rest of the household (a family shares a
      surname, an address and a landline): a forename or initial that agrees, a date of
      birth, a mobile number, or the agency's own reference;
    - names alone are not enough, however rare: something besides the names must agree
      (date of birth, phone, home or reference).

    A pair that fails either goes to the review queue instead of being linked (but see
    ``unnamed.only_person_it_can_be``).
    """
    mobile = frame.select("mention_id", mobile=pl.col("phone").str.contains(_MOBILE).fill_null(False))
    left = mobile.rename({"mention_id": "l", "mobile": "mobile_l"})
    right = mobile.rename({"mention_id": "r", "mobile": "mobile_r"})
    with_phones = edges.join(left, on="l", how="left").join(right, on="r", how="left")
    c = pl.col
    agrees = {name: c(f"mw_{name}") > 0 for name in ("forename", "date_of_birth", "phone", "home")}
    personal = (
        c("decisive")
        | agrees["forename"]
        | agrees["date_of_birth"]
        | (agrees["phone"] & c("mobile_l").fill_null(False) & c("mobile_r").fill_null(False))
    )
    besides_names = c("decisive") | agrees["date_of_birth"] | agrees["phone"] | agrees["home"]
    return with_phones.with_columns(enough=personal & besides_names).drop("mobile_l", "mobile_r")


def _has_tf(model: dict[str, Any], comparison: str) -> bool:
    for c in model["comparisons"]:
        if c["output_column_name"] == comparison:
            return any(lv.get("tf_adjustment_column") for lv in c["comparison_levels"])
    return False


def evidence(edges: pl.DataFrame, model: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The waterfall of each edge: per comparison, its level and match weight."""
    weights = level_weights(model)
    lam = float(model["probability_two_random_records_match"])
    prior = float(np.log2(lam / (1 - lam)))
    out = []
    for row in edges.iter_rows(named=True):
        parts: list[dict[str, Any]] = [
            {"comparison": "prior", "level": "two random mentions", "weight": round(prior, 3)}
        ]
        for name, levels in weights.items():
            value = row[f"mw_{name}"]
            level = "missing on one side"
            for label, w in levels:
                if abs(value - w) < 1e-6:
                    level = label
            tf = row.get(f"tf_{name}") or 0.0
            parts.append({"comparison": name, "level": level, "weight": round(value + tf, 3)})
        out.append(parts)
    return out
