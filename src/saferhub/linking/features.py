"""Person mentions read from the store and turned into the fields the linkage model compares.

The store already folds names, phones, postcodes and addresses (feeds/normalise.py). Here
they are read the way UK agencies actually write people: titles and suffixes in name
fields, initials for forenames, nicknames, double-barrelled and Mc/Mac surnames,
placeholder dates of birth (1900-01-01), shared switchboard numbers, abbreviated street
types and flats written five ways. Everything is vectorised polars.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection

from saferhub.linking.nicknames import nickname_groups
from saferhub.store.frames import read_frame

# Words clerks put in name fields that are not names.
_TITLES = [
    "mr",
    "mrs",
    "miss",
    "ms",
    "mx",
    "dr",
    "rev",
    "revd",
    "sir",
    "dame",
    "lady",
    "lord",
    "prof",
    "master",
    "fr",
    "sr",
    "sgt",
    "cllr",
    "capt",
]
_SUFFIXES = ["jnr", "jr", "junior", "snr", "sr", "senior", "ii", "iii", "esq"]
_UNKNOWN_NAMES = [
    "unknown",
    "unk",
    "not known",
    "nk",
    "n/k",
    "na",
    "n/a",
    "none",
    "anon",
    "anonymous",
    "withheld",
    "refused",
    "no name",
    "tbc",
    "x",
    "xx",
    "xxx",
    "person",
    "male",
    "female",
    "caller",
    "occupier",
    "occupant",
    "resident",
    "tenant",
    "the occupier",
    "homeowner",
    "householder",
    "neighbour",
    "unnamed",
]
# Dates systems use when the real one is not known.
_PLACEHOLDER_DOBS = [
    dt.date(1900, 1, 1),
    dt.date(1901, 1, 1),
    dt.date(1899, 12, 31),
    dt.date(1800, 1, 1),
    dt.date(1970, 1, 1),
    dt.date(1111, 11, 11),
]
_EARLIEST_DOB = dt.date(1900, 1, 1)
_FILLER_PHONE = "^\\+44(?:" + "|".join(f"{d}{{9,10}}" for d in range(10)) + "|1234567890|123456789)$"
# A phone given with more surnames than this (a hostel, a care home, a switchboard) is no
# key to one person: still compared, but never blocked on.
PHONE_BLOCK_MAX = 6

# Royal Mail street types and the abbreviations agencies use for them; and flat words.
_STREET_TYPES = {
    "RD": "ROAD",
    "ST": "STREET",
    "STR": "STREET",
    "AVE": "AVENUE",
    "AV": "AVENUE",
    "AVN": "AVENUE",
    "CL": "CLOSE",
    "CLS": "CLOSE",
    "LN": "LANE",
    "DR": "DRIVE",
    "DRV": "DRIVE",
    "CRES": "CRESCENT",
    "CRS": "CRESCENT",
    "CRESC": "CRESCENT",
    "GR": "GROVE",
    "GRO": "GROVE",
    "GRV": "GROVE",
    "GDNS": "GARDENS",
    "GDN": "GARDENS",
    "GARDEN": "GARDENS",
    "PL": "PLACE",
    "SQ": "SQUARE",
    "TER": "TERRACE",
    "TERR": "TERRACE",
    "TCE": "TERRACE",
    "CT": "COURT",
    "CRT": "COURT",
    "WK": "WALK",
    "PK": "PARK",
    "PDE": "PARADE",
    "MT": "MOUNT",
    "HSE": "HOUSE",
    "HTS": "HEIGHTS",
    "BLDGS": "BUILDINGS",
    "CTGS": "COTTAGES",
    "RISE": "RISE",
    "WY": "WAY",
    "HL": "HILL",
    "GRN": "GREEN",
    "BVD": "BOULEVARD",
    "BLVD": "BOULEVARD",
    "EST": "ESTATE",
    "CHAMBERS": "CHAMBERS",
}
_FLAT_WORDS = [
    "FLAT",
    "FLT",
    "APARTMENT",
    "APT",
    "UNIT",
    "ROOM",
    "RM",
    "NO",
    "NUMBER",
    "BEDSIT",
    "MAISONETTE",
]

MENTION_COLUMNS = [
    "mention_id",
    "feed",
    "agency",
    "source_id",
    "role",
    "first_name",
    "last_name",
    "dob",
    "phone",
    "address",
    "postcode",
    "agency_ref",
]


# MENTION_COLUMNS from person_mentions m and events e.
MENTION_FIELDS = (
    "m.id AS mention_id, e.feed AS feed, e.agency AS agency, e.source_id AS source_id,"
    " m.role AS role, m.first_name AS first_name, m.last_name AS last_name,"
    " CAST(m.dob AS VARCHAR(10)) AS dob, m.phone AS phone, m.address AS address,"
    " m.postcode AS postcode, m.agency_ref AS agency_ref"
)
_MENTIONS_SQL = f"SELECT {MENTION_FIELDS} FROM person_mentions m JOIN events e ON e.id = m.event_id"
_SCHEMA = {c: pl.String for c in MENTION_COLUMNS} | {"mention_id": pl.Int64}


def read_mentions(conn: Connection) -> pl.DataFrame:
    """Every person mention with its event's feed, agency and source id, by mention id."""
    frame = read_frame(conn, _MENTIONS_SQL, {c: _SCHEMA[c] for c in MENTION_COLUMNS})
    return frame.sort("mention_id")


