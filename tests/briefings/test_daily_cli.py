"""``saferhub briefing daily`` and ``saferhub briefing weekly`` on the synthetic hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefings.conftest import Hub
from saferhub.cli import app
from saferhub.config import get_settings


@pytest.fixture
def env(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Hub:
    monkeypatch.setenv("SAFERHUB_DATABASE_URL", hub.settings.resolved_database_url())
    monkeypatch.setenv("SAFERHUB_DATA_DIR", str(hub.settings.data_dir))
    get_settings.cache_clear()
    yield hub
    get_settings.cache_clear()


def test_daily_writes_one_pack_per_agency_asked_for(env: Hub, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "briefing",
            "daily",
            "--date",
            "2026-11-23",
            "--agency",
            "police",
            "--agency",
            "fire",
            "--out",
            str(tmp_path),
            "--html-only",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "covers Friday 20 to Sunday 22 November 2026" in " ".join(result.output.split())
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["daily-wirral-2026-11-23-fire.html", "daily-wirral-2026-11-23-police.html"]


def test_weekly_writes_the_neighbourhoods_asked_for(env: Hub, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "briefing",
            "weekly",
            "--week",
            "2026-W47",
            "--neighbourhood",
            "wallasey",
            "--agency",
            "council",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "weekly-wallasey-2026-W47-council.html",
        "weekly-wallasey-2026-W47-council.pdf",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["daily", "--agency", "nobody"], "unknown agency 'nobody'"),
        (["daily", "--date", "23/11/2026"], "is not a date"),
        (["weekly", "--week", "2026-47"], "is not an ISO week"),
        (
            ["weekly", "--week", "2026-W47", "--agency", "police", "--neighbourhood", "Atlantis"],
            "unknown neighbourhood 'Atlantis'",
        ),
    ],
)
def test_mistakes_are_said_in_one_line(env: Hub, tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["briefing", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
