"""My agency's actions: overdue, due soon and the rest, and updating an action's status and
outcome (a small HTMX form: the row is swapped in place; without script the page reloads)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from saferhub import tasking
from saferhub.tasking import ActionStatus, TaskingDenied, TaskingError
from saferhub.tasking.records import london_today
from saferhub.web.api.common import IdInPath
from saferhub.web.deps import STAFF, WORKERS, Actor, Allow, engine_of
from saferhub.web.tasking_web import back_to, refusal
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Reading = Annotated[Actor, Depends(Allow(STAFF, personal=True))]
Working = Annotated[Actor, Depends(Allow(WORKERS, personal=True))]
SOON_DAYS = 7


@router.get("/actions", name="actions")
def actions_page(
    request: Request, actor: Reading, finished: Annotated[str, Query(max_length=3)] = ""
) -> HTMLResponse:
    today = london_today()
    actions = tasking.list_actions(
        engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, agency=actor.user.agency,
        include_finished=finished == "yes",
    )  # fmt: skip
    overdue = [a for a in actions if a.is_overdue(today)]
    soon = [a for a in actions if a not in overdue and a.status in ("open", "in_progress")
            and (a.due_on - today).days <= SOON_DAYS]  # fmt: skip
    later = [a for a in actions if a not in overdue and a not in soon and a.status in ("open", "in_progress")]
    done = [a for a in actions if a.status not in ("open", "in_progress")]
    context = {
        "title": "Actions", "today": today, "overdue": overdue, "soon": soon, "later": later, "done": done,
        "finished": finished == "yes", "statuses": list(ActionStatus), "soon_days": SOON_DAYS,
        "may_update": actor.user.role in WORKERS, "total": len(actions),
    }  # fmt: skip
    return render(request, "actions/list.html", context, actor=actor)


@router.post("/actions/{action_id}", name="action_update")
def update_action(
    request: Request,
    actor: Working,
    action_id: IdInPath,
    status: Annotated[str, Form(max_length=20)] = "",
    outcome: Annotated[str, Form(max_length=10_000)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    error = None
    action = None
    try:
        action = tasking.update_action(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, action_id=action_id,
            status=status or None, outcome=outcome,
        )  # fmt: skip
    except TaskingDenied as denied:
        raise refusal(denied) from None
    except TaskingError as problem:
        error = str(problem)
    if request.headers.get("hx-request"):
        if action is None:
            # The form stays as it was; the reason appears in its message area.
            headers = {"HX-Retarget": f"#action-{action_id}-message", "HX-Reswap": "innerHTML"}
            return HTMLResponse(f'<p class="govuk-error-message">{escape(error or "")}</p>', headers=headers)
        context = {"action": action, "today": london_today(), "statuses": list(ActionStatus),
                   "may_update": True, "back": back, "updated": True}  # fmt: skip
        return render(request, "actions/_update.html", context, actor=actor)
    if error:
        return render(request, "error.html", {"title": "The action was not updated", "advice": error},
                      actor=actor, status_code=400)  # fmt: skip
    return RedirectResponse(back_to(back, "/actions"), status_code=303)
