"""``link_people``: every person mention in the store linked to a person, incrementally.

A run reads the mentions (keeping their prepared fields between runs:
``linking.prepared``), loads the saved model (training one if there is none, or on
``retrain``), and then either relinks everything (first run, new model, ``full``) or
links only what is new: mentions never linked or changed since, and people touched by a
reviewer's decision since the last run. Existing people keep their ids; merges and splits
are recorded. Only counts are logged, never personal data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import polars as pl
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from splink import DuckDBAPI
from sqlalchemy import Engine

from saferhub.linking import store
from saferhub.linking.clusters import assign_person_ids, cluster
from saferhub.linking.features import finish
from saferhub.linking.model import make_linker, model_input, prior_model, term_frequencies, train
from saferhub.linking.prepared import read_rows, save_rows
from saferhub.linking.scores import evidence, scored_pairs, with_person_evidence
from saferhub.linking.unnamed import only_person_it_can_be
from saferhub.store.locks import Busy, exclusive

log = logging.getLogger(__name__)

MIN_TRAINING_MENTIONS = 500  # fewer than this: start from the prior model, untrained


#: Fixed match probabilities, so that where the review band starts (``review_from``)
#: changes only what is queued for review, never who is linked. From CANDIDATE_FROM a
#: pair is a candidate: it can link (at the threshold, or on a decisive level) or forbid
#: a link (a clear disagreement). From HOUSEHOLD_FROM a named mention is one of the people
#: an unnamed mention might be (``unnamed``): low, so that every named member of the
#: household counts, not only those the unnamed mention resembles most.
CANDIDATE_FROM = 0.5
HOUSEHOLD_FROM = 0.01


class LinkOptions(BaseSettings):
    """How sure the model must be to link two mentions, and which pairs a person reviews.

    Environment: SAFERHUB_LINK_THRESHOLD, SAFERHUB_LINK_REVIEW_FROM.
    """

    model_config = SettingsConfigDict(env_prefix="SAFERHUB_LINK_", extra="ignore")

    threshold: float = Field(
        default=0.95,
        gt=0,
        lt=1,
        description="Match probability from which two mentions are linked as one person.",
    )
    review_from: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="Pairs from this match probability up to the threshold go to review.",
    )
    seed: int = Field(default=42, description="Seed for the random sampling in training.")


@dataclass
class LinkSummary:
    run_id: int
    mode: str  # full, incremental, unchanged, empty
    model_version: int | None
    trained: bool
    mentions: int
    linkable: int
    new_mentions: int
    people: int
    merges: int
    splits: int
    review_pairs: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Progress = Callable[[str], None]


def _decision_links(decisions: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    same = decisions.filter(pl.col("decision") == "same").select("l", "r", strength=pl.lit(float("inf")))
    different = decisions.filter(pl.col("decision") == "different").select("l", "r")
    return same, different


def link_people(
    *,
    engine: Engine,
    options: LinkOptions | None = None,
    retrain: bool = False,
    full: bool = False,
    progress: Progress | None = None,
) -> LinkSummary:
    """Link every person mention in the store; see the module doc. Safe to run any time.

    One run at a time per store: a second run while one is going raises ``LinkBusy``.
    """
    try:
        with exclusive(engine, "link-people"):
            return _link_people(engine=engine, options=options, retrain=retrain, full=full, progress=progress)
    except Busy:
        raise LinkBusy("another link run is in progress on this store; try again when it ends") from None


class LinkBusy(RuntimeError):
    """Another process is linking this store."""


def _link_people(
    *,
    engine: Engine,
    options: LinkOptions | None,
    retrain: bool,
    full: bool,
    progress: Progress | None,
) -> LinkSummary:
    options = options or LinkOptions()
    if options.review_from > options.threshold:
        raise ValueError("review_from must not be above threshold")
    step = progress or (lambda _s: None)
    started = time.perf_counter()
    step("reading")
    with engine.connect() as conn:
        prepared = read_rows(conn)
        previous = store.read_links(conn)
        saved = store.latest_model(conn)
        last_model = store.last_run_model(conn)
        decisions = store.read_decisions(conn)
        pending = store.read_decisions(conn, pending_only=True)
    features = finish(prepared.rows.drop("event_id"))
    mention_count = features.height
    frame = model_input(features)
    trained = False
    model: dict[str, Any] = {}
    # Train when asked, when there is no model yet, or when the store has grown enough
    # to train a model that so far had to start from its priors.
    untrained = saved is not None and saved[2] < MIN_TRAINING_MENTIONS <= frame.height
    if mention_count and (saved is None or retrain or untrained):
        step("training")
        model = train(frame, seed=options.seed) if frame.height >= MIN_TRAINING_MENTIONS else prior_model()
        trained = True
    elif saved is not None:
        model = saved[1]

    current = previous.join(
        features.select("mention_id", "fingerprint"), on="mention_id", how="inner", suffix="_now"
    )
    unchanged = current.filter(pl.col("fingerprint") == pl.col("fingerprint_now"))
    kept_previous = unchanged.select("mention_id", "person_id", "fingerprint")
    new_ids = features.join(kept_previous, on="mention_id", how="anti")["mention_id"]
    if mention_count == 0:
        mode = "empty"
    elif trained or full or previous.height == 0 or (saved and last_model != saved[0]):
        mode = "full"
    elif new_ids.len() or pending.height:
        mode = "incremental"
    else:
        mode = "unchanged"

    with engine.begin() as conn:
        if trained:
            trained_on = frame.height if frame.height >= MIN_TRAINING_MENTIONS else 0
            version: int | None = store.save_model(conn, model, trained_on)
        else:
            version = saved[0] if saved else None
        run_id = store.start_run(conn, mode, version)
        if mode in ("unchanged", "empty"):
            save_rows(conn, prepared)
            people = store.count_people(conn)
            queued = store.count_review_pairs(conn)
            store.finish_run(conn, run_id, mentions=mention_count, people=people, review_pairs=queued)
            return LinkSummary(
                run_id,
                mode,
                version,
                trained,
                mention_count,
                frame.height,
                0,
                people,
                0,
                0,
                queued,
                time.perf_counter() - started,
            )
    assert version is not None
    ids = np.sort(features["mention_id"].to_numpy())
    db_api = DuckDBAPI()
    step("scoring pairs")
    if frame.height == 0:
        edges = pl.DataFrame(
            schema={
                "l": pl.Int64,
                "r": pl.Int64,
                "p": pl.Float64,
                "w": pl.Float64,
                "veto": pl.Boolean,
                "decisive": pl.Boolean,
                "enough": pl.Boolean,
            }
        )
    else:
        # Incremental runs compare focus and rest tables of their own, never the linker's
        # own input: a single row stands in for the whole frame there.
        own = frame if mode == "full" else frame.head(1)
        linker = make_linker(db_api, own, model, frequencies=term_frequencies(frame))
        if mode == "full":
            pred = linker.inference.predict(
                threshold_match_probability=_scored_from(options), warning_mode="never"
            )
        else:
            edges_sql = _incremental_predictions(
                db_api, linker, frame, kept_previous, new_ids, pending, options
            )
            pred = edges_sql
        edges = with_person_evidence(scored_pairs(db_api, pred.physical_name, model), frame)
    step("clustering")
    same, different = _decision_links(decisions)
    decided = decisions.select("l", "r")
    model_edges = edges.join(decided, on=["l", "r"], how="anti")
    # Who is linked depends only on the candidates, never on where the review band starts.
    candidate_edges = model_edges.filter(pl.col("p") >= min(CANDIDATE_FROM, options.threshold))
    accepted = candidate_edges.filter(
        ((pl.col("p") >= options.threshold) | pl.col("decisive")) & pl.col("enough") & ~pl.col("veto")
    )
    links = pl.concat([same, accepted.select("l", "r", strength="w")])
    cannot = pl.concat([different, candidate_edges.filter("veto").select("l", "r")])
    outside = kept_previous.clear()
    if mode == "incremental":
        # Only people an edge or a decision reaches can change: everyone else keeps
        # their person as it is, and only the reached people are clustered again.
        touched = _touched_people(kept_previous, pending)
        ends = pl.concat(
            [links["l"], links["r"], cannot["l"], cannot["r"], edges["l"], edges["r"], new_ids]
        ).unique()
        reached = kept_previous.filter(pl.col("mention_id").is_in(ends.implode()))["person_id"]
        scope_people = kept_previous.filter(pl.col("person_id").is_in(reached.implode()))
        outside = kept_previous.join(scope_people, on="mention_id", how="anti")
        # Untouched people in scope stay chained together; a decision may split the others.
        chain = _chains(scope_people.filter(~pl.col("person_id").is_in(touched)))
        links = pl.concat([chain, links])
        ids = np.sort(pl.concat([scope_people["mention_id"], new_ids]).unique().to_numpy())
        kept_previous = scope_people
    labels = cluster(ids, links, cannot)
    household = model_edges.filter(pl.col("p") >= HOUSEHOLD_FROM)
    unnamed = only_person_it_can_be(ids, labels, household, frame, threshold=options.threshold)
    if unnamed.height:
        links = pl.concat([links, unnamed])
        labels = cluster(ids, links, cannot)
    assigned, changes = assign_person_ids(ids, labels, kept_previous)

    review = model_edges.filter(
        (pl.col("p") >= options.review_from)
        & ((pl.col("p") < options.threshold) | ~pl.col("enough"))
        & ~pl.col("veto")
        & ~(pl.col("decisive") & pl.col("enough"))
    )
    label_of = pl.DataFrame({"m": ids, "c": labels})
    review = (
        review.join(label_of, left_on="l", right_on="m")
        .join(label_of, left_on="r", right_on="m", suffix="_r")
        .filter(pl.col("c") != pl.col("c_r"))
    )
    review = review.with_columns(evidence=pl.Series(evidence(review, model), dtype=pl.Object))
    step("saving")
    assigned = pl.concat([assigned, outside.select("mention_id", "person_id")])
    links_out = assigned.join(features.select("mention_id", "fingerprint", "linkable"), on="mention_id")
    merged = {c.other_person_id: c.person_id for c in changes if c.kind == "merged"}
    reason = "decision" if pending.height and mode == "incremental" else "model"
    events = [
        {
            "kind": c.kind,
            "person_id": c.person_id,
            "other_person_id": c.other_person_id,
            "mentions": c.mentions,
            "reason": reason,
        }
        for c in changes
    ]
    with engine.begin() as conn:
        store.write_links(conn, links_out, previous, run_id)
        save_rows(conn, prepared)
        # Ids already linked before are known people; only the others need looking up.
        candidates = (
            links_out.select("person_id")
            .unique()
            .join(previous.select("person_id").unique(), on="person_id", how="anti")
        )
        store.add_people(conn, candidates["person_id"].to_list())
        store.retire_people(conn, merged)
        store.record_id_events(conn, run_id, events)
        queued = store.replace_review_pairs(
            conn,
            review.select("l", "r", "p", "w", "evidence"),
            run_id=run_id,
            model_version=version,
            keep_others=mode == "incremental",
        )
        store.drop_settled_review_pairs(conn)
        store.mark_decisions_applied(conn, run_id)
        people = store.count_people(conn)
        summary = LinkSummary(
            run_id,
            mode,
            version,
            trained,
            mention_count,
            frame.height,
            new_ids.len(),
            people,
            sum(c.kind == "merged" for c in changes),
            sum(c.kind == "split" for c in changes),
            queued,
            time.perf_counter() - started,
        )
        store.finish_run(
            conn,
            run_id,
            mentions=summary.mentions,
            new_mentions=summary.new_mentions,
            people=people,
            merges=summary.merges,
            splits=summary.splits,
            review_pairs=queued,
        )
    log.info("linked people: %s", {k: v for k, v in summary.as_dict().items() if k != "seconds"})
    return summary


def _scored_from(options: LinkOptions) -> float:
    """The match probability from which pairs are scored: every candidate and every pair
    for review."""
    return min(options.review_from, HOUSEHOLD_FROM)


def _touched_people(previous: pl.DataFrame, pending: pl.DataFrame) -> list[str]:
    ids = pl.concat([pending["l"], pending["r"]])
    return previous.filter(pl.col("mention_id").is_in(ids.implode()))["person_id"].unique().to_list()


def _chains(links: pl.DataFrame) -> pl.DataFrame:
    """Links that hold each person's mentions together (each to the next), beyond doubt."""
    ordered = links.sort("person_id", "mention_id")
    nxt = ordered.with_columns(r=pl.col("mention_id").shift(-1), same=pl.col("person_id").shift(-1))
    return nxt.filter(pl.col("same") == pl.col("person_id")).select(
        l=pl.col("mention_id"), r=pl.col("r").cast(pl.Int64), strength=pl.lit(float("inf"))
    )


