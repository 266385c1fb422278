"""Measuring the people and place lists against the synthetic generator's ground truth.

A predicted person stands for the truth person most of its mentions belong to (and a
predicted place for the truth place most of its events happened at). Precision is the
share of listed people whose truth person carries the flag; recall the share of flagged
truth people that some listed person stands for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, delete, select

from saferhub.config import Settings
from saferhub.linking import person_links
from saferhub.store.models import Event
from saferhub.store.place_models import EventPlace

KEY = ["feed", "agency", "source_id"]


@dataclass(frozen=True)
class ListScores:
    listed: int
    truth: int
    correct: int  # listed entries whose truth person or place carries the flag
    found: int  # flagged truth people or places that some listed entry stands for

    @property
    def precision(self) -> float:
        return self.correct / self.listed if self.listed else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


def majority(pairs: pl.DataFrame, predicted: str, true: str) -> pl.DataFrame:
    """predicted -> the true id most of its rows carry (ties: the smallest id)."""
    return (
        pairs.drop_nulls([predicted, true])
        .group_by(predicted, true)
        .agg(n=pl.len())
        .sort([predicted, "n", true], descending=[False, True, False])
        .unique(predicted, keep="first", maintain_order=True)
        .select(predicted, pl.col(true).alias("truth_id"))
    )


def person_truth(*, engine: Engine, truth_dir: Path) -> pl.DataFrame:
    """person_id -> truth_id (the generator's PER... id) for every linked person."""
    truth = pl.read_csv(truth_dir / "mentions.csv", infer_schema=False).rename({"person_id": "true"})
    links = person_links(engine=engine)
    return majority(links.join(truth, on=[*KEY, "role"]), "person_id", "true")


def place_truth(*, engine: Engine, truth_dir: Path) -> pl.DataFrame:
    """place_id -> truth_id (the generator's PLC... id) for every place with events."""
    e, ep = Event.__table__.c, EventPlace.__table__.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(e.feed, e.agency, e.source_id, ep.place_id).join_from(
                EventPlace.__table__, Event.__table__, e.id == ep.event_id
            )
        ).all()
    ours = pl.DataFrame(rows, schema={**{k: pl.String for k in KEY}, "place_id": pl.String}, orient="row")
    truth = pl.read_csv(truth_dir / "locations.csv", infer_schema=False).rename({"place_id": "true"})
    return majority(ours.join(truth, on=KEY), "place_id", "true")


def score_list(listed: list[str], mapping: pl.DataFrame, flagged: set[str], key: str) -> ListScores:
    """Scores of ``listed`` ids (ours) against the truth ids carrying a flag."""
    stand_for = mapping.filter(pl.col(key).is_in(listed))
    truth_ids = set(stand_for["truth_id"].to_list())
    correct = stand_for.filter(pl.col("truth_id").is_in(list(flagged))).height
    return ListScores(
        listed=len(set(listed)), truth=len(flagged), correct=correct, found=len(truth_ids & flagged)
    )


def flagged(truth_dir: Path, table: str, flag: str) -> set[str]:
    """Truth ids (people.csv or places.csv) whose ``flag`` column is true."""
    frame = pl.read_csv(truth_dir / table, infer_schema=False)
    key = "person_id" if table == "people.csv" else "place_id"
    return set(frame.filter(pl.col(flag) == "true")[key].to_list())


def use_truth_links(*, engine: Engine, truth_dir: Path) -> int:
    """Replace every person link with the truth's person (an oracle linkage), to tell the
    analyses' own errors from linkage errors. Returns the links rewritten."""
    from saferhub.store.bulk import append_frame
    from saferhub.store.models import PersonMention
    from saferhub.store.people_models import PersonLink

    e, m = Event.__table__.c, PersonMention.__table__.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.id, e.feed, e.agency, e.source_id, m.role).join_from(
                PersonMention.__table__, Event.__table__, e.id == m.event_id
            )
        ).all()
    ours = pl.DataFrame(
        rows, schema={"mention_id": pl.Int64, **{k: pl.String for k in KEY}, "role": pl.String}, orient="row"
    )
    truth = pl.read_csv(truth_dir / "mentions.csv", infer_schema=False)
    links = ours.join(truth, on=[*KEY, "role"]).select(
        "mention_id", "person_id", fingerprint=pl.lit(""), linkable=pl.lit(True), run_id=pl.lit(0)
    )
    with engine.begin() as conn:
        conn.execute(delete(PersonLink))
        append_frame(conn, "person_links", links)
    return links.height


