"""What every API module shares: UTC timestamps written with their offset, and the error
answers each route documents (so the OpenAPI schema says what the API really answers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BaseModel


def _as_utc(value: dt.datetime) -> dt.datetime:
    """The store keeps naive UTC: mark it as UTC (an aware value is converted)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# A moment in UTC, answered as ISO 8601 with its offset (``2026-11-26T09:30:00Z``).
UtcDateTime = Annotated[dt.datetime, AfterValidator(_as_utc)]


# The store numbers cases, actions and review pairs with 32-bit integers (PostgreSQL
# ``integer``): a larger number is not an id, and is refused as invalid (422).
MAX_ID = 2**31 - 1
IdInPath = Annotated[int, Path(ge=1, le=MAX_ID)]


class ErrorOut(BaseModel):
    """A refusal or a request the API could not take: a plain message, never a value sent."""

    detail: str


class Problem(BaseModel):
    """Where a request was not valid, and why (the value sent is never repeated)."""

    loc: list[str | int]
    msg: str


class InvalidOut(BaseModel):
    detail: list[Problem]


_ANSWERS: dict[int, tuple[type[BaseModel], str]] = {
    400: (ErrorOut, "The request cannot be carried out as asked"),
    401: (ErrorOut, "No valid API token or session"),
    403: (ErrorOut, "The caller's role may not do this"),
    404: (ErrorOut, "Not there, or not the caller's to see (the same answer)"),
    422: (InvalidOut, "A parameter or the body is not valid"),
    413: (ErrorOut, "The file sent is too large"),
}
ALWAYS = (400, 401, 403, 422)  # 400: any request with a NUL in its text (saferhub.web.nul_bytes)


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` for a router or route: these error answers, with their models."""
    return {code: {"model": _ANSWERS[code][0], "description": _ANSWERS[code][1]} for code in codes}


# Every API router declares these; routes add 404 where they can answer it.
ROUTER_ANSWERS = answers(*ALWAYS)
