"""The generator's parts: clock changes, recording errors, phone and address text."""

from __future__ import annotations

import numpy as np
import pytest

from saferhub.synth import clock
from saferhub.synth.noise import perturb_dob, surname_variants, typo
from saferhub.synth.render import phone_text


def test_uk_clock_changes() -> None:
    changes = clock.clock_changes(np.array([2026]))
    spring, autumn = changes[2026]
    assert str(spring) == "2026-03-29T01:00:00"
    assert str(autumn) == "2026-10-25T01:00:00"


def test_offsets_move_gap_times_and_split_the_overlap() -> None:
    local = np.array(["2026-01-10T12:00:00", "2026-03-29T01:30:00", "2026-07-01T12:00:00"]
                     + ["2026-10-25T01:30:00"] * 40, dtype="datetime64[s]")
    moved, text = clock.with_offsets(np.random.default_rng(0), local)
    out = text.to_list()
    assert out[0] == "2026-01-10T12:00:00Z"
    assert out[1] == "2026-03-29T02:30:00+01:00"  # the gap hour did not exist
    assert str(moved[1]) == "2026-03-29T02:30:00"
    assert out[2] == "2026-07-01T12:00:00+01:00"
    overlap = set(out[3:])
    assert overlap == {"2026-10-25T01:30:00+01:00", "2026-10-25T01:30:00Z"}


def test_naive_times_to_the_second_or_minute() -> None:
    t = np.array(["2026-03-29T01:30:15", "NaT"], dtype="datetime64[s]")
    assert clock.naive(t).to_list() == ["2026-03-29T01:30:15", None]
    assert clock.naive(t, minutes=np.array([True, True])).to_list() == ["2026-03-29T01:30", None]


def test_perturbed_dates_of_birth_are_real_dates() -> None:
    rng = np.random.default_rng(1)
    dob = np.array(["1985-03-07", "1990-12-31", "2000-02-29", "1977-11-11"] * 500,
                   dtype="datetime64[D]")
    out = perturb_dob(dob, rng, p_swap=0.5, p_digit=0.5)
    assert out.dtype == np.dtype("datetime64[D]")
    assert not np.isnat(out).any()
    changed = out != dob
    assert 0.5 < changed.mean() < 1.0
    # Day and month swap only where the result is still a date.
    swap = perturb_dob(np.array(["1985-03-07", "1985-03-13", "1985-04-04"], dtype="datetime64[D]"),
                       rng, p_swap=1.0, p_digit=0.0)
    assert [str(d) for d in swap] == ["1985-07-03", "1985-03-13", "1985-04-04"]


def test_typos_and_surname_variants() -> None:
    assert typo("Margaret", 0.1, 0.5, 0.5) != "Margaret"
    assert typo("Jo", 0.1, 0.5, 0.5) == "Jo"
    rng = np.random.default_rng(0)
    names = np.array(["Smith-Jones", "O'Brien", "McDonald"] * 50, dtype=object)
    out = set(surname_variants(names, rng, 1.0).tolist())
    assert {"Smith", "Jones"} & out
    assert {"OBrien", "O Brien"} & out
    assert {"MacDonald", "Mc Donald"} & out


@pytest.mark.parametrize(("number", "expected"), [
    (7700900123, ["07700900123", "07700 900123", "07700 900 123", "+44 7700 900123",
                  "+447700900123"]),
    (1516381234, ["01516381234", "0151 638 1234", "0151-638-1234", "+44 151 638 1234",
                  "(0151) 638 1234"]),
])
def test_phone_formats(number: int, expected: list[str]) -> None:
    out = phone_text(np.full(5, number), np.arange(5)).to_list()
    assert out == expected
    assert phone_text(np.array([0]), np.array([1])).to_list() == [None]
