"""Benchmark: import every Merseyside police.uk street file (768,759 rows in 55 files).

    python benchmarks/import_police_uk.py [--backend sqlite|postgresql|both] [--scale S]

Ours: ``saferhub import police-uk-street FILES --json`` in a child process, into a fresh
database (schema migration, reading, validation, identities, placing in Wirral LSOAs and
wards, the idempotent upsert, per-file transactions and import records all included).
Baseline: pandas ``read_csv`` + ``to_sql`` of the same files into a fresh database of the
same backend, also in a child process. ``--scale`` below 1 takes that share of the files
(in month order) for a quick run; the row-count check applies to the full set only.
"""

from __future__ import annotations

import os
from pathlib import Path

from _common import backends, compare, emit, note, parse_args

DATA = Path(os.environ.get("SAFERHUB_BENCH_DATA", "/work/shared/data"))
STREET = DATA / "police_uk" / "merseyside" / "street"
EXPECTED_ROWS = 768_759  # /work/shared/data/SOURCES.md, section 1a


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    files = sorted(STREET.glob("*.csv.gz"))
    if not files:
        raise SystemExit(f"no police.uk files in {STREET}")
    take = max(1, round(len(files) * min(args.scale, 1.0)))
    chosen = files[:take]
    expected = EXPECTED_ROWS if take == len(files) else None
    note(f"police.uk: {len(chosen)} of {len(files)} Merseyside street files")
    for backend in backends(args.backend):
        emit(
            compare(
                name="import_police_uk",
                backend=backend,
                files=chosen,
                feed="police-uk-street",
                table="street_crime",
                expected_read=expected,
                repeat=args.repeat,
            )
        )


if __name__ == "__main__":
    main()
