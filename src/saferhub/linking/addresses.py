"""UK addresses as partners record them, parsed into the parts that identify a place.

``parse_addresses`` turns address lines ("Flat 2, 14 Park Rd", "14 PARK ROAD FLAT 2",
"2/14 Park Road", "F2 14 Park Rd, Birkenhead CH41 5AB") into a sub-building (``unit``),
a ``number``, the ``anchor`` the number belongs to (the street, or a named building
such as "OAK COURT"), a postcode found in the text, and a match ``key``. Records
with the same postcode and key are the same place.

How the parts are found, without a gazetteer:

* Spelling is folded first: upper case, punctuation dropped, abbreviations expanded
  (Rd, Ave, Cres, Cl, Gdns, Ct...). "St" is Saint before a name at the start of a
  street ("14 St Johns Rd") and Street after one ("Park St"). Floors become units
  ("Ground Floor Flat" is unit GF). "Flat/Apartment/Apt/Flt/Unit/Room n", "F2" and
  "2/14" give the unit; two leading numbers ("2, 14 Park Road") are unit and number.
* The words are cut into phrases at commas, at numbers and after a street-type word
  (Road, Street...) or building-type word (Court, House, Heights...) that ends a name.
* The number is the first one (after the unit); its anchor is the phrase right after
  it. An address with no number is anchored on its first phrase: a named building or
  a bare street. Trailing phrases (localities, towns) never enter the key.
* A flat in a named block is the block's number n whether written "Flat 6, Oak Court"
  or "6 Oak Court"; on a street "Flat 6, Park Road" and "6 Park Road" stay apart.
* Records "outside", "near", "opposite", "rear of" or "at the junction of" an address
  are not at it: they are anchored on the street alone.
* "No fixed abode", "unknown" and the like are no address at all.

Everything runs as polars expressions over the distinct address lines: no Python per
row. Localities are learned from the batch (phrases that follow a street after a
comma in several addresses) so that "BIRKENHEAD, CH41 5AB" is not taken for a place.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
import polars as pl

from saferhub.feeds.normalise import postcode as canonical_postcode

__all__ = [
    "KINDS",
    "factorize",
    "learn_localities",
    "near_miss_pairs",
    "one_slip",
    "parse_addresses",
    "title",
]

KINDS = ("flat", "address", "named", "street")

ABBREVIATIONS = {
    "RD": "ROAD", "STR": "STREET", "AVE": "AVENUE", "AV": "AVENUE", "AVEN": "AVENUE",
    "AVN": "AVENUE", "CL": "CLOSE", "CLS": "CLOSE", "LN": "LANE", "LA": "LANE",
    "DR": "DRIVE", "DRV": "DRIVE", "CRES": "CRESCENT", "CRESC": "CRESCENT",
    "CRS": "CRESCENT", "GR": "GROVE", "GRO": "GROVE", "GRV": "GROVE", "GDNS": "GARDENS",
    "GDN": "GARDENS", "GRDNS": "GARDENS", "PL": "PLACE", "TER": "TERRACE",
    "TERR": "TERRACE", "TCE": "TERRACE", "WLK": "WALK", "VW": "VIEW", "SQ": "SQUARE",
    "PDE": "PARADE", "HWY": "HIGHWAY", "BLVD": "BOULEVARD", "CT": "COURT", "CRT": "COURT",
    "MWS": "MEWS", "HTS": "HEIGHTS", "HSE": "HOUSE", "BLDGS": "BUILDINGS",
    "MANS": "MANSIONS", "APTS": "APARTMENTS", "TWR": "TOWER", "PK": "PARK",
    "MT": "MOUNT", "NTH": "NORTH", "STH": "SOUTH",
}  # fmt: skip
THOROUGHFARES = frozenset({
    "ROAD", "STREET", "AVENUE", "CLOSE", "LANE", "DRIVE", "CRESCENT", "GROVE", "GARDENS",
    "PLACE", "TERRACE", "WALK", "VIEW", "SQUARE", "PARADE", "WAY", "HIGHWAY", "BOULEVARD", "ROW",
    "RISE", "VALE", "BROW", "CHASE", "WYND", "BYPASS", "PROMENADE", "QUAY",
})  # fmt: skip
BUILDINGS = frozenset({
    "COURT", "HOUSE", "HEIGHTS", "LODGE", "POINT", "MEWS", "TOWER", "TOWERS", "MANSIONS",
    "BUILDINGS", "HALL", "CHAMBERS", "APARTMENTS", "COTTAGE", "COTTAGES", "VILLAS", "MANOR",
    "FOYER", "HOSTEL",
})  # fmt: skip
DIRECTIONS = frozenset({"NORTH", "SOUTH", "EAST", "WEST"})

_UNIT_WORDS = "FLAT|FLT|APARTMENT|APPARTMENT|APT|APPT|UNIT|ROOM|RM|SUITE|STUDIO|BEDSIT|MAISONETTE"
_UNIT_ID = r"[0-9]+[A-Z]?|[A-Z]|[0-9]F|GF|LGF|TF|BF"
_UNIT_RE = rf"\b(?:{_UNIT_WORDS})S? ({_UNIT_ID})\b"
_F_UNIT_RE = r"\bF([0-9]+[A-Z]?)\b"
_SLASH_RE = r"\b([0-9]+[A-Z]?)/([0-9]+[A-Z]?)\b"
_LEADING_PAIR_RE = r"^(?:, )?([0-9]+[A-Z]?) (?:, )?([0-9]+[A-Z]?) ([A-Z,])"
_FLOORS = [
    (r"\b(?:LOWER GROUND|LOWER GRD) (?:FLOOR |FLR )?(?:FLAT)?\b", " FLAT LGF "),
    (r"\b(?:GROUND|GRD|GRND) (?:FLOOR |FLR )?(?:FLAT)?\b", " FLAT GF "),
    (r"\b(?:FIRST|1ST) (?:FLOOR |FLR )(?:FLAT)?\b", " FLAT 1F "),
    (r"\b(?:SECOND|2ND) (?:FLOOR |FLR )(?:FLAT)?\b", " FLAT 2F "),
    (r"\b(?:THIRD|3RD) (?:FLOOR |FLR )(?:FLAT)?\b", " FLAT 3F "),
    (r"\bTOP (?:FLOOR |FLR )(?:FLAT)?\b", " FLAT TF "),
    (r"\bBASEMENT (?:FLAT)?\b", " FLAT BF "),
    (r"\bGFF\b", " FLAT GF "), (r"\bFFF\b", " FLAT 1F "), (r"\bSFF\b", " FLAT 2F "),
    (r"\bTFF\b", " FLAT TF "),
]  # fmt: skip
_POSTCODE_IN_TEXT_RE = r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b"
_NO_ADDRESS_RE = (
    r"^(?:NFA|N F A|NO FIXED ABODE|NO FIXED ADDRESS|NOT KNOWN|UNKNOWN|N K|NK|NONE|N A|NA|"
    r"REFUSED|NOT GIVEN|NOT STATED|WITHHELD|HOMELESS|VARIOUS|TBC|NO ADDRESS|NIL)$"
)
_NEAR_WORDS = (
    "OUTSIDE OF|OUTSIDE|OPPOSITE|OPP|O S|NEAR TO|NEAR|NR|ADJACENT TO|ADJACENT|ADJ TO|ADJ|"
    "BEHIND|TO THE REAR OF|AT THE REAR OF|REAR OF|IN FRONT OF|ON OR NEAR|CORNER OF|SIDE OF|"
    "JUNCTION OF|JUNCTION WITH|JCT OF|JCT"
)
# ("Off Licence, 11 Park Road" is a shop: "off" and "at" qualify only after "land" etc.)
_NEAR_RE = (
    rf"^(?:(?:LAND|ALLEY|ALLEYWAY|ENTRY|FIELD|GARAGES|CAR PARK) (?:{_NEAR_WORDS}|AT|OFF)|"
    rf"{_NEAR_WORDS}) "
)
_JUNCTION_RE = r"\b(?:JUNCTION|JCT|J W|JUNC)\b"

# Token classes.
_SEP, _NUM, _WORD, _THOR, _BLDG, _DIR = 0, 1, 2, 3, 4, 5
_NUM_RE = r"^[0-9]+[A-Z]?(?:-[0-9]+[A-Z]?)?$"
_B = r"(?-u:\b)"  # an ASCII word boundary: the text is ASCII by then, and it is faster
_NAMED = "|".join(sorted(THOROUGHFARES | BUILDINGS))
# "St" is Saint at the start of a street name (first, or after a number, a comma or a
# complete name) before a name; anywhere else it is Street.
_SAINT_RE = rf"(^|[0-9][A-Z]? |, |{_B}(?:{_NAMED}) )(?:ST|SAINT) ([A-Z])"


def _where(f: pl.DataFrame, mask: pl.Expr, step: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.DataFrame:
    """``step`` applied to the rows where ``mask`` holds only (row order is not kept)."""
    hit = f.select(mask.fill_null(False)).to_series()
    if not hit.any():
        return f
    return pl.concat([f.filter(~hit), step(f.filter(hit))])


def _squash(f: pl.DataFrame) -> pl.DataFrame:
    """Single spaces, one comma between parts, none at the ends."""
    c = pl.col
    f = f.with_columns(text=c("text").str.replace_all(r" {2,}", " "))
    f = _where(
        f,
        c("text").str.contains(", ,", literal=True),
        lambda g: g.with_columns(text=c("text").str.replace_all(r"(?: ?,)+", " ,")),
    )
    return f.with_columns(text=c("text").str.strip_chars(" ,"))


def _clean(f: pl.DataFrame) -> pl.DataFrame:
    """Upper case, apostrophes gone, commas as tokens, other punctuation as spaces."""
    c = pl.col
    marks = ["'", "’", "‘", "`", "´", "&"]
    t = c("line").str.to_uppercase().str.replace_many(marks, [""] * 5 + [" AND "])
    f = f.with_columns(text=t)
    f = _where(
        f,
        c("text").str.contains(r"[0-9] ?[-/]"),
        lambda g: g.with_columns(
            text=c("text")
            .str.replace_all(r"([0-9]) ?- ?([0-9])", "${1}~${2}")
            .str.replace_all(r"([0-9][A-Z]?) ?/ ?([0-9])", "${1}^${2}")
        ),
    )
    t = c("text").str.replace_all(",", " , ", literal=True).str.replace_all(r"[^A-Z0-9,~^ ]+", " ")
    f = f.with_columns(text=t.str.replace_many(["~", "^"], ["-", "/"]))
    f = _squash(f)
    f = _where(
        f,
        c("text").str.contains(rf"{_B}(?:NO|NUMBER) [0-9]"),
        lambda g: g.with_columns(text=c("text").str.replace_all(rf"{_B}(?:NO|NUMBER) ([0-9])", "${1}")),
    )
    return f.with_columns(text=pl.when(~c("text").str.contains(_NO_ADDRESS_RE)).then(c("text")))


def _pre_parse(lines: pl.Series) -> pl.DataFrame:
    """Per line, in order: canonical text with postcode, unit and qualifiers taken out."""
    c = pl.col
    f = _clean(pl.DataFrame({"line": lines, "pos": np.arange(lines.len(), dtype=np.int64)}))
    pc_re = _POSTCODE_IN_TEXT_RE.replace(r"\b", _B)
    f = f.with_columns(text_postcode=c("text").str.extract(pc_re, 1) + c("text").str.extract(pc_re, 2))
    f = f.with_columns(
        text_postcode=canonical_postcode(c("text_postcode")), near=pl.lit(False), unit=pl.lit(None, pl.String)
    )
    f = _where(
        f,
        c("text_postcode").is_not_null(),
        lambda g: g.with_columns(text=c("text").str.replace_all(pc_re, " ")),
    )
    f = _where(
        f,
        c("text").str.contains(_NEAR_RE) | c("text").str.contains(_JUNCTION_RE),
        lambda g: g.with_columns(near=pl.lit(True), text=c("text").str.replace(_NEAR_RE, "")),
    )

    def floors(g: pl.DataFrame) -> pl.DataFrame:
        t = c("text")
        for pattern, repl in _FLOORS:
            t = t.str.replace_all(pattern.replace(r"\b", _B), repl)
        return g.with_columns(text=t)

    f = _where(f, c("text").str.contains("FL|GFF|FFF|SFF|TFF|BASEMENT"), floors)
    unit_re, f_re, slash_re = (r.replace(r"\b", _B) for r in (_UNIT_RE, _F_UNIT_RE, _SLASH_RE))
    f = _where(
        f,
        c("text").str.contains(rf"{_UNIT_WORDS}|{_B}F[0-9]|/"),
        lambda g: g.with_columns(
            unit=pl.coalesce(
                c("text").str.extract(unit_re, 1),
                c("text").str.extract(f_re, 1),
                c("text").str.extract(slash_re, 1),
            ),
            text=c("text").str.replace(unit_re, " ").str.replace(f_re, " ").str.replace(slash_re, "${2}"),
        ),
    )
    f = _squash(f)
    pair = c("text").str.extract(_LEADING_PAIR_RE, 1)
    f = _where(
        f,
        c("unit").is_null() & pair.is_not_null(),
        lambda g: g.with_columns(unit=pair, text=c("text").str.replace(_LEADING_PAIR_RE, "${2} ${3}")),
    )
    f = _where(
        f,
        c("text").str.contains(r"[0-9] [A-H] "),
        lambda g: g.with_columns(
            text=c("text").str.replace_all(r"\b([0-9]+) ([A-H]) ".replace(r"\b", _B), "${1}${2} ")
        ),
    )
    # Abbreviations, word by word: with every word padded by two spaces, " RD " can only
    # match a whole word, and all of them are replaced in one pass.
    padded = pl.lit("  ") + c("text").str.replace_all(" ", "  ", literal=True) + pl.lit("  ")
    expanded = padded.str.replace_many(
        [f" {k} " for k in ABBREVIATIONS], [f" {v} " for v in ABBREVIATIONS.values()]
    )
    f = f.with_columns(text=expanded.str.replace_all("  ", " ", literal=True).str.strip_chars(" "))
    f = _where(
        f,
        c("text").str.contains(rf"{_B}(?:ST|SAINT){_B}"),
        lambda g: g.with_columns(
            text=c("text")
            .str.replace_all(_SAINT_RE, "${1}SAINT ${2}")
            .str.replace_all(rf"{_B}ST{_B}", "STREET")
            .str.replace_all(rf"{_B}SAINT{_B}", "ST")
        ),
    )
    # (_where moved rows about: put them back in line order)
    return f.sort("pos").drop("pos").with_columns(text=pl.when(c("text") != "").then(c("text")))


def _tokens(f: pl.DataFrame) -> pl.DataFrame:
    """One row per word of every line: class, place in the text, and the phrase it is in."""
    c = pl.col
    t = (
        f.select(pl.int_range(pl.len()).alias("id"), c("text").str.split(" ").alias("tok"))
        .explode("tok")
        .filter(c("tok").is_not_null())
    )
    cls = (
        pl.when(c("tok") == ",").then(_SEP)
        .when(c("tok").str.contains(_NUM_RE)).then(_NUM)
        .when(c("tok").is_in(list(THOROUGHFARES))).then(_THOR)
        .when(c("tok").is_in(list(BUILDINGS))).then(_BLDG)
        .when(c("tok").is_in(list(DIRECTIONS))).then(_DIR)
        .otherwise(_WORD)
    )  # fmt: skip
    first = c("id") != c("id").shift(1)
    width = c("tok").str.len_chars() + 1
    ends_at = width.cum_sum()
    t = t.with_columns(cls=cls.cast(pl.Int8), first=first.fill_null(True), end=ends_at)
    # Where each word starts in the text: running length, restarted at each line.
    t = t.with_columns(start=c("end") - width - pl.when(c("first")).then(c("end") - width).forward_fill())
    same_prev = ~c("first")
    same_next = ~c("first").shift(-1).fill_null(True)
    prev = pl.when(same_prev).then(c("cls").shift(1))
    nxt = pl.when(same_next).then(c("cls").shift(-1))
    wordy = [_WORD, _THOR, _BLDG, _DIR]
    # A street- or building-type word ends a name unless it starts it ("Avenue Road");
    # a street name takes a direction after it ("Park Road North").
    before_direction = (c("cls") == _THOR) & (nxt == _DIR).fill_null(False)
    ends = (c("cls").is_in([_THOR, _BLDG]) & prev.is_in(wordy) & ~before_direction) | (
        (c("cls") == _DIR) & (prev == _THOR)
    )
    t = t.with_columns(ends=ends.fill_null(False))
    starts = (
        c("first")
        | c("cls").is_in([_NUM, _SEP])
        | prev.is_in([_NUM, _SEP]).fill_null(False)
        | c("ends").shift(1).fill_null(False)
    )
    return t.with_columns(seg_start=starts, seg_end=starts.shift(-1).fill_null(True))


def _segments(t: pl.DataFrame) -> pl.DataFrame:
    """Numbers and phrases of every line in order (commas dropped): class, span, rank."""
    c = pl.col
    heads = t.filter(c("seg_start")).select("id", "start", first=c("cls"))
    tails = t.filter(c("seg_end")).select(stop=c("start") + c("tok").str.len_chars(), last=c("cls"))
    s = pl.concat([heads, tails], how="horizontal").filter(c("first") != _SEP)
    s = s.with_columns(
        is_num=c("first") == _NUM,
        street_like=c("last").is_in([_THOR, _DIR]),
        idx=pl.int_range(pl.len()),
        new=(c("id") != c("id").shift(1)).fill_null(True),
    )
    return s.with_columns(r=c("idx") - pl.when(c("new")).then(c("idx")).forward_fill()).drop("idx", "new")


def learn_localities(lines: pl.Series, *, min_count: int = 2) -> frozenset[str]:
    """Parts written after a street and a comma ("…Road, BIRKENHEAD") in ``min_count``+ lines.

    These are localities and towns ("BIRKENHEAD", "WEST KIRBY", "WIRRAL"). Cheap: one
    pattern over the distinct lines, so it can run over the whole store every time.
    """
    c = pl.col
    words = "|".join(
        sorted({*THOROUGHFARES, *(k for k, v in ABBREVIATIONS.items() if v in THOROUGHFARES), "ST"})
    )
    pattern = rf"(?i)(?-u:\b)(?:{words})\.?\s*,\s*([A-Za-z][A-Za-z '\-]*[A-Za-z])\s*(?:,[^,]*)?$"
    distinct = pl.DataFrame({"line": lines.drop_nulls().unique()})
    found = distinct.select(
        loc=c("line")
        .str.extract(pattern, 1)
        .str.to_uppercase()
        .str.replace_all(r"[^A-Z]+", " ")
        .str.strip_chars()
    ).drop_nulls()
    found = found.filter(~c("loc").str.contains(rf"{_B}(?:{_NAMED}){_B}"))
    counts = found.group_by("loc").len()
    return frozenset(counts.filter(c("len") >= min_count)["loc"].to_list())


def parse_addresses(
    address: pl.Series,
    postcode: pl.Series | None = None,
    *,
    localities: Collection[str] | None = None,
) -> pl.DataFrame:
    """Parse each address line (with its postcode column, if any) into place-identifying parts.

    Returns one row per input row: ``postcode`` (the column's, else one written in the
    line; canonical), ``unit``, ``number``, ``anchor``, ``anchor_type`` ("street",
    "building" or "other"), ``premises`` (a name before the number), ``street`` (for a
    named building, the street written after it), ``kind`` (flat, address, named,
    street), ``key`` (anchor|number|unit, or null when there is nothing to identify a
    place by) and ``building_key`` (null for a bare street). ``localities`` defaults to
    those learned from ``address`` itself.
    """
    address = address.cast(pl.String).alias("line")
    if localities is None:
        localities = learn_localities(address)
    codes, distinct = factorize(address)
    out = _parse_distinct(distinct, frozenset(localities))[codes]  # each row takes its line's parse
    pc = canonical_postcode(pl.lit(postcode)) if postcode is not None else pl.lit(None, pl.String)
    return out.with_columns(postcode=pl.coalesce(pc, pl.col("text_postcode"))).select(
        "postcode",
        "unit",
        "number",
        "anchor",
        "anchor_type",
        "premises",
        "street",
        "kind",
        "key",
        "building_key",
    )


def factorize(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(codes, uniques): ``uniques[codes[i]] == values[i]`` (null is one of the uniques).

    Hashes to 64 bits and sorts the hashes (much faster than hashing strings into a
    table); the result is checked, and a hash collision falls back to an exact unique.
    """
    hashes = values.hash(seed=0x5AFE).to_numpy()
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    uniques = values.gather(pl.Series(first))
    codes = pl.Series("code", inverse.astype(np.uint32))
    if not uniques.gather(codes).eq_missing(values).all():  # pragma: no cover - a 64-bit collision
        uniques = values.unique(maintain_order=True)
        codes = pl.DataFrame({"v": values}).join(
            pl.DataFrame({"v": uniques}).with_row_index("code"),
            on="v",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )["code"]
    return codes, uniques


