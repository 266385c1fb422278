"""The information sharing agreement: which agency sees which partner's records, how much.

Door: ``load_agreement(path=None)`` (the shipped Wirral default, or a hub's own file
replacing it whole) and ``agreement_for(settings)``. A ``SharingAgreement`` decides
``decide(reader, feed, owner)`` -> ``Decision`` (a level and the rule it came from,
with the file's path), and lays every decision out with ``matrix()`` for admins.
"""

from __future__ import annotations

import fnmatch
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from saferhub.access.readers import AGREEMENT_LEVELS, ROLES, Level, Reader
from saferhub.config import Settings
from saferhub.feeds import FEEDS

DEFAULT_FILE = Path(__file__).resolve().parent / "sharing.toml"
ANY = "*"
# Stands for an agency the agreement does not name (a partner's own short name): only
# rules open to any agency ("*") reach it.
OTHER = "(any other agency)"


class AgreementError(ValueError):
    """A sharing agreement that cannot be used: says which entry and why."""


@dataclass(frozen=True)
class Agency:
    key: str
    name: str
    aliases: tuple[str, ...]
    intelligence_contact: str


@dataclass(frozen=True)
class RoleLimits:
    role: str
    ceiling: Level
    intelligence_content: bool


@dataclass(frozen=True)
class SharingRule:
    """One rule of the agreement; ``readers``, ``feeds`` and ``owners`` hold ``*`` for any."""

    number: int
    name: str
    readers: frozenset[str]
    feeds: frozenset[str]
    owners: frozenset[str]
    level: Level
    basis: str

    def matches(self, reader_agency: str, feed: str, owner: str) -> bool:
        return (
            (ANY in self.readers or reader_agency in self.readers)
            and (ANY in self.feeds or feed in self.feeds)
            and (ANY in self.owners or owner in self.owners)
        )


@dataclass(frozen=True)
class Decision:
    """What a reader sees of one agency's records in one feed, and why."""

    level: Level
    source: str
    basis: str = ""


@dataclass(frozen=True)
class FieldRules:
    """Which columns are personal, which are free text, and which a summary keeps."""

    personal: tuple[str, ...]
    free_text: tuple[str, ...]
    summary: tuple[str, ...]
    summary_extra: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def is_personal(self, column: str) -> bool:
        return _matches(column, self.personal) or _matches(column, self.free_text)

    def summary_keeps(self, column: str) -> bool:
        """Whether a summary keeps ``column`` for every feed (see ``extra_feeds``): listed in
        ``summary`` and not personal. Anything not listed is emptied (fail closed)."""
        return not self.is_personal(column) and _matches(column, self.summary)

    def extra_feeds(self, column: str) -> tuple[str, ...]:
        """Feeds whose summaries also keep ``column`` (e.g. sanitised intelligence text)."""
        if self.is_personal(column) and not any(column.lower() in c for c in self.summary_extra.values()):
            return ()
        return tuple(feed for feed, cols in self.summary_extra.items() if _matches(column, cols))


