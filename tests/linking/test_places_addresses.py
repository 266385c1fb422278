"""Address parsing: the ways UK agencies write one address give one key; different places differ.

Cases are written by hand from how partners record addresses, not from the generator.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saferhub.linking.addresses import learn_localities, near_miss_pairs, one_slip, parse_addresses


def parse(*lines: str | None, postcode: str | None = None) -> list[dict[str, str | None]]:
    frame = parse_addresses(
        pl.Series(list(lines), dtype=pl.String),
        pl.Series([postcode] * len(lines), dtype=pl.String),
        localities={"BIRKENHEAD", "WIRRAL", "WEST KIRBY", "WALLASEY"},
    )
    return frame.to_dicts()


def keys(*lines: str) -> list[str | None]:
    return [row["key"] for row in parse(*lines)]


SAME_PLACE = {
    "flat 2 at 14 Park Road": [
        "Flat 2, 14 Park Rd", "14 PARK ROAD FLAT 2", "2/14 Park Road", "F2 14 Park Rd",
        "Apartment 2, 14 Park Road", "Apt. 2, 14 Park Rd, Birkenhead", "FLAT 2 14 PARK RD",
        "2, 14 Park Road", "flat 2, 14 park road, wirral", "Flat No. 2, 14 Park Road",
    ],
    "ground floor flat": [
        "Ground Floor Flat, 14 Park Road", "GFF 14 Park Rd", "Ground Floor, 14 Park Road",
    ],
    "house with a letter": ["14A Park Road", "14 A Park Road", "14a PARK RD."],
    "saint before a name": [
        "14 St Johns Road", "14 St. John's Rd", "14 Saint Johns Road", "14 ST JOHNS RD",
    ],
    "street after a name": ["7 Church St", "7 CHURCH STREET", "7 Church St., Birkenhead"],
    "crescent, close, grove, lane, gardens": ["3 Ivy Cres", "3 IVY CRESCENT"],
    "flat in a named block": [
        "Flat 6, Warwick Point, Milton Avenue", "6 Warwick Point, Milton Av",
        "FLAT 6 WARWICK POINT", "Flat 6, Warwick Point", "Apartment 6 Warwick Point, Milton Ave",
    ],
    "shop with its name or without": ["Tesco Express, 12 Market Street", "12 Market St"],
    "house number written as No.": ["No. 5 Bridge Lane", "5 Bridge Ln", "Number 5 Bridge Lane"],
    "street with a direction": ["20 Park Road North", "20 Park Rd North"],
    "street only": ["Park Road", "PARK RD", "Park Rd., Birkenhead"],
    "a name run into a locality": ["9 The Beeches, West Kirby", "9 THE BEECHES WEST KIRBY"],
}  # fmt: skip


@pytest.mark.parametrize("case", list(SAME_PLACE))
def test_one_place_written_many_ways_has_one_key(case: str) -> None:
    found = keys(*SAME_PLACE[case])
    assert None not in found
    assert len(set(found)) == 1, dict(zip(SAME_PLACE[case], found, strict=True))


DIFFERENT_PLACES = [
    ("Flat 2, 14 Park Road", "Flat 3, 14 Park Road"),
    ("Flat 2, 14 Park Road", "14 Park Road"),
    ("14 Park Road", "14A Park Road"),
    ("14 Park Road", "16 Park Road"),
    ("14 Park Road", "14 Park Avenue"),
    ("14 Park Road", "14 Park Road North"),
    ("Flat 6, Park Road", "6 Park Road"),  # a flat somewhere on the road is not house 6
    ("Flat 2A, 14 Park Road", "Flat 2, 14 Park Road"),
    ("7 Church Street", "7 St Church Road"),
    ("Park Road", "14 Park Road"),
    ("Flat 1, Oak Court", "Flat 1, Elm Court"),
]


@pytest.mark.parametrize(("one", "other"), DIFFERENT_PLACES)
def test_different_places_have_different_keys(one: str, other: str) -> None:
    a, b = keys(one, other)
    assert a is not None and b is not None and a != b


def test_flats_of_one_building_share_its_building_key() -> None:
    rows = parse("Flat 1, 14 Park Road", "Flat 2, 14 Park Rd", "14 PARK ROAD", "16 Park Road")
    assert rows[0]["building_key"] == rows[1]["building_key"] == rows[2]["building_key"]
    assert rows[3]["building_key"] != rows[0]["building_key"]
    assert [r["kind"] for r in rows] == ["flat", "flat", "address", "address"]
    block = parse("Flat 1, Warwick Point, Milton Avenue", "12 Warwick Point")
    assert block[0]["building_key"] == block[1]["building_key"]
    assert block[0]["key"] != block[1]["key"]


def test_parts_and_kinds() -> None:
    flat, street, named = parse("Flat 2, 14 Park Rd, Birkenhead", "Park Road", "The Red Lion, Park Road")
    assert (flat["unit"], flat["number"], flat["anchor"], flat["kind"]) == ("2", "14", "PARK ROAD", "flat")
    assert (street["kind"], street["building_key"]) == ("street", None)
    assert (named["anchor"], named["street"], named["kind"]) == ("THE RED LION", "PARK ROAD", "named")


@pytest.mark.parametrize(
    "line",
    [
        "Outside 14 Park Road",
        "Opposite 14 Park Road",
        "Junction of Park Road and Hill Street",
        "Rear of 14 Park Road",
        "Land off Park Road",
        "near 14 Park Rd",
    ],
)
def test_near_an_address_is_the_street_not_the_address(line: str) -> None:
    (row,) = parse(line)
    assert (row["anchor"], row["number"], row["unit"], row["kind"]) == ("PARK ROAD", None, None, "street")


def test_off_licence_is_a_shop_not_a_qualifier() -> None:
    (row,) = parse("Off Licence, 11 Alexandra Avenue")
    assert (row["number"], row["anchor"]) == ("11", "ALEXANDRA AVENUE")


@pytest.mark.parametrize("line", ["NFA", "No Fixed Abode", "n/k", "Unknown", "N/A", "", "  ,  ", None])
def test_no_address_has_no_key(line: str | None) -> None:
    (row,) = parse(line)
    assert row["key"] is None


def test_a_bare_locality_is_not_a_place() -> None:
    (row,) = parse("Birkenhead")
    assert row["key"] is None


def test_postcode_from_the_column_or_the_line() -> None:
    (own,) = parse("14 Park Road", postcode="ch415ab")
    (written,) = parse("14 Park Road, Birkenhead CH41 5AB")
    (both,) = parse("14 Park Road CH41 5AB", postcode="CH43 1AA")
    assert own["postcode"] == written["postcode"] == "CH41 5AB"
    assert both["postcode"] == "CH43 1AA"  # the postcode column wins
    assert written["key"] == own["key"]


def test_localities_are_learned_from_what_follows_a_street() -> None:
    lines = pl.Series(
        [
            "1 Oak Road, Hoylake",
            "2 Elm Grove, HOYLAKE",
            "3 Ash St, Hoylake, Wirral",
            "The Crown, Hoylake",
            "4 Oak Road, Meols",
        ]
    )
    assert learn_localities(lines) == frozenset({"HOYLAKE"})


def test_rows_keep_their_order_and_duplicates() -> None:
    lines = ["14 Park Road", None, "Flat 2, 14 Park Road", "14 Park Road"]
    out = parse_addresses(pl.Series(lines, dtype=pl.String))
    assert out.height == 4
    assert out["key"].to_list() == ["PARK ROAD|14|", None, "PARK ROAD|14|2", "PARK ROAD|14|"]


SUFFIXES = {
    "Road": ["Road", "Rd", "RD.", "road"], "Street": ["Street", "St", "ST."],
    "Avenue": ["Avenue", "Ave", "Av"], "Close": ["Close", "Cl"], "Drive": ["Drive", "Dr"],
    "Grove": ["Grove", "Gr", "Gro"], "Lane": ["Lane", "Ln"], "Crescent": ["Crescent", "Cres"],
    "Gardens": ["Gardens", "Gdns"], "Terrace": ["Terrace", "Terr", "Tce"],
}  # fmt: skip
FLAT_FORMS = [
    "Flat {f}, {n} {s}",
    "{n} {s} Flat {f}",
    "{f}/{n} {s}",
    "F{f} {n} {s}",
    "Apartment {f}, {n} {s}",
    "Flat {f} {n} {s}",
]


@settings(max_examples=40, deadline=None)
@given(
    flat=st.integers(1, 40),
    number=st.integers(1, 400),
    letter=st.sampled_from(["", "A", "B"]),
    base=st.sampled_from(["Park", "Church", "Victoria", "Oak Tree", "St Johns", "Mill", "Avenue"]),
    suffix=st.sampled_from(sorted(SUFFIXES)),
    data=st.data(),
)
def test_renderings_of_one_flat_agree_and_neighbours_differ(
    flat: int, number: int, letter: str, base: str, suffix: str, data: st.DataObject
) -> None:
    def render(f: int, n: str) -> str:
        form = data.draw(st.sampled_from(FLAT_FORMS))
        word = data.draw(st.sampled_from(SUFFIXES[suffix]))
        line = form.format(f=f, n=n, s=f"{base} {word}")
        return data.draw(st.sampled_from([line, line.upper(), line.lower()]))

    n = f"{number}{letter}"
    lines = [render(flat, n) for _ in range(4)] + [render(flat + 1, n), render(flat, f"{number + 1}")]
    found = keys(*lines)
    assert len(set(found[:4])) == 1, lines
    assert found[4] != found[0] and found[5] != found[0], lines


def test_a_batch_parses_each_line_as_it_would_alone() -> None:
    lines = [line for group in SAME_PLACE.values() for line in group]
    lines += [line for pair in DIFFERENT_PLACES for line in pair] + ["NFA", "Outside 3 Mill Lane"]
    together = parse(*lines)
    alone = [parse(line)[0] for line in lines[::7]]
    assert together[::7] == alone


def test_typing_slips_between_keys() -> None:
    assert one_slip("PARK RAOD", "PARK ROAD") and one_slip("PARK RD", "PARK ROD")
    assert one_slip("PRAK ROAD", "PARK ROAD") and one_slip("PARKK ROAD", "PARK ROAD")
    assert not one_slip("PARK ROAD", "PARK ROAD") and not one_slip("PARK ROAD", "PORK RAAD")
    left = pl.Series(
        [
            "CH41 5AB|PARK RAOD|14|",
            "CH41 5AB|MILL ROAD|3|",
            "CH41 5AB|PARK ROAD|14|2",
            "CH41 5AB|PARK LANE|14|",
        ]
    )
    right = pl.Series(["CH41 5AB|PARK ROAD|14|", "CH41 5AB|HILL ROAD|3|", "CH41 5AD|PARK ROAD|14|2"])
    pairs = near_miss_pairs(left, right).rows()
    assert pairs == [("CH41 5AB|PARK RAOD|14|", "CH41 5AB|PARK ROAD|14|")]
