"""Quarantine: rows refused by validation, kept with their line, their fields as sent and reasons.

The quarantine CSV has columns ``line``, ``reasons`` (separated by "; ") and then the
file's own columns with the values exactly as the partner sent them, so a partner can
correct and resend just those rows.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import polars as pl

from saferhub.feeds.reading import LINE, RawTable, positional
from saferhub.feeds.validate import REASONS


def quarantine_frame(bad: pl.DataFrame, raw: RawTable) -> pl.DataFrame:
    """One row per refused row: line (int), fields (dict as sent), reasons (list of str)."""
    names = raw.names
    reasons = bad.select(pl.col(LINE), pl.col(REASONS))
    sent = raw.frame.join(reasons, on=LINE, how="inner").sort(LINE)
    rows: list[dict[str, object]] = []
    for record in sent.iter_rows(named=True):
        fields = {names[i]: record[positional(i)] for i in range(len(names))}
        rows.append({"line": record[LINE], "fields": fields, "reasons": list(record[REASONS])})
    width = len(names)
    for ragged in raw.ragged:
        fields = {
            names[i] if i < width else f"extra field {i - width + 1}": v for i, v in enumerate(ragged.fields)
        }
        rows.append(
            {
                "line": ragged.line,
                "fields": fields,
                "reasons": [f"row has {len(ragged.fields)} fields but the header has {width}"],
            }
        )
    rows.sort(key=lambda r: int(str(r["line"])))
    return pl.DataFrame(
        rows,
        schema={"line": pl.Int64, "fields": pl.Object, "reasons": pl.List(pl.String)},
    )


def write_quarantine(quarantined: pl.DataFrame, directory: Path, import_id: int, source: Path) -> Path:
    """Write the quarantine CSV (gzip when the source was gzip) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = source.name.removesuffix(".gz").rsplit(".", 1)[0]
    gz = source.name.endswith(".gz")
    path = directory / f"import-{import_id}-{stem}.quarantine.csv{'.gz' if gz else ''}"
    columns: list[str] = []
    for fields in quarantined["fields"]:
        columns.extend(k for k in fields if k not in columns)
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "reasons", *columns])
        for row in quarantined.iter_rows(named=True):
            fields = row["fields"]
            writer.writerow([row["line"], "; ".join(row["reasons"]), *(fields.get(c) or "" for c in columns)])
    return path