def fingerprint(mentions: pl.DataFrame) -> pl.Series:
    """A hash of each mention's linking fields: a mention whose hash changed is relinked.

    polars' hash is fast and stable within a polars version; it only decides whether a
    mention is linked afresh, so a new hash after an upgrade costs one full relink.
    """
    cols = ["first_name", "last_name", "dob", "phone", "address", "postcode", "agency_ref"]
    joined = mentions.select(
        pl.concat_str([pl.col(c).fill_null("\x00") for c in cols], separator="\x1f")
    ).to_series()
    return joined.hash(seed=20261126).cast(pl.String).alias("fingerprint")


def _strip_words(expr: pl.Expr, words: list[str], *, leading: bool) -> pl.Expr:
    pattern = "|".join(sorted(words, key=len, reverse=True))
    if leading:
        return expr.str.replace(rf"^(?:(?:{pattern})\s+)+", "")
    return expr.str.replace(rf"(?:\s+(?:{pattern}))+$", "")


def prepare(mentions: pl.DataFrame, *, today: dt.date | None = None) -> pl.DataFrame:
    """The comparison fields for each mention (one row per mention, same order).

    Adds: fn (first forename, null when only an initial was given), fn_init, fn_groups
    (nickname groups), ln (surname key: no spaces, hyphens or Mac/Mc difference),
    ln_parts (parts of a double-barrelled surname), dob (ISO text, placeholders dropped),
    dob_swap (day and month transposed), phone, phone_block, postcode, pc_sector,
    addr_nums, addr_words, home_key, street_key (numbers on a street, for blocking when a
    postcode is missing), ref_key, and linkable.
    """
    return finish(prepare_rows(mentions), today=today)


# Bumped whenever prepare_rows changes what it makes, so that saved rows are made afresh.
ROWS_FORMAT = 1
ROW_COLUMNS = [
    "mention_id",
    "agency",
    "fn",
    "fn_init",
    "fn_key",
    "fn_groups",
    "ln",
    "ln_parts",
    "dob",
    "dob_swap",
    "phone",
    "postcode",
    "pc_sector",
    "addr_nums",
    "addr_words",
    "home_key",
    "street_key",
    "ref_key",
]


