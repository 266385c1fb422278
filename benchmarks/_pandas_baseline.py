"""The baseline every import benchmark is measured against, run as a child process.

    python benchmarks/_pandas_baseline.py URL TABLE FILE [FILE ...]

For each file: ``pandas.read_csv(file)`` then ``DataFrame.to_sql(TABLE, engine,
if_exists="append", index=False)`` with pandas' defaults (``method=None``: one
SQLAlchemy executemany of plain INSERTs; ``chunksize=None``: the whole frame in one
batch). Prints one JSON line: rows read and library versions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import sqlalchemy
from sqlalchemy import create_engine


def main(argv: list[str]) -> None:
    url, table, *files = argv
    engine = create_engine(url)
    rows = 0
    try:
        for file in files:
            frame = pd.read_csv(Path(file))
            frame.to_sql(table, engine, if_exists="append", index=False)
            rows += len(frame)
    finally:
        engine.dispose()
    print(
        json.dumps(
            {
                "rows_read": rows,
                "pandas": pd.__version__,
                "sqlalchemy": sqlalchemy.__version__,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
