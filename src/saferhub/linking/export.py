"""Person links for partners and checks: one row per person mention, with its person id."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from saferhub.store.models import Event, PersonMention
from saferhub.store.people_models import PersonLink

LINK_COLUMNS = ["feed", "agency", "source_id", "role", "person_id"]


def person_links(*, engine: Engine) -> pl.DataFrame:
    """feed, agency, source_id, role, person_id for every mention (person_id null if unlinked)."""
    m, e, links = PersonMention.__table__.c, Event.__table__.c, PersonLink.__table__.c
    query = (
        select(e.feed, e.agency, e.source_id, m.role, links.person_id)
        .join_from(PersonMention.__table__, Event.__table__, m.event_id == e.id)
        .outerjoin(PersonLink.__table__, links.mention_id == m.id)
        .order_by(e.feed, e.agency, e.source_id, m.role)
    )
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=100_000).execute(query)
        frames = [
            pl.DataFrame(part, schema={c: pl.String for c in LINK_COLUMNS}, orient="row")
            for part in result.partitions(100_000)
        ]
    return pl.concat(frames) if frames else pl.DataFrame(schema={c: pl.String for c in LINK_COLUMNS})


def export_person_links(*, engine: Engine, out: Path) -> tuple[int, int]:
    """Write the links CSV to ``out``; returns (rows, rows not yet linked)."""
    frame = person_links(engine=engine)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(out)
    return frame.height, int(frame["person_id"].null_count())
