"""Places: every located record and every home address resolved to a stable place.

Door: ``resolve_places(engine=...)`` (re)links incrementally and returns a
``PlacesSummary``; ``export_places(engine=..., out=...)`` writes the partner export.

How a record finds its place (see ``saferhub.linking.addresses`` for the parsing):

* ``address`` — postcode and address key (anchor|number|unit) as seen before name the
  same place; a key seen for the first time in a postcode where a known key differs
  from it by one typing slip (same number and unit) joins that place; otherwise it
  starts a new place. Flats of one building are separate places sharing a building.
* ``nearby`` / ``unique`` — an address without a postcode joins the place with the
  same key within ``NEARBY_M`` of the record's coordinates or, with no coordinates,
  the only place with that key whose street name the hub knows in one postcode sector
  only. Otherwise it waits unplaced rather than guess between namesakes.
* ``point`` — a record with coordinates but no usable address takes a place only at an
  address point: two or more records addressed to that place lie within
  ``POINT_TOLERANCE_M`` of it and no other place's record within ``POINT_EXCLUSIVE_M``
  (flats sharing their building's point name no one flat). Anything else stays located
  without a place. police.uk map points are anonymised: never used either way.

Ids are opaque and stable: keys are stored with their place (``place_keys``), so a key
names the same place on every run; a record keeps its place until its location fields
change (``basis``); new records join existing places. Records tried without success
are retried whenever new records arrive. Only records placed by address or address
point say where a place is (median point, commonest LSOA and ward); the rules build on
those and never on each other, so a second run over the same data changes nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    or_,
    select,
    text,
)

from saferhub.areas import to_wgs84
from saferhub.linking.addresses import learn_localities, near_miss_pairs, parse_addresses, title
from saferhub.store.bulk import append_frame
from saferhub.store.frames import read_frame
from saferhub.store.models import Event, PersonMention
from saferhub.store.place_models import BuildingKey, EventPlace, MentionPlace, Place, PlaceKey

__all__ = ["ANONYMISED_FEEDS", "PlacesSummary", "export_places", "resolve_places"]

ANONYMISED_FEEDS = frozenset({"police-uk-street"})
NEARBY_M = 250.0
POINT_TOLERANCE_M = 1.0
POINT_EXCLUSIVE_M = 3.0
PLACES_LOCK = 727_003  # PostgreSQL advisory lock: one place resolution at a time
# A record is an event (rec = 2 * event id) or a person mention (rec = 2 * mention id + 1).
_RECORD = {"rec": pl.Int64}
_IS_EVENT = (pl.col("rec") % 2) == 0
_REBUILD_INDEXES_FROM = 50_000


@dataclass
class PlacesSummary:
    """What a run did: records considered, how many have a place, and how they got it."""

    events: int = 0  # located events (police.uk map points included, never placed)
    homes: int = 0  # person mentions with a home address
    events_placed: int = 0
    homes_placed: int = 0
    resolved: int = 0  # records (re)considered in this run; the rest kept their place
    methods: dict[str, int] = field(default_factory=dict)  # how this run's records were placed
    new_places: int = 0
    places: int = 0
    buildings: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def resolve_places(*, engine: Engine) -> PlacesSummary:
    """Resolve every new or changed located record and home address to a place; idempotent."""
    started = time.perf_counter()
    summary = PlacesSummary()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PLACES_LOCK})
        records = _records(conn)
        current = records.join(_links(conn), on="rec", how="left")
        same = (pl.col("old_basis") == pl.col("basis")).fill_null(False)
        pending = current.filter(~same)
        kept = current.filter(same & pl.col("place_id").is_not_null()).select(*_RECORD, "place_id", "method")
        assigned = pl.DataFrame(schema={**_RECORD, "place_id": pl.String, "method": pl.String})
        if pending.height:
            # Records tried before without success wait for new data: then they are
            # retried, since a new place or address point may now settle them.
            pending = pl.concat([pending, current.filter(same & pl.col("place_id").is_null())])
            assigned, summary.new_places = _resolve(conn, records, pending, kept)
        summary.resolved = pending.height
        ids = read_frame(conn, select(Place.building_id), {"building_id": pl.String})["building_id"]

    all_links = pl.concat([kept, assigned])
    summary.events = records.filter(_IS_EVENT & pl.col("located")).height
    summary.homes = records.filter(~_IS_EVENT).height
    summary.events_placed = all_links.filter(_IS_EVENT).height
    summary.homes_placed = all_links.height - summary.events_placed
    summary.methods = dict(sorted(assigned["method"].value_counts().iter_rows()))
    summary.places = ids.len()
    summary.buildings = ids.drop_nulls().n_unique()
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _resolve(
    conn: Connection, records: pl.DataFrame, pending: pl.DataFrame, kept: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """Place the pending records, write the result; returns their places and the new-place count."""
    places = read_frame(
        conn,
        select(
            Place.place_id,
            Place.kind,
            Place.postcode,
            Place.building_id,
            Place.easting,
            Place.northing,
            Place.latitude,
            Place.longitude,
            Place.lsoa_code,
            Place.ward_code,
            Place.records,
        ),
        _PLACE_SCHEMA,
    )
    keys = read_frame(
        conn, select(PlaceKey.key, PlaceKey.place_id), {"key": pl.String, "place_id": pl.String}
    )
    bkeys = read_frame(
        conn, select(BuildingKey.key, BuildingKey.building_id), {"key": pl.String, "building_id": pl.String}
    )
    stale = pending.filter(pl.col("old_basis").is_not_null())
    stale = stale.select(*_RECORD, old_place=pl.col("place_id"))

    parsed = _parse(pending, records["line"])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    assigned, new_places, new_keys, new_bkeys = _by_address(parsed, keys, bkeys, places, now)
    place_kind = pl.concat([places.select("place_id", "kind"), new_places.select("place_id", "kind")])
    located = _event_points(pl.concat([kept, assigned]), records)
    assigned = pl.concat([assigned, _without_postcode(parsed, assigned, keys, new_keys, located)])
    assigned = pl.concat([assigned, _by_point(parsed, assigned, located, place_kind)])
    tried = parsed.select(*_RECORD, "basis").join(assigned, on=list(_RECORD), how="left")

    touched = pl.concat([assigned["place_id"], stale["old_place"].drop_nulls()]).unique()
    changed = pl.concat([kept, assigned]).filter(pl.col("place_id").is_in(touched.implode()))
    table = _place_table(places, new_places, changed, records, touched)
    _write(
        conn,
        stale=stale,
        tried=tried,
        new_places=new_places,
        new_keys=new_keys,
        new_bkeys=new_bkeys,
        places=places,
        table=table,
    )
    return assigned, new_places.height


def export_places(*, engine: Engine, out: Path) -> int:
    """Write ``feed,agency,source_id,place_id`` for every located record; returns the row count.

    A located record has an address, a postcode or coordinates. ``place_id`` is empty
    where the record has no place: police.uk map points, points that are not an address
    point, bare postcodes, addresses without a postcode that match no single place.
    """
    e, ep = Event.__table__, EventPlace.__table__
    stmt = (
        select(e.c.feed, e.c.agency, e.c.source_id, ep.c.place_id)
        .select_from(e.outerjoin(ep, ep.c.event_id == e.c.id))
        .where(
            or_(
                e.c.address.is_not(None),
                e.c.postcode.is_not(None),
                e.c.easting.is_not(None),
                e.c.latitude.is_not(None),
            )
        )
    )
    schema = {"feed": pl.String, "agency": pl.String, "source_id": pl.String, "place_id": pl.String}
    with engine.connect() as conn:
        frame = read_frame(conn, stmt, schema)
    frame = frame.sort("feed", "agency", "source_id")
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(out, null_value="")
    return frame.height


# ----------------------------------------------------------------------------- reading

_PLACE_SCHEMA = {
    "place_id": pl.String, "kind": pl.String, "postcode": pl.String, "building_id": pl.String,
    "easting": pl.Float64, "northing": pl.Float64, "latitude": pl.Float64, "longitude": pl.Float64,
    "lsoa_code": pl.String, "ward_code": pl.String, "records": pl.Int64,
}  # fmt: skip


def _records(conn: Connection) -> pl.DataFrame:
    """Located events and home addresses, with a fingerprint of their location fields."""
    c = pl.col
    e = Event.__table__
    events = read_frame(
        conn,
        select(
            e.c.id,
            e.c.feed,
            e.c.address,
            e.c.postcode,
            e.c.easting,
            e.c.northing,
            e.c.lsoa_code,
            e.c.ward_code,
        ).where(or_(e.c.address.is_not(None), e.c.postcode.is_not(None), e.c.easting.is_not(None))),
        {
            "rid": pl.Int64,
            "feed": pl.String,
            "line": pl.String,
            "postcode": pl.String,
            "e": pl.Float64,
            "n": pl.Float64,
            "lsoa": pl.String,
            "ward": pl.String,
        },
    )
    m = PersonMention.__table__
    homes = read_frame(
        conn,
        select(m.c.id, m.c.raw["address"].as_string(), m.c.address, m.c.postcode).where(
            m.c.address.is_not(None)
        ),
        {"rid": pl.Int64, "raw": pl.String, "line": pl.String, "postcode": pl.String},
    )
    events = events.with_columns(rec=c("rid") * 2, located=pl.lit(True))
    # The raw line keeps the partner's commas, which tell a building name from a street.
    homes = homes.with_columns(
        rec=c("rid") * 2 + 1,
        located=pl.lit(False),
        feed=pl.lit(None, pl.String),
        line=pl.coalesce("raw", "line"),
    ).drop("raw")
    frame = pl.concat([events, homes], how="diagonal_relaxed").drop("rid")
    # Map points of anonymised feeds are neither addresses nor address points.
    anonymised = pl.col("feed").is_in(list(ANONYMISED_FEEDS)).fill_null(False)
    fields = [
        pl.col("line"),
        pl.col("postcode"),
        pl.col("e").round(1).cast(pl.String),
        pl.col("n").round(1).cast(pl.String),
    ]
    basis = pl.concat_str([f.fill_null("") for f in fields], separator="\x1f")
    basis = basis.hash(seed=727).reinterpret(signed=True)
    return frame.with_columns(basis=basis, anonymised=anonymised)


def _links(conn: Connection) -> pl.DataFrame:
    schema = {"rid": pl.Int64, "place_id": pl.String, "method": pl.String, "old_basis": pl.Int64}
    ev = read_frame(
        conn, select(EventPlace.event_id, EventPlace.place_id, EventPlace.method, EventPlace.basis), schema
    ).with_columns(rec=pl.col("rid") * 2)
    me = read_frame(
        conn,
        select(MentionPlace.mention_id, MentionPlace.place_id, MentionPlace.method, MentionPlace.basis),
        schema,
    ).with_columns(rec=pl.col("rid") * 2 + 1)
    return pl.concat([ev, me]).drop("rid")


# ----------------------------------------------------------------------------- resolving


def _parse(pending: pl.DataFrame, all_lines: pl.Series) -> pl.DataFrame:
    """The pending records with their address parts and full keys (postcode|key)."""
    c = pl.col
    localities = learn_localities(all_lines)
    parts = parse_addresses(pending["line"], pending["postcode"], localities=localities)
    frame = pl.concat([pending.select(*_RECORD, "e", "n", "basis", "anonymised"), parts], how="horizontal")
    # A street is where something happened, never a home; map points are no address.
    usable = c("key").is_not_null() & ~c("anonymised") & ~(~_IS_EVENT & (c("kind") == "street"))
    frame = frame.with_columns(
        key=pl.when(usable).then(c("key")), building_key=pl.when(usable).then(c("building_key"))
    )
    has_pc = c("postcode").is_not_null()
    return frame.with_columns(
        full=pl.when(has_pc).then(pl.concat_str([c("postcode"), c("key")], separator="|")),
        bfull=pl.when(has_pc).then(pl.concat_str([c("postcode"), c("building_key")], separator="|")),
    )


def _next_ids(existing: pl.Series, prefix: str, count: int) -> pl.Series:
    last = existing.drop_nulls().str.slice(len(prefix)).cast(pl.Int64, strict=False).max()
    start = int(last) + 1 if isinstance(last, int) else 1
    numbers = pl.Series(np.arange(start, start + count, dtype=np.int64))
    return pl.select(pl.lit(prefix) + numbers.cast(pl.String).str.zfill(8)).to_series()


def _by_address(
    records: pl.DataFrame,
    keys: pl.DataFrame,
    bkeys: pl.DataFrame,
    places: pl.DataFrame,
    now: str,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Records with a postcode and key: known keys, near-miss spellings, else new places."""
    c = pl.col
    with_key = records.filter(c("full").is_not_null()).with_row_index("row")
    # Each distinct key, with the most complete way it was written (a street and a
    # premises name when given), then the oldest record, to describe a new place.
    fuller = c("street").is_null().cast(pl.Int64) * 2 + c("premises").is_null().cast(pl.Int64)
    distinct = (
        with_key.select("row", "full", "bfull", score=fuller * (1 << 42) + c("rec"))
        .sort("score").unique(subset="full", keep="first").drop("score")
    )  # fmt: skip
    known = distinct.join(keys, left_on="full", right_on="key", how="inner").select("full", "place_id")
    unknown = distinct.join(keys, left_on="full", right_on="key", how="anti")
    # A new key one slip from a known key of a single place is that place misspelt.
    slips = near_miss_pairs(unknown["full"], keys["key"]).join(keys, left_on="right", right_on="key")
    slips = slips.group_by("left").agg(c("place_id").unique())
    aliases = slips.filter(c("place_id").list.len() == 1).select(
        key=c("left"), place_id=c("place_id").list.first()
    )
    fresh = unknown.join(aliases, left_on="full", right_on="key", how="anti")
    # New keys one slip apart join the one written more often (then the smaller).
    counts = with_key.group_by("full").agg(n=pl.len())
    pairs = (
        near_miss_pairs(fresh["full"], fresh["full"])
        .join(counts.rename({"full": "left", "n": "n_left"}), on="left")
        .join(counts.rename({"full": "right", "n": "n_right"}), on="right")
    )
    better = (c("n_right") > c("n_left")) | ((c("n_right") == c("n_left")) & (c("right") < c("left")))
    into = pairs.filter(better).sort("n_right", "right", descending=[True, False])
    into = into.unique("left", keep="first")
    into = into.filter(~c("right").is_in(into["left"].implode()))  # (no chains: rare, left apart)
    fresh = fresh.join(into, left_on="full", right_on="left", how="anti").sort("full")
    fresh = fresh.with_columns(place_id=_next_ids(places["place_id"], "PL", fresh.height))
    joined = into.join(fresh.select("full", "place_id"), left_on="right", right_on="full")
    aliases = pl.concat([aliases, joined.select(key=c("left"), place_id=c("place_id"))])

    new_b = fresh.filter(c("bfull").is_not_null()).join(bkeys, left_on="bfull", right_on="key", how="anti")
    new_b = new_b.select("bfull").unique().sort("bfull")
    new_bkeys = new_b.select(key=c("bfull"), building_id=_next_ids(bkeys["building_id"], "BL", new_b.height))
    fresh = fresh.join(pl.concat([bkeys, new_bkeys]), left_on="bfull", right_on="key", how="left")
    parts = with_key.select(
        "kind", "postcode", "unit", "number", "anchor", "anchor_type", "premises", "street"
    )[fresh["row"]]
    new_places = pl.concat([fresh.select("place_id", "building_id"), parts], how="horizontal").select(
        "place_id",
        "building_id",
        "kind",
        _display().alias("address"),
        "postcode",
        pl.lit(now).alias("created_at"),
    )
    new_keys = pl.concat(
        [fresh.select(key=c("full"), place_id=c("place_id")), aliases.select("key", "place_id")]
    )
    mapping = pl.concat([known, aliases.rename({"key": "full"}), fresh.select("full", "place_id")])
    assigned = with_key.join(mapping, on="full").select(*_RECORD, "place_id")
    return assigned.with_columns(method=pl.lit("address")), new_places, new_keys, new_bkeys


