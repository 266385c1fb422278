"""``saferhub case`` and ``saferhub action``, round trip, acting as named hub users."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from saferhub.accounts import create_user
from saferhub.cli import app
from saferhub.config import Settings

PASSWORD = "a long enough password"


@pytest.fixture
def users(settings: Settings, engine: Engine) -> None:
    for name, agency, role in (
        ("cara", "council", "analyst"),
        ("fred", "fire", "officer"),
        ("vic", "third_sector", "officer"),
    ):
        create_user(
            engine=engine, username=name, display_name=name, agency=agency, role=role, password=PASSWORD
        )


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_round_trip(users: None) -> None:
    code, output = run(
        "case",
        "new",
        "--as",
        "cara",
        "--kind",
        "problem",
        "--title",
        "Youths at the precinct",
        "--summary",
        "Stones thrown at buses",
        "--risk",
        "high",
    )
    assert code == 0, output
    reference = re.search(r"CASE-\d\d-\d{4}", output)
    assert reference is not None
    ref = reference.group(0)
    assert run("case", "link", ref, "--as", "cara", "--place", "PL00000002", "--role", "location")[0] == 0
    assert run("case", "note", ref, "Residents' meeting on Tuesday", "--as", "cara")[0] == 0
    assert run("case", "update", ref, "--as", "cara", "--stage", "analysis")[0] == 0
    code, output = run(
        "action",
        "add",
        ref,
        "--as",
        "cara",
        "--title",
        "Fire safety talk at the school",
        "--agency",
        "fire",
        "--due",
        "2026-01-05",
        "--json",
    )
    assert code == 0, output
    action = json.loads(output)
    assert (action["assigned_agency"], action["due_on"], action["status"]) == ("fire", "2026-01-05", "open")

    code, output = run("action", "list", "--as", "fred", "--overdue", "--json")
    assert code == 0, output
    assert [a["id"] for a in json.loads(output)] == [action["id"]]
    code, output = run("action", "done", str(action["id"]), "--as", "fred", "--outcome", "Talk given")
    assert code == 0 and "done" in output
    code, output = run("case", "show", ref, "--as", "fred", "--json")
    assert code == 0, output
    shown = json.loads(output)
    assert shown["case"]["stage"] == "analysis" and shown["case"]["risk"] == "high"
    assert shown["links"][0]["ref"] == "PL00000002"
    assert shown["notes"][0]["text"] == "Residents' meeting on Tuesday"
    assert shown["actions"][0]["outcome"] == "Talk given" and shown["may_change"] is False
    code, output = run("case", "show", ref, "--as", "cara")
    assert code == 0 and "Youths at the precinct" in output and "Talk given" in output

    code, output = run("case", "list", "--as", "cara", "--json")
    assert [c["reference"] for c in json.loads(output)] == [ref]
    assert run("case", "close", ref, "--as", "cara", "--note", "Resolved")[0] == 0
    code, output = run("case", "list", "--as", "cara", "--status", "closed", "--json")
    assert json.loads(output)[0]["status"] == "closed"


def test_refusals_are_one_line_errors_with_exit_2(users: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFERHUB_USER", raising=False)
    code, output = run("case", "list")
    assert code == 2 and "--as USERNAME" in output
    code, output = run("case", "list", "--as", "mallory")
    assert code == 2 and "no active hub user 'mallory'" in output
    monkeypatch.setenv("SAFERHUB_USER", "cara")
    code, output = run("case", "new", "--kind", "operation", "--title", "Operation Kestrel")
    assert code == 0, output
    ref = re.search(r"CASE-\d\d-\d{4}", output).group(0)  # type: ignore[union-attr]
    for who in ("vic", "fred"):
        code, output = run("case", "show", ref, "--as", who)
        assert code == 2 and f"There is no case {ref} that you may see." in output
        assert "Kestrel" not in output
    code, output = run("case", "new", "--kind", "person", "--title", "Someone")
    assert code == 2 and "needs a subtype" in output
    code, output = run("action", "add", ref, "--title", "x", "--agency", "nasa", "--due", "2026-12-01")
    assert code == 2 and "unknown agency 'nasa'" in output
