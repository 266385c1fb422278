"""Tests for the vectorised feed value parsers in ``saferhub.feeds.normalise``."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saferhub.feeds.normalise import (
    clean_text,
    enum_value,
    fold_address,
    fold_name,
    invalid_list_items,
    parse_bool,
    parse_date,
    parse_datetime_london,
    parse_float,
    parse_int,
    parse_month,
    phone_e164,
    postcode,
    split_list,
)

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def run(fn: Callable[..., pl.Expr], values: Sequence[str | None], *args: Any) -> list[Any]:
    """Apply ``fn`` to a String column holding ``values``; the results as Python values."""
    frame = pl.DataFrame({"v": list(values)}, schema={"v": pl.String})
    return frame.select(fn(pl.col("v"), *args)).to_series().to_list()


def one(fn: Callable[..., pl.Expr], value: str | None, *args: Any) -> Any:
    return run(fn, [value], *args)[0]


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, us)  # naive, meaning UTC


def london_to_utc(local: dt.datetime) -> dt.datetime:
    """Python's reading of a London wall-clock time (fold=0), as naive UTC."""
    return local.replace(tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- parse_datetime_london


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # spring gap: 01:00-01:59 does not exist; use the offset before it (GMT)
        ("2024-03-31T01:30", utc(2024, 3, 31, 1, 30)),
        ("2024-03-31T00:59:59", utc(2024, 3, 31, 0, 59, 59)),
        ("2024-03-31T02:30", utc(2024, 3, 31, 1, 30)),
        ("2024-03-31T02:00", utc(2024, 3, 31, 1, 0)),
        # autumn overlap: 01:00-01:59 happens twice; take the earlier instant (BST)
        ("2024-10-27T01:30", utc(2024, 10, 27, 0, 30)),
        ("2024-10-27T01:00", utc(2024, 10, 27, 0, 0)),
        ("2024-10-27T00:30", utc(2024, 10, 26, 23, 30)),
        ("2024-10-27T02:00", utc(2024, 10, 27, 2, 0)),
        # explicit offsets
        ("2024-07-01T12:00+01:00", utc(2024, 7, 1, 11, 0)),
        ("2024-07-01T12:00Z", utc(2024, 7, 1, 12, 0)),
        ("2024-07-01T12:00z", utc(2024, 7, 1, 12, 0)),
        ("2024-07-01T12:00:00Z", utc(2024, 7, 1, 12, 0)),
        ("2024-07-01T12:00+0100", utc(2024, 7, 1, 11, 0)),
        ("2024-07-01T12:00+01", utc(2024, 7, 1, 11, 0)),
        ("2024-07-01T12:00-05:00", utc(2024, 7, 1, 17, 0)),
        ("2024-07-01T12:00:00-0530", utc(2024, 7, 1, 17, 30)),
        ("2024-01-01T00:30+01:00", utc(2023, 12, 31, 23, 30)),
        ("2024-10-27T01:30+00:00", utc(2024, 10, 27, 1, 30)),  # the later 01:30, named
        ("2024-03-31T01:30Z", utc(2024, 3, 31, 1, 30)),
        # local times, all shapes
        ("2024-07-01T12:00", utc(2024, 7, 1, 11, 0)),
        ("2024-07-01 12:00", utc(2024, 7, 1, 11, 0)),
        ("2024-07-01t12:00", utc(2024, 7, 1, 11, 0)),
        ("2024-07-01T12:00:30", utc(2024, 7, 1, 11, 0, 30)),
        ("2024-01-15T12:00:30", utc(2024, 1, 15, 12, 0, 30)),
        ("2024-07-01T12:00:30.5", utc(2024, 7, 1, 11, 0, 30, 500_000)),
        ("2024-07-01T12:00:30,25", utc(2024, 7, 1, 11, 0, 30, 250_000)),
        ("2024-07-01T12:00:30.000001", utc(2024, 7, 1, 11, 0, 30, 1)),
        ("2024-07-01T12:00:30.123456789", utc(2024, 7, 1, 11, 0, 30, 123_456)),
        ("2024-07-01T12:00:30.123456789+02:00", utc(2024, 7, 1, 10, 0, 30, 123_456)),
        ("2024-07-01T12:00:30.1Z", utc(2024, 7, 1, 12, 0, 30, 100_000)),
        ("2024-07-01T23:59:59", utc(2024, 7, 1, 22, 59, 59)),
        ("2024-01-01T00:00", utc(2024, 1, 1, 0, 0)),
        # a date alone is midnight, London time
        ("2024-07-01", utc(2024, 6, 30, 23, 0)),
        ("2024-01-01", utc(2024, 1, 1, 0, 0)),
        ("2024-03-31", utc(2024, 3, 31, 0, 0)),
        ("2024-10-27", utc(2024, 10, 26, 23, 0)),
        # leap days
        ("2024-02-29T10:00", utc(2024, 2, 29, 10, 0)),
        ("2000-02-29", utc(2000, 2, 29, 0, 0)),
        ("1999-12-31T23:59:59Z", utc(1999, 12, 31, 23, 59, 59)),
        ("2035-06-30T12:00", utc(2035, 6, 30, 11, 0)),
    ],
)
def test_parse_datetime_london(text: str, expected: dt.datetime) -> None:
    assert one(parse_datetime_london, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29",
        "2023-02-30",
        "1900-02-29",
        "2100-02-29T00:00",
        "2024-04-31",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-01-32",
        "2024-01-01T25:00",
        "2024-01-01T24:00",
        "2024-01-01T12:60",
        "2024-01-01T12:00:60",
        "2024-01-01T12:00+24:00",
        "2024-01-01T12:00+01:60",
        "2024-07-01T12",
        "2024-07-01T1200",
        "2024-07-01T12:00:00.",
        "2024-07-01T12:00:00+01:00:00",
        "2024-07-01T12:00+1",
        "2024-07-01Z",
        "2024-07-01+01:00",
        "2024-7-1",
        "2024/07/01",
        "01/07/2024",
        "20240701",
        "2024-07-01T12:00 ",
        " 2024-07-01",
        "2024-07-01TT12:00",
        "garbage",
        "",
        "٢٠٢٤-٠٧-٠١",  # non-ASCII digits
    ],
)
def test_parse_datetime_london_invalid_is_null(text: str) -> None:
    assert one(parse_datetime_london, text) is None


def test_parse_datetime_london_null_dtype_and_name() -> None:
    frame = pl.DataFrame({"when": ["2024-07-01T12:00", None, "nonsense"]})
    out = frame.select(parse_datetime_london(pl.col("when")))
    assert out.columns == ["when"]
    assert out.schema["when"] == pl.Datetime("us")
    assert out["when"].dtype.time_zone is None  # type: ignore[attr-defined]
    assert out["when"].to_list() == [utc(2024, 7, 1, 11, 0), None, None]


def test_parse_datetime_london_in_a_lazy_query_with_other_columns() -> None:
    frame = pl.LazyFrame(
        {
            "a": ["2024-10-27T01:30", "2024-03-31T01:30", None],
            "b": ["2024-07-01T12:00Z", None, "2024-07-01"],
        }
    )
    out = frame.with_columns(
        parse_datetime_london(pl.col("a")).alias("ua"), parse_datetime_london(pl.col("b"))
    ).collect()
    assert out["ua"].to_list() == [utc(2024, 10, 27, 0, 30), utc(2024, 3, 31, 1, 30), None]
    assert out["b"].to_list() == [utc(2024, 7, 1, 12, 0), None, utc(2024, 6, 30, 23, 0)]


def test_parse_datetime_london_far_dates_do_not_fail() -> None:
    out = run(parse_datetime_london, ["0001-01-01T00:00Z", "9999-12-31T23:59:59Z"])
    assert out == [utc(1, 1, 1), utc(9999, 12, 31, 23, 59, 59)]


