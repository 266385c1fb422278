"""Overdue actions feed the daily briefing: each agency's pack lists its own, and no one else's."""

from __future__ import annotations

import datetime as dt

from briefings.conftest import Hub
from saferhub.access import Reader
from saferhub.briefings.daily import daily_briefings
from saferhub.tasking import create_action, create_case, update_action

DAY = dt.date(2026, 2, 13)  # the morning of Friday 13 February 2026


def test_an_overdue_action_for_fire_is_in_the_fire_pack_only(hub: Hub) -> None:
    council = {
        "engine": hub.engine,
        "reader": Reader(agency="council", role="analyst", user="cara"),
        "where_from": "cli:test",
    }
    case = create_case(**council, kind="problem", title="Secondary fires on the Woodchurch estate")
    fire = create_action(
        **council,
        case=case.id,
        title="Planted fire action: clear the fly-tipped sofas",
        assigned_agency="fire",
        due_on=DAY - dt.timedelta(days=4),
    )
    voluntary = create_action(
        **council,
        case=case.id,
        title="Planted voluntary action: youth club offer",
        assigned_agency="third_sector",
        due_on=DAY + dt.timedelta(days=2),
    )
    try:
        packs = daily_briefings(
            engine=hub.engine,
            settings=hub.settings,
            date=DAY,
            agencies=["fire", "third_sector"],
            out_dir=hub.out / "actions",
            pdf=False,
        )
        html = {f.pack.agency: f.html.read_text(encoding="utf-8").split('id="s-actions"')[1] for f in packs}
    finally:  # the hub is shared: later packs must not carry these actions
        for action in (fire, voluntary):
            update_action(**council, action_id=action.id, status="cancelled")
    assert "Planted fire action" in html["fire"] and "4 days overdue" in html["fire"]
    assert case.reference in html["fire"]
    assert "Planted fire action" not in html["third_sector"]
    assert "Planted voluntary action" in html["third_sector"]  # its own, due within the week
    assert "Woodchurch" not in html["third_sector"]  # the case's title is not for the voluntary sector