def _parse_distinct(lines: pl.Series, localities: frozenset[str]) -> pl.DataFrame:
    c = pl.col
    f = _pre_parse(lines)
    f = f.with_columns(id=pl.int_range(pl.len()))
    has_text = f.filter(c("text").is_not_null())
    s = _segments(_tokens(has_text.select("text")))
    # _tokens numbers the lines it is given; map back to the ids of f (rows of f by id).
    s = s.with_columns(id=has_text["id"].gather(s["id"]))
    s = s.with_columns(near=f["near"].gather(s["id"]))
    firsts = s.group_by("id").agg(
        num_r=c("r").filter(c("is_num")).min(),
        phrase_r=c("r").filter(~c("is_num")).min(),
        street_r=c("r").filter(c("street_like")).min(),
    )
    s = s.join(firsts, on="id", how="left")
    # Numbered: a phrase follows the first number. (Rows are in line order: no window needed.)
    numbered_ids = s.filter((c("r") == c("num_r") + 1) & ~c("is_num"))["id"]
    numbered = pl.Series([False] * f.height).scatter(numbered_ids, True)
    s = s.with_columns(numbered=numbered.gather(s["id"]) & ~c("near"))
    s = s.with_columns(
        anchor_r=pl.when(c("near")).then(c("street_r"))
        .when(c("numbered")).then(c("num_r") + 1)
        .otherwise(c("phrase_r"))
    )  # fmt: skip
    # The first street after the anchor (shown after a named building's name).
    later_street = c("street_like") & (c("r") > c("anchor_r"))
    running = later_street.cast(pl.Int32).cum_sum()
    s = s.with_columns(
        later=running - pl.when(c("r") == 0).then(running - later_street.cast(pl.Int32)).forward_fill()
    )
    role = (
        pl.when(c("r") == c("anchor_r")).then(pl.lit("anchor"))
        .when(c("numbered") & (c("r") == c("num_r"))).then(pl.lit("number"))
        .when((c("r") == c("phrase_r")) & (c("r") < c("anchor_r"))).then(pl.lit("premises"))
        .when(later_street & (c("later") == 1)).then(pl.lit("street"))
    )  # fmt: skip
    picked = s.with_columns(role=role).filter(c("role").is_not_null())
    picked = picked.with_columns(text=f["text"].gather(picked["id"])).with_columns(
        words=c("text").str.slice(c("start"), c("stop") - c("start"))
    )
    n = f.height
    for role_name in ("anchor", "number", "premises", "street"):
        part = picked.filter(c("role") == role_name)
        full = pl.Series(role_name, [None] * n, dtype=pl.String).scatter(part["id"], part["words"])
        f = f.with_columns(full)
    anchors = picked.filter(c("role") == "anchor")
    last = pl.Series("anchor_last", [None] * n, dtype=pl.Int8).scatter(anchors["id"], anchors["last"])
    f = f.with_columns(last)
    f = _strip_localities(f, localities).sort("id")  # rows back in line order
    return _keys(f)