def prepare_rows(mentions: pl.DataFrame) -> pl.DataFrame:
    """The part of ``prepare`` that reads each mention alone (so it can be kept between runs)."""
    c = pl.col
    unknown = _UNKNOWN_NAMES
    f = mentions.with_columns(
        first=pl.when(c("first_name").is_in(unknown)).then(None).otherwise(c("first_name")),
        last=pl.when(c("last_name").is_in(unknown)).then(None).otherwise(c("last_name")),
    )
    first = _strip_words(c("first").str.replace_all("-", " "), _TITLES, leading=True)
    last = _strip_words(c("last"), _SUFFIXES, leading=False)
    last = _strip_words(last, _TITLES, leading=True)
    f = f.with_columns(first=first.str.strip_chars(), last=last.str.strip_chars(" -"))
    f = f.with_columns(
        fn_token=c("first").str.split(" ").list.first(),
        # "MAC DONALD", "Mc Donald", "MacDonald" and "McDonald" are one name to a clerk.
        ln=c("last").str.replace_all(r"[\s\-]+", "").str.replace(r"^mac(\w{3,})", "mc$1"),
        ln_parts=c("last")
        .str.replace_all("-", " ")
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element().str.len_chars() >= 2)),
    )
    f = f.with_columns(
        fn=pl.when(c("fn_token").str.len_chars() >= 2).then(c("fn_token")),
        fn_init=c("fn_token").str.slice(0, 1),
        ln=pl.when(c("ln").str.len_chars() >= 2).then(c("ln")),
    )
    groups = nickname_groups()
    known = pl.DataFrame(
        {"fn": list(groups), "fn_groups": [list(v) for v in groups.values()]},
        schema={"fn": pl.String, "fn_groups": pl.List(pl.String)},
    )
    f = f.join(known, on="fn", how="left", maintain_order="left").with_columns(
        fn_groups=pl.when(c("fn").is_null())
        .then(None)
        .when(c("fn_groups").is_null())
        .then(pl.concat_list(c("fn")))
        .otherwise(c("fn_groups"))
    )
    # Blocking key for forenames: the first formal name of the forename's groups, so that
    # "Bill" and "William" land in one block.
    f = f.with_columns(
        fn_key=pl.when(c("fn_groups").list.contains(c("fn")))
        .then(c("fn"))
        .otherwise(c("fn_groups").list.first())
    )

    dob = c("dob").str.to_date("%Y-%m-%d", strict=False)
    f = f.with_columns(dob_date=dob).with_columns(
        dob_date=pl.when(c("dob_date").is_in(_PLACEHOLDER_DOBS) | (c("dob_date") < _EARLIEST_DOB))
        .then(None)
        .otherwise(c("dob_date"))
    )
    d = c("dob_date")
    f = f.with_columns(
        dob=d.dt.strftime("%Y-%m-%d"),
        dob_swap=pl.when((d.dt.day() <= 12) & (d.dt.day() != d.dt.month())).then(
            pl.concat_str(
                [
                    d.dt.year().cast(pl.String),
                    pl.lit("-"),
                    d.dt.day().cast(pl.String).str.zfill(2),
                    pl.lit("-"),
                    d.dt.month().cast(pl.String).str.zfill(2),
                ]
            )
        ),
    )
    # A phone of all one digit, or 0123456789-like runs, is a clerk's filler.
    f = f.with_columns(phone=pl.when(c("phone").str.contains(_FILLER_PHONE)).then(None).otherwise(c("phone")))
    f = f.with_columns(pc_sector=c("postcode").str.head(-2))
    f = _address_fields(f)
    f = f.with_columns(
        ref_key=pl.when(
            c("agency_ref").str.contains(r"[0-9]") & ~c("agency_ref").str.contains(r"^[0\W_]+$")
        ).then(pl.concat_str([c("agency"), pl.lit(":"), c("agency_ref").str.to_uppercase()])),
    )
    return f.select(ROW_COLUMNS)


