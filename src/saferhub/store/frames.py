"""Reading a query's rows into a polars frame by the fastest door each database offers.

A million rows through SQLAlchemy's result rows cost seconds: PostgreSQL streams them
with COPY, SQLite hands them over through a plain driver cursor. Callers name every
column and its type: the frame never guesses.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement

Schema = dict[str, Any]


def read_frame(conn: Connection, query: str | ClauseElement, schema: Schema) -> pl.DataFrame:
    """The rows of ``query`` (its columns named and ordered as ``schema``) as a frame."""
    sql = query if isinstance(query, str) else _compile(conn, query)
    if conn.dialect.name == "postgresql":
        return _postgres(conn, sql, schema)
    # Not ADBC on SQLite: its driver carries its own copy of the SQLite library, and two
    # copies in one process break each other's file locks on a WAL database.
    return _cursor(conn, sql, schema)


def _compile(conn: Connection, stmt: ClauseElement) -> str:
    return str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def _postgres(conn: Connection, sql: str, schema: Schema) -> pl.DataFrame:
    buffer = io.BytesIO()
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT CSV)") as copy:
        for block in copy:
            buffer.write(block)
    if buffer.getbuffer().nbytes == 0:
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    frame = pl.read_csv(
        buffer, has_header=False, new_columns=list(schema), schema_overrides=schema, infer_schema=False
    )
    return frame.cast(schema)  # type: ignore[arg-type]


def _cursor(conn: Connection, sql: str, schema: Schema) -> pl.DataFrame:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return pl.DataFrame(rows, schema=schema, orient="row")
