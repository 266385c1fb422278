"""``saferhub serve`` and ``saferhub user …``: the web app and the people who sign in to it.

Thin commands over ``saferhub.web`` and ``saferhub.accounts``. Account changes made here
are recorded in the audit log as the operating-system user of agency ``hub``.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from saferhub.access import ROLES, Reader, agreement_for, origin, record
from saferhub.config import get_settings

user_app = typer.Typer(
    help="People who sign in to the web app and API: add, list, tokens.", no_args_is_help=True
)

out = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _operator() -> Reader:
    return Reader(agency="hub", role="hub_admin", user=getpass.getuser())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for every network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes; one per processor core serves most users.")
    ] = 1,
) -> None:
    """Run the hub workspace (web pages and the JSON API under /api)."""
    import uvicorn

    settings = get_settings()
    if _is_loopback(host) and settings.secure_cookies:
        # Plain http on this machine only: a Secure cookie would never come back. The
        # environment carries it to every worker process.
        os.environ["SAFERHUB_SECURE_COOKIES"] = "false"
        get_settings.cache_clear()
    elif not settings.secure_cookies:
        err.print(
            "[yellow]Warning:[/] sign-in cookies are not marked Secure; put HTTPS in front of SaferHub."
        )
    from saferhub.services import open_store

    open_store(get_settings()).dispose()  # migrate once, before any worker starts
    out.print(f"SaferHub is at http://{host}:{port}/  (API documentation: /api/docs). Ctrl-C stops it.")
    uvicorn.run(
        "saferhub.web.app:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=max(1, workers),
        log_level="warning",
        access_log=False,  # the access log would hold the addresses of records' pages
    )


def _engine() -> Engine:
    from saferhub.services import open_store

    return open_store(get_settings())


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("Password (12 characters or more)", hide_input=True)
    second = typer.prompt("The same password again", hide_input=True)
    if first != second:
        raise _fail("the two passwords differ")
    return str(first)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name: lower case, e.g. j.smith")],
    agency: Annotated[str, typer.Option(help="Agency, as the sharing agreement names it (police, fire, …).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option(help="Full name shown in the app.")] = "",
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
) -> None:
    """Add a user (the first hub admin too). Asks for the password twice."""
    from saferhub.accounts import AccountError, create_user

    settings = get_settings()
    agencies = tuple(agreement_for(settings).agencies)
    engine = _engine()
    try:
        user = create_user(
            engine=engine,
            username=username,
            display_name=name or username,
            agency=agency,
            role=role,
            password=_password(password_stdin),
            email=email,
            agencies=agencies,
        )
    except AccountError as problem:
        raise _fail(str(problem)) from None
    with engine.begin() as conn:
        record(
            conn,
            reader=_operator(),
            action="change",
            what={"user_id": user.id, "change": "user_added"},
            where_from=origin(),
        )
    out.print(f"Added {user.username} ({user.agency}, {user.role.replace('_', ' ')}).")


@user_app.command("list")
def user_list() -> None:
    """Everyone who can sign in, with agency, role and last sign-in."""
    from saferhub.accounts import list_users

    table = Table(title="Users")
    for heading in ("user name", "name", "agency", "role", "active", "last signed in"):
        table.add_column(heading)
    for user in list_users(engine=_engine()):
        last = user.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if user.last_sign_in_at else "never"
        table.add_row(
            user.username, user.display_name, user.agency, user.role, "yes" if user.active else "no", last
        )
    out.print(table)


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="The user the integration acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'fire service CAD feed'.")],
) -> None:
    """Make an API token for a user; it is printed once and only its hash is kept."""
    from saferhub.accounts import get_user, issue_token

    engine = _engine()
    user = get_user(engine=engine, username=username)
    if user is None:
        raise _fail(f"there is no user '{username}'")
    token = issue_token(engine=engine, user_id=user.id, name=name)
    with engine.begin() as conn:
        record(
            conn,
            reader=_operator(),
            action="change",
            what={"user_id": user.id, "change": "token_issued"},
            where_from=origin(),
        )
    out.print("Keep this token secret; it will not be shown again:")
    print(token)


@user_app.command("disable")
def user_disable(
    username: Annotated[str, typer.Argument(help="The user who may no longer sign in.")],
) -> None:
    """Stop a user signing in; their sessions end and their tokens stop working."""
    from saferhub.accounts import get_user, update_user

    engine = _engine()
    user = get_user(engine=engine, username=username)
    if user is None:
        raise _fail(f"there is no user '{username}'")
    update_user(engine=engine, user_id=user.id, active=False)
    with engine.begin() as conn:
        record(
            conn,
            reader=_operator(),
            action="change",
            what={"user_id": user.id, "change": "user_disabled"},
            where_from=origin(),
        )
    out.print(f"{user.username} can no longer sign in.")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.add_typer(user_app, name="user")