def test_parse_datetime_london_every_clock_change_1900_2100() -> None:
    """Every quarter hour of every day London changed its clocks agrees with zoneinfo."""
    texts, expected = [], []
    day = dt.datetime(1900, 1, 1)
    while day.year <= 2100:
        following = day + dt.timedelta(days=1)
        if london_to_utc(following) - london_to_utc(day) != dt.timedelta(days=1):
            for quarter in range(96):
                local = day + dt.timedelta(minutes=15 * quarter)
                texts.append(local.strftime("%Y-%m-%dT%H:%M"))
                expected.append(london_to_utc(local))
        day = following
    assert len(texts) > 96 * 300  # double summer time, 1968-71, EU rules: all in
    assert run(parse_datetime_london, texts) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2250-07-01T12:00",
        "2250-01-01T12:00",
        "2250-03-31T01:30",  # a spring gap after 2200
        "2250-10-27T01:30",  # an autumn overlap after 2200
        "2399-10-30T01:30",
        "2400-03-26T01:30",
        "2400-06-01T12:00",
        "2999-03-31T01:30",
        "2999-10-27T01:30",
        "9999-07-01T12:00",
        "1800-06-01T12:00",
        "1847-12-01T00:00:30",  # the last seconds of local mean time
        "1941-05-04T02:30",  # double summer time began
        "1968-10-27T12:00",  # British Standard Time: summer time all year
    ],
)
def test_parse_datetime_london_far_and_historic_times(text: str) -> None:
    assert one(parse_datetime_london, text) == london_to_utc(dt.datetime.fromisoformat(text))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9998, 12, 31)),
        min_size=1,
        max_size=50,
    )
)
def test_parse_datetime_london_any_year_agrees_with_zoneinfo(moments: list[dt.datetime]) -> None:
    texts = [m.isoformat(timespec="microseconds") for m in moments]
    assert run(parse_datetime_london, texts) == [london_to_utc(m) for m in moments]


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


@st.composite
def london_wall_times(draw: st.DrawFn) -> dt.datetime:
    """Local times in 2000-2035, a third of them around the clock changes."""
    year = draw(st.integers(2000, 2035))
    kind = draw(st.sampled_from(["any", "spring", "autumn"]))
    if kind == "any":
        day = dt.date(year, 1, 1) + dt.timedelta(days=draw(st.integers(0, 364)))
        hour = draw(st.integers(0, 23))
    else:
        day = _last_sunday(year, 3 if kind == "spring" else 10)
        hour = draw(st.integers(0, 3))
    minute, second = draw(st.integers(0, 59)), draw(st.integers(0, 59))
    micro = draw(st.sampled_from([0, 0, 1, 500_000, 999_999]))
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, micro)


def _iso_local(value: dt.datetime, style: int) -> str:
    if style == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if style == 1:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.strftime("%Y-%m-%dT%H:%M")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(london_wall_times(), st.integers(0, 2)), min_size=1, max_size=40))
def test_parse_datetime_london_agrees_with_zoneinfo(cases: list[tuple[dt.datetime, int]]) -> None:
    texts, expected = [], []
    for value, style in cases:
        if style == 1:
            value = value.replace(microsecond=0)
        elif style == 2:
            value = value.replace(second=0, microsecond=0)
        texts.append(_iso_local(value, style))
        expected.append(london_to_utc(value))
    assert run(parse_datetime_london, texts) == expected


instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2035, 12, 31))


@settings(max_examples=100, deadline=None)
@given(st.lists(instants, min_size=1, max_size=40))
def test_parse_datetime_london_round_trips_utc_instants(moments: list[dt.datetime]) -> None:
    """UTC instant → London wall clock → parse: the same instant (the earlier, if repeated)."""
    texts, expected = [], []
    for moment in moments:
        local = moment.replace(tzinfo=UTC).astimezone(LONDON)
        texts.append(local.replace(tzinfo=None).isoformat())
        # The second 01:xx of an October night reads as the first one.
        expected.append(moment - dt.timedelta(hours=1) if local.fold else moment)
    assert run(parse_datetime_london, texts) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(instants, st.integers(-12 * 4, 14 * 4), st.booleans()), min_size=1, max_size=40))
def test_parse_datetime_london_explicit_offsets(cases: list[tuple[dt.datetime, int, bool]]) -> None:
    texts, expected = [], []
    for moment, quarters, colon in cases:
        offset = dt.timedelta(minutes=15 * quarters)
        local = moment.replace(tzinfo=UTC).astimezone(dt.timezone(offset))
        text = local.isoformat()  # ends +hh:mm
        if not colon:
            text = text[:-3] + text[-2:]
        texts.append(text)
        expected.append(moment)
    assert run(parse_datetime_london, texts) == expected


