"""What the case and action pages and API share: tasking refusals as HTTP answers, dates from
forms, where a form may send the browser back to, and the staff an action can be assigned to."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, Request

from saferhub.accounts import list_users
from saferhub.tasking import TaskingDenied, TaskingError
from saferhub.tasking.permissions import STATUTORY_PARTNERS, WORKING_ROLES
from saferhub.web.deps import engine_of

_BACK = re.compile(r"^/(actions|cases/\d+)(\?[a-z_=&0-9]*)?$")


def refusal(error: TaskingDenied) -> HTTPException:
    """404 for a case or action that is not there for the reader (the same as an unknown id),
    403 for one they see but may not change."""
    if error.hidden:
        return HTTPException(404)
    return HTTPException(403, str(error))


@contextmanager
def tasking_answers() -> Iterator[None]:
    """The API's answer to a tasking refusal: 404/403 as ``refusal``; 400 with the service's
    own message (it never repeats personal data) for a request it cannot carry out."""
    try:
        yield
    except TaskingDenied as denied:
        raise refusal(denied) from None
    except TaskingError as error:
        raise HTTPException(400, str(error)) from None


def parse_due(text: str) -> dt.date | None:
    """A due date from a date box (YYYY-MM-DD); None if empty or not a date."""
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def back_to(text: str, default: str) -> str:
    """A page of ours to return to after a form: the actions list or a case page, nothing else."""
    return text if _BACK.match(text or "") else default


def assignable_staff(
    request: Request, agencies: list[str] | tuple[str, ...]
) -> dict[str, list[tuple[str, str]]]:
    """Per agency, the active working staff (user name, display name) an action may name."""
    users = list_users(engine=engine_of(request))
    staff: dict[str, list[tuple[str, str]]] = {agency: [] for agency in agencies}
    for user in users:
        if user.active and user.role in WORKING_ROLES and user.agency in staff:
            staff[user.agency].append((user.username, user.display_name))
    return staff


def case_owners(agencies: list[str] | tuple[str, ...]) -> list[str]:
    """The agencies that may own a case (statutory partners of the agreement)."""
    return [a for a in agencies if a in STATUTORY_PARTNERS]
