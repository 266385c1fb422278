"""``saferhub case …`` and ``saferhub action …``: thin commands over ``saferhub.tasking``.

Every command acts as a hub user (``--as NAME`` or ``SAFERHUB_USER``): it sees and may
do what that user's agency and role allow, and the audit log names them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from saferhub.config import get_settings

case_app = typer.Typer(help="Cases: problems, people and operations the hub works on.", no_args_is_help=True)
action_app = typer.Typer(help="Actions on cases, assigned to agencies.", no_args_is_help=True)

out = Console()
err = Console(stderr=True)

AS_USER = typer.Option("--as", envvar="SAFERHUB_USER", help="The hub user to act as (or SAFERHUB_USER).")
JSON = typer.Option("--json", help="Print JSON on stdout.")
DATE = {"formats": ["%Y-%m-%d"]}


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@dataclasses.dataclass
class Acting:
    engine: Any
    reader: Any
    where_from: str

    def kw(self) -> dict[str, Any]:
        return {"engine": self.engine, "reader": self.reader, "where_from": self.where_from}


@contextmanager
def _acting(username: str | None) -> Iterator[Acting]:
    """The store and the reader the named user acts as; refusals become one-line errors (exit 2)."""
    from saferhub.access import origin
    from saferhub.accounts import get_user, reader_for
    from saferhub.services import open_store
    from saferhub.tasking import TaskingDenied, TaskingError

    if not username or not username.strip():
        raise _fail("say who you are: --as USERNAME (or set SAFERHUB_USER)")
    engine = open_store(get_settings())
    user = get_user(engine=engine, username=username)
    if user is None or not user.active:
        raise _fail(
            f"there is no active hub user '{username.strip().lower()}' (add one with 'saferhub user add')"
        )
    try:
        yield Acting(engine, reader_for(user), origin())
    except (TaskingDenied, TaskingError) as exc:
        raise _fail(str(exc)) from None


def _dump(value: Any) -> None:
    def plain(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return dataclasses.asdict(item)
        return item

    data = [plain(v) for v in value] if isinstance(value, list) else plain(value)
    print(json.dumps(data, default=str))


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _cases_table(cases: list[Any], title: str) -> Table:
    table = Table(title=title)
    for heading in (
        "reference",
        "kind",
        "title",
        "stage / subtype",
        "risk",
        "status",
        "owner",
        "actions",
        "overdue",
    ):
        table.add_column(heading, overflow="fold", no_wrap=heading == "reference")
    for c in cases:
        table.add_row(
            c.reference, c.kind, c.title, (c.stage or c.subtype or "").replace("_", " "), c.risk, c.status,
            c.owner_agency + (f" ({c.owner_user})" if c.owner_user else ""), str(c.open_actions),
            str(c.overdue_actions),
        )  # fmt: skip
    return table


def _actions_table(actions: list[Any], title: str, today: dt.date) -> Table:
    table = Table(title=title)
    for heading in ("id", "case", "action", "assigned to", "due", "status", "outcome"):
        table.add_column(heading, overflow="fold", no_wrap=heading in ("id", "case"))
    for a in actions:
        due = a.due_on.isoformat() + (
            f" ({a.days_overdue(today)} days overdue)" if a.is_overdue(today) else ""
        )
        who = a.assigned_agency + (f" ({a.assigned_user})" if a.assigned_user else "")
        table.add_row(
            str(a.id), a.case_reference, a.title, who, due, a.status.replace("_", " "), a.outcome or ""
        )
    return table


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _today() -> dt.date:
    from saferhub.tasking.records import london_today

    return london_today()


# ------------------------------------------------------------------ case


@case_app.command("new")
def case_new(
    kind: Annotated[str, typer.Option(help="problem, person or operation.")],
    title: Annotated[str, typer.Option(help="A short title (no more personal detail than needed).")],
    acting: Annotated[str | None, AS_USER] = None,
    summary: Annotated[str | None, typer.Option(help="What the case is about.")] = None,
    stage: Annotated[str | None, typer.Option(help="Problem cases: scanning (default), analysis, …")] = None,
    subtype: Annotated[
        str | None, typer.Option(help="Person cases: frequent_caller, vulnerable_person or asb_victim.")
    ] = None,
    risk: Annotated[str, typer.Option(help="low, medium or high.")] = "medium",
    owner_agency: Annotated[str | None, typer.Option(help="Hub admins: the owning agency.")] = None,
    owner: Annotated[str | None, typer.Option(help="The user (of the owning agency) who leads it.")] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Open a case; prints its reference (CASE-YY-NNNN)."""
    from saferhub.tasking import create_case

    with _acting(acting) as me:
        case = create_case(**me.kw(), kind=kind, title=title, summary=summary, stage=stage, subtype=subtype,
                           risk=risk, owner_agency=owner_agency, owner_user=owner)  # fmt: skip
    if as_json:
        return _dump(case)
    out.print(f"Opened {case.reference}: {case.kind} case owned by {case.owner_agency}.", highlight=False)


