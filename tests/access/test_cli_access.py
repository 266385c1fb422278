"""``saferhub audit verify``, ``saferhub audit show`` and ``saferhub sharing show``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from saferhub.access import Reader, recent, record
from saferhub.access.agreement import DEFAULT_FILE
from saferhub.cli import app
from saferhub.config import Settings, get_settings


def _entries(engine: Engine, n: int) -> None:
    for i in range(n):
        with engine.begin() as conn:
            record(conn, reader=Reader(agency="police", user="u-1"), action="search",
                   what={"rows": i}, where_from="web:10.0.0.1")  # fmt: skip


def test_verify_says_ok_and_logs_that_it_checked(settings: Settings, engine: Engine) -> None:
    _entries(engine, 3)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "3 entries" in result.output
    last = recent(engine, last=1).row(0, named=True)
    assert last["action"] == "verify" and last["agency"] == "hub" and last["role"] == "auditor"
    assert json.loads(last["what"]) == {"entries": 3, "first_broken_id": None, "ok": True}


def test_verify_names_the_first_broken_entry_and_fails(
    settings: Settings, engine: Engine, tamper: Callable[..., None]
) -> None:
    _entries(engine, 5)
    tamper("UPDATE audit_log SET what = '{\"rows\":99}' WHERE id = 2")
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at entry 2" in result.output


def test_verify_checks_an_anchor(settings: Settings, engine: Engine) -> None:
    _entries(engine, 2)
    first = CliRunner().invoke(app, ["audit", "verify"])
    head = next(line.split()[1] for line in first.output.splitlines() if line.startswith("Head:"))
    assert CliRunner().invoke(app, ["audit", "verify", "--anchor", head]).exit_code == 0
    forged = head.split(":")[0] + ":" + "e" * 64
    assert CliRunner().invoke(app, ["audit", "verify", "--anchor", forged]).exit_code == 1
    assert CliRunner().invoke(app, ["audit", "verify", "--anchor", "nonsense"]).exit_code == 2


def test_show_lists_the_newest_entries(settings: Settings, engine: Engine) -> None:
    _entries(engine, 4)
    result = CliRunner().invoke(app, ["audit", "show", "--last", "2"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "web:10.0.0.1" in result.output and '{"rows":3}' in result.output
    assert '{"rows":1}' not in result.output


def test_sharing_show_names_the_file_and_rules(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["sharing", "show"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert str(DEFAULT_FILE) in result.output.replace("\n", "")
    assert "referral summaries to voluntary partners" in result.output
    per_agency = CliRunner().invoke(
        app, ["sharing", "show", "--agency", "third_sector"], env={"COLUMNS": "300"}
    )
    assert per_agency.exit_code == 0
    assert "no rule shares it" in per_agency.output


def test_sharing_show_refuses_a_broken_file(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[agreement]\n", encoding="utf-8")
    monkeypatch.setenv("SAFERHUB_SHARING_FILE", str(bad))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["sharing", "show"])
    assert result.exit_code == 2 and "names no agencies" in result.output
