"""How far could any pairwise model go on the comparisons SaferHub makes? A diagnostic.

    python benchmarks/linking_ceiling.py STORE.db TRUTH/mentions.csv

For a linked SQLite store made from synthetic partner files (``saferhub synth``, import,
``saferhub link``), every candidate pair the model's blocking rules give is scored down to
a match probability of 1e-6. Then a classifier (scikit-learn's histogram gradient
boosting) is trained **on the generator's truth** over the same per-comparison match
weights, five-fold (folds by mention, so no pair is scored by a model that saw it), and its
pairs are clustered into people as connected components at several thresholds. This is an
oracle: no hub has the truth to train on. What it cannot reach, no model that sees only
these comparisons and links pairs can reach either; it says whether the next gain must
come from new evidence in the records and comparisons, or from the model. It also gives
what deciding every candidate pair rightly would reach: the limit set by blocking and by
the mentions with too little to link on. Prints one JSON object.

scikit-learn comes with the development tools (``esda`` needs it); SaferHub does not.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold
from splink import DuckDBAPI

from saferhub.linking import store
from saferhub.linking.evaluate import KEY, read_truth
from saferhub.linking.features import finish
from saferhub.linking.model import make_linker, model_input, term_frequencies
from saferhub.linking.prepared import read_rows
from saferhub.linking.scores import scored_pairs, with_person_evidence
from saferhub.store import connect

THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)


def _pairs(sizes: pl.Expr) -> pl.Expr:
    return (sizes * (sizes - 1) // 2).sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a linked SQLite store")
    parser.add_argument("truth", type=Path, help="the generator's truth/mentions.csv")
    args = parser.parse_args()
    c = pl.col
    engine = connect(f"sqlite:///{args.store}")
    with engine.connect() as conn:
        prepared = read_rows(conn)
        saved = store.latest_model(conn)
    if saved is None:
        raise SystemExit("the store has no model yet: run saferhub link first")
    model = saved[1]
    frame = model_input(finish(prepared.rows.drop("event_id")))
    api = DuckDBAPI()
    linker = make_linker(api, frame, model, frequencies=term_frequencies(frame))
    predicted = linker.inference.predict(threshold_match_probability=1e-6, warning_mode="never")
    edges = with_person_evidence(scored_pairs(api, predicted.physical_name, model), frame)

    with sqlite3.connect(args.store) as db:
        keys = pl.read_database(
            "SELECT m.id AS mention_id, e.feed, e.agency, e.source_id, m.role "
            "FROM person_mentions m JOIN events e ON e.id = m.event_id",
            db,
        )
    keys = keys.join(read_truth(args.truth).rename({"person_id": "true"}), on=KEY, how="left")
    ids = np.sort(keys["mention_id"].to_numpy())
    truth = keys.select("mention_id", "true")
    labelled = (
        edges.join(truth.rename({"mention_id": "l", "true": "true_l"}), on="l", how="left")
        .join(truth.rename({"mention_id": "r", "true": "true_r"}), on="r", how="left")
        .with_columns(y=(c("true_l") == c("true_r")).fill_null(False))
    )
    columns = [n for n in labelled.columns if n.startswith(("mw_", "tf_"))] + ["w"]
    x = labelled.select(columns).fill_null(0).to_numpy()
    y = labelled["y"].to_numpy()
    oracle = np.zeros(y.size)
    folds = GroupKFold(5).split(x, y, groups=labelled["l"].to_numpy() % 5)
    for train, test in folds:
        fitted = HistGradientBoostingClassifier(max_iter=300, random_state=0).fit(x[train], y[train])
        oracle[test] = fitted.predict_proba(x[test])[:, 1]
    known = keys.filter(c("true").is_not_null())
    true_pairs = int(known.group_by("true").len().select(_pairs(c("len"))).item())

    def scores(score: np.ndarray, threshold: float) -> dict[str, float]:
        keep = score >= threshold
        left = np.searchsorted(ids, labelled["l"].to_numpy()[keep])
        right = np.searchsorted(ids, labelled["r"].to_numpy()[keep])
        graph = coo_matrix((np.ones(left.size), (left, right)), shape=(ids.size, ids.size))
        _, labels = connected_components(graph, directed=False)
        people = pl.DataFrame({"mention_id": ids, "pred": labels}).join(known, on="mention_id")
        predicted_pairs = people.group_by("pred").len().select(_pairs(c("len"))).item()
        correct = people.group_by("pred", "true").len().select(_pairs(c("len"))).item()
        p = correct / predicted_pairs if predicted_pairs else 1.0
        r = correct / true_pairs
        return {"threshold": threshold, "precision": round(p, 4), "recall": round(r, 4),
                "f1": round(2 * p * r / (p + r), 4)}  # fmt: skip

    print(
        json.dumps(
            {
                "mentions": int(known.height),
                "true_pairs": true_pairs,
                "scored_pairs": int(labelled.height),
                "true_pairs_among_scored": int(y.sum()),
                "oracle": [scores(oracle, t) for t in THRESHOLDS],
                "model_probability_alone": [scores(labelled["p"].to_numpy(), t) for t in (0.5, 0.95)],
                # Every candidate pair decided rightly: what blocking and the mentions left
                # unlinkable allow at best.
                "perfect_on_candidate_pairs": scores(y.astype(float), 0.5),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
