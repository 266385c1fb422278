"""The seeded hub's app served by uvicorn on a free loopback port, and headless Chromium,
for the browser and accessibility tests.

Chromium is Debian's (/usr/bin/chromium, installed by scripts/setup.sh); without it the
browser tests are skipped, with that reason.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from saferhub.web.app import create_app
from web.hub_fixture import PASSWORD, SeededHub, seeded_hub_once

CHROMIUM = Path("/usr/bin/chromium")
_APPS: dict[int, FastAPI] = {}
_SERVERS: dict[int, LiveServer] = {}


def hub_app(hub: SeededHub) -> FastAPI:
    """One app per seeded hub (create_app opens the store and reads the agreement)."""
    if id(hub) not in _APPS:
        _APPS[id(hub)] = create_app(hub.settings)
    return _APPS[id(hub)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """uvicorn in a daemon thread; ``url`` is its base address."""

    def __init__(self, app: FastAPI) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="web-tests-uvicorn", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def live_server_once(hub: SeededHub) -> LiveServer:
    if id(hub) not in _SERVERS:
        _SERVERS[id(hub)] = LiveServer(hub_app(hub))
    return _SERVERS[id(hub)]


@pytest.fixture(scope="session")
def live_server() -> LiveServer:
    return live_server_once(seeded_hub_once())


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """A headless Chromium (Playwright's ``Browser``); skipped when Debian's is absent."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: run scripts/setup.sh to install Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def signed_in_page(browser: Browser, server: LiveServer, username: str) -> Page:
    """A new browser context and page, signed in through the sign-in form."""
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.goto("/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")
    return page
