"""Loading the sharing agreement: the shipped default, a hub's own file, and files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from saferhub.access import AgreementError, Level, Reader, SharingAgreement, agreement_for, load_agreement
from saferhub.access.agreement import DEFAULT_FILE, OTHER
from saferhub.config import Settings
from saferhub.feeds import FEEDS

SMALL = """
[agreement]
title = "Test hub agreement"
version = "7"

[agencies.police]
name = "Test Police"
[agencies.council]
aliases = ["asb team"]
[agencies.third_sector]

[roles.hub_admin]
[roles.analyst]
[roles.officer]
[roles.partner_viewer]
[roles.auditor]
ceiling = "summary"

[fields]
personal = ["*name"]
free_text = ["text"]
summary = ["category"]

[[rules]]
name = "no calls for the council from police"
readers = ["council"]
feeds = ["calls"]
from = ["police"]
level = "none"
basis = "local decision"

[[rules]]
name = "calls for everyone"
readers = ["*"]
feeds = ["calls"]
level = "summary"
basis = "s17A depersonalised data"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sharing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_decision_names_the_file_and_rule_it_came_from(agreement: SharingAgreement) -> None:
    assert agreement.path == DEFAULT_FILE and str(DEFAULT_FILE) in agreement.describe()
    d = agreement.decide(Reader(agency="council"), "intelligence", "police")
    assert d.level is Level.SUMMARY and str(DEFAULT_FILE) in d.source and "rule 4" in d.source
    assert "s115" in d.basis
    own = agreement.decide(Reader(agency="fire"), "fire-incidents", "fire")
    assert own.level is Level.FULL and "own records" in own.source
    capped = agreement.decide(Reader(agency="fire", role="auditor"), "fire-incidents", "fire")
    assert capped.level is Level.SUMMARY and "roles.auditor" in capped.source
    unshared = agreement.decide(Reader(agency="fire"), "intelligence", "police")
    assert unshared.level is Level.NONE and "no rule" in unshared.source


def test_the_matrix_lays_out_every_reader_feed_and_owner(agreement: SharingAgreement) -> None:
    matrix = agreement.matrix()
    assert matrix.height == len(agreement.agencies) * len(FEEDS) * (len(agreement.agencies) + 1)
    assert OTHER in set(matrix["owner"])
    row = matrix.filter(
        (matrix["reader"] == "third_sector") & (matrix["feed"] == "calls") & (matrix["owner"] == "police")
    )
    assert row["level"].to_list() == ["none"]


def test_a_hubs_own_file_replaces_the_default_whole(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, SMALL)
    own = agreement_for(settings.model_copy(update={"sharing_file": path}))
    assert own.path == path and own.title == "Test hub agreement"
    # The first rule that matches decides: the council's exception comes before the general rule.
    assert own.decide(Reader(agency="council"), "calls", "police").level is Level.NONE
    assert own.decide(Reader(agency="council"), "calls", "third_sector").level is Level.SUMMARY
    assert own.decide(Reader(agency="third_sector"), "calls", "police").level is Level.SUMMARY
    # Nothing of the shipped file survives: no referrals rule any more.
    assert own.decide(Reader(agency="third_sector"), "referrals", "council").level is Level.NONE
    monkeypatch.setenv("SAFERHUB_SHARING_FILE", str(path))
    assert Settings().sharing_file == path


BROKEN = [
    ('level = "summary"\nbasis = "s17A depersonalised data"', 'level = "some"\nbasis = "x"', "level 'some'"),
    ('readers = ["*"]', 'readers = ["probation"]', "neither an agency nor a group"),
    ('feeds = ["calls"]\nlevel = "summary"', 'feeds = ["phone-calls"]\nlevel = "summary"', "unknown feeds"),
    ('level = "summary"\nbasis = "s17A depersonalised data"', 'level = "summary"', "needs a 'basis'"),
    (
        "[roles.partner_viewer]",
        "[roles.partner_viewer]\nintelligence_content = true",
        "never see intelligence",
    ),
    ("[roles.officer]\n", "", "does not set the roles: officer"),
    ("[agreement]", "[agreemnt]", "unknown sections"),
    ('title = "Test hub agreement"', 'title = "unterminated', "cannot read"),
    ('ceiling = "summary"', 'ceiling = "notice"', "is not one of"),
]


@pytest.mark.parametrize(("old", "new", "message"), BROKEN, ids=[b[2] for b in BROKEN])
def test_a_file_that_cannot_be_used_is_refused_saying_why(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in SMALL
    path = _write(tmp_path, SMALL.replace(old, new, 1))
    with pytest.raises(AgreementError, match=message) as refused:
        load_agreement(path)
    assert str(path) in str(refused.value)


def test_visible_lists_whose_records_count_towards_each_feed(agreement: SharingAgreement) -> None:
    fire = agreement.visible(Reader(agency="fire"), at_least=Level.FULL)
    assert set(fire["calls"]) == {"police", "council", "fire", "ambulance", "housing", "third_sector"}
    assert fire["intelligence"] == ("fire",)  # its own only
    voluntary = agreement.visible(Reader(agency="third_sector"))
    assert voluntary["calls"] == ("third_sector",)
    assert set(voluntary["referrals"]) == set(agreement.agencies)
    in_full = agreement.visible(Reader(agency="third_sector"), at_least=Level.FULL)
    assert in_full["referrals"] == ("third_sector",)
