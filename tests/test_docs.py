"""The docs are tested like code: every command and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from saferhub.cli import app
from saferhub.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *ROOT.glob("docs/**/*.md")])


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    click_group = typer.main.get_group(group)
    names: list[str] = []
    for name, command in click_group.commands.items():
        full = f"{prefix}{name}"
        sub = getattr(command, "commands", None)
        if sub:
            names.extend(f"{full} {child}" for child in sub)
        else:
            names.append(full)
    return names


def test_every_cli_command_is_documented() -> None:
    docs = _docs()
    commands = _commands(app)
    assert "import" in commands and "db upgrade" in commands
    missing = [c for c in commands if f"saferhub {c}" not in docs]
    assert not missing, f"undocumented commands: {missing}"


def test_every_setting_is_documented() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"SAFERHUB_{name.upper()}" not in docs]
    assert not missing, f"undocumented settings: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "scripts/demo.sh" in first_block and "scripts/test.sh" in first_block
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci
