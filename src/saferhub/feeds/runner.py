"""Importing one partner file into one feed: read, map, validate, place, store, report.

A file is imported in one transaction: an error or an interruption leaves the store
as it was. Rows that fail validation are quarantined (in the store and in a CSV
beside the other quarantine files) with their line and every reason.
Rows read = imported + updated + quarantined, always.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import shapely
from sqlalchemy import Engine, insert, update

from saferhub.areas import Areas, to_bng, to_wgs84
from saferhub.feeds import normalise as nz
from saferhub.feeds.contract import LOCATION_COLUMNS, PERSON_FIELDS, FeedSpec
from saferhub.feeds.errors import FileRefused
from saferhub.feeds.mapping import Mapping, apply_values, resolve_columns
from saferhub.feeds.quarantine import quarantine_frame, write_quarantine
from saferhub.feeds.reading import LINE, RawTable, positional, read_table
from saferhub.feeds.validate import REASONS, validate
from saferhub.store.bulk import (
    MENTION_COLUMNS,
    KeyCollision,
    Staged,
    batch_transaction,
    source_keys,
    stage_batch,
    write_batch,
)
from saferhub.store.models import ImportRun, QuarantinedRow

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ImportSummary:
    file: str
    feed: str
    read: int
    imported: int
    updated: int
    unchanged: int
    quarantined: int
    quarantine: str | None
    import_id: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _frame_for_feed(
    raw: RawTable, spec: FeedSpec, mapping: Mapping | None, file: str
) -> tuple[pl.DataFrame, list[str]]:
    contract = {c.name for c in spec.all_columns()}
    positions, extras = resolve_columns(raw.header, contract, mapping, file)
    # A column with neither a header nor any value (e.g. a trailing comma) carries nothing.
    extras = {
        i: h for i, h in extras.items() if h or raw.frame[positional(i)].null_count() < raw.frame.height
    }
    names = raw.names
    frame = raw.frame.select(
        *(pl.col(positional(i)).alias(name) for i, name in positions.items()),
        *(pl.col(positional(i)).alias(f"extra:{names[i]}") for i in extras),
        pl.col(LINE),
    )
    frame = apply_values(frame, mapping)
    missing = [c for c in spec.required() if c not in frame.columns]
    if missing:
        raise FileRefused(file, f"is missing required column(s): {', '.join(missing)}")
    if spec.default_agency:
        agency = (
            pl.col("agency").fill_null(spec.default_agency)
            if "agency" in frame.columns
            else pl.lit(spec.default_agency)
        )
        frame = frame.with_columns(agency.alias("agency"))
    # Every feed's events carry the location columns, empty where the feed has none.
    wanted = contract | {c.name for c in LOCATION_COLUMNS}
    absent = [c for c in wanted if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in sorted(absent))
    return frame, [f"extra:{names[i]}" for i in extras]


def _content_hash(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    part = frame.select(columns)
    # Two independent 64-bit row hashes: a collision would only miscount "unchanged".
    a = part.hash_rows(seed=11)
    b = part.hash_rows(seed=29)
    return (a.cast(pl.String) + ":" + b.cast(pl.String)).alias("content_hash")


def _json(frame: pl.DataFrame, columns: Collection[str], rename: Callable[[str], str] = str) -> pl.Expr:
    if not columns:
        return pl.lit(None, pl.String)
    fields = []
    for c in columns:
        dtype = frame.schema[c]
        expr = pl.col(c)
        if isinstance(dtype, pl.Datetime):
            expr = expr.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif dtype == pl.Date:
            expr = expr.dt.strftime("%Y-%m-%d")
        fields.append(expr.alias(rename(c)))
    return pl.struct(fields).struct.json_encode()


def _assign_near(areas: Areas, east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``areas.assign`` for the points near the hub's area; None for all the others.

    A point is given an area only when it lies within (or within the edge tolerance or
    the reference band of) an area's polygon, so a point outside the areas' bounding box
    widened by those margins gets none: it is not looked up at all (police.uk files
    cover a whole force, most of it outside the hub's area).
    """
    lsoa = np.full(len(east), None, dtype=object)
    ward = np.full(len(east), None, dtype=object)
    margin = max(areas.edge_tolerance_m, areas.reference.band_m if areas.reference else 0.0) + 1.0
    x0, y0, x1, y1 = shapely.total_bounds(np.concatenate([areas.lsoa.geometries, areas.ward.geometries]))
    near = (east >= x0 - margin) & (east <= x1 + margin) & (north >= y0 - margin) & (north <= y1 + margin)
    if near.any():
        lsoa[near], ward[near] = areas.assign(east[near], north[near])
    return lsoa, ward


