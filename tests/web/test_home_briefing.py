"""Home's "today's briefing" after the scheduled daily run, for a voluntary-sector partner viewer.

The run (``saferhub briefing send``, here as a dry run: packs made, nothing sent) makes the
pack at the partner viewers' level where the archive looks for it, so their home page links
to it instead of saying it has not been made yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from saferhub.briefings.delivery import deliver_daily_briefings
from saferhub.config import Settings
from saferhub.web.workspace import today
from web.conftest import Browser


def test_a_voluntary_partner_viewer_is_linked_to_todays_pack_after_the_scheduled_run(
    web_settings: Settings, browser_as: Callable[..., Browser], tmp_path: Path
) -> None:
    voluntary = browser_as("third_sector", "partner_viewer")
    before = voluntary.client.get("/")
    assert "has not been made yet" in before.text  # nothing made: the page says so
    lists = tmp_path / "lists.toml"
    lists.write_text('third_sector = ["partner-desk@example.org"]\n', encoding="utf-8")
    day = today()

    [sent] = deliver_daily_briefings(
        settings=web_settings.model_copy(update={"distribution_file": lists}), date=day, dry_run=True
    )

    home = voluntary.client.get("/")
    assert home.status_code == 200 and "has not been made yet" not in home.text
    link = re.search(rf'href="(/briefings/daily/{day.isoformat()}/daily-[a-z0-9-]+-third_sector)"', home.text)
    assert link is not None, "home does not link to today's pack"
    pack = voluntary.client.get(link.group(1))
    assert pack.status_code == 200
    assert "Voluntary and community sector partners (partner viewer)</title>" in pack.text
    assert voluntary.client.get(link.group(1) + ".pdf").content.startswith(b"%PDF")
    assert sent.made_for == "partner_viewer"  # the list is sent the same version
