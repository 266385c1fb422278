"""Pairwise precision, recall and F1 of person links against a ground truth.

Two mentions are a predicted pair when they share a person id, a true pair when the truth
says they are one person. Counts come from cluster sizes, never from listing pairs, so a
million mentions evaluate in a second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

KEY = ["feed", "agency", "source_id", "role"]


@dataclass(frozen=True)
class PairwiseScores:
    mentions: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            **asdict(self),
            "precision": round(self.precision, 5),
            "recall": round(self.recall, 5),
            "f1": round(self.f1, 5),
        }


def _pairs(sizes: pl.Expr) -> pl.Expr:
    return (sizes * (sizes - 1) // 2).sum()


def pairwise_scores(predicted: pl.DataFrame, truth: pl.DataFrame) -> PairwiseScores:
    """Scores of ``predicted`` (KEY + person_id) against ``truth`` (KEY + person_id).

    Only mentions present in both count; a mention the truth does not know is ignored.
    """
    both = predicted.select(*KEY, pred=pl.col("person_id").cast(pl.String)).join(
        truth.select(*KEY, true=pl.col("person_id").cast(pl.String)), on=KEY, how="inner"
    )
    size = pl.len().cast(pl.Int64)
    pred_pairs = both.group_by("pred").agg(n=size).select(_pairs(pl.col("n"))).item()
    true_pairs = both.group_by("true").agg(n=size).select(_pairs(pl.col("n"))).item()
    correct = both.group_by("pred", "true").agg(n=size).select(_pairs(pl.col("n"))).item()
    return PairwiseScores(
        mentions=both.height,
        true_pairs=int(true_pairs or 0),
        predicted_pairs=int(pred_pairs or 0),
        correct_pairs=int(correct or 0),
    )


def read_truth(path: Path) -> pl.DataFrame:
    """The synthetic generator's ``truth/mentions.csv`` (or any file with the same columns)."""
    return pl.read_csv(path, schema_overrides={c: pl.String for c in [*KEY, "person_id"]})


def blocking_report(frame: pl.DataFrame, *, sample: float = 1.0) -> list[dict[str, object]]:
    """Splink's blocking analysis of the model's rules over ``frame`` (``model_input``).

    One record per rule: the comparisons it adds beyond the rules before it, and the
    running total, so that a rule whose cost outweighs what it finds shows at once.
    """
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    from saferhub.linking.model import blocking_rules

    db_api = DuckDBAPI()
    sdf = db_api.register(frame.to_arrow(), table_name="blocking_input")
    records = count_comparisons_from_blocking_rules(
        sdf,
        blocking_rules=blocking_rules(),
        link_type="dedupe_only",
        unique_id_column_name="mention_id",
        record_sample_proportion=sample,
    )
    out = []
    for r in records:
        row = r if isinstance(r, dict) else getattr(r, "__dict__", {})
        out.append(
            {
                "rule": str(row.get("blocking_rule", "")),
                "added": int(row.get("marginal_comparison_count", row.get("row_count", 0)) or 0),
                "cumulative": int(row.get("cumulative_comparison_count", 0) or 0),
            }
        )
    return out


def blocking_recall(
    frame: pl.DataFrame, pairs_found: pl.DataFrame, truth: pl.DataFrame, keys: pl.DataFrame
) -> float:
    """Share of true pairs among linkable mentions that blocking put in front of the model.

    ``pairs_found`` has l, r (mention ids); ``keys`` maps mention_id to the truth KEY.
    """
    t = keys.join(truth, on=KEY).filter(pl.col("mention_id").is_in(frame["mention_id"].implode()))
    true_pairs = (
        t.select("mention_id", "person_id")
        .join(t.select("mention_id", "person_id"), on="person_id", suffix="_r")
        .filter(pl.col("mention_id") < pl.col("mention_id_r"))
    )
    if true_pairs.height == 0:
        return 1.0
    found = true_pairs.join(
        pairs_found, left_on=["mention_id", "mention_id_r"], right_on=["l", "r"], how="semi"
    )
    return found.height / true_pairs.height