# ------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("1950-12-31", dt.date(1950, 12, 31)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("01/12/1987", dt.date(1987, 12, 1)),
        ("1/2/2024", dt.date(2024, 2, 1)),
        ("1/12/2024", dt.date(2024, 12, 1)),
        ("12/1/2024", dt.date(2024, 1, 12)),
        ("09/9/1999", dt.date(1999, 9, 9)),
        ("2000-02-29", dt.date(2000, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: dt.date) -> None:
    assert one(parse_date, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29",
        "31/04/2024",
        "29/02/2023",
        "32/01/2024",
        "00/01/2024",
        "01/13/2024",
        "01/00/2024",
        "1-2-2024",
        "01-02-2024",
        "2024-2-1",
        "2024/02/01",
        "001/02/2024",
        "1/2/24",
        "01/02/2024 ",
        "2024-02-01T00:00",
        "2024-02",
        "tomorrow",
        "",
    ],
)
def test_parse_date_invalid_is_null(text: str) -> None:
    assert one(parse_date, text) is None


@settings(deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1000, 1, 1)), min_size=1, max_size=50))
def test_parse_date_forms_agree(days: list[dt.date]) -> None:
    iso = [d.isoformat() for d in days]
    uk = [d.strftime("%d/%m/") + f"{d.year:04d}" for d in days]
    short = [f"{d.day}/{d.month}/{d.year:04d}" for d in days]
    assert run(parse_date, iso) == days
    assert run(parse_date, uk) == days
    assert run(parse_date, short) == days


def test_parse_date_dtype_and_nulls() -> None:
    out = pl.DataFrame({"dob": [None, "2024-01-01"]}).select(parse_date(pl.col("dob")))
    assert out.schema["dob"] == pl.Date
    assert out["dob"].to_list() == [None, dt.date(2024, 1, 1)]


# ------------------------------------------------------------------------ parse_month


def test_parse_month() -> None:
    texts = ["2024-01", "2023-12", "2024-13", "2024-00", "2024-1", "2024-01-01", "Jan 2024", None]
    assert run(parse_month, texts) == [
        dt.date(2024, 1, 1),
        dt.date(2023, 12, 1),
        None,
        None,
        None,
        None,
        None,
        None,
    ]


# --------------------------------------------------------------------------- postcode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CH41 5AB", "CH41 5AB"),
        ("ch41 5ab", "CH41 5AB"),
        ("CH415AB", "CH41 5AB"),
        ("ch41   5ab", "CH41 5AB"),
        ("C H41 5AB", "CH41 5AB"),
        ("CH41\t5AB", "CH41 5AB"),
        ("CH41\u00a05AB", "CH41 5AB"),
        ("L1 8JQ", "L1 8JQ"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("w1a0ax", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("SW1A 2AA", "SW1A 2AA"),
        ("gir 0aa", "GIR 0AA"),
        ("GIR0AA", "GIR 0AA"),
    ],
)
def test_postcode(text: str, expected: str) -> None:
    assert one(postcode, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "CH41 5A",
        "CH41",
        "CH41 5AB1",
        "QC1 1AA",  # Q is never a first letter
        "C1I 1AA",
        "CH41 5CI",  # C and I never end a postcode
        "CH41-5AB",
        "CH41 5ÀB",
        "12345",
        "BFPO 1234",
        "",
        "not known",
    ],
)
def test_postcode_invalid_is_null(text: str) -> None:
    assert one(postcode, text) is None


POSTCODE_PATTERN = (
    r"\A(?:[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPS-UW])"
    r" [0-9][ABD-HJLNP-UW-Z]{2})\Z"
)


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.from_regex(POSTCODE_PATTERN), st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=50,
    )
)
def test_postcode_canonical_and_idempotent(cases: list[tuple[str, int, bool]]) -> None:
    canonical = [code for code, _, _ in cases]
    variants = [
        (code.replace(" ", " " * spaces)).lower() if lower else code.replace(" ", " " * spaces)
        for code, spaces, lower in cases
    ]
    once = run(postcode, variants)
    assert once == canonical
    assert run(postcode, once) == once


