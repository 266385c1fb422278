"""The README's first command: the demo loads data, makes briefings where the web app finds
them, and opens the workspace with users and a case."""

from __future__ import annotations

import io

from rich.console import Console

from saferhub.access import Reader, agreement_for
from saferhub.accounts import authenticate, list_users
from saferhub.config import Settings
from saferhub.demo import run_demo
from saferhub.demo_workspace import DEMO_USERS
from saferhub.services import open_store
from saferhub.tasking import list_actions, list_cases
from saferhub.workspace.packs import list_packs


def test_the_demo_opens_onto_a_working_workspace(settings: Settings) -> None:
    printed = io.StringIO()
    summaries = run_demo(settings=settings, out_dir=None, seed=3, days=21,
                         console=Console(file=printed, width=200))  # fmt: skip
    assert summaries and all(s.read == s.imported + s.updated + s.quarantined for s in summaries)
    text = printed.getvalue()
    password = text.split("with the password ")[1].split()[0]
    engine = open_store(settings)
    try:
        assert {u.username for u in list_users(engine=engine)} == {u[0] for u in DEMO_USERS}
        assert authenticate(engine=engine, username="fire.officer", password=password, address="test")
        police = Reader(agency="police", role="analyst", user="police.analyst")
        cases = list_cases(engine=engine, reader=police, where_from="test")
        assert len(cases) == 1 and cases[0].reference in text
        fire = Reader(agency="fire", role="officer", user="fire.officer")
        fires = list_actions(engine=engine, reader=fire, where_from="test", agency="fire")
        assert [a.title for a in fires] == ["Home fire safety visit"]
        agreement = agreement_for(settings)
        readers = (("police", "analyst"), ("fire", "officer"), ("third_sector", "partner_viewer"))
        for agency, role in readers:
            reader = Reader(agency=agency, role=role)
            packs = list_packs(settings=settings, reader=reader, agreement=agreement)
            assert any(p.kind == "daily" for p in packs), f"no daily pack in the archive for {agency} {role}"
    finally:
        engine.dispose()