def use_truth_places(*, engine: Engine, truth_dir: Path) -> int:
    """Replace every event's place with the truth's place (an oracle place resolution),
    street and unlocated incidents included. Returns the event places written."""
    from saferhub.store.bulk import append_frame
    from saferhub.store.place_models import Place

    e = Event.__table__.c
    with engine.connect() as conn:
        rows = conn.execute(select(e.id, e.feed, e.agency, e.source_id)).all()
    ours = pl.DataFrame(rows, schema={"event_id": pl.Int64, **{k: pl.String for k in KEY}}, orient="row")
    truth = pl.read_csv(truth_dir / "locations.csv", infer_schema=False)
    places = pl.read_csv(truth_dir / "places.csv", infer_schema=False)
    located = ours.join(truth.drop_nulls("place_id"), on=KEY).select(
        "event_id", "place_id", method=pl.lit("truth"), basis=pl.lit(0, pl.Int64)
    )
    table = places.select(
        "place_id",
        kind=pl.col("kind"),
        address=pl.coalesce(pl.col("address"), pl.lit("")),
        records=pl.lit(0),
        created_at=pl.lit(dt.datetime(2026, 1, 1)),
    )
    with engine.begin() as conn:
        conn.execute(delete(EventPlace))
        conn.execute(delete(Place))
        append_frame(conn, "places", table)
        append_frame(conn, "event_places", located)
    return located.height


@dataclass(frozen=True)
class Explained:
    """Why listed people and truth people disagree: linkage splits and merges, or not."""

    missed: int  # flagged truth people no listed person stands for
    missed_linkage: int  # ... whose mentions the linkage split, or merged with another's
    wrong: int  # listed people whose truth person is not flagged
    wrong_merged: int  # ... whose mentions belong to two or more truth people

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def explain(*, engine: Engine, truth_dir: Path, listed: list[str], flag: str) -> Explained:
    """Count the disagreements with the truth that linkage errors account for."""
    truth = pl.read_csv(truth_dir / "mentions.csv", infer_schema=False).rename({"person_id": "true"})
    pairs = person_links(engine=engine).join(truth, on=[*KEY, "role"])
    mapping = majority(pairs, "person_id", "true")
    flagged_ids = flagged(truth_dir, "people.csv", flag)
    stand_for = mapping.filter(pl.col("person_id").is_in(listed))
    missed = flagged_ids - set(stand_for["truth_id"].to_list())
    mixed = pairs.group_by("person_id").agg(n=pl.col("true").n_unique())
    merged_people = mixed.filter(pl.col("n") > 1)["person_id"]
    spread = pairs.group_by("true").agg(
        n=pl.col("person_id").n_unique(), merged=pl.col("person_id").is_in(merged_people.implode()).any()
    )
    linkage = spread.filter(pl.col("true").is_in(list(missed)) & ((pl.col("n") > 1) | pl.col("merged")))
    wrong = stand_for.filter(~pl.col("truth_id").is_in(list(flagged_ids)))["person_id"].to_list()
    merged = mixed.filter(pl.col("person_id").is_in(wrong) & (pl.col("n") > 1)).height
    return Explained(missed=len(missed), missed_linkage=linkage.height, wrong=len(wrong), wrong_merged=merged)


SYNTH_FEEDS = {
    "calls": "calls.csv.gz",
    "asb-reports": "asb-reports.csv.gz",
    "fire-incidents": "fire-incidents.csv.gz",
    "referrals": "referrals.csv.gz",
    "intelligence": "intelligence.csv.gz",
}


def build_synthetic_hub(
    *, settings: Settings, engine: Engine, out_dir: Path, days: int, seed: int, scale: float
) -> Path:
    """Generate synthetic partner files, import all five person feeds, link people and
    resolve places; returns the truth folder."""
    from saferhub.linking import link_people
    from saferhub.linking.places import resolve_places
    from saferhub.services import import_partner_file
    from saferhub.synth import generate

    generate(out_dir=out_dir, days=days, seed=seed, scale=scale)
    for feed, name in SYNTH_FEEDS.items():
        import_partner_file(settings=settings, engine=engine, feed=feed, path=out_dir / name)
    link_people(engine=engine)
    resolve_places(engine=engine)
    return out_dir / "truth"
