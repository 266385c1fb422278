"""Text with a NUL character is refused (400) before any route sees it.

PostgreSQL text cannot hold NUL, and no person, place, note or search term contains one:
a NUL is a broken client or a probe. Refusing it here, once, keeps it out of every form,
query and JSON body (SQLite would store it and PostgreSQL would fail the request). File
uploads (multipart) pass untouched: a spreadsheet is binary; its text is checked on import.
"""

from __future__ import annotations

import re

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# In JSON a NUL can only be written \u0000; an even run of backslashes before it is an
# escaped backslash followed by the six characters a user typed, which is harmless.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
REFUSAL = "text cannot contain a NUL character"
_MARK = "nul_bytes"


def has_nul(*, query: str, content_type: str, body: bytes) -> bool:
    if "%00" in query or "\x00" in query:
        return True
    if content_type.startswith("multipart/"):
        return False
    if b"\x00" in body:
        return True
    if content_type.startswith("application/x-www-form-urlencoded"):
        return b"%00" in body
    if content_type.startswith("application/json"):
        return _JSON_NUL.search(body) is not None
    return False


class MarkNulBytes:
    """ASGI middleware: reads a text body whole (then hands it on unchanged) and marks the
    request if its path, query string or body holds a NUL; ``refuse_nul_bytes`` refuses it
    through the app's own error pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        query = scope.get("query_string", b"").decode("latin-1")
        body = b""
        if not content_type.startswith("multipart/"):
            while True:
                message = await receive()
                if message["type"] != "http.request":  # the client went away: let the app see it
                    await self.app(scope, _replay(body, receive, message), send)
                    return
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
            receive = _replay(body, receive, None)
        if has_nul(query=query, content_type=content_type, body=body) or "\x00" in scope["path"]:
            scope.setdefault("state", {})[_MARK] = True
        await self.app(scope, receive, send)


def refuse_nul_bytes(request: Request) -> None:
    """An app-wide dependency: 400 for a request ``MarkNulBytes`` marked."""
    if getattr(request.state, _MARK, False):
        raise HTTPException(status_code=400, detail=REFUSAL)


def _replay(body: bytes, receive: Receive, pending: Message | None) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return pending or {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
