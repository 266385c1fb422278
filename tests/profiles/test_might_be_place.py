"""Which search box texts could name a place (the search page skips the place search for
the others): names, dates of birth, phones and person ids cannot; numbers, postcodes, place
ids, UPRNs and street or building words can."""

from __future__ import annotations

import pytest

from saferhub.profiles.query import might_be_place


@pytest.mark.parametrize(
    "text",
    ["Helen Fletcher", "Smith, John", "J Smith", "de la Cruz", "J Smith 01/02/1980", "1980-02-01",
     "0151 123 4567", "+44 7700 900123", "P69DDC2A83D83"],
)  # fmt: skip
def test_not_a_place(text: str) -> None:
    assert might_be_place(text) is False


@pytest.mark.parametrize(
    "text",
    ["12 chapel street", "Chapel St", "Park Rd", "Marine Court", "CH41 1DJ", "CH41",
     "10 Chapel St CH41 1DJ", "PL00001234", "100023336956", "Flat 2"],
)  # fmt: skip
def test_could_be_a_place(text: str) -> None:
    assert might_be_place(text) is True