@functools.lru_cache(maxsize=8192)
def _matches(column: str, patterns: tuple[str, ...]) -> bool:
    # Cached: every page that restricts records asks the same few hundred questions.
    name = column.lower()
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one loaded file
class SharingAgreement:
    path: Path
    title: str
    version: str
    basis: str
    agencies: dict[str, Agency]
    groups: dict[str, frozenset[str]]
    roles: dict[str, RoleLimits]
    fields: FieldRules
    rules: tuple[SharingRule, ...]

    def describe(self) -> str:
        """One line: which agreement, which version, from which file."""
        return f"sharing agreement: {self.title}, version {self.version} ({self.path})"

    def share(self, reader_agency: str, feed: str, owner: str) -> Decision:
        """What the agreement alone grants ``reader_agency`` of ``owner``'s ``feed`` records."""
        if owner == reader_agency:
            return Decision(Level.FULL, f"{reader_agency}'s own records ({self.path})")
        for rule in self.rules:
            if rule.matches(reader_agency, feed, owner):
                return Decision(rule.level, f"{self.path} rule {rule.number} ({rule.name})", rule.basis)
        return Decision(Level.NONE, f"{self.path}: no rule shares it")

    def decide(self, reader: Reader, feed: str, owner: str | None) -> Decision:
        """What ``reader`` sees of ``owner``'s records in ``feed``: the agreement, capped by role."""
        if owner is None:
            return Decision(Level.NONE, "records of no stated agency are not shared")
        decision = self.share(reader.agency, feed, owner)
        limits = self.roles[reader.role]
        capped = decision.level.at_most(limits.ceiling)
        if capped is decision.level:
            return decision
        source = f"{decision.source}; at most {capped} for {reader.role} ({self.path} roles.{reader.role})"
        return Decision(capped, source, decision.basis)

    def visible(self, reader: Reader, *, at_least: Level = Level.SUMMARY) -> dict[str, tuple[str, ...]]:
        """Per feed, the named agencies whose records ``reader`` sees at ``at_least`` or more
        (e.g. which agencies' calls may count towards a people section shown in full)."""
        agencies = tuple(dict.fromkeys((*self.agencies, reader.agency)))
        return {
            feed: tuple(a for a in agencies if self.decide(reader, feed, a).level.rank >= at_least.rank)
            for feed in FEEDS
        }

    def role(self, role: str) -> RoleLimits:
        return self.roles[role]

    def contact(self, owner: str) -> str:
        """Whom to ask about ``owner``'s intelligence."""
        agency = self.agencies.get(owner)
        return agency.intelligence_contact if agency else f"{owner} intelligence unit"

    def agency_names(self) -> tuple[str, ...]:
        return tuple(self.agencies)

    def matrix(
        self, *, readers: tuple[str, ...] = (), feeds: tuple[str, ...] = (), role: str = "analyst"
    ) -> pl.DataFrame:
        """Every decision: reader, feed, owner, level, source, basis (for admins to audit)."""
        agencies = (*self.agencies, OTHER)
        rows = []
        for reader_agency in readers or tuple(self.agencies):
            reader = Reader(agency=reader_agency, role=role)
            for feed in feeds or tuple(FEEDS):
                for owner in agencies:
                    d = self.decide(reader, feed, owner)
                    rows.append((reader_agency, feed, owner, str(d.level), d.source, d.basis))
        schema = ["reader", "feed", "owner", "level", "source", "basis"]
        return pl.DataFrame(rows, schema=schema, orient="row")


def load_agreement(path: Path | None = None) -> SharingAgreement:
    """The agreement in ``path``, or the shipped default; AgreementError if it cannot be used."""
    source = Path(path) if path is not None else DEFAULT_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AgreementError(f"cannot read the sharing agreement {source}: {exc}") from None
    return _build(data, source)


def agreement_for(settings: Settings) -> SharingAgreement:
    """The hub's agreement: its own file (``SAFERHUB_SHARING_FILE``) or the shipped default."""
    return load_agreement(settings.sharing_file)


def _build(data: dict[str, Any], path: Path) -> SharingAgreement:
    unknown = set(data) - {"agreement", "agencies", "groups", "roles", "fields", "rules"}
    if unknown:
        raise AgreementError(f"unknown sections in {path}: {', '.join(sorted(unknown))}")
    head = data.get("agreement", {})
    agencies = _agencies(data.get("agencies", {}), path)
    groups = _groups(data.get("groups", {}), agencies, path)
    roles = _roles(data.get("roles", {}), path)
    fields = _fields(data.get("fields", {}), path)
    names = {*agencies, *groups}
    rules = tuple(_rule(i, entry, names, groups, path) for i, entry in enumerate(data.get("rules", []), 1))
    return SharingAgreement(
        path=path,
        title=str(head.get("title", path.name)),
        version=str(head.get("version", "not stated")),
        basis=str(head.get("basis", "")),
        agencies=agencies,
        groups=groups,
        roles=roles,
        fields=fields,
        rules=rules,
    )


def _agencies(table: dict[str, Any], path: Path) -> dict[str, Agency]:
    if not table:
        raise AgreementError(f"{path} names no agencies ([agencies.<name>] tables)")
    agencies = {}
    for key, entry in table.items():
        if not isinstance(entry, dict):
            raise AgreementError(f"agencies.{key} in {path} must be a table")
        name = str(entry.get("name", key))
        words = {key.lower(), key.lower().replace("_", " "), name.lower()}
        aliases = tuple(sorted(words | {str(a).lower() for a in entry.get("aliases", [])}))
        contact = str(entry.get("intelligence_contact", f"{name} intelligence unit"))
        agencies[key.lower()] = Agency(key.lower(), name, aliases, contact)
    return agencies