# ------------------------------------------------------------------------- phone_e164


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0151 123 4567", "+441511234567"),
        ("01511234567", "+441511234567"),
        ("(0151) 123-4567", "+441511234567"),
        ("0151-123-4567", "+441511234567"),
        ("0151.123.4567", "+441511234567"),
        ("0151 / 123 4567", "+441511234567"),
        ("+44 151 123 4567", "+441511234567"),
        ("+441511234567", "+441511234567"),
        ("+44 (0)151 123 4567", "+441511234567"),
        ("+44(0)1511234567", "+441511234567"),
        ("+44 0151 123 4567", "+441511234567"),
        ("(+44) 151 123 4567", "+441511234567"),
        ("0044 151 123 4567", "+441511234567"),
        ("0044 (0)151 123 4567", "+441511234567"),
        ("44 151 123 4567", "+441511234567"),
        ("44 7700 900123", "+447700900123"),
        ("07700900123", "+447700900123"),
        ("07700 900 123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("7700900123", "+447700900123"),  # leading 0 lost in a spreadsheet
        ("020 7946 0018", "+442079460018"),
        ("0300 123 1234", "+443001231234"),
        ("0800 123 4567", "+448001234567"),
        ("016977 1234", "+44169771234"),  # 9-digit NSN (Brampton)
        ("+44 16977 1234", "+44169771234"),
        ("01387 12345", "+44138712345"),
    ],
)
def test_phone_e164(text: str, expected: str) -> None:
    assert one(phone_e164, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0151 123 456",  # a city number one digit short
        "0151 123 45678",
        "01511234567890",
        "123456",
        "169771234",  # a 9-digit NSN needs its prefix
        "07700 900123 ext 4",
        "0151 CALL NOW",
        "tel: 0151 123 4567",
        "+1 212 555 1234",
        "001 212 555 1234",
        "+33 1 23 45 67 89",
        "++44 151 123 4567",
        "0151 +44 1234567",
        "4412345678",
        "0412 345 678",
        "0612 345 678",
        "00 151 123 4567",
        "withheld",
        "",
    ],
)
def test_phone_e164_invalid_is_null(text: str) -> None:
    assert one(phone_e164, text) is None


nsns = st.one_of(st.from_regex(r"\A[1235789][0-9]{9}\Z"), st.from_regex(r"\A1[2-9][02-9][0-9]{6}\Z"))


def _phone_formats(nsn: str) -> list[str]:
    head, tail = nsn[:4], nsn[4:]
    return [
        "0" + nsn,
        f"0{head} {tail}",
        f"(0{head}) {tail[:3]}-{tail[3:]}",
        f"+44 {head} {tail}",
        f"+44 (0){head} {tail}",
        f"0044 {nsn}",
        f"44 {head} {tail}",
        f"+44{nsn}",
        f"0{head}.{tail[:3]}.{tail[3:]}",
    ]


@settings(deadline=None)
@given(st.lists(nsns, min_size=1, max_size=20))
def test_phone_formats_of_one_number_agree(numbers: list[str]) -> None:
    texts = [text for nsn in numbers for text in _phone_formats(nsn)]
    expected = [f"+44{nsn}" for nsn in numbers for _ in _phone_formats(nsn)]
    assert run(phone_e164, texts) == expected
    assert run(phone_e164, expected) == expected  # E.164 is read back unchanged


# -------------------------------------------------------------------------- fold_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smith", "smith"),
        ("SMITH", "smith"),
        ("O'Brien", "obrien"),
        ("O’Brien", "obrien"),
        ("O`Brien", "obrien"),
        ("St. John", "st john"),
        ("St.John", "stjohn"),
        ("Smith - Jones", "smith-jones"),
        ("Smith-Jones", "smith-jones"),
        ("Smith--Jones", "smith-jones"),
        ("Smith – Jones", "smith-jones"),
        ("Anne‐Marie", "anne-marie"),
        ("-Smith-", "smith"),
        ("José", "jose"),
        ("JOSÉ", "jose"),
        ("Zoë  Brontë", "zoe bronte"),
        ("Łukasz Żółć", "lukasz zolc"),
        ("Søren Ærø", "soren aero"),
        ("Strauß", "strauss"),
        ("  Mary \t Jane  ", "mary jane"),
        ("Mary,Jane", "mary jane"),
        ("Smith (née Jones)", "smith nee jones"),
        ("J.R.R.", "jrr"),
        ("D’Arcy", "darcy"),
        ("D´Arcy", "darcy"),
        ("ＳＭＩＴＨ", "smith"),
        ("Henry 8th", "henry 8th"),
    ],
)
def test_fold_name(text: str, expected: str) -> None:
    assert one(fold_name, text) == expected


