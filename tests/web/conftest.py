"""Fixtures for the web app: the app on the test database, users of every role and agency,
and clients signed in as them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from saferhub.accounts import UserView, create_user
from saferhub.config import Settings
from saferhub.web.app import close_app, create_app

PASSWORD = "a long test password"
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_SIGN_IN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """A test client signed in as one user, with the session's CSRF token."""

    client: TestClient
    user: UserView
    csrf: str

    def post_form(self, path: str, data: dict[str, str], **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.post(path, data={**data, "csrf_token": self.csrf}, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"secure_cookies": False})


@pytest.fixture
def app(web_settings: Settings) -> Iterator[FastAPI]:
    app = create_app(web_settings)
    yield app
    close_app(app)  # background work of a page must not outlive its test


@pytest.fixture
def web_engine(app: FastAPI) -> Engine:
    engine: Engine = app.state.engine
    return engine


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Post the sign-in form as a browser would (its own CSRF token included)."""
    page = client.get("/sign-in")
    token = _SIGN_IN_TOKEN.search(page.text)
    assert token is not None, "the sign-in page has no CSRF token"
    return client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token[1]})


def csrf_of(client: TestClient) -> str:
    found = _CSRF_META.search(client.get("/").text)
    assert found is not None, "a signed-in page carries the CSRF token"
    return found[1]


@pytest.fixture
def make_user(web_engine: Engine) -> Callable[..., UserView]:
    made: dict[tuple[str, str], UserView] = {}

    def make(
        agency: str, role: str, username: str | None = None, display_name: str | None = None
    ) -> UserView:
        key = (agency, role) if username is None else (username, "")
        if key not in made:
            made[key] = create_user(
                engine=web_engine,
                username=username or f"{agency}.{role}".replace("_", "-"),
                display_name=display_name or f"Test {role.replace('_', ' ')} of {agency}",
                agency=agency,
                role=role,
                password=PASSWORD,
            )
        return made[key]

    return make


@pytest.fixture
def browser_as(app: FastAPI, make_user: Callable[..., UserView]) -> Iterator[Callable[..., Browser]]:
    """``browser_as("fire", "officer")``: a client signed in as that agency and role."""
    clients: list[TestClient] = []

    def open_as(agency: str, role: str, username: str | None = None) -> Browser:
        user = make_user(agency, role, username)
        client = TestClient(app, follow_redirects=False)
        clients.append(client)
        answer = sign_in(client, user.username)
        assert answer.status_code == 303, answer.text
        return Browser(client=client, user=user, csrf=csrf_of(client))

    yield open_as
    for c in clients:
        c.close()
