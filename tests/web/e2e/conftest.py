"""The browser tests' fixtures: the seeded hub served on loopback, and headless Chromium."""

from web.hub_fixture import seeded_hub  # noqa: F401 (fixtures)
from web.live_server import chromium, live_server  # noqa: F401 (fixtures)
