"""Small partner files written by tests."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path


def write_calls(path: Path, rows: list[dict[str, str]]) -> Path:
    """A calls file with the given caller columns (agency, source_id, received_at added)."""
    columns = [
        "agency",
        "source_id",
        "received_at",
        "caller_first_name",
        "caller_last_name",
        "caller_dob",
        "caller_phone",
        "caller_address",
        "caller_postcode",
    ]
    columns += sorted({k for row in rows for k in row} - set(columns))
    with gzip.open(path, "wt", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for k, row in enumerate(rows):
            writer.writerow(
                {
                    "agency": "police",
                    "source_id": f"T-{k:05d}",
                    "received_at": f"2026-10-{1 + k % 28:02d}T10:00:00",
                    **row,
                }
            )
    return path