def _display() -> pl.Expr:
    """A canonical address line: "Flat 2, 14 Park Road", "Flat 6, Warwick Point, Milton Avenue"."""
    c = pl.col
    main = (
        pl.when(c("number").is_not_null())
        .then(pl.concat_str([c("number"), title(c("anchor"))], separator=" "))
        .otherwise(title(c("anchor")))
    )
    return pl.concat_str(
        [
            pl.when(c("unit").is_not_null()).then(pl.lit("Flat ") + c("unit")),
            pl.when(c("number").is_not_null()).then(title(c("premises"))),
            main,
            pl.when(c("anchor_type") != "street").then(title(c("street"))),
        ],
        separator=", ",
        ignore_nulls=True,
    )


def _event_points(links: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Events placed by their full address, with coordinates: place_id, method, e, n.

    Only these say where a place is: the nearby and point rules build on them and never
    on each other, so a second run over the same data finds nothing new.
    """
    links = links.filter(pl.col("method") == "address")
    ev = links.filter(_IS_EVENT).join(records.select(*_RECORD, "e", "n"), on=list(_RECORD))
    ev = ev.filter(pl.col("e").is_not_null() & pl.col("n").is_not_null())
    return ev.select("place_id", "method", "e", "n")


def _without_postcode(
    parsed: pl.DataFrame,
    assigned: pl.DataFrame,
    keys: pl.DataFrame,
    new_keys: pl.DataFrame,
    located: pl.DataFrame,
) -> pl.DataFrame:
    """Addresses without a postcode: the same key nearby, or the only place with that key."""
    c = pl.col
    todo = parsed.filter(c("postcode").is_null() & c("key").is_not_null())
    empty = pl.DataFrame(schema={**_RECORD, "place_id": pl.String, "method": pl.String})
    if todo.height == 0:
        return empty

    def anchor_of(key: pl.Expr) -> pl.Expr:
        return key.str.split_exact("|", 1).struct.field("field_0")

    split = pl.concat([keys, new_keys]).select("place_id", parts=c("key").str.splitn("|", 2)).unnest("parts")
    split = split.select("place_id", sector=c("field_0").str.head(-2), pcless=c("field_1"))
    wanted = todo.select(anchor_of(c("key")).unique().implode()).to_series()
    cands = split.filter(anchor_of(c("pcless")).is_in(wanted))
    cands = cands.with_columns(anchor=anchor_of(c("pcless")))
    # A street name known in more than one postcode sector has namesakes: without a
    # postcode or coordinates, there is no telling which one an address is on.
    sectors = cands.group_by("anchor").agg(sectors=c("sector").n_unique())
    cands = cands.join(sectors, on="anchor").select("pcless", "place_id", "sectors").unique()
    centre = (
        located.filter(c("place_id").is_in(cands["place_id"].implode()))
        .group_by("place_id")
        .agg(pe=c("e").median(), pn=c("n").median())
    )
    j = todo.select(*_RECORD, "key", "e", "n").join(cands, left_on="key", right_on="pcless")
    j = j.join(centre, on="place_id", how="left").with_columns(
        d=((c("e") - c("pe")) ** 2 + (c("n") - c("pn")) ** 2).sqrt(),
        k=c("place_id").n_unique().over(list(_RECORD)),
    )
    nearby = (
        j.filter(c("d") <= NEARBY_M)
        .sort("d", "place_id")
        .group_by(*_RECORD)
        .first()
        .select(*_RECORD, "place_id", method=pl.lit("nearby"))
    )
    # With no coordinates on either side, only a key that names one place in the store.
    unique = (
        j.filter((c("k") == 1) & (c("sectors") == 1) & (c("e").is_null() | c("pe").is_null()))
        .join(nearby, on=list(_RECORD), how="anti")
        .select(*_RECORD, "place_id", method=pl.lit("unique"))
    )
    return pl.concat([nearby, unique])


def _by_point(
    parsed: pl.DataFrame, assigned: pl.DataFrame, located: pl.DataFrame, place_kind: pl.DataFrame
) -> pl.DataFrame:
    """Events with coordinates and no usable address, at an address point of exactly one place."""
    c = pl.col
    empty = pl.DataFrame(schema={**_RECORD, "place_id": pl.String, "method": pl.String})
    todo = parsed.filter(
        _IS_EVENT & c("key").is_null() & ~c("anonymised") & c("e").is_not_null() & c("n").is_not_null()
    )
    todo = todo.join(assigned, on=list(_RECORD), how="anti")
    points = located.join(place_kind, on="place_id").filter(c("kind") != "street")
    if todo.height == 0 or points.height == 0:
        return empty
    # An address point is where an agency geocodes an address, every time: two or more
    # records of the place within POINT_TOLERANCE_M, and no other place's record near.
    cell = POINT_EXCLUSIVE_M
    points = points.select(
        "place_id",
        "e",
        "n",
        cx=(c("e") / cell).floor().cast(pl.Int64),
        cy=(c("n") / cell).floor().cast(pl.Int64),
    )
    offsets = pl.DataFrame({"dx": [-1, -1, -1, 0, 0, 0, 1, 1, 1], "dy": [-1, 0, 1] * 3})
    probes = (
        todo.select(*_RECORD, "e", "n")
        .join(offsets, how="cross")
        .select(
            *_RECORD,
            "e",
            "n",
            cx=(c("e") / cell).floor().cast(pl.Int64) + c("dx"),
            cy=(c("n") / cell).floor().cast(pl.Int64) + c("dy"),
        )
    )
    hits = (
        probes.join(points, on=["cx", "cy"])
        .with_columns(d=((c("e") - c("e_right")) ** 2 + (c("n") - c("n_right")) ** 2).sqrt())
        .filter(c("d") <= POINT_EXCLUSIVE_M)
    )
    one = hits.group_by(*_RECORD).agg(
        k=c("place_id").n_unique(),
        place_id=c("place_id").min(),
        at=(c("d") <= POINT_TOLERANCE_M).sum(),
    )
    return one.filter((c("k") == 1) & (c("at") >= 2)).select(*_RECORD, "place_id", method=pl.lit("point"))


def _place_table(
    places: pl.DataFrame,
    new_places: pl.DataFrame,
    links: pl.DataFrame,
    records: pl.DataFrame,
    touched: pl.Series,
) -> pl.DataFrame:
    """The ``touched`` places (``links`` are all their records), with a refreshed location.

    A place lies at the median point of the events placed by its address or at its
    address point, in the commonest LSOA and ward of its events. A place known only
    from home addresses takes its postcode's commonest LSOA and ward, and no point.
    """
    c = pl.col
    ids = pl.concat(
        [
            places.select("place_id", "postcode", "building_id"),
            new_places.select("place_id", "postcode", "building_id"),
        ]
    )
    touched_ids = ids.join(pl.DataFrame({"place_id": touched}, schema={"place_id": pl.String}), on="place_id")
    counts = links.group_by("place_id").agg(records=pl.len())
    ev = links.filter(_IS_EVENT).join(records.select(*_RECORD, "e", "n", "lsoa", "ward"), on=list(_RECORD))
    sure = ev.filter(c("method").is_in(["address", "point"]))
    centre = sure.group_by("place_id").agg(
        easting=c("e").median().round(1), northing=c("n").median().round(1)
    )
    table = touched_ids.join(counts, on="place_id", how="left").join(centre, on="place_id", how="left")
    known = places.join(touched_ids.select("place_id"), on="place_id", how="anti")
    for col, name in (("lsoa", "lsoa_code"), ("ward", "ward_code")):
        table = table.join(_commonest(ev, "place_id", col, name), on="place_id", how="left")
        areas = pl.concat([known.select("postcode", name), table.select("postcode", name)])
        by_pc = _commonest(areas.filter(c(name).is_not_null()), "postcode", name, "pc_area")
        table = (
            table.join(by_pc, on="postcode", how="left")
            .with_columns(pl.coalesce(name, "pc_area").alias(name))
            .drop("pc_area")
        )
    lon, lat = to_wgs84(table["easting"].to_numpy(), table["northing"].to_numpy())
    return table.with_columns(
        records=c("records").fill_null(0),
        latitude=pl.Series(np.round(lat, 6)).fill_nan(None),
        longitude=pl.Series(np.round(lon, 6)).fill_nan(None),
    )


def _commonest(frame: pl.DataFrame, by: str, col: str, name: str) -> pl.DataFrame:
    """Per ``by``, the most frequent non-null ``col`` (ties: the smallest), as ``name``."""
    counted = frame.filter(pl.col(col).is_not_null() & pl.col(by).is_not_null()).group_by(by, col).len()
    return (
        counted.sort([by, "len", col], descending=[False, True, False])
        .group_by(by, maintain_order=True)
        .first()
        .select(by, pl.col(col).alias(name))
    )


# ----------------------------------------------------------------------------- writing


def _write(
    conn: Connection,
    *,
    stale: pl.DataFrame,
    tried: pl.DataFrame,
    new_places: pl.DataFrame,
    new_keys: pl.DataFrame,
    new_bkeys: pl.DataFrame,
    places: pl.DataFrame,
    table: pl.DataFrame,
) -> None:
    c = pl.col
    new = table.join(new_places.select("place_id", "kind", "address", "created_at"), on="place_id")
    cols = [
        "place_id",
        "building_id",
        "kind",
        "address",
        "postcode",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "lsoa_code",
        "ward_code",
        "records",
        "created_at",
    ]
    # Rows go in primary-key order: SQLite appends instead of splitting pages at random.
    _insert(conn, Place, new.select(cols).sort("place_id"))
    _insert(conn, PlaceKey, new_keys.select("key", "place_id").sort("key"))
    _insert(conn, BuildingKey, new_bkeys.select("key", "building_id").sort("key"))
    # Every record tried gets a row: its place, or none ("none") until new data may help.
    tried = tried.with_columns(method=c("method").fill_null("none"))
    for parity, model, id_col in ((0, EventPlace, "event_id"), (1, MentionPlace, "mention_id")):
        name = _table(model).name
        mine = (c("rec") % 2) == parity
        gone = stale.filter(mine).select(id=c("rec") // 2)
        if gone.height:
            _temp(conn, "stale_records", {"id": Integer()}, gone)
            conn.execute(text(f"DELETE FROM {name} WHERE {id_col} IN (SELECT id FROM stale_records)"))
            conn.execute(text("DROP TABLE stale_records"))
        rows = tried.filter(mine).select((c("rec") // 2).alias(id_col), "place_id", "method", "basis")
        _insert(conn, model, rows.sort(id_col))
    # Refresh the places whose location or counts moved.
    attrs = ["easting", "northing", "latitude", "longitude", "lsoa_code", "ward_code", "records"]
    old = places.select("place_id", *attrs).rename({a: f"{a}_old" for a in attrs})
    both = table.join(old, on="place_id")  # (new places were inserted whole)
    moved = pl.any_horizontal(c(a).ne_missing(c(f"{a}_old")) for a in attrs)
    changed = both.filter(moved).select("place_id", *attrs)
    if changed.height:
        types = {
            "place_id": String(16),
            "easting": Float(),
            "northing": Float(),
            "latitude": Float(),
            "longitude": Float(),
            "lsoa_code": String(12),
            "ward_code": String(12),
            "records": Integer(),
        }
        _temp(conn, "place_updates", types, changed)
        sets = ", ".join(f"{a} = u.{a}" for a in attrs)
        conn.execute(
            text(f"UPDATE places SET {sets} FROM place_updates AS u WHERE places.place_id = u.place_id")
        )
        conn.execute(text("DROP TABLE place_updates"))


def _table(model: type) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _temp(conn: Connection, name: str, types: dict[str, Any], frame: pl.DataFrame) -> None:
    table = Table(name, MetaData(), *(Column(k, v) for k, v in types.items()), prefixes=["TEMPORARY"])
    table.create(conn)
    _insert(conn, table, frame.select(list(types)))


def _insert(conn: Connection, target: type | Table, frame: pl.DataFrame) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany on SQLite, in the caller's transaction.

    On SQLite a large batch into a table's secondary indexes is cheaper as drop, insert
    and rebuild than as one random index insertion per row.
    """
    if frame.height == 0:
        return
    table = target if isinstance(target, Table) else _table(target)
    sqlite = conn.dialect.name != "postgresql"
    rebuild = list(table.indexes) if sqlite and frame.height > _REBUILD_INDEXES_FROM else []
    for index in rebuild:
        index.drop(conn)
    append_frame(conn, table.name, frame)
    for index in rebuild:
        index.create(conn)
