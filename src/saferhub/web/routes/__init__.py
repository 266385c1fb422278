"""The pages, one router per capability; ``page_routers`` lists them for the app."""

from __future__ import annotations

import importlib

from fastapi import APIRouter

# Each module has ``router``; a module that is not there yet is simply not served.
PAGE_MODULES = (
    "auth",
    "home",
    "people",
    "places",
    "review",
    "analysis",
    "hotspots",
    "cases",
    "actions",
    "briefings",
    "admin",
    "imports",
    "audit",
)


def page_routers() -> list[APIRouter]:
    routers: list[APIRouter] = []
    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(f"saferhub.web.routes.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"saferhub.web.routes.{name}":
                raise
            continue
        routers.append(module.router)
    return routers
