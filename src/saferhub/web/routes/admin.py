"""Admin pages (hub admins only): staff accounts and API tokens, agencies and roles, and the
sharing agreement in force (read only: it is changed by file)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saferhub.access import ROLES, SharingAgreement
from saferhub.accounts import AccountError
from saferhub.admin import accounts
from saferhub.web.api.common import IdInPath
from saferhub.web.deps import Actor, Allow, engine_of
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
ADMIN = Allow(frozenset({"hub_admin"}), personal=False)
AdminActor = Annotated[Actor, Depends(ADMIN)]
DONE = {
    "added": "The user was added.",
    "changed": "Saved. If their agency, role or access changed, their sessions ended.",
    "password": "The password was reset and the user's sessions ended. Give them the new password in person.",
    "revoked": "The API token was revoked.",
}


def _agreement(request: Request) -> SharingAgreement:
    agreement: SharingAgreement = request.app.state.agreement
    return agreement


def _agencies(request: Request) -> tuple[str, ...]:
    return tuple(_agreement(request).agencies)


@router.get("/admin", name="admin_home")
def admin_home(request: Request, actor: AdminActor) -> HTMLResponse:
    return render(request, "admin/index.html", {"title": "Admin"}, actor=actor)


def _users_page(
    request: Request, actor: Actor, *, error: str | None = None, form: dict[str, str] | None = None,
    done: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    users = accounts.staff(engine=engine_of(request), reader=actor.reader, where_from=actor.where_from)
    context = {
        "title": "Users", "users": users, "roles": ROLES, "agencies": _agreement(request).agencies,
        "error": error, "form": form or {}, "done": DONE.get(done or ""),
    }  # fmt: skip
    return render(request, "admin/users.html", context, actor=actor, status_code=status)


@router.get("/admin/users", name="admin_users")
def users_page(
    request: Request, actor: AdminActor, done: Annotated[str | None, Query(max_length=20)] = None
) -> HTMLResponse:
    return _users_page(request, actor, done=done)


@router.post("/admin/users", name="admin_add_user")
def add_user(
    request: Request,
    actor: AdminActor,
    username: Annotated[str, Form(max_length=80)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
    agency: Annotated[str, Form(max_length=60)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        accounts.add_staff(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from,
            agencies=_agencies(request), username=username, display_name=display_name, agency=agency,
            role=role, password=password, email=email.strip() or None,
        )  # fmt: skip
    except AccountError as error:
        form = {
            "username": username,
            "display_name": display_name,
            "email": email,
            "agency": agency,
            "role": role,
        }
        return _users_page(request, actor, error=str(error), form=form, status=400)
    return RedirectResponse("/admin/users?done=added", status_code=303)


def _user_page(
    request: Request, actor: Actor, user_id: int, *, error: str | None = None, new_token: str | None = None,
    done: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    engine = engine_of(request)
    try:
        user = accounts.staff_member(
            engine=engine, reader=actor.reader, where_from=actor.where_from, user_id=user_id
        )
    except AccountError:
        return render(request, "error.html", {"title": "Page not found", "advice": "There is no such user."},
                      actor=actor, status_code=404)  # fmt: skip
    tokens = accounts.api_tokens(
        engine=engine, reader=actor.reader, where_from=actor.where_from, user_id=user_id
    )
    context = {
        "title": f"User {user.username}", "user": user, "tokens": tokens, "roles": ROLES,
        "agencies": _agreement(request).agencies, "error": error, "new_token": new_token,
        "done": DONE.get(done or ""), "is_self": user.username == actor.user.username,
    }  # fmt: skip
    response = render(request, "admin/user.html", context, actor=actor, status_code=status)
    if new_token:
        response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin/users/{user_id}", name="admin_user")
def user_page(
    request: Request,
    actor: AdminActor,
    user_id: IdInPath,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _user_page(request, actor, user_id, done=done)


@router.post("/admin/users/{user_id}", name="admin_change_user")
def change_user(
    request: Request,
    actor: AdminActor,
    user_id: IdInPath,
    agency: Annotated[str, Form(max_length=60)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        accounts.change_staff(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from,
            agencies=_agencies(request), user_id=user_id, agency=agency or None, role=role or None,
            active={"yes": True, "no": False}.get(active),
        )  # fmt: skip
    except AccountError as error:
        return _user_page(request, actor, user_id, error=str(error), status=400)
    return RedirectResponse(f"/admin/users/{user_id}?done=changed", status_code=303)


@router.post("/admin/users/{user_id}/password", name="admin_reset_password")
def reset_password(
    request: Request,
    actor: AdminActor,
    user_id: IdInPath,
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if password != confirm:
        return _user_page(request, actor, user_id, error="The two passwords are not the same.", status=400)
    try:
        accounts.reset_password(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, user_id=user_id,
            password=password,
        )  # fmt: skip
    except AccountError as error:
        return _user_page(request, actor, user_id, error=str(error), status=400)
    return RedirectResponse(f"/admin/users/{user_id}?done=password", status_code=303)


@router.post("/admin/users/{user_id}/tokens", name="admin_make_token")
def make_token(
    request: Request, actor: AdminActor, user_id: IdInPath, name: Annotated[str, Form(max_length=120)] = ""
) -> Response:
    try:
        token = accounts.make_api_token(
            engine=engine_of(request),
            reader=actor.reader,
            where_from=actor.where_from,
            user_id=user_id,
            name=name,
        )
    except AccountError as error:
        return _user_page(request, actor, user_id, error=str(error), status=400)
    # Shown on this answer only (no redirect): the store keeps just its hash.
    return _user_page(request, actor, user_id, new_token=token)


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke", name="admin_revoke_token")
def revoke_token(request: Request, actor: AdminActor, user_id: IdInPath, token_id: IdInPath) -> Response:
    try:
        accounts.revoke_api_token(
            engine=engine_of(request), reader=actor.reader, where_from=actor.where_from, user_id=user_id,
            token_id=token_id,
        )  # fmt: skip
    except AccountError as error:
        return _user_page(request, actor, user_id, error=str(error), status=400)
    return RedirectResponse(f"/admin/users/{user_id}?done=revoked", status_code=303)


@router.get("/admin/agencies", name="admin_agencies")
def agencies_page(request: Request, actor: AdminActor) -> HTMLResponse:
    agreement = _agreement(request)
    users = accounts.staff(engine=engine_of(request), reader=actor.reader, where_from=actor.where_from)
    counts = {key: sum(1 for u in users if u.agency == key and u.active) for key in agreement.agencies}
    context = {"title": "Agencies and roles", "agreement": agreement, "counts": counts}
    return render(request, "admin/agencies.html", context, actor=actor)


@router.get("/admin/sharing", name="admin_sharing")
def sharing_page(
    request: Request,
    actor: AdminActor,
    agency: Annotated[str | None, Query(max_length=60)] = None,
    role: Annotated[str, Query(max_length=20)] = "analyst",
) -> HTMLResponse:
    agreement = _agreement(request)
    matrix = None
    if agency in agreement.agencies and role in ROLES:
        matrix = agreement.matrix(readers=(agency,), role=role).iter_rows(named=True)
    context = {
        "title": "Sharing agreement", "agreement": agreement, "roles": ROLES, "agency": agency,
        "role": role, "matrix": list(matrix) if matrix is not None else None,
    }  # fmt: skip
    return render(request, "admin/sharing.html", context, actor=actor)
