"""Partner feeds: the import contract, validation, quarantine and the import runner.

Door: ``FEEDS`` (the contract's feeds by name), ``import_file`` (one file, atomically),
``load_mapping`` (a partner's mapping file), ``FileRefused`` and ``ImportSummary``.
"""

from __future__ import annotations

from saferhub.feeds import asb_reports, calls, fire_incidents, intelligence, police_uk, referrals
from saferhub.feeds.contract import AGENCIES, FeedSpec
from saferhub.feeds.errors import FileRefused
from saferhub.feeds.mapping import Mapping, load_mapping
from saferhub.feeds.runner import ImportSummary, import_file

FEEDS: dict[str, FeedSpec] = {
    spec.name: spec
    for spec in (
        police_uk.SPEC,
        calls.SPEC,
        asb_reports.SPEC,
        fire_incidents.SPEC,
        referrals.SPEC,
        intelligence.SPEC,
    )
}


def known_agencies(extra: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """The agency names the hub accepts: the contract's own and the partners' configured ones."""
    return tuple(dict.fromkeys((*AGENCIES, *(a.strip().lower() for a in extra))))


__all__ = [
    "FEEDS",
    "FeedSpec",
    "FileRefused",
    "ImportSummary",
    "Mapping",
    "import_file",
    "known_agencies",
    "load_mapping",
]