def _incremental_predictions(
    db_api: DuckDBAPI,
    linker: Any,
    frame: pl.DataFrame,
    previous: pl.DataFrame,
    new_ids: pl.Series,
    pending: pl.DataFrame,
    options: LinkOptions,
) -> Any:
    """Pairs touching what changed: new mentions, and the people reviewers decided about."""
    touched = _touched_people(previous, pending)
    touched_ids = previous.filter(pl.col("person_id").is_in(touched))["mention_id"]
    focus_ids = pl.concat([new_ids, touched_ids]).unique()
    focus = frame.filter(pl.col("mention_id").is_in(focus_ids.implode()))
    rest = frame.filter(~pl.col("mention_id").is_in(focus_ids.implode()))
    focus_sdf = db_api.register(focus.to_arrow(), table_name="focus")
    within = linker.inference.predict_within(
        focus_sdf, threshold_match_probability=_scored_from(options), warning_mode="never"
    )
    if rest.height == 0:
        return within
    rest_sdf = db_api.register(rest.to_arrow(), table_name="rest")
    between = linker.inference.predict_between(
        rest_sdf, focus_sdf, threshold_match_probability=_scored_from(options), warning_mode="never"
    )
    db_api.duckdb_con.execute(
        f"CREATE TABLE incremental_edges AS SELECT * FROM {within.physical_name}"
        f" UNION ALL BY NAME SELECT * FROM {between.physical_name}"
    )

    class _Table:
        physical_name = "incremental_edges"

    return _Table()
