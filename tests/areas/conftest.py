"""Fixtures for the areas tests: the shipped Wirral area and the shared real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from saferhub.areas import Areas, load_areas

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
WIRRAL_TOML = (
    Path(__file__).resolve().parents[2] / "src" / "saferhub" / "areas" / "data" / "wirral" / "areas.toml"
)


@pytest.fixture(scope="session")
def wirral() -> Areas:
    return load_areas(WIRRAL_TOML)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The shared real data folder; tests that need it skip when it is absent."""
    if not (SHARED_DATA / "police_uk" / "merseyside" / "street").is_dir():
        pytest.skip(
            f"the shared real data (police.uk street files, ONS boundaries and lookups) "
            f"is not at {SHARED_DATA}"
        )
    return SHARED_DATA
