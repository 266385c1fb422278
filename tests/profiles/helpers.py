"""Readers, and truth people chosen for what a test needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from saferhub.access import Reader, SharingAgreement
from saferhub.config import Settings
from saferhub.synth import DEFAULT_END_DATE

AS_OF: dt.date = DEFAULT_END_DATE
WHERE = "test:profiles"


@dataclass
class Hub:
    engine: Engine
    settings: Settings
    truth: Path
    agreement: SharingAgreement
    links: pl.DataFrame  # feed, agency, source_id, role, person_id, event_id, truth_id

    def people_of(self, truth_id: str) -> list[str]:
        """Hub person ids holding a truth person's mentions, most mentions first."""
        mine = self.links.filter(pl.col("truth_id") == truth_id)
        return mine.group_by("person_id").agg(n=pl.len()).sort("n", descending=True)["person_id"].to_list()


def reader(agency: str, role: str = "analyst") -> Reader:
    return Reader(agency=agency, role=role, user=f"{agency}-{role}")


def truth_people(hub: Hub) -> pl.DataFrame:
    return pl.read_csv(hub.truth / "people.csv", infer_schema=False)


def cleanly_linked(hub: Hub, truth_id: str) -> str | None:
    """The hub person holding all of a truth person's mentions and nobody else's, if linkage
    got them exactly right."""
    people = hub.people_of(truth_id)
    if len(people) != 1 or people[0] is None:
        return None
    others = hub.links.filter((pl.col("person_id") == people[0]) & (pl.col("truth_id") != truth_id))
    return people[0] if others.height == 0 else None
