"""Same seed and arguments give the same bytes; other seeds and scales give other data."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from saferhub.synth import SynthSummary, generate

FEED_FILES = ("calls.csv.gz", "asb-reports.csv.gz", "fire-incidents.csv.gz",
              "referrals.csv.gz", "intelligence.csv.gz")
TRUTH_FILES = ("mentions.csv", "people.csv", "places.csv", "locations.csv", "hotspots.csv",
               "background.csv", "background_asb.csv", "README.md")


def _digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*")) if p.is_file()
    }


def _lines(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def test_writes_every_feed_and_truth_file(small: SynthSummary) -> None:
    for name in FEED_FILES:
        assert (small.out_dir / name).is_file()
    for name in TRUTH_FILES:
        assert (small.out_dir / "truth" / name).is_file()


def test_same_seed_gives_identical_bytes(small: SynthSummary, small_again: SynthSummary) -> None:
    first, second = _digests(small.out_dir), _digests(small_again.out_dir)
    assert len(first) == len(FEED_FILES) + len(TRUTH_FILES)
    assert first == second


def test_another_seed_gives_other_data(small: SynthSummary,
                                       small_other_seed: SynthSummary) -> None:
    first, other = _digests(small.out_dir), _digests(small_other_seed.out_dir)
    for name in (*FEED_FILES, "truth/mentions.csv", "truth/people.csv"):
        assert first[name] != other[name], name


def test_summary_counts_rows_of_every_file(small: SynthSummary) -> None:
    assert set(small.rows) == {*FEED_FILES, *(f"truth/{n}" for n in TRUTH_FILES
                                              if n.endswith(".csv"))}
    for name, rows in small.rows.items():
        assert rows == _lines(small.out_dir / name) - 1, name  # one header line
    assert small.rows["calls.csv.gz"] > 500
    text = str(small)
    assert "calls.csv.gz" in text and "seed 7" in text
    assert small.as_dict()["rows"] == small.rows
    assert str(small.start_date) == "2026-09-27" and str(small.end_date) == "2026-11-25"


@pytest.mark.parametrize(("scale", "days"), [(0.04, 60), (0.02, 120)])
def test_volumes_scale_roughly_linearly(small: SynthSummary, tmp_path: Path, scale: float,
                                        days: int) -> None:
    bigger = generate(out_dir=tmp_path, seed=7, days=days, scale=scale)
    factor = scale / 0.02 * days / 60
    # Calls are background demand; the other feeds at this tiny scale are mostly the
    # planted patterns' minimum numbers, which do not scale down.
    ratio = bigger.rows["calls.csv.gz"] / small.rows["calls.csv.gz"]
    assert factor * 0.9 < ratio < factor * 1.1, ratio


def test_rejects_nonsense_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(out_dir=tmp_path, days=0)
    with pytest.raises(ValueError):
        generate(out_dir=tmp_path, scale=0)
