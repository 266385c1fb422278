"""Sign in and sign out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from saferhub.access import record
from saferhub.accounts import SignInRefused, authenticate, end_session, reader_for
from saferhub.accounts.service import SESSION_HOURS
from saferhub.web.deps import EVERYONE, SESSION_COOKIE, Actor, Allow, Public, client_address, engine_of
from saferhub.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
SIGN_IN_COOKIE = "saferhub_sign_in"  # the sign-in form's CSRF token (double submit)


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.secure_cookies)


def _sign_in_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "sign_in.html", {"sign_in_token": token, "error": error}, status_code=status)
    response.set_cookie(
        SIGN_IN_COOKIE, token, httponly=True, secure=_secure(request), samesite="strict", path="/sign-in"
    )
    return response


@router.get("/sign-in", name="sign_in_page", dependencies=[Depends(Public("the way in"))])
def sign_in_page(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/sign-in", name="sign_in", dependencies=[Depends(Public("the way in"))])
async def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _sign_in_page(request, "The sign-in form had expired. Try again.", status=400)
    if not username.strip() or not password:
        return _sign_in_page(request, "Enter your user name and password.", status=400)
    engine = engine_of(request)
    address = client_address(request)
    try:
        result = await run_in_threadpool(
            authenticate, engine=engine, username=username, password=password, address=address
        )
    except SignInRefused as refused:
        return _sign_in_page(request, str(refused), status=429 if refused.limited else 401)

    def log_sign_in() -> None:
        with engine.begin() as conn:
            record(
                conn,
                reader=reader_for(result.user),
                action="sign_in",
                what={"user_id": result.user.id},
                where_from=f"web:{address}",
            )

    await run_in_threadpool(log_sign_in)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_secret,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        secure=_secure(request),
        samesite="lax",
        path="/",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out", name="sign_out")
def sign_out(request: Request, actor: Annotated[Actor, Depends(Allow(EVERYONE, personal=False))]) -> Response:
    engine = engine_of(request)
    secret = request.cookies.get(SESSION_COOKIE, "")
    if secret:
        end_session(engine=engine, secret=secret)
    with engine.begin() as conn:
        record(
            conn,
            reader=actor.reader,
            action="sign_out",
            what={"user_id": actor.user.id},
            where_from=actor.where_from,
        )
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