@case_app.command("list")
def case_list(
    acting: Annotated[str | None, AS_USER] = None,
    kind: Annotated[str | None, typer.Option(help="problem, person or operation.")] = None,
    status: Annotated[str, typer.Option(help="open, closed or all.")] = "open",
    owner_agency: Annotated[str | None, typer.Option(help="Only cases this agency owns.")] = None,
    person: Annotated[str | None, typer.Option(help="Only cases linked to this person id.")] = None,
    place: Annotated[str | None, typer.Option(help="Only cases linked to this place id.")] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """The cases you may see, newest first."""
    from saferhub.tasking import list_cases

    with _acting(acting) as me:
        cases = list_cases(**me.kw(), kind=kind, status=None if status == "all" else status,
                           owner_agency=owner_agency, person=person, place=place)  # fmt: skip
    if as_json:
        return _dump(cases)
    out.print(_cases_table(cases, f"{_count(len(cases), 'case')} ({status})"))


@case_app.command("show")
def case_show(
    case: Annotated[str, typer.Argument(help="The case reference (or id).")],
    acting: Annotated[str | None, AS_USER] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """A case with its links, log and actions."""
    from saferhub.tasking import get_case

    with _acting(acting) as me:
        detail = get_case(**me.kw(), case=case)
    if as_json:
        return _dump(detail)
    c, today = detail.case, _today()
    out.print(f"[bold]{c.reference}[/] {c.title}", highlight=False, soft_wrap=True)
    kind = (
        c.kind
        + (f", {c.subtype.replace('_', ' ')}" if c.subtype else "")
        + (f", stage {c.stage}" if c.stage else "")
    )
    owner = c.owner_agency + (f" ({c.owner_user})" if c.owner_user else "")
    opened = f"opened {_when(c.created_at)} UTC by {c.created_by}"
    line = f"{kind}; risk {c.risk}; {c.status}; owned by {owner}; {opened}"
    out.print(line, highlight=False, soft_wrap=True)
    if c.summary:
        out.print(c.summary, highlight=False, soft_wrap=True)
    if detail.links:
        table = Table(title="Linked")
        for heading in ("kind", "id", "role", "added"):
            table.add_column(heading)
        for link in detail.links:
            table.add_row(link.kind, link.ref, link.role or "", f"{_when(link.added_at)} by {link.added_by}")
        out.print(table)
    out.print(_actions_table(list(detail.actions), "Actions", today))
    for note in detail.notes:
        out.print(f"[dim]{_when(note.at)} {note.author} ({note.author_agency}):[/] {note.text}",
                  highlight=False, soft_wrap=True)  # fmt: skip
    if not detail.may_change:
        out.print("You may read this case; only its owner agency or a hub admin changes it.", highlight=False)


@case_app.command("update")
def case_update(
    case: Annotated[str, typer.Argument(help="The case reference (or id).")],
    acting: Annotated[str | None, AS_USER] = None,
    title: Annotated[str | None, typer.Option()] = None,
    summary: Annotated[str | None, typer.Option(help='"" clears it.')] = None,
    stage: Annotated[
        str | None, typer.Option(help="Problem cases: scanning, analysis, response, assessment.")
    ] = None,
    risk: Annotated[str | None, typer.Option(help="low, medium or high.")] = None,
    owner_agency: Annotated[str | None, typer.Option(help="Hand the case to another partner.")] = None,
    owner: Annotated[str | None, typer.Option(help="The user who leads it.")] = None,
    status: Annotated[str | None, typer.Option(help="open or closed.")] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Change a case's details (its owner agency or a hub admin)."""
    from saferhub.tasking import update_case

    with _acting(acting) as me:
        updated = update_case(**me.kw(), case=case, title=title, summary=summary, stage=stage, risk=risk,
                              owner_agency=owner_agency, owner_user=owner, status=status)  # fmt: skip
    if as_json:
        return _dump(updated)
    out.print(f"Updated {updated.reference}.", highlight=False)


@case_app.command("link")
def case_link(
    case: Annotated[str, typer.Argument(help="The case reference (or id).")],
    acting: Annotated[str | None, AS_USER] = None,
    person: Annotated[str | None, typer.Option(help="A person id (P…).")] = None,
    place: Annotated[str | None, typer.Option(help="A place id (PL…).")] = None,
    event: Annotated[str | None, typer.Option(help="An event id.")] = None,
    role: Annotated[str | None, typer.Option(help="subject, victim, target, address, associate…")] = None,
) -> None:
    """Link a person, place or event to a case."""
    from saferhub.tasking import link_to_case

    given = [(k, v) for k, v in (("person", person), ("place", place), ("event", event)) if v]
    if len(given) != 1:
        raise _fail("give one of --person, --place or --event")
    with _acting(acting) as me:
        link = link_to_case(**me.kw(), case=case, kind=given[0][0], ref=given[0][1], role=role)
    out.print(f"Linked {link.kind} {link.ref} to {case.upper()}.", highlight=False)


@case_app.command("note")
def case_note(
    case: Annotated[str, typer.Argument(help="The case reference (or id).")],
    text: Annotated[str, typer.Argument(help="The entry for the case's log.")],
    acting: Annotated[str | None, AS_USER] = None,
) -> None:
    """Add an entry to a case's log."""
    from saferhub.tasking import add_note

    with _acting(acting) as me:
        add_note(**me.kw(), case=case, text=text)
    out.print(f"Added to the log of {case.upper()}.", highlight=False)


@case_app.command("close")
def case_close(
    case: Annotated[str, typer.Argument(help="The case reference (or id).")],
    acting: Annotated[str | None, AS_USER] = None,
    note: Annotated[str | None, typer.Option(help="A closing entry for the log (the outcome).")] = None,
) -> None:
    """Close a case (its owner agency or a hub admin)."""
    from saferhub.tasking import close_case

    with _acting(acting) as me:
        closed = close_case(**me.kw(), case=case, note=note)
    out.print(f"Closed {closed.reference}.", highlight=False)


# ------------------------------------------------------------------ action


def _agencies() -> tuple[str, ...] | None:
    from saferhub.access import AgreementError, agreement_for

    try:
        return agreement_for(get_settings()).agency_names()
    except AgreementError as exc:
        raise _fail(str(exc)) from None


@action_app.command("add")
def action_add(
    case: Annotated[str, typer.Argument(help="The case reference (or id).")],
    title: Annotated[str, typer.Option(help="What is to be done (the assignee sees this title).")],
    agency: Annotated[str, typer.Option(help="The agency that is to do it.")],
    due: Annotated[dt.datetime, typer.Option(help="Due date (YYYY-MM-DD).", **DATE)],
    acting: Annotated[str | None, AS_USER] = None,
    detail: Annotated[str | None, typer.Option(help="More detail (seen with the case).")] = None,
    assignee: Annotated[str | None, typer.Option(help="A named user of that agency.")] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Set an action on a case for an agency (the case's owner agency or a hub admin)."""
    from saferhub.tasking import create_action

    agencies = _agencies()
    with _acting(acting) as me:
        action = create_action(**me.kw(), case=case, title=title, assigned_agency=agency, due_on=due.date(),
                               detail=detail, assigned_user=assignee, agencies=agencies)  # fmt: skip
    if as_json:
        return _dump(action)
    out.print(f"Action {action.id} on {action.case_reference} for {action.assigned_agency}, "
              f"due {action.due_on.isoformat()}.", highlight=False)  # fmt: skip


@action_app.command("list")
def action_list(
    acting: Annotated[str | None, AS_USER] = None,
    agency: Annotated[str | None, typer.Option(help="Actions assigned to this agency.")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Actions assigned to you by name.")] = False,
    case: Annotated[str | None, typer.Option(help="Actions of this case.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only unfinished actions past their due date.")
    ] = False,
    due_within: Annotated[int | None, typer.Option(min=0, help="Only actions due within N days.")] = None,
    include_finished: Annotated[
        bool, typer.Option("--all", help="Include done and cancelled actions.")
    ] = False,
    as_of: Annotated[dt.datetime | None, typer.Option(help="Count overdue as of this day.", **DATE)] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """The actions you may see (your agency's, and those of cases you see), soonest due first."""
    from saferhub.tasking import list_actions

    today = as_of.date() if as_of else _today()
    with _acting(acting) as me:
        actions = list_actions(
            **me.kw(), agency=agency, user=me.reader.user if mine else None, case=case,
            due_by=today + dt.timedelta(days=due_within) if due_within is not None else None,
            overdue_on=today if overdue else None, include_finished=include_finished,
        )  # fmt: skip
    if as_json:
        return _dump(actions)
    out.print(_actions_table(actions, _count(len(actions), "action"), today))


def _update(acting: str | None, action_id: int, **changes: Any) -> Any:
    from saferhub.tasking import update_action

    with _acting(acting) as me:
        return update_action(**me.kw(), action_id=action_id, **changes)


@action_app.command("update")
def action_update(
    action_id: Annotated[int, typer.Argument(help="The action's number.")],
    acting: Annotated[str | None, AS_USER] = None,
    status: Annotated[str | None, typer.Option(help="open, in_progress, done or cancelled.")] = None,
    outcome: Annotated[str | None, typer.Option(help="What was done, or why not.")] = None,
    assignee: Annotated[str | None, typer.Option(help='A named user of the agency ("" for none).')] = None,
    due: Annotated[dt.datetime | None, typer.Option(help="New due date (case owner).", **DATE)] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Update an action assigned to your agency (or on a case you own)."""
    action = _update(acting, action_id, status=status, outcome=outcome, assigned_user=assignee,
                     due_on=due.date() if due else None)  # fmt: skip
    if as_json:
        return _dump(action)
    out.print(
        f"Action {action.id} on {action.case_reference}: {action.status.replace('_', ' ')}.", highlight=False
    )


@action_app.command("done")
def action_done(
    action_id: Annotated[int, typer.Argument(help="The action's number.")],
    acting: Annotated[str | None, AS_USER] = None,
    outcome: Annotated[str | None, typer.Option(help="What was done.")] = None,
) -> None:
    """Mark an action done, with its outcome."""
    action = _update(acting, action_id, status="done", outcome=outcome)
    out.print(f"Action {action.id} on {action.case_reference}: done.", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``case`` and ``action`` groups to ``app``."""
    app.add_typer(case_app, name="case")
    app.add_typer(action_app, name="action")