_COORDINATES = ("latitude", "longitude", "easting", "northing")
# One placing thread for the whole process, not one per file: pyproj sets up its
# transformation once per thread (about 30 ms), which a new thread for each of the 55
# police.uk files paid 55 times (1.8 s of CPU in an 8 s import).
_PLACING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="saferhub-place")


def _place(located: pl.DataFrame, areas: Areas) -> pl.DataFrame:
    """Both coordinate systems and the LSOA and ward of every located event (these 6 columns)."""
    lat = located["latitude"].cast(pl.Float64).to_numpy().copy()
    lon = located["longitude"].cast(pl.Float64).to_numpy().copy()
    east = located["easting"].cast(pl.Float64).to_numpy().copy()
    north = located["northing"].cast(pl.Float64).to_numpy().copy()
    has_wgs = np.isfinite(lat) & np.isfinite(lon)
    has_bng = np.isfinite(east) & np.isfinite(north)
    if has_wgs.any():
        # Records repeat locations heavily (police.uk map points): project each once.
        points, inverse = np.unique(lon[has_wgs] + 1j * lat[has_wgs], return_inverse=True)
        e, n = to_bng(points.real.copy(), points.imag.copy())
        east[has_wgs], north[has_wgs] = e[inverse.ravel()], n[inverse.ravel()]
    only_bng = has_bng & ~has_wgs
    if only_bng.any():
        x, y = to_wgs84(east[only_bng], north[only_bng])
        lon[only_bng], lat[only_bng] = x, y
    lsoa, ward = _assign_near(areas, east, north)
    return pl.DataFrame(
        [
            pl.Series("latitude", lat, dtype=pl.Float64),
            pl.Series("longitude", lon, dtype=pl.Float64),
            pl.Series("easting", east, dtype=pl.Float64),
            pl.Series("northing", north, dtype=pl.Float64),
            pl.Series("lsoa_code", list(lsoa), dtype=pl.String),
            pl.Series("ward_code", list(ward), dtype=pl.String),
        ]
    ).with_columns(
        pl.col("latitude", "longitude").fill_nan(None),
        pl.col("easting", "northing").fill_nan(None).round(1),
    )


def _events(good: pl.DataFrame, spec: FeedSpec, extras: list[str]) -> pl.DataFrame:
    built = spec.event(good)
    if "time_precision" not in built.columns:
        built = built.with_columns(pl.lit("second").alias("time_precision"))
    attributes = [c for c in spec.attributes if c in built.columns]
    return built.with_columns(
        pl.lit(spec.name).alias("feed"),
        nz.clean_text(pl.col("location_address")).alias("address"),
        pl.col("location_postcode").alias("postcode"),
        _json(built, attributes).alias("attributes"),
        _json(built, extras, lambda c: c.removeprefix("extra:")).alias("extra"),
    )


