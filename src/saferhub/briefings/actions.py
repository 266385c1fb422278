"""The pack's actions section: the reader's agency's actions overdue and due in the next week.

Read through the tasking service (``saferhub.tasking.actions_due``), so a pack shows only
the actions its agency may see, and the look is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from saferhub.access import origin
from saferhub.briefings.content import Column, Section, Table, plural
from saferhub.briefings.gate import Gate
from saferhub.briefings.periods import BriefingPeriod, long_date
from saferhub.tasking import ActionView, actions_due

DAYS_AHEAD = 7
MAX_ROWS = 25
COLUMNS = [
    Column("case", "Case"),
    Column("action", "Action"),
    Column("assigned", "Assigned to"),
    Column("due", "Due"),
    Column("status", "Status"),
]


def _rows(actions: tuple[ActionView, ...], day: dt.date, *, overdue: bool) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for a in actions:
        due = f"{a.due_on:%a} {a.due_on.day} {a.due_on:%b}"
        if overdue:
            due += f" ({plural(a.days_overdue(day), 'day')} overdue)"
        rows.append(
            {
                "case": a.case_reference,
                "action": a.title,
                "assigned": a.assigned_user or "the agency",
                "due": due,
                "status": a.status.replace("_", " "),
            }
        )
    return rows


def actions_section(*, engine: Engine, gate: Gate, period: BriefingPeriod) -> Section:
    """Overdue actions, then those due within ``DAYS_AHEAD`` days of the briefing day."""
    day = period.briefing_day
    agency = gate.agency_name()
    if gate.reader.role == "auditor":
        return Section("actions", "Actions due and overdue", lead=["Auditors see no case actions."])
    due = actions_due(
        engine=engine, reader=gate.reader, where_from=origin("briefing"), as_of=day, days=DAYS_AHEAD
    )
    last = day + dt.timedelta(days=DAYS_AHEAD)
    if due.overdue or due.due_soon:
        lead = [
            f"{plural(len(due.overdue), 'action')} assigned to {agency} "
            f"{'is' if len(due.overdue) == 1 else 'are'} overdue, and "
            f"{plural(len(due.due_soon), 'more is', 'more are')} due by {long_date(last)}."
        ]
    else:
        lead = [f"No actions assigned to {agency} are overdue or due by {long_date(last)}."]
    overdue = Table(
        caption=f"Overdue actions for {agency} (unfinished, due before {long_date(day)})",
        columns=COLUMNS,
        rows=_rows(due.overdue, day, overdue=True),
        row_header="case",
        empty="No overdue actions.",
    ).limit(MAX_ROWS)
    soon = Table(
        caption=f"Actions for {agency} due from {long_date(day)} to {long_date(last)}",
        columns=COLUMNS,
        rows=_rows(due.due_soon, day, overdue=False),
        row_header="case",
        empty="No actions due in the next week.",
    ).limit(MAX_ROWS)
    for table in (overdue, soon):
        table.notes.append(
            "Case references open the case for those who may see it; 'saferhub action list' has them all."
        )
    return Section("actions", "Actions due and overdue", lead=lead, blocks=[overdue, soon])
