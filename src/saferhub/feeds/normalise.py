"""Vectorised parsers and normalisers for partner feed values, as polars expressions.

Every public function takes an expression over a String column (values already trimmed,
empty cells already null) and returns an expression. The result is null wherever the input
is null *or* invalid, so the importer can report "invalid" wherever a non-null input gave a
null output.

Nothing here runs Python per row. Parsing uses regular expressions and byte arithmetic;
London times are converted with a small table of the clock changes, built once from
zoneinfo. Where a parser needs the same intermediate result several times, it runs as one
``map_batches`` step over the whole column (still vectorised), so each intermediate is
computed once whether the caller is eager or lazy. A million values take well under a
second.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection
from zoneinfo import ZoneInfo

import polars as pl

__all__ = [
    "LONDON",
    "clean_text",
    "enum_key",
    "enum_value",
    "fold_address",
    "fold_name",
    "invalid_list_items",
    "parse_bool",
    "parse_date",
    "parse_datetime_london",
    "parse_float",
    "parse_int",
    "parse_month",
    "phone_e164",
    "postcode",
    "split_list",
]

LONDON = "Europe/London"

_US_PER_SECOND = 1_000_000
_US_PER_DAY = 86_400 * _US_PER_SECOND
_ZERO, _PLUS, _MINUS, _SLASH = ord("0"), ord("+"), ord("-"), ord("/")

# ISO 8601 as the contract allows it: a date, optionally a time (minutes or seconds,
# optional fraction with '.' or ','), optionally an offset (Z, +hh, +hhmm, +hh:mm).
_DATETIME_RE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
    r"(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$"
)
_ISO_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_UK_DATE_RE = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"
_MONTH_RE = r"^[0-9]{4}-[0-9]{2}$"

# A UK postcode without its space (the government's published pattern, and GIR 0AA).
_POSTCODE_RE = (
    r"^(?:GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPS-UW])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u2009", "\u202f"]

# Phone numbers: these separators are dropped; any other character makes the number
# invalid. What is left is an optional UK prefix (+44, 0044 or 44, each perhaps followed
# by the trunk 0 written as "(0)" or in error; or the trunk 0 alone) and the national
# significant number (NSN). The NSN has 10 digits, or 9 in the few old areas with short
# local numbers (01xxx xxxxx, 016977 xxxx; never the 011x/01x1 cities), and then needs
# its prefix. A bare 10-digit NSN is a number whose leading 0 a spreadsheet dropped.
_PHONE_SEPARATORS = [*_SPACES, "(", ")", "-", ".", "/", "\u2010", "\u2013"]
_UK_PREFIX = r"(?:\+440?|00440?|440?|0)"
_PHONE_NSN10_RE = rf"^{_UK_PREFIX}?[1235789][0-9]{{9}}$"
_PHONE_NSN9_RE = rf"^{_UK_PREFIX}1[2-9][02-9][0-9]{{6}}$"

# Names: marks that are dropped, letters that Unicode does not decompose, dashes.
_APOSTROPHES = ["'", "\u2019", "\u2018", "`", "\u00b4", "\u02bc", "\u02bb", "."]
_TRANSLIT = {
    "æ": "ae", "œ": "oe", "ø": "o", "ß": "ss", "ł": "l", "đ": "d", "ð": "d",
    "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\ufe63": "-", "\uff0d": "-",
}  # fmt: skip
_FOLD_CHARS = list(_TRANSLIT) + _APOSTROPHES
_NAME_CANONICAL_RE = r"^[\p{L}\p{N}]+(?:[ -][\p{L}\p{N}]+)*$"
_ADDRESS_CANONICAL_RE = r"^[\p{L}\p{N}/\-]+(?: [\p{L}\p{N}/\-]+)*$"
_TEXT_UNTIDY_RE = r"[\s\p{Cc}--[ ]]|  "

_BOOLS = {
    "true": True, "t": True, "yes": True, "y": True, "1": True,
    "false": False, "f": False, "no": False, "n": False, "0": False,
}  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _batch(expr: pl.Expr, fn: Callable[[pl.Series], pl.Series], dtype: pl.DataType) -> pl.Expr:
    """Run ``fn`` on whole batches of the String column ``expr``."""

    def run(s: pl.Series) -> pl.Series:
        return fn(s.cast(pl.String)).alias(s.name)

    return expr.map_batches(run, return_dtype=dtype, is_elementwise=True)


def _digit(b: pl.Expr, i: int) -> pl.Expr:
    """The decimal digit in byte ``i`` of binary ``b`` (negative counts from the end)."""
    return b.bin.get(i, null_on_oob=True).cast(pl.Int64) - _ZERO


def _number(b: pl.Expr, start: int, width: int) -> pl.Expr:
    """The decimal number in bytes ``start`` .. ``start + width - 1`` of ``b``."""
    out = _digit(b, start)
    for i in range(start + 1, start + width):
        out = out * 10 + _digit(b, i)
    return out


def _is_sign(byte: pl.Expr) -> pl.Expr:
    return (byte == _PLUS) | (byte == _MINUS)


def _with_days(frame: pl.DataFrame, valid: pl.Expr) -> pl.DataFrame:
    """Add ``valid`` (and-ed with a real calendar date) and ``days`` since 1970-01-01.

    ``frame`` has Int64 columns y, m, d. ``days`` uses H. Hinnant's days-from-civil
    algorithm for the proleptic Gregorian calendar.
    """
    y, m, d = pl.col("y"), pl.col("m"), pl.col("d")
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = (
        pl.when(m == 2)
        .then(pl.lit(28, pl.Int64) + leap.cast(pl.Int64))
        .when(m.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    frame = frame.with_columns(
        valid=valid & (m >= 1) & (m <= 12) & (d >= 1) & (d <= month_days),
        yy=y - (m <= 2).cast(pl.Int64),
    ).with_columns(era=pl.col("yy") // 400)
    yoe = pl.col("yy") - pl.col("era") * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    return frame.with_columns(
        days=pl.col("era") * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
    )


def _keep(s: pl.Series, mask: pl.Series) -> pl.Series:
    """``s`` where ``mask`` is true, else null."""
    return s.zip_with(mask.fill_null(False), pl.Series([None], dtype=s.dtype))


def _null_if_empty(s: pl.Series) -> pl.Series:
    return _keep(s, s.str.len_bytes() > 0)


def _patch(s: pl.Series, todo: pl.Series, fix: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``s`` with the values where ``todo`` is true replaced by ``fix`` of them."""
    todo = todo.fill_null(False)
    if not todo.any():
        return s
    return s.clone().scatter(todo.arg_true(), fix(s.filter(todo)))


