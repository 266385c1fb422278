"""The thresholds and unit costs the analyses work to: shipped defaults with their sources,
overridden by a partner's TOML file (``SAFERHUB_STANDARDS_FILE``), figures marked local.

Door: ``load_standards(path=None)`` and ``standards_for(settings)``; a ``Standards`` gives
``rule(name)`` (value, source, whether local), ``costs``, ``cost_rules`` and ``uprate``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saferhub.config import Settings

DEFAULTS_FILE = Path(__file__).resolve().parent / "standards.toml"


class StandardsError(ValueError):
    """A standards file that cannot be used: says which entry and why."""


@dataclass(frozen=True)
class Rule:
    """One threshold or definition: its value, where it comes from, and whether it is local."""

    name: str
    value: Any
    source: str
    local: bool = False

    @property
    def shown(self) -> Any:
        """The value as written out: a list joined with commas ("none" if empty)."""
        return (", ".join(map(str, self.value)) or "none") if isinstance(self.value, list) else self.value

    def describe(self) -> str:
        return f"{self.name} = {self.shown} ({self.source}{'; local' if self.local else ''})"

    def plain(self) -> str:
        """For a page a partner reads: the published rule's own words, which give its value; a
        local figure, whose source names only the file it came from, gets its name in words."""
        if not self.local and self.source:
            return self.source[:1].upper() + self.source[1:]
        words = self.name.replace("_", " ").capitalize()
        return f"{words}: {self.shown} ({self.source or 'no source given'})"


@dataclass(frozen=True)
class UnitCost:
    """A cost in pounds per unit at its price year; ``pounds`` None: not set yet."""

    name: str
    item: str
    pounds: float | None
    per: str
    price_year: str
    source: str
    local: bool = False

    def describe(self) -> str:
        money = "not set" if self.pounds is None else f"£{self.pounds:,.0f} per {self.per}"
        year = f", {self.price_year} prices" if self.price_year != "not stated" else ""
        local = "; local estimate" if self.local else ""
        return f"{self.item}: {money} ({self.source}{year}{local})"


@dataclass(frozen=True)
class CostRule:
    """Which unit cost a call carries: first match on agency (and category) wins."""

    agency: str
    cost: str
    categories: tuple[str, ...] = ()
    quantity: float = 1.0
    quantity_source: str | None = None
    attended_only: bool = False

    def matches(self, agency: str, category: str | None) -> bool:
        return agency == self.agency and (not self.categories or category in self.categories)


@dataclass(frozen=True)
class Standards:
    """Everything the people and place analyses are configured with, and where it came from."""

    rules: dict[str, Rule]
    costs: dict[str, UnitCost]
    cost_rules: tuple[CostRule, ...]
    uprate_to: str | None = None
    price_index: dict[str, float] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def rule(self, name: str) -> Rule:
        try:
            return self.rules[name]
        except KeyError:
            raise StandardsError(f"no rule named '{name}' in the standards") from None

    def value(self, name: str) -> Any:
        return self.rule(name).value

    def int(self, name: str) -> int:
        return int(self.rule(name).value)

    def strings(self, name: str) -> list[str]:
        return [str(v) for v in self.rule(name).value]

    def pounds(self, cost: str) -> float | None:
        """The unit cost in pounds, uprated to ``uprate_to`` when an index covers its year."""
        unit = self.costs[cost]
        if unit.pounds is None:
            return None
        if self.uprate_to and unit.price_year in self.price_index:
            return unit.pounds * self.price_index[self.uprate_to] / self.price_index[unit.price_year]
        return unit.pounds

    def price_basis(self, costs: list[str]) -> str:
        """How the money adds up, in words: which price years, uprated or not."""
        years = sorted({self.costs[c].price_year for c in costs if self.costs[c].pounds is not None})
        if self.uprate_to:
            kept = [y for y in years if y not in self.price_index]
            left = f"; not uprated: {', '.join(kept)}" if kept else ""
            return f"uprated to {self.uprate_to} prices{left}"
        return f"at each figure's own price year ({', '.join(years) or 'none'}), not uprated"


def _merge(base: dict[str, Any], over: dict[str, Any], origin: str) -> dict[str, Any]:
    merged = {**base}
    for section in ("rules", "costs"):
        table = {k: dict(v) for k, v in base.get(section, {}).items()}
        for name, entry in over.get(section, {}).items():
            if not isinstance(entry, dict):
                raise StandardsError(f"{section}.{name} in {origin} must be a table")
            local = {"local": True, "source": f"local figure ({origin})"}
            table[name] = {**table.get(name, {}), **local, **entry}
        merged[section] = table
    if "cost_rules" in over:  # a list replaces the shipped one whole
        merged["cost_rules"] = over["cost_rules"]
    if "uprating" in over:
        merged["uprating"] = {**base.get("uprating", {}), **over["uprating"]}
    return merged


def _build(data: dict[str, Any], files: tuple[str, ...]) -> Standards:
    rules = {}
    for name, entry in data.get("rules", {}).items():
        if "value" not in entry:
            raise StandardsError(f"rules.{name} has no value")
        rules[name] = Rule(name, entry["value"], str(entry.get("source", "")), bool(entry.get("local")))
    costs = {}
    for name, entry in data.get("costs", {}).items():
        pounds = entry.get("pounds")
        if pounds is not None and (not isinstance(pounds, int | float) or pounds < 0):
            raise StandardsError(f"costs.{name}.pounds must be a number of pounds, 0 or more")
        costs[name] = UnitCost(
            name=name,
            item=str(entry.get("item", name)),
            pounds=None if pounds is None else float(pounds),
            per=str(entry.get("per", "unit")),
            price_year=str(entry.get("price_year", "not stated")),
            source=str(entry.get("source", "")),
            local=bool(entry.get("local")),
        )
    cost_rules = []
    for i, entry in enumerate(data.get("cost_rules", [])):
        if entry.get("cost") not in costs or "agency" not in entry:
            raise StandardsError(f"cost_rules[{i}] needs an agency and a cost named in [costs]")
        cost_rules.append(
            CostRule(
                agency=str(entry["agency"]),
                cost=str(entry["cost"]),
                categories=tuple(entry.get("categories", ())),
                quantity=float(entry.get("quantity", 1.0)),
                quantity_source=entry.get("quantity_source"),
                attended_only=bool(entry.get("attended_only", False)),
            )
        )
    uprating = data.get("uprating", {})
    index = {str(k): float(v) for k, v in uprating.get("index", {}).items()}
    to_year = uprating.get("to_year")
    if to_year is not None and to_year not in index:
        raise StandardsError(f"uprating.to_year '{to_year}' has no value in uprating.index")
    return Standards(rules, costs, tuple(cost_rules), to_year, index, files)


def load_standards(path: Path | None = None) -> Standards:
    """The shipped standards, with the entries of the TOML file at ``path`` over them."""
    data = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    files: tuple[str, ...] = (str(DEFAULTS_FILE.name),)
    if path is not None:
        try:
            over = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise StandardsError(f"cannot read the standards file {path}: {exc}") from None
        unknown = set(over) - {"rules", "costs", "cost_rules", "uprating"}
        if unknown:
            raise StandardsError(f"unknown sections in {path}: {', '.join(sorted(unknown))}")
        bad = set(over.get("rules", {})) - set(data["rules"])
        if bad:
            raise StandardsError(f"unknown rules in {path}: {', '.join(sorted(bad))}")
        data = _merge(data, over, Path(path).name)
        files = (*files, str(path))
    return _build(data, files)


def standards_for(settings: Settings) -> Standards:
    """The standards a hub works to: the shipped ones, overridden by its standards file."""
    return load_standards(settings.standards_file)