def _mentions(good: pl.DataFrame, raw_person: pl.DataFrame, spec: FeedSpec) -> pl.DataFrame:
    frames = []
    for role in spec.person_roles:
        cols = [f"{role}_{f.name}" for f in PERSON_FIELDS]
        raw_json = pl.struct(
            [pl.col(f"raw:{c}").alias(c.removeprefix(f"{role}_")) for c in cols]
        ).struct.json_encode()
        part = pl.concat(
            [
                good.select("agency", "source_id", "source_key", *cols),
                raw_person.select(f"raw:{c}" for c in cols),
            ],
            how="horizontal",
        )
        # A role is present when any of its fields was sent, even one that does not parse
        # (an unreadable phone number is kept as recorded, in ``raw``).
        part = part.filter(pl.any_horizontal(pl.col(f"raw:{c}").is_not_null() for c in cols))
        frames.append(
            part.select(
                pl.col("agency"),
                pl.lit(spec.name).alias("feed"),
                pl.col("source_id"),
                pl.col("source_key"),
                pl.lit(role).alias("role"),
                raw_json.alias("raw"),
                nz.fold_name(pl.col(f"{role}_first_name")).alias("first_name"),
                nz.fold_name(pl.col(f"{role}_last_name")).alias("last_name"),
                pl.col(f"{role}_dob").alias("dob"),
                pl.col(f"{role}_phone").alias("phone"),
                nz.fold_address(pl.col(f"{role}_address")).alias("address"),
                pl.col(f"{role}_postcode").alias("postcode"),
                pl.col(f"{role}_ref").alias("agency_ref"),
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={
                "agency": pl.String,
                "feed": pl.String,
                "source_id": pl.String,
                "source_key": pl.Int64,
                **{c: (pl.Date if c == "dob" else pl.String) for c in MENTION_COLUMNS},
            }
        )
    return pl.concat(frames)


def _supersede_duplicates(checked: pl.DataFrame) -> pl.DataFrame:
    """Of rows sharing (agency, source_id) in one file, the last is imported; earlier ones are quarantined."""
    ok = pl.col(REASONS).list.len() == 0
    last_line = pl.col(LINE).filter(ok).max().over("agency", "source_id")
    superseded = ok & pl.col("source_id").is_not_null() & (pl.col(LINE) < last_line)
    return checked.with_columns(
        pl.when(superseded)
        .then(
            pl.concat_list(
                pl.col(REASONS),
                pl.concat_str(
                    [
                        pl.lit("source_id appears again on line "),
                        last_line.cast(pl.String),
                        pl.lit(", which was imported instead"),
                    ]
                ),
            )
        )
        .otherwise(pl.col(REASONS))
        .alias(REASONS)
    )


@dataclass(frozen=True)
class PreparedImport:
    """A file read, validated and placed, ready to be stored in one transaction."""

    path: Path
    feed: FeedSpec
    started: dt.datetime
    file_sha256: str  # of the file as sent, hashed while preparing (off the storing thread)
    rows_read: int
    events: pl.DataFrame
    mentions: pl.DataFrame
    quarantined: pl.DataFrame
    staged: Staged | None = None  # the rows made ready for a bulk load, see stage_prepared

    def discard(self) -> None:
        """Remove the staging file of a prepared import that will not be stored."""
        if self.staged is not None:
            self.staged.discard()


def prepare_file(
    *,
    feed: FeedSpec,
    path: Path,
    areas: Areas,
    agencies: Collection[str],
    mapping: Mapping | None = None,
    sheet: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> PreparedImport:
    """Read, map, validate and place ``path``; touches no database. FileRefused if unreadable."""
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    step = progress or (lambda _message: None)
    step("reading")
    raw = read_table(path, sheet=sheet)
    frame, extras = _frame_for_feed(raw, feed, mapping, path.name)
    # Sorted: column order is free, so the same records in another order are unchanged.
    original_columns = sorted(c for c in frame.columns if c != LINE)
    frame = frame.with_columns(_content_hash(frame, original_columns))
    if feed.identity is not None:
        frame = frame.with_columns(feed.identity(frame).alias("source_id"))
    person_cols = [f"{r}_{f.name}" for r in feed.person_roles for f in PERSON_FIELDS]
    raw_person = frame.select(pl.col(c).alias(f"raw:{c}") for c in person_cols)

    step("validating")
    checked = validate(frame, feed, agencies=agencies, today=today or dt.date.today())
    checked = _supersede_duplicates(checked).with_columns(raw_person)
    is_good = pl.col(REASONS).list.len() == 0
    good = checked.filter(is_good).with_columns(pl.lit(feed.name).alias("feed"))
    bad = checked.filter(~is_good)

    step("placing")
    # Placing (shapely and pyproj, outside Python's global lock) runs on a thread of its
    # own while the rest of the rows are built.
    placed = _PLACING.submit(_place, good.select(_COORDINATES), areas)
    try:
        good = good.with_columns(source_keys(good))
        events = _events(good, feed, extras)
        mentions = _mentions(good, good.select(raw_person.columns), feed)
        quarantined = quarantine_frame(bad, raw)
    except BaseException:
        wait([placed])  # a failed file leaves no placing behind it
        raise
    events = events.with_columns(placed.result())
    return PreparedImport(
        path=path,
        feed=feed,
        started=started,
        file_sha256=_sha256(path),
        rows_read=raw.rows_read,
        events=events,
        mentions=mentions,
        quarantined=quarantined,
    )


def stage_prepared(*, engine: Engine, prepared: PreparedImport) -> PreparedImport:
    """Write a prepared file's rows where ``engine``'s store can take them in bulk.

    SQLite: a scratch staging file; PostgreSQL: the mentions as CSV for COPY
    (``store.bulk.stage_batch``).
    Touches no store, so it can run while the previous file is being stored.
    """
    if prepared.staged is not None:
        return prepared
    staged = stage_batch(engine, events=prepared.events, mentions=prepared.mentions)
    return dataclasses.replace(prepared, staged=staged)


def store_prepared(
    *, engine: Engine, prepared: PreparedImport, quarantine_dir: Path, progress: Progress | None = None
) -> ImportSummary:
    """Store a prepared file in one transaction: all of it, or (on any error or interrupt) none."""
    if progress:
        progress("storing")
    path, quarantined = prepared.path, prepared.quarantined
    qpath: Path | None = None
    try:
        with batch_transaction(engine, prepared.staged) as conn:
            import_id = conn.execute(
                insert(ImportRun)
                .values(
                    feed=prepared.feed.name,
                    file_name=path.name,
                    file_sha256=prepared.file_sha256,
                    started_at=prepared.started,
                    read=prepared.rows_read,
                )
                .returning(ImportRun.id)
            ).scalar_one()
            try:
                counts = write_batch(
                    conn, events=prepared.events, mentions=prepared.mentions, import_id=import_id
                )
            except KeyCollision as exc:
                raise FileRefused(path.name, str(exc)) from exc
            if quarantined.height:
                conn.execute(
                    insert(QuarantinedRow),
                    [
                        {
                            "import_id": import_id,
                            "line": r["line"],
                            "fields": r["fields"],
                            "reasons": r["reasons"],
                        }
                        for r in quarantined.iter_rows(named=True)
                    ],
                )
            if prepared.rows_read != counts.imported + counts.updated + quarantined.height:
                raise AssertionError("import counts do not add up; nothing was stored")
            if quarantined.height:
                qpath = write_quarantine(quarantined, quarantine_dir, import_id, path)
            conn.execute(
                update(ImportRun)
                .where(ImportRun.id == import_id)
                .values(
                    imported=counts.imported,
                    updated=counts.updated,
                    unchanged=counts.unchanged,
                    quarantined=quarantined.height,
                    finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    quarantine_path=str(qpath) if qpath else None,
                )
            )
    except BaseException:
        # The store is rolled back: a quarantine file already written would be an orphan.
        if qpath is not None:
            qpath.unlink(missing_ok=True)
        raise
    finally:
        prepared.discard()
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return ImportSummary(
        file=str(path),
        feed=prepared.feed.name,
        read=prepared.rows_read,
        imported=counts.imported,
        updated=counts.updated,
        unchanged=counts.unchanged,
        quarantined=quarantined.height,
        quarantine=str(qpath) if qpath else None,
        import_id=import_id,
        seconds=round((finished - prepared.started).total_seconds(), 3),
    )


def import_file(
    *,
    engine: Engine,
    feed: FeedSpec,
    path: Path,
    areas: Areas,
    agencies: Collection[str],
    quarantine_dir: Path,
    mapping: Mapping | None = None,
    sheet: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import ``path`` into ``feed``; raise FileRefused (store unchanged) if it cannot be read."""
    prepared = prepare_file(
        feed=feed,
        path=path,
        areas=areas,
        agencies=agencies,
        mapping=mapping,
        sheet=sheet,
        today=today,
        progress=progress,
    )
    try:
        prepared = stage_prepared(engine=engine, prepared=prepared)
    except BaseException:
        prepared.discard()
        raise
    return store_prepared(engine=engine, prepared=prepared, quarantine_dir=quarantine_dir, progress=progress)
