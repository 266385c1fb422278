"""Which level a pack is made at for a role, and which role's pack every other may read."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from saferhub.access import Reader, load_agreement
from saferhub.accounts import create_user
from saferhub.web.deps import STAFF
from saferhub.workspace.packs import PACK_READERS, least_cleared, pack_folder, pack_role, pack_roles


def test_the_roles_that_read_packs_are_the_webs_staff() -> None:
    assert PACK_READERS == STAFF


def test_roles_the_agreement_treats_as_analysts_share_the_days_folder() -> None:
    agreement = load_agreement()
    day = Path("daily/2026-05-26")
    assert {role: pack_role(role, agreement) for role in sorted(PACK_READERS)} == {
        "analyst": "analyst",
        "hub_admin": "analyst",
        "officer": "analyst",
        "partner_viewer": "partner_viewer",  # reads no intelligence
    }
    assert pack_folder(day, Reader(agency="fire", role="officer"), agreement) == day
    assert pack_folder(day, Reader(agency="fire", role="partner_viewer"), agreement) == day / "partner_viewer"


def test_the_least_cleared_role_is_the_one_every_other_may_read(tmp_path: Path) -> None:
    agreement = load_agreement()
    assert least_cleared(["analyst"], agreement) == "analyst"
    assert least_cleared(["analyst", "partner_viewer"], agreement) == "partner_viewer"
    assert least_cleared(["auditor", "partner_viewer"], agreement) == "auditor"  # summary, no intelligence
    # Officers at summary level who read intelligence, partner viewers in full who do not:
    # neither reads all the other does.
    text = agreement.path.read_text(encoding="utf-8")
    (tmp_path / "sharing.toml").write_text(
        text.replace('[roles.officer]\nceiling = "full"', '[roles.officer]\nceiling = "summary"'),
        encoding="utf-8",
    )
    lowered = load_agreement(tmp_path / "sharing.toml")
    assert least_cleared(["officer", "partner_viewer"], lowered) is None
    assert least_cleared(["analyst", "officer"], lowered) == "officer"


def test_pack_roles_are_the_levels_of_an_agencys_active_readers(engine: Engine) -> None:
    for username, agency, role in (
        ("user.a", "police", "analyst"),
        ("user.b", "police", "officer"),
        ("user.c", "police", "auditor"),
        ("user.d", "third_sector", "partner_viewer"),
        ("user.e", "fire", "auditor"),
        ("user.f", "council", "analyst"),
    ):
        create_user(
            engine=engine, username=username, display_name=username, agency=agency, role=role,
            password="a long test password",
        )  # fmt: skip
    found = pack_roles(engine=engine, agreement=load_agreement(), agencies=["police", "third_sector", "fire"])
    assert found == {"police": ("analyst",), "third_sector": ("partner_viewer",)}
