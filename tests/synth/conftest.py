"""Small synthetic datasets shared by the synth tests (generated once per session)."""

from __future__ import annotations

import pytest

from saferhub.synth import SynthSummary, generate

SMALL = {"days": 60, "scale": 0.02}


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(out_dir=tmp_path_factory.mktemp("synth-a"), seed=7, **SMALL)


@pytest.fixture(scope="session")
def small_again(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(out_dir=tmp_path_factory.mktemp("synth-b"), seed=7, **SMALL)


@pytest.fixture(scope="session")
def small_other_seed(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(out_dir=tmp_path_factory.mktemp("synth-c"), seed=8, **SMALL)


@pytest.fixture(scope="session")
def year(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    """A whole year at a small scale: enough for every planted pattern to show."""
    return generate(out_dir=tmp_path_factory.mktemp("synth-year"), seed=1, days=365, scale=0.03)