def _enum_mapping(allowed: Collection[str]) -> dict[str, str]:
    """Matching key (see ``enum_key``) → allowed value, as the contract spells it."""
    mapping: dict[str, str] = {}
    for value in allowed:
        key = "_".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
        mapping.setdefault(key, value)
    return mapping


def _enum_series(s: pl.Series, mapping: dict[str, str]) -> pl.Series:
    """Each value of ``s`` mapped through ``mapping`` by its key; null if not there."""
    distinct = s.drop_nulls().unique()  # few distinct values: key them, then look up
    keys = pl.select(enum_key(pl.lit(distinct))).to_series()
    canonical = keys.replace_strict(mapping, default=None, return_dtype=pl.String)
    return s.replace_strict(distinct, canonical, default=None, return_dtype=pl.String)


def enum_key(expr: pl.Expr) -> pl.Expr:
    """The matching key of a choice: trimmed, lower case, runs of space/-/_ → one '_'."""
    return expr.str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-_]+", "_")


# ------------------------------------------------------------------- dates and times


def parse_datetime_london(expr: pl.Expr) -> pl.Expr:
    """ISO 8601 datetime (no offset = Europe/London local time) → naive UTC Datetime("us")."""
    return _batch(expr, _datetime_series, pl.Datetime("us"))