def finish(rows: pl.DataFrame, *, today: dt.date | None = None) -> pl.DataFrame:
    """``prepare``'s fields from ``prepare_rows``' rows, with what depends on all mentions
    (how many surnames share a phone) or on the day (a date of birth in the future).

    Columns beyond the prepared ones (a fingerprint) are kept, after them.
    """
    c = pl.col
    today = today or dt.date.today()
    future = c("dob") > today.isoformat()  # ISO dates compare as text
    f = rows.with_columns(
        dob=pl.when(future).then(None).otherwise(c("dob")),
        dob_swap=pl.when(future).then(None).otherwise(c("dob_swap")),
    )
    # Count the surnames a number is given with, not its mentions: one person calling
    # every day is not a shared number; a hostel's landline given by twenty residents is.
    f = f.with_columns(phone_users=c("ln").n_unique().over("phone"))
    f = f.with_columns(
        phone_block=pl.when(c("phone").is_not_null() & (c("phone_users") <= PHONE_BLOCK_MAX)).then(
            c("phone")
        ),
    )
    has_forename = c("fn").is_not_null() | c("fn_init").is_not_null()
    has_home = c("home_key").is_not_null() | c("postcode").is_not_null()
    has_dob, has_phone = c("dob").is_not_null(), c("phone").is_not_null()
    f = f.with_columns(
        # Enough to tell this person from others: a surname and one more thing, a
        # forename with a date of birth or phone number, a date of birth with a phone or
        # home, or an agency reference with one more thing. A forename alone, or a phone
        # and an address alone, never links.
        linkable=(c("ln").is_not_null() & (has_forename | has_dob | has_phone | has_home))
        | (c("fn").is_not_null() & (has_dob | has_phone))
        | (has_dob & (has_phone | has_home))
        # An agency's own person reference identifies the person within that agency,
        # with a name or anything else to check it by ("SMITH, nominal 1234").
        | (
            c("ref_key").is_not_null()
            & (c("fn").is_not_null() | c("ln").is_not_null() | has_dob | has_phone | has_home)
        )
    )
    extra = [name for name in rows.columns if name not in ROW_COLUMNS]
    return f.select(*ROW_COLUMNS, "phone_block", "linkable", *extra)


def _address_fields(f: pl.DataFrame) -> pl.DataFrame:
    """House/flat numbers, street words and a home key from the folded address."""
    c = pl.col
    # "F9" is flat 9; "10/6" is flat 10 at number 6; "9A" is a house number.
    addr = c("address").str.replace_all(r"\bF(\d+)\b", "FLAT $1").str.replace_all(r"[/\-]", " ")
    nums = addr.str.extract_all(r"\b\d+[A-Z]?\b").list.unique().list.sort()
    words = (
        addr.str.extract_all(r"\b[^\W\d_]{2,}\b")
        .list.eval(pl.element().replace(_STREET_TYPES).filter(~pl.element().is_in(_FLAT_WORDS)))
        .list.unique()
        .list.sort()
    )
    f = f.with_columns(addr_nums=nums, addr_words=words).with_columns(
        addr_nums=pl.when(c("addr_nums").list.len() > 0).then(c("addr_nums").list.join(" ")),
        addr_words=pl.when(c("addr_words").list.len() > 0).then(c("addr_words")),
    )
    # The street's own name: the first word that is not a flat word ("14 PARK RD" and
    # "FLAT 2, 14 PARK ROAD, BIRKENHEAD" both give PARK).
    street = (
        addr.str.extract_all(r"\b[^\W\d_]{2,}\b")
        .list.eval(pl.element().filter(~pl.element().is_in(_FLAT_WORDS)))
        .list.first()
    )
    # A home is its numbers at a postcode; without a postcode, its numbers on its street.
    return f.with_columns(
        home_key=pl.when(c("addr_nums").is_not_null() & c("postcode").is_not_null()).then(
            pl.concat_str([c("postcode"), pl.lit("|"), c("addr_nums")])
        ),
        street_key=pl.when(c("addr_nums").is_not_null()).then(
            pl.concat_str([street, pl.lit("|"), c("addr_nums")])
        ),
    )