def _keys(f: pl.DataFrame) -> pl.DataFrame:
    """Anchor type, kind, and the place and building keys of parsed lines."""
    c = pl.col
    anchor_type = (
        pl.when(c("anchor_last").is_in([_THOR, _DIR])).then(pl.lit("street"))
        .when(c("anchor_last") == _BLDG).then(pl.lit("building"))
        .otherwise(pl.lit("other"))
    )  # fmt: skip
    f = f.with_columns(
        anchor_type=pl.when(c("anchor").is_not_null()).then(anchor_type),
        unit=pl.when(~c("near") & c("anchor").is_not_null()).then(c("unit")),
    )
    kind = (
        pl.when(c("unit").is_not_null()).then(pl.lit("flat"))
        .when(c("number").is_not_null()).then(pl.lit("address"))
        .when(c("anchor_type") == "street").then(pl.lit("street"))
        .otherwise(pl.lit("named"))
    )  # fmt: skip
    f = f.with_columns(kind=pl.when(c("anchor").is_not_null()).then(kind))
    # A flat in a named block is the block's number n however it is written.
    block_flat = (c("anchor_type") == "building") & c("number").is_null() & c("unit").is_not_null()
    f = f.with_columns(
        key_number=pl.when(block_flat).then(c("unit")).otherwise(c("number")),
        key_unit=pl.when(block_flat).then(None).otherwise(c("unit")),
    )
    key = pl.concat_str(
        [c("anchor"), c("key_number").fill_null(""), c("key_unit").fill_null("")], separator="|"
    )
    building = (
        pl.when(c("kind") == "street").then(None)
        .when(c("anchor_type") == "building").then(c("anchor"))
        .otherwise(pl.concat_str([c("anchor"), c("number").fill_null("")], separator="|"))
    )  # fmt: skip
    f = f.with_columns(
        key=pl.when(c("anchor").is_not_null()).then(key),
        building_key=pl.when(c("anchor").is_not_null()).then(building),
    )
    return f.select(
        "line",
        "text_postcode",
        "unit",
        "number",
        "anchor",
        "anchor_type",
        "premises",
        "street",
        "kind",
        "key",
        "building_key",
    )


