"""Months and periods the user types: refused with a reason when they cannot be counted."""

from __future__ import annotations

import pytest

from saferhub.analysis.periods import Month, Period, PeriodError


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0000-01", "between 1900 and 2999"),  # last year would be year -1 (was a crash)
        ("2020-13", "not a month"),
        ("1990-01..2024-12", "at most 20 years"),
        ("2020-05..2020-04", "ends"),
    ],
)
def test_periods_that_cannot_be_counted_are_refused(text: str, reason: str) -> None:
    with pytest.raises(PeriodError, match=reason):
        Period.parse(text)


def test_ordinary_periods_still_read() -> None:
    period = Period.parse("2019-01..2020-12")
    assert len(period.months) == 24 and period.first == Month(2019, 1)
    assert Period.parse("1900-02").first.shift(-12) == Month(1899, 2)