@pytest.mark.parametrize("text", ["", "   ", "'", ".", "-", "- . -", "?!", "()"])
def test_fold_name_nothing_left_is_null(text: str) -> None:
    assert one(fold_name, text) is None


@settings(deadline=None)
@given(st.lists(st.text(max_size=20), min_size=1, max_size=30))
def test_fold_name_is_idempotent_and_tidy(names: list[str]) -> None:
    once = run(fold_name, names)
    assert run(fold_name, once) == once
    for name in once:
        if name is None:
            continue
        assert name == name.strip(" -")
        assert "  " not in name and "--" not in name
        assert " -" not in name and "- " not in name
        assert "'" not in name and "." not in name
        # (letters newer than Python's Unicode tables count as letters for polars)
        assert all(ch.isalnum() or ch in " -" or unicodedata.category(ch) == "Cn" for ch in name)


# ---------------------------------------------------------------- clean_text / address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "hello"),
        ("  hello  world ", "hello world"),
        ("line one\nline two", "line one line two"),
        ("a\r\n\r\n\tb", "a b"),
        ("tab\there", "tab here"),
        ("Keeps Case, and: punctuation!", "Keeps Case, and: punctuation!"),
        ("nbsp\u00a0\u00a0here", "nbsp here"),
        ("ctrl\x00char", "ctrl char"),
        (" \n\t ", None),
        ("", None),
    ],
)
def test_clean_text(text: str, expected: str | None) -> None:
    assert one(clean_text, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 High Street", "12 HIGH STREET"),
        ("Flat 1/2, 3 O'Connell St.", "FLAT 1/2 3 O CONNELL ST"),
        ("12-14 Borough Rd;  Birkenhead", "12-14 BOROUGH RD BIRKENHEAD"),
        ("Apt #4\nThe Maltings", "APT 4 THE MALTINGS"),
        ("  flat  a ", "FLAT A"),
        ("!!", None),
    ],
)
def test_fold_address(text: str, expected: str | None) -> None:
    assert one(fold_address, text) == expected


@settings(deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=30))
def test_clean_text_and_fold_address_are_idempotent(texts: list[str]) -> None:
    for fn in (clean_text, fold_address):
        once = run(fn, texts)
        assert run(fn, once) == once
        for value in once:
            assert value is None or (value == value.strip() and "  " not in value and value)


# ------------------------------------------------------------------- scalars, choices


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("t", True),
        ("yes", True),
        ("Y", True),
        ("1", True),
        ("false", False),
        ("F", False),
        ("No", False),
        ("n", False),
        ("0", False),
        ("maybe", None),
        ("2", None),
        ("yes please", None),
        ("", None),
    ],
)
def test_parse_bool(text: str, expected: bool | None) -> None:
    assert one(parse_bool, text) is expected


def test_parse_bool_dtype() -> None:
    out = pl.DataFrame({"x": [None, "y"]}).select(parse_bool(pl.col("x")))
    assert out.schema["x"] == pl.Boolean
    assert out["x"].to_list() == [None, True]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("+3", 3),
        ("-17", -17),
        ("007", 7),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("1,000", None),
        ("1 000", None),
        ("1.0", None),
        ("1e3", None),
        ("0x10", None),
        ("--1", None),
        ("+", None),
        ("", None),
        ("one", None),
        ("٣", None),
    ],
)
def test_parse_int(text: str, expected: int | None) -> None:
    assert one(parse_int, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0.0),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        ("+2", 2.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("-1.5E-2", -0.015),
        ("1e999", None),
        ("53.3900", 53.39),
        ("1,5", None),
        ("1,000.5", None),
        ("nan", None),
        ("NaN", None),
        ("inf", None),
        ("-Infinity", None),
        ("1.2.3", None),
        (".", None),
        ("e5", None),
        ("", None),
    ],
)
def test_parse_float(text: str, expected: float | None) -> None:
    assert one(parse_float, text) == expected


