"""The standards file: shipped figures with sources, local overrides, costs and uprating."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from saferhub.analysis.people_common import call_costs
from saferhub.analysis.standards import DEFAULTS_FILE, StandardsError, load_standards, standards_for
from saferhub.config import Settings

SHARED_STANDARDS = Path(__file__).resolve().parents[3] / "shared" / "spec" / "standards.md"


def test_every_shipped_rule_and_cost_has_a_source() -> None:
    s = load_standards()
    assert s.rules and s.costs and s.cost_rules
    assert all(r.source for r in s.rules.values())
    assert all(c.source and c.price_year for c in s.costs.values())
    # The FreCaNN and Case Review figures of standards.md.
    assert (s.int("adult_calls_in_month"), s.int("adult_calls_in_3_months"), s.int("child_calls")) == (
        5,
        12,
        3,
    )
    assert (s.int("communal_calls_in_month"), s.int("case_review_complaints"), s.int("adult_age")) == (
        15,
        3,
        18,
    )
    # Hub choices are marked local; national figures are not.
    assert s.rule("lookback_days").local and not s.rule("adult_calls_in_month").local
    assert s.costs["police_call"].pounds is None and s.costs["police_call"].local


def test_shipped_costs_are_the_figures_in_standards_md() -> None:
    if not SHARED_STANDARDS.exists():
        pytest.skip(f"standards.md is not at {SHARED_STANDARDS}")
    text = SHARED_STANDARDS.read_text(encoding="utf-8")
    for cost in load_standards().costs.values():
        if cost.pounds is not None:
            row = next(line for line in text.splitlines() if line.startswith(f"| {cost.item} |"))
            assert re.search(rf"£{cost.pounds:,.0f}\b", row), (cost.item, row)


def test_a_local_file_overrides_and_is_marked_local(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(
        "[rules.adult_calls_in_month]\nvalue = 6\n\n"
        '[costs.police_call]\npounds = 52\nprice_year = "2024/25"\nsource = "Merseyside Police finance"\n'
    )
    s = standards_for(Settings(standards_file=path))
    assert s.int("adult_calls_in_month") == 6 and s.rule("adult_calls_in_month").local
    assert "local figure (ours.toml)" in s.rule("adult_calls_in_month").source
    police = s.costs["police_call"]
    assert (police.pounds, police.price_year, police.source, police.local) == (
        52,
        "2024/25",
        "Merseyside Police finance",
        True,
    )
    assert s.int("adult_calls_in_3_months") == 12  # untouched
    assert str(path) in s.files


@pytest.mark.parametrize(
    "content, message",
    [
        ("[rules.no_such_rule]\nvalue = 1\n", "unknown rules"),
        ("[colours]\nx = 1\n", "unknown sections"),
        ("[costs.ambulance_call]\npounds = -5\n", "0 or more"),
        ('[uprating]\nto_year = "2030/31"\n', "no value in uprating.index"),
        ('[[cost_rules]]\nagency = "police"\ncost = "nothing"\n', "cost named in [costs]"),
        ("not toml = = 1", "cannot read"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(StandardsError, match=re.escape(message)):
        load_standards(path)


def test_uprating_uses_the_users_index(tmp_path: Path) -> None:
    path = tmp_path / "up.toml"
    path.write_text('[uprating]\nto_year = "2024/25"\nindex = { "2013/14" = 80.0, "2024/25" = 100.0 }\n')
    s = load_standards(path)
    assert s.pounds("ambulance_call") == pytest.approx(99 * 100 / 80)
    assert s.pounds("fire_false_alarm") == 240  # price year not stated: left as it is
    assert "uprated to 2024/25" in s.price_basis(["ambulance_call", "fire_false_alarm"])
    assert "not uprated: not stated" in s.price_basis(["ambulance_call", "fire_false_alarm"])
    assert "not uprated" in load_standards().price_basis(["ambulance_call"])


def test_calls_are_priced_by_the_first_matching_rule() -> None:
    calls = pl.DataFrame(
        {
            "agency": ["ambulance", "fire", "fire", "fire", "council", "council", "police", "third_sector"],
            "category": [
                "medical",
                "false_alarm",
                "false_alarm",
                "fire",
                "asb",
                "welfare",
                "crime",
                "welfare",
            ],
            "attended": [None, True, False, True, None, None, True, None],
        }
    )
    priced = call_costs(calls, load_standards())
    assert priced["pounds"].to_list() == [99, 240, 0, 400, 140, 0, 0, 0]
    assert priced["uncosted"].to_list() == [False, False, False, False, False, True, True, True]
    # One appliance-hour per fire call is the hub's assumption: a local estimate.
    assert priced["local"].to_list() == [False, False, False, True, False, False, False, False]


def test_the_defaults_file_is_shipped_in_the_package() -> None:
    assert DEFAULTS_FILE.exists() and DEFAULTS_FILE.parent.name == "analysis"