def _strip_localities(f: pl.DataFrame, localities: frozenset[str]) -> pl.DataFrame:
    """No place is a bare locality; a name run into a locality ("THE BEECHES WIRRAL") loses it."""
    c = pl.col
    if not localities:
        return f
    loc = list(localities)
    bare = c("anchor").is_in(loc) & c("number").is_null() & c("unit").is_null()
    f = f.with_columns(anchor=pl.when(bare).then(None).otherwise(c("anchor")))
    other = ~c("anchor_last").is_in([_THOR, _DIR, _BLDG]).fill_null(False)

    def strip(g: pl.DataFrame) -> pl.DataFrame:
        for k in (3, 2, 1):
            words = c("anchor").str.split(" ")
            tail = words.list.slice(-k).list.join(" ")
            cut = (words.list.len() > k) & tail.is_in(loc)
            g = g.with_columns(
                anchor=pl.when(cut)
                .then(words.list.slice(0, words.list.len() - k).list.join(" "))
                .otherwise(c("anchor"))
            )
        return g

    return _where(f, other & c("anchor").str.contains(" "), strip)


def title(expr: pl.Expr) -> pl.Expr:
    """A folded name in title case for display ("ST JOHNS ROAD" → "St Johns Road")."""
    return expr.str.to_lowercase().str.to_titlecase()


