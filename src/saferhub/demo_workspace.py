"""The demo's workspace: sign-in users for each kind of partner and one case to work on.

Passwords are made afresh at every demo run and printed once: a demo database is still a
database of (synthetic) personal records.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine

from saferhub.access import Reader, origin
from saferhub.accounts import create_user, get_user, set_password

# (user name, display name, agency, role)
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("hub.admin", "Hana Admin (hub coordinator)", "police", "hub_admin"),
    ("police.analyst", "Priya Analyst", "police", "analyst"),
    ("council.officer", "Colin ASB Officer", "council", "officer"),
    ("fire.officer", "Fiona Watch Manager", "fire", "officer"),
    ("voluntary.partner", "Val Support Worker", "third_sector", "partner_viewer"),
    ("hub.auditor", "Aled Auditor", "police", "auditor"),
)


@dataclass(frozen=True)
class DemoWorkspace:
    password: str
    users: tuple[str, ...]
    case_reference: str | None


def demo_users(*, engine: Engine) -> tuple[str, tuple[str, ...]]:
    """Create (or reset) the demo users, all with one new random password."""
    password = "-".join(secrets.token_hex(3) for _ in range(3))
    for username, name, agency, role in DEMO_USERS:
        user = get_user(engine=engine, username=username)
        if user is None:
            create_user(
                engine=engine,
                username=username,
                display_name=name,
                agency=agency,
                role=role,
                password=password,
            )
        else:
            set_password(engine=engine, user_id=user.id, password=password)
    return password, tuple(u[0] for u in DEMO_USERS)


def demo_case(*, engine: Engine, today: dt.date) -> str | None:
    """A frequent-caller case for the top person on today's list, with an overdue action
    for the fire service and one for the council; None when nobody is on the list."""
    from saferhub.analysis.frequent_callers import frequent_callers
    from saferhub.tasking import create_action, create_case, link_to_case, list_cases

    analyst = Reader(agency="police", role="analyst", user="police.analyst")
    where = origin("cli")
    if list_cases(engine=engine, reader=analyst, where_from=where, kind="person"):
        return None  # the demo made it before
    listed = frequent_callers(engine=engine, as_of=today, addresses=False).people
    if listed.is_empty():
        return None
    top = listed.sort("calls", descending=True).row(0, named=True)
    case = create_case(
        engine=engine,
        reader=analyst,
        where_from=where,
        kind="person",
        subtype="frequent_caller",
        title="Frequent caller: multi-agency problem-solving plan",
        risk="medium",
        summary="Top of the frequent-callers list. Agree one plan across agencies to address the causes.",
        owner_agency="police",
    )
    link_to_case(
        engine=engine,
        reader=analyst,
        where_from=where,
        case=case.id,
        kind="person",
        ref=str(top["person_id"]),
        role="subject",
    )
    create_action(
        engine=engine,
        reader=analyst,
        where_from=where,
        case=case.id,
        title="Home fire safety visit",
        assigned_agency="fire",
        due_on=today - dt.timedelta(days=2),
        detail="Joint visit with the ASB officer; check smoke alarms and hoarding risk.",
    )
    create_action(
        engine=engine,
        reader=analyst,
        where_from=where,
        case=case.id,
        title="Tenancy support referral",
        assigned_agency="council",
        due_on=today + dt.timedelta(days=5),
    )
    return case.reference


def demo_workspace(*, engine: Engine, today: dt.date) -> DemoWorkspace:
    password, users = demo_users(engine=engine)
    return DemoWorkspace(password=password, users=users, case_reference=demo_case(engine=engine, today=today))
