"""Finding names the way the linkage model reads them, fast enough for a search box.

``similar_surnames(engine, surname)``: the surnames in the store that are the one asked, a
slip of it (Damerau-Levenshtein, Jaro-Winkler in DuckDB) or a part of a double-barrelled
one. The store's distinct surnames are read once (an index-only scan) and kept, with a
DuckDB copy and the answers given from it, until new mentions arrive or ``REFRESH_SECONDS``
pass. ``forename_keys``: each forename as ``linking.features.prepare`` reads it (titles
dropped, nickname groups), remembered per spelling.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import duckdb
import polars as pl
from sqlalchemy import Engine, func, select

from saferhub.linking.features import MENTION_COLUMNS, prepare
from saferhub.profiles.query import surname_key
from saferhub.profiles.reading import M

REFRESH_SECONDS = 300
SURNAME_SIMILAR = 0.92  # Jaro-Winkler
FORENAME_SIMILAR = 0.88  # "Jon"/"John", "Steven"/"Stephen"
_FORENAMES_KEPT = 50_000
_ANSWERS_KEPT = 5_000  # surnames asked, per table


@dataclass
class _Surnames:
    stamp: int  # the newest mention id when read
    read_at: float
    db: duckdb.DuckDBPyConnection
    found: dict[str, dict[str, bool]] = field(default_factory=dict)  # folded surname -> answer


_lock = threading.Lock()
_surnames: dict[str, _Surnames] = {}
_forenames: dict[str, tuple[str | None, str | None, tuple[str, ...]]] = {}
_scratch = duckdb.connect()  # holds no data: string functions only, through a cursor per call


def _table(engine: Engine) -> _Surnames:
    key = engine.url.render_as_string(hide_password=True)
    with engine.connect() as conn:
        stamp = int(conn.execute(select(func.max(M.id))).scalar() or 0)
        held = _surnames.get(key)
        if held and held.stamp == stamp and time.monotonic() - held.read_at < REFRESH_SECONDS:
            return held
        names = conn.execute(select(M.last_name).where(M.last_name.is_not(None)).distinct()).scalars().all()
    table = pl.DataFrame({"last_name": names}, schema={"last_name": pl.String})
    table = table.with_columns(key=surname_key(pl.col("last_name")))
    db = duckdb.connect()
    db.register("incoming", table.to_arrow())
    db.execute("CREATE TABLE surnames AS SELECT * FROM incoming")
    db.unregister("incoming")
    fresh = _Surnames(stamp, time.monotonic(), db)
    with _lock:
        _surnames[key] = fresh
    return fresh


def similar_surnames(engine: Engine, surname: str) -> dict[str, bool]:
    """Stored surname -> whether it is exactly the one asked (after folding)."""
    key = pl.select(surname_key(pl.lit(surname))).item()
    table = _table(engine)
    known = table.found.get(key)  # the answer holds as long as the table: it goes with it
    if known is not None:
        return dict(known)
    slips = 1 if len(key) <= 5 else 2
    cursor = table.db.cursor()  # one per call: DuckDB connections are not shared by threads
    try:
        rows = cursor.execute(
            "SELECT last_name, key = $k FROM surnames WHERE key = $k OR damerau_levenshtein(key, $k) <= $d"
            " OR jaro_winkler_similarity(key, $k) >= $j"
            " OR list_contains(string_split(regexp_replace(last_name, '[- ]+', ' ', 'g'), ' '), $k)",
            {"k": key, "d": slips, "j": SURNAME_SIMILAR},
        ).fetchall()
    finally:
        cursor.close()
    answer = {str(r[0]): bool(r[1]) for r in rows}
    with _lock:
        if len(table.found) >= _ANSWERS_KEPT:
            table.found.clear()
        table.found[key] = answer
    return dict(answer)


def similar_forenames(forenames: list[str], asked: str) -> set[str]:
    """Of ``forenames`` (as keyed by ``forename_keys``), those within a slip of ``asked``."""
    if not forenames or len(asked) < 2:
        return set()
    cursor = _scratch.cursor()  # a connection to one in-memory database costs ~15 ms; a cursor ~0
    try:
        rows = cursor.execute(
            "SELECT fn FROM (SELECT unnest($fns) AS fn) WHERE jaro_winkler_similarity(fn, $q) >= $j",
            {"fns": forenames, "q": asked, "j": FORENAME_SIMILAR},
        ).fetchall()
    finally:
        cursor.close()
    return {str(r[0]) for r in rows}


def forename_keys(first_names: pl.Series) -> pl.DataFrame:
    """first_name, fn (the forename, null if only an initial), fn_init, fn_groups (nicknames)."""
    wanted = [n for n in first_names.drop_nulls().unique().to_list() if n not in _forenames]
    if wanted:
        blank = {c: pl.lit(None, pl.String) for c in MENTION_COLUMNS if c not in ("mention_id", "first_name")}
        frame = (
            pl.DataFrame({"first_name": wanted})
            .with_row_index("mention_id")
            .with_columns(pl.col("mention_id").cast(pl.Int64), **blank)
        )
        keyed = prepare(frame.select(MENTION_COLUMNS)).select("fn", "fn_init", "fn_groups")
        with _lock:
            if len(_forenames) > _FORENAMES_KEPT:
                _forenames.clear()
            for name, (fn, init, groups) in zip(wanted, keyed.iter_rows(), strict=True):
                _forenames[name] = (fn, init, tuple(groups or ()))
    known = [(n, *_forenames[n]) for n in first_names.drop_nulls().unique().to_list()]
    return pl.DataFrame(
        known,
        schema={
            "first_name": pl.String,
            "fn": pl.String,
            "fn_init": pl.String,
            "fn_groups": pl.List(pl.String),
        },
        orient="row",
    )