def _groups(table: dict[str, Any], agencies: dict[str, Agency], path: Path) -> dict[str, frozenset[str]]:
    groups = {}
    for name, members in table.items():
        bad = [m for m in members if str(m).lower() not in agencies]
        if bad:
            raise AgreementError(f"groups.{name} in {path} names unknown agencies: {', '.join(bad)}")
        if name in agencies:
            raise AgreementError(f"groups.{name} in {path} has the name of an agency")
        groups[name] = frozenset(str(m).lower() for m in members)
    return groups


def _roles(table: dict[str, Any], path: Path) -> dict[str, RoleLimits]:
    missing = [r for r in ROLES if r not in table]
    if missing:
        raise AgreementError(f"{path} does not set the roles: {', '.join(missing)}")
    roles = {}
    for role, entry in table.items():
        if role not in ROLES:
            raise AgreementError(f"roles.{role} in {path}: unknown role (roles: {', '.join(ROLES)})")
        ceiling = _level(entry.get("ceiling", "full"), f"roles.{role}.ceiling", path)
        content = bool(entry.get("intelligence_content", False))
        roles[role] = RoleLimits(role, ceiling, content)
    if roles["partner_viewer"].intelligence_content:
        raise AgreementError(
            f"roles.partner_viewer in {path}: partner viewers never see intelligence content"
        )
    return roles


def _fields(table: dict[str, Any], path: Path) -> FieldRules:
    def patterns(key: str) -> tuple[str, ...]:
        value = table.get(key)
        if not isinstance(value, list) or not value:
            raise AgreementError(f"fields.{key} in {path} must be a list of column names")
        return tuple(str(v).lower() for v in value)

    extra = table.get("summary_extra", {})
    bad = [f for f in extra if f not in FEEDS]
    if bad:
        raise AgreementError(f"fields.summary_extra in {path} names unknown feeds: {', '.join(bad)}")
    return FieldRules(
        personal=patterns("personal"),
        free_text=patterns("free_text"),
        summary=patterns("summary"),
        summary_extra={f: tuple(str(c).lower() for c in cols) for f, cols in extra.items()},
    )


def _level(value: Any, where: str, path: Path) -> Level:
    try:
        level = Level(str(value))
    except ValueError:
        level = None
    if level not in AGREEMENT_LEVELS:
        choices = ", ".join(str(lv) for lv in AGREEMENT_LEVELS)
        raise AgreementError(f"{where} in {path}: level '{value}' is not one of {choices}")
    assert level is not None
    return level


def _rule(
    number: int, entry: dict[str, Any], names: set[str], groups: dict[str, frozenset[str]], path: Path
) -> SharingRule:
    where = f"rule {number} in {path}"

    def agencies(key: str, default: list[str] | None = None) -> frozenset[str]:
        value = entry.get(key, default)
        if not isinstance(value, list) or not value:
            raise AgreementError(f"{where}: '{key}' must be a list of agencies or groups, or [\"*\"]")
        out: set[str] = set()
        for item in (str(v).lower() for v in value):
            if item != ANY and item not in names:
                raise AgreementError(f"{where}: '{key}' names '{item}', neither an agency nor a group")
            out |= groups.get(item, {item})
        return frozenset(out)

    feeds = entry.get("feeds")
    if not isinstance(feeds, list) or not feeds:
        raise AgreementError(f"{where}: 'feeds' must be a list of feeds, or [\"*\"]")
    bad = [f for f in feeds if f != ANY and f not in FEEDS]
    if bad:
        raise AgreementError(f"{where}: unknown feeds {', '.join(bad)} (feeds: {', '.join(FEEDS)})")
    if "basis" not in entry:
        raise AgreementError(f"{where}: every rule needs a 'basis' (why this sharing is lawful)")
    return SharingRule(
        number=number,
        name=str(entry.get("name", f"rule {number}")),
        readers=agencies("readers"),
        feeds=frozenset(str(f) for f in feeds),
        owners=agencies("from", [ANY]),
        level=_level(entry.get("level"), where, path),
        basis=str(entry["basis"]),
    )
