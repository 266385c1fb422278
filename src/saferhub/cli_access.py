"""``saferhub audit verify|show`` and ``saferhub sharing show``: thin commands over ``saferhub.access``.

``register(app)`` adds the two groups to the main app. Commands run at the hub's own
machine act as the signed-in operating-system user of agency ``hub``.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from saferhub.access.readers import Reader
from saferhub.config import get_settings

audit_app = typer.Typer(help="The audit log of every look at personal data.", no_args_is_help=True)
sharing_app = typer.Typer(help="The information sharing agreement.", no_args_is_help=True)

out = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _operator(role: str = "auditor") -> Reader:
    return Reader(agency="hub", role=role, user=getpass.getuser())


def _anchor(text: str | None) -> tuple[int, str] | None:
    if not text:
        return None
    entry, _, digest = text.partition(":")
    if not entry.isdigit() or len(digest) != 64:
        raise _fail("--anchor takes ID:HASH as printed by an earlier 'saferhub audit verify'")
    return int(entry), digest


@audit_app.command("verify")
def verify_command(
    anchor: Annotated[
        str | None, typer.Option(help="ID:HASH of an entry noted earlier, which must still be there.")
    ] = None,
) -> None:
    """Check the audit log's hash chain; print OK or the first broken entry (exit 1 if broken)."""
    from saferhub.access import AuditError, origin, record, verify
    from saferhub.services import open_store

    engine = open_store(get_settings())
    check = verify(engine, anchor=_anchor(anchor))
    if check.ok:
        out.print(f"[bold green]OK[/]: {check.entries:,} entries, chain intact.", highlight=False)
        out.print(f"Head: {check.head_id}:{check.head_hash}  (note it to pass as --anchor later)")
    else:
        out.print(f"[bold red]BROKEN[/] at entry {check.first_broken_id}: {check.problem}", highlight=False)
    reader = _operator()
    what = {"entries": check.entries, "ok": check.ok, "first_broken_id": check.first_broken_id}
    try:
        with engine.begin() as conn:
            record(conn, reader=reader, action="verify", what=what, where_from=origin())
    except AuditError as exc:
        err.print(f"The check itself could not be logged: {exc}", highlight=False)
    if not check.ok:
        raise typer.Exit(1)


@audit_app.command("show")
def show_command(
    last: Annotated[int, typer.Option("--last", min=1, help="How many of the newest entries.")] = 20,
) -> None:
    """The newest entries of the audit log: who, agency, role, action, what (ids and counts)."""
    from saferhub.access import origin, recent, record
    from saferhub.services import open_store

    engine = open_store(get_settings())
    entries = recent(engine, last=last)
    reader = _operator()
    with engine.begin() as conn:
        what = {"purpose": "audit_log", "rows": entries.height}
        record(conn, reader=reader, action="view", what=what, where_from=origin())
    table = Table(title=f"The last {entries.height} audit entries (UTC)")
    for heading in ("id", "at", "who", "agency", "role", "action", "what", "from", "why"):
        table.add_column(heading, overflow="fold")
    for row in entries.iter_rows(named=True):
        table.add_row(
            str(row["id"]), row["at"].strftime("%Y-%m-%d %H:%M:%S"), row["actor"] or "-", row["agency"],
            row["role"], row["action"], row["what"], row["where_from"], row["why"] or "",
        )  # fmt: skip
    out.print(table)


@sharing_app.command("show")
def sharing_show_command(
    agency: Annotated[
        str | None, typer.Option(help="Show what this agency sees of every feed, agency by agency.")
    ] = None,
    role: Annotated[str, typer.Option(help="The reader's role (with --agency).")] = "analyst",
) -> None:
    """The sharing agreement in force: its file, its rules, and (with --agency) every decision."""
    from saferhub.access import ROLES, AgreementError, agreement_for

    settings = get_settings()
    try:
        agreement = agreement_for(settings)
    except AgreementError as exc:
        raise _fail(str(exc)) from None
    out.print(agreement.describe(), highlight=False, soft_wrap=True)
    if agreement.basis:
        out.print(f"Basis: {agreement.basis}", highlight=False, soft_wrap=True)
    if agency is None:
        out.print("Rules (an agency always sees its own records; else the first rule that matches decides):")

        def names(values: frozenset[str], anything: str) -> str:
            return anything if "*" in values else ", ".join(sorted(values))

        for rule in agreement.rules:
            out.print(
                f"  {rule.number}. {rule.name}: {names(rule.readers, 'every agency')} see "
                f"{names(rule.feeds, 'every feed')} of {names(rule.owners, 'any agency')} "
                f"at [bold]{rule.level}[/]"
                f"\n     basis: {rule.basis}",
                highlight=False,
                soft_wrap=True,
            )
        roles = ", ".join(
            f"{r.role} at most {r.ceiling}{'' if r.intelligence_content else ', no intelligence text'}"
            for r in agreement.roles.values()
        )
        out.print(f"Roles: {roles}", highlight=False, soft_wrap=True)
        return
    if role not in ROLES:
        raise _fail(f"unknown role '{role}'; the roles are: {', '.join(ROLES)}")
    matrix = agreement.matrix(readers=(agency.strip().lower(),), role=role)
    table = Table(title=f"What {agency} ({role}) sees")
    for heading in ("feed", "records of", "level", "decided by"):
        table.add_column(heading, overflow="fold")
    for row in matrix.iter_rows(named=True):
        table.add_row(row["feed"], row["owner"], row["level"], row["source"])
    out.print(table)
    out.print("Intelligence graded C is shown only where its handling conditions allow.", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``audit`` and ``sharing`` groups to ``app``."""
    app.add_typer(audit_app, name="audit")
    app.add_typer(sharing_app, name="sharing")