@settings(deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=30))
def test_parse_int_round_trips(values: list[int]) -> None:
    assert run(parse_int, [str(v) for v in values]) == values


@settings(deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30))
def test_parse_float_round_trips(values: list[float]) -> None:
    assert run(parse_float, [repr(v) for v in values]) == values


CONSENT = ("given", "refused", "not_sought", "override")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("given", "given"),
        ("GIVEN", "given"),
        ("Not Sought", "not_sought"),
        ("not-sought", "not_sought"),
        ("not  sought", "not_sought"),
        ("NOT_SOUGHT", "not_sought"),
        (" refused ", "refused"),
        ("unknown", None),
        ("not sought yet", None),
        ("", None),
    ],
)
def test_enum_value(text: str, expected: str | None) -> None:
    assert one(enum_value, text, CONSENT) == expected


def test_enum_value_keeps_the_allowed_spelling() -> None:
    assert run(enum_value, ["a", "B", "c", "f"], ("A", "B", "C", "D", "E")) == [
        "A",
        "B",
        "C",
        None,
    ]
    assert run(enum_value, ["999", "101", "In Person", "0"], ("999", "101", "in_person")) == [
        "999",
        "101",
        "in_person",
        None,
    ]


def test_enum_value_many_rows_and_nulls() -> None:
    values = ["Given", None, "refused", "x"] * 1000
    assert run(enum_value, values, CONSENT) == ["given", None, "refused", None] * 1000
    assert run(enum_value, [None, None], CONSENT) == [None, None]


VULNERABILITIES = ("mental_health", "alcohol", "substance_misuse", "elderly", "other")


def test_split_list() -> None:
    cells = ["Alcohol; Mental Health", "alcohol;;alcohol", " ; ", "x-y;Z", None, "solo"]
    assert run(split_list, cells) == [
        ["alcohol", "mental_health"],
        ["alcohol"],
        None,
        ["x_y", "z"],
        None,
        ["solo"],
    ]


def test_split_list_with_allowed() -> None:
    cells = [
        "alcohol;mental_health",
        "Substance Misuse; bogus",
        "bogus",
        "elderly;ELDERLY;other",
        ";",
        None,
    ]
    assert run(split_list, cells, VULNERABILITIES) == [
        ["alcohol", "mental_health"],
        ["substance_misuse"],
        [],
        ["elderly", "other"],
        None,
        None,
    ]
    assert run(invalid_list_items, cells, VULNERABILITIES) == [
        [],
        ["bogus"],
        ["bogus"],
        [],
        [],
        None,
    ]


def test_split_list_dtype() -> None:
    out = pl.DataFrame({"tags": ["a;b", None]}).select(split_list(pl.col("tags")))
    assert out.schema["tags"] == pl.List(pl.String)


# ------------------------------------------------------------------ column edge cases

ALL_STRING_PARSERS: list[Callable[[pl.Expr], pl.Expr]] = [
    parse_datetime_london,
    parse_date,
    parse_month,
    postcode,
    phone_e164,
    fold_name,
    clean_text,
    fold_address,
    parse_bool,
    parse_int,
    parse_float,
    lambda e: enum_value(e, CONSENT),
    lambda e: split_list(e, VULNERABILITIES),
    lambda e: invalid_list_items(e, VULNERABILITIES),
    split_list,
]


@pytest.mark.parametrize("fn", ALL_STRING_PARSERS)
def test_empty_and_all_null_columns(fn: Callable[[pl.Expr], pl.Expr]) -> None:
    empty = pl.DataFrame({"v": []}, schema={"v": pl.String}).select(fn(pl.col("v")))
    assert empty.height == 0
    nulls = pl.DataFrame({"v": [None, None]}, schema={"v": pl.String}).select(fn(pl.col("v")))
    assert nulls["v"].to_list() == [None, None]
    untyped = pl.DataFrame({"v": [None, None]}).select(fn(pl.col("v")))  # dtype Null
    assert untyped["v"].to_list() == [None, None]
    assert untyped.schema["v"] == nulls.schema["v"]