def near_miss_pairs(left: pl.Series, right: pl.Series) -> pl.DataFrame:
    """Pairs (``left``, ``right``) of full keys (postcode|anchor|number|unit) one typing slip apart.

    Only in the anchor (six letters or more), with the same postcode, number and unit
    and the same first letter: "PARK RAOD" and "PARK ROAD", never "HILL ROAD" and "MILL
    ROAD" (a slip in the first letter is rare; two such streets in a postcode are not).
    Candidates share a postcode, so they are few.
    """

    def split(keys: pl.Series, name: str) -> pl.DataFrame:
        parts = pl.col(name).str.split("|")
        anchor = parts.list.get(1)
        return pl.DataFrame({name: keys}).with_columns(
            pc=parts.list.get(0),
            rest=parts.list.slice(2).list.join("|"),
            head=anchor.str.slice(0, 1),
            **{f"{name}_anchor": anchor},
        )

    empty = pl.DataFrame(schema={"left": pl.String, "right": pl.String})
    if left.len() == 0 or right.len() == 0:
        return empty
    on = ["pc", "rest", "head"]
    pairs = split(left.unique(), "left").join(split(right.unique(), "right"), on=on)
    anchor = pl.col("left_anchor")
    pairs = pairs.filter((anchor != pl.col("right_anchor")) & (anchor.str.len_chars() >= 6))
    if pairs.height == 0:
        return empty
    close = [one_slip(a, b) for a, b in zip(pairs["left_anchor"], pairs["right_anchor"], strict=True)]
    return pairs.filter(pl.Series(close, dtype=pl.Boolean)).select("left", "right")


def one_slip(a: str, b: str) -> bool:
    """True if ``a`` and ``b`` differ by one insertion, deletion, substitution or swap."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1])
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[i + 1 :] == shorter[i:]