def _datetime_series(s: pl.Series) -> pl.Series:
    col, when = pl.col, pl.when
    b = col("b")
    f = pl.DataFrame({"s": s}).with_columns(
        ok=col("s").str.contains(_DATETIME_RE), b=col("s").cast(pl.Binary)
    )
    f = f.with_columns(
        n=b.bin.size().cast(pl.Int64),
        last=b.bin.get(-1, null_on_oob=True),
        at6=b.bin.get(-6, null_on_oob=True),
        at5=b.bin.get(-5, null_on_oob=True),
        at3=b.bin.get(-3, null_on_oob=True),
        y=_number(b, 0, 4),
        m=_number(b, 5, 2),
        d=_number(b, 8, 2),
        h=_number(b, 11, 2).fill_null(0),
        mi=_number(b, 14, 2).fill_null(0),
        sec=_number(b, 17, 2),
    )
    # The length of the offset suffix. After the regex, a '+' or '-' this near the end
    # of a value that has a time can only start an offset.
    n, at6, at5, at3, last = col("n"), col("at6"), col("at5"), col("at3"), col("last")
    f = f.with_columns(
        off_len=when(~col("ok") | (n <= 10))
        .then(0)
        .when((last == ord("Z")) | (last == ord("z")))
        .then(1)
        .when(_is_sign(at6))
        .then(6)
        .when(_is_sign(at5))
        .then(5)
        .when(_is_sign(at3))
        .then(3)
        .otherwise(0)
    ).with_columns(core=n - col("off_len"))  # the length of the local date and time
    off_len, core = col("off_len"), col("core")

    # Fractions of a second and numeric offsets are read only if some value has them.
    parts: dict[str, pl.Expr] = {"sec": when(core >= 19).then(col("sec")).otherwise(0)}
    if (f["ok"] & (f["core"] > 20)).any():
        fraction = pl.lit(0, pl.Int64)
        for k in range(6):  # digits from byte 20; those past microseconds are dropped
            digit = _digit(b, 20 + k) * 10 ** (5 - k)
            fraction = fraction + when(core > 20 + k).then(digit).otherwise(0)
        parts["us"] = fraction
    else:
        parts["us"] = pl.lit(0, pl.Int64)
    if (f["off_len"] >= 3).any():
        tail2 = _number(b, -2, 2)
        parts["off_h"] = (
            when(off_len == 6)
            .then(_number(b, -5, 2))
            .when(off_len == 5)
            .then(_number(b, -4, 2))
            .when(off_len == 3)
            .then(tail2)
            .otherwise(0)
        )
        parts["off_m"] = when(off_len >= 5).then(tail2).otherwise(0)
        parts["neg"] = (
            ((off_len == 6) & (at6 == _MINUS))
            | ((off_len == 5) & (at5 == _MINUS))
            | ((off_len == 3) & (at3 == _MINUS))
        )
    else:
        parts.update(off_h=pl.lit(0, pl.Int64), off_m=pl.lit(0, pl.Int64), neg=pl.lit(False))
    f = f.with_columns(**parts)

    h, mi, sec, off_h, off_m = col("h"), col("mi"), col("sec"), col("off_h"), col("off_m")
    f = _with_days(f, col("ok") & (h <= 23) & (mi <= 59) & (sec <= 59) & (off_h <= 23) & (off_m <= 59))
    local_us = col("days") * _US_PER_DAY + ((h * 60 + mi) * 60 + sec) * _US_PER_SECOND + col("us")
    offset_us = (off_h * 60 + off_m) * 60 * _US_PER_SECOND
    offset_us = when(col("neg")).then(-offset_us).otherwise(offset_us)
    valid = col("valid")
    f = f.select(
        fixed=when(valid & (off_len > 0)).then(local_us - offset_us).cast(pl.Datetime("us")),
        local=when(valid & (off_len == 0)).then(local_us).cast(pl.Datetime("us")),
    )
    # No offset: London wall-clock time. In the autumn overlap take the earlier instant
    # (BST); in the spring gap use the offset in force before it (Python's fold=0).
    local = f["local"].cast(pl.Int64)
    # The table ends in 2400; the rules since 1996 repeat every 400 Gregorian years.
    cycles = ((local - _CYCLE_FROM_US) // _CYCLE_US).clip(lower_bound=0).fill_null(0)
    switches, offsets = _london_switches()
    changes_before = switches.search_sorted((local - cycles * _CYCLE_US).fill_null(0), side="right")
    return f["fixed"].fill_null((local - offsets.gather(changes_before)).cast(pl.Datetime("us")))


def _us(moment: dt.datetime) -> int:
    """Microseconds since 1970-01-01 of a naive (or UTC) datetime."""
    return (moment.replace(tzinfo=None) - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)


_RULES_SINCE = dt.datetime(1840, 1, 1)  # London kept local mean time until 1847
_RULES_UNTIL = dt.datetime(2400, 1, 1)
_CYCLE_US = 146_097 * _US_PER_DAY  # 400 Gregorian years: weekdays and dates repeat
_CYCLE_FROM_US = _us(dt.datetime(2000, 1, 1))


@functools.cache
def _london_switches() -> tuple[pl.Series, pl.Series]:
    """London's clock changes, 1840-2400, as a small lookup table built once from zoneinfo.

    Returns ``switches``, the London wall-clock times (µs since 1970-01-01 on that clock)
    from which each new UTC offset is used, and ``offsets`` (µs): ``offsets[i]`` applies
    from ``switches[i - 1]`` on, ``offsets[0]`` before the first. A wall-clock time that a
    change skips or repeats keeps the offset in force before the change (Python's fold=0):
    in an overlap that gives the earlier instant; in a gap, the time read on the old clock.
    """
    zone = ZoneInfo(LONDON)

    def offset(moment: dt.datetime) -> dt.timedelta:
        value = moment.astimezone(zone).utcoffset()
        assert value is not None
        return value

    step, second = dt.timedelta(days=14), dt.timedelta(seconds=1)  # changes are weeks apart
    moment = _RULES_SINCE.replace(tzinfo=dt.UTC)
    end = _RULES_UNTIL.replace(tzinfo=dt.UTC) + dt.timedelta(days=2)
    current = offset(moment)
    switches: list[int] = []
    offsets = [current // dt.timedelta(microseconds=1)]
    while moment < end:
        following = moment + step
        if offset(following) != current:
            low, high = moment, following  # find the first second of the new offset
            while high - low > second:
                middle = (low + (high - low) / 2).replace(microsecond=0)
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            new = offset(high)
            switches.append(_us(high + max(current, new)))
            offsets.append(new // dt.timedelta(microseconds=1))
            current = new
        moment = following
    return pl.Series(switches, dtype=pl.Int64), pl.Series(offsets, dtype=pl.Int64)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """``YYYY-MM-DD``, or ``DD/MM/YYYY`` with day and month of one or two digits → Date."""
    return _batch(expr, _date_series, pl.Date())


def _date_series(s: pl.Series) -> pl.Series:
    col, when = pl.col, pl.when
    b = col("b")
    f = pl.DataFrame({"s": s}).with_columns(
        iso=col("s").str.contains(_ISO_DATE_RE),
        uk=col("s").str.contains(_UK_DATE_RE),
        b=col("s").cast(pl.Binary),
    )
    # D/M/YYYY: the first slash is byte 1 or 2; the second is 5 bytes from the end.
    iso = col("iso")
    f = f.with_columns(
        y=when(iso).then(_number(b, 0, 4)).otherwise(_number(b, -4, 4)),
        m=when(iso)
        .then(_number(b, 5, 2))
        .when(b.bin.get(-7, null_on_oob=True) == _SLASH)
        .then(_digit(b, -6))
        .otherwise(_number(b, -7, 2)),
        d=when(iso)
        .then(_number(b, 8, 2))
        .when(b.bin.get(1, null_on_oob=True) == _SLASH)
        .then(_digit(b, 0))
        .otherwise(_number(b, 0, 2)),
    )
    f = _with_days(f, iso | col("uk"))
    return f.select(when(col("valid")).then(col("days")).cast(pl.Int32).cast(pl.Date)).to_series()


def parse_month(expr: pl.Expr) -> pl.Expr:
    """``YYYY-MM`` (police.uk's Month) → Date of the first day of that month."""
    return _batch(expr, _month_series, pl.Date())


def _month_series(s: pl.Series) -> pl.Series:
    col = pl.col
    b = col("s").cast(pl.Binary)
    f = pl.DataFrame({"s": s}).with_columns(
        ok=col("s").str.contains(_MONTH_RE), y=_number(b, 0, 4), m=_number(b, 5, 2), d=pl.lit(1)
    )
    f = _with_days(f, col("ok"))
    return f.select(pl.when("valid").then(col("days")).cast(pl.Int32).cast(pl.Date)).to_series()


# ------------------------------------------------------------------ contact details


def postcode(expr: pl.Expr) -> pl.Expr:
    """UK postcode in canonical form (``"CH41 5AB"``); null if not a valid format."""
    return _batch(expr, _postcode_series, pl.String())


def _postcode_series(s: pl.Series) -> pl.Series:
    compact = s.str.replace_many(_SPACES, [""] * len(_SPACES)).str.to_uppercase()
    return pl.select(
        pl.when(pl.lit(compact).str.contains(_POSTCODE_RE)).then(
            pl.lit(compact).str.head(-3) + " " + pl.lit(compact).str.tail(3)
        )
    ).to_series()


def phone_e164(expr: pl.Expr) -> pl.Expr:
    """UK phone number in any common format → E.164 (``"+441511234567"``); else null."""
    return _batch(expr, _phone_series, pl.String())


def _phone_series(s: pl.Series) -> pl.Series:
    plain = pl.lit(s.str.replace_many(_PHONE_SEPARATORS, [""] * len(_PHONE_SEPARATORS)))
    return pl.select(
        pl.when(plain.str.contains(_PHONE_NSN10_RE))
        .then(pl.lit("+44") + plain.str.tail(10))
        .when(plain.str.contains(_PHONE_NSN9_RE))
        .then(pl.lit("+44") + plain.str.tail(9))
    ).to_series()


# ------------------------------------------------------------------ names and text


def fold_name(expr: pl.Expr) -> pl.Expr:
    """A name folded for matching: no accents, lower case, "O'Brien" → "obrien"."""
    return _batch(expr, _fold_name_series, pl.String())


def _fold_name_series(s: pl.Series) -> pl.Series:
    def unicode(part: pl.Series) -> pl.Series:
        return (
            part.str.replace_many(_APOSTROPHES, [""] * len(_APOSTROPHES))
            .str.to_lowercase()
            .str.normalize("NFKD")
            .str.replace_all(r"\p{M}+", "")
            .str.replace_many(_FOLD_CHARS, list(_TRANSLIT.values()) + [""] * len(_APOSTROPHES))
        )

    def punctuation(part: pl.Series) -> pl.Series:
        return (
            part.str.replace_all(r"[^\p{L}\p{N}\-]+", " ")
            .str.replace_all(r" ?-[ \-]*", "-")
            .str.strip_chars(" -")
        )

    out = _patch(s, s.str.contains(r"[^\x00-\x7F]"), unicode)
    out = out.str.to_lowercase().str.replace_many(["'", "`", "."], ["", "", ""])
    out = _patch(out, ~out.str.contains(_NAME_CANONICAL_RE), punctuation)
    return _null_if_empty(out)


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Free text trimmed, with runs of whitespace (newlines, tabs) collapsed to one space."""
    return _batch(expr, _clean_text_series, pl.String())


def _clean_text_series(s: pl.Series) -> pl.Series:
    def tidy(part: pl.Series) -> pl.Series:
        return part.str.replace_all(r"[\s\p{Cc}]+", " ")

    out = _patch(s, s.str.contains(_TEXT_UNTIDY_RE), tidy)
    return _null_if_empty(out.str.strip_chars(" "))


def fold_address(expr: pl.Expr) -> pl.Expr:
    """An address folded for matching: upper case, punctuation (but '/', '-') → space."""
    return _batch(expr, _fold_address_series, pl.String())


def _fold_address_series(s: pl.Series) -> pl.Series:
    def tidy(part: pl.Series) -> pl.Series:
        return part.str.replace_all(r"[^\p{L}\p{N}/\-]+", " ").str.strip_chars(" ")

    out = s.str.to_uppercase()
    out = _patch(out, ~out.str.contains(_ADDRESS_CANONICAL_RE), tidy)
    return _null_if_empty(out)


# -------------------------------------------------------------- scalars and choices


def parse_bool(expr: pl.Expr) -> pl.Expr:
    """true/false, yes/no, y/n, t/f, 1/0 (any case) → Boolean."""
    return (
        expr.cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(_BOOLS, default=None, return_dtype=pl.Boolean)
    )


def parse_int(expr: pl.Expr) -> pl.Expr:
    """A plain decimal integer (optional sign, no separators) → Int64; null if too big."""
    return _batch(expr, _int_series, pl.Int64())


def _int_series(s: pl.Series) -> pl.Series:
    ok = s.str.contains(r"^[+-]?[0-9]+$")
    return _keep(s, ok).str.strip_chars_start("+").cast(pl.Int64, strict=False)


def parse_float(expr: pl.Expr) -> pl.Expr:
    """A plain finite decimal number (optional sign and exponent, no separators) → Float64."""
    return _batch(expr, _float_series, pl.Float64())


def _float_series(s: pl.Series) -> pl.Series:
    ok = s.str.contains(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
    out = _keep(s, ok).cast(pl.Float64, strict=False)
    return _keep(out, out.is_finite())  # 1e999 overflows: not a usable number


def enum_value(expr: pl.Expr, allowed: Collection[str]) -> pl.Expr:
    """The allowed value that ``expr`` names (case, spaces, hyphens aside); else null."""
    mapping = _enum_mapping(allowed)
    return _batch(expr, lambda s: _enum_series(s, mapping), pl.String())


def _map_items(s: pl.Series, fn: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """Split each ';'-separated cell and map its items through ``fn``, dropping nulls.

    ``fn`` sees each distinct item once (cells repeat a few values), as written.
    """
    lists = s.str.split(";")
    distinct = lists.explode().drop_nulls().unique()
    mapped = fn(distinct)
    return lists.list.eval(
        pl.element().replace_strict(distinct, mapped, default=None, return_dtype=mapped.dtype).drop_nulls()
    )


def _item_keys(items: pl.Series) -> pl.Series:
    """The key of each list item (see ``enum_key``); null for a blank item."""
    key = pl.select(enum_key(pl.lit(items))).to_series()
    return _null_if_empty(key)


def split_list(expr: pl.Expr, allowed: Collection[str] | None = None) -> pl.Expr:
    """A ';'-separated cell → list of distinct keys (``enum_key``); null if no item.

    With ``allowed``, items that are not allowed are left out (``invalid_list_items``
    names them) and the others are spelt as in ``allowed``.
    """
    mapping = None if allowed is None else _enum_mapping(allowed)

    def keys(items: pl.Series) -> pl.Series:
        key = _item_keys(items)
        if mapping is None:
            return key
        return key.replace_strict(mapping, default=None, return_dtype=pl.String)

    def run(s: pl.Series) -> pl.Series:
        out = _map_items(s, keys)
        if (out.list.n_unique() < out.list.len()).any():
            out = out.list.unique(maintain_order=True)
        present = s.str.contains(r"[^;\s]")
        return _keep(out, present)

    return _batch(expr, run, pl.List(pl.String()))


def invalid_list_items(expr: pl.Expr, allowed: Collection[str]) -> pl.Expr:
    """The items of a ';'-separated cell that are not allowed, as written (trimmed)."""
    mapping = _enum_mapping(allowed)

    def invalid(items: pl.Series) -> pl.Series:
        trimmed = items.str.strip_chars()
        key = _item_keys(items)
        return _keep(trimmed, key.is_not_null() & ~key.is_in(list(mapping)))

    return _batch(expr, lambda s: _map_items(s, invalid), pl.List(pl.String()))
