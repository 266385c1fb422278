"""Reading the handling conditions of intelligence graded C (3x5x2): who may see it.

Door: ``read_conditions(text, originator=..., agreement=...)`` -> ``HandlingConditions``.

Conditions are free text written by an intelligence officer. SaferHub reads them
clause by clause for the agencies (by the agreement's names and aliases) and roles
they name, and whether each is allowed or excluded:

- "Share with council ASB team only", "Police and housing only": those agencies.
- "Not to be disclosed outside Merseyside Police", "Do not share with anyone other
  than fire": only the agency after "outside" / "other than" / "except" / "beyond".
- "All hub partners except the voluntary sector": every agency but those excluded.
- "Do not share with housing", "not for the council": those agencies are excluded.

It fails closed: conditions that name no agency they may go to (e.g. "do not act on
without consulting the source handler") allow only the originating agency, and an
agency named in a clause that also says "not" but gives no verb of sharing ("housing:
no") is not allowed. The originating agency always sees its own intelligence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from saferhub.access.agreement import SharingAgreement
from saferhub.access.readers import Reader

_CLAUSE_BREAK = re.compile(
    r"[;.!?\n]|\b(?:but|however|whereas)\b"
    r"|,\s*(?=(?:share|shared|disclose|disclosed|pass|passed|release|released|may|can|could)\b)"
)
_NEGATION = r"not|no|never|don't|dont|nor|cannot|can't|mustn't|must not"
_EXCLUSIVE = r"outside|beyond|other than|except|excluding|apart from|besides|save for"
_ALL = (
    r"all (?:hub )?partners?|all (?:partner |hub )?agencies|any (?:hub )?partner(?: agency)?|"
    r"all (?:hub )?members|(?:every|each) partner(?: agency)?|all partner organisations"
)
_VERB = (
    r"share|shared|sharing|disclose|disclosed|disclosure|pass|passed|release|released|inform|"
    r"informed|told|tell|give|given|send|sent|copy|copied|permitted|allowed|may|can|for|to|with|only"
)
ROLE_WORDS = {"analyst": ("analyst", "analysts"), "officer": ("officer", "officers")}


@dataclass(frozen=True)
class HandlingConditions:
    """Who may see one piece of intelligence graded C, and how SaferHub read its conditions."""

    text: str
    originator: str
    agencies: frozenset[str]
    roles: frozenset[str] | None  # None: the conditions name no role, so any role
    reading: str

    def allows(self, reader: Reader) -> bool:
        """Whether the conditions let ``reader`` see the content (the originator always may)."""
        if reader.agency == self.originator:
            return True
        if reader.agency not in self.agencies:
            return False
        return self.roles is None or reader.role in self.roles


@dataclass(frozen=True)
class _Mention:
    at: int
    kind: str  # agency, role, all, negation, exclusive, verb
    value: str = ""


def read_conditions(text: str | None, *, originator: str, agreement: SharingAgreement) -> HandlingConditions:
    """The agencies and roles the conditions ``text`` allow (see the module's description)."""
    return _read(text or "", originator, _aliases(agreement), tuple(agreement.agencies))


@lru_cache(maxsize=32)
def _aliases(agreement: SharingAgreement) -> tuple[tuple[str, str], ...]:
    pairs = [(alias, a.key) for a in agreement.agencies.values() for alias in a.aliases]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))  # longest first


@lru_cache(maxsize=4096)
def _read(
    text: str, originator: str, aliases: tuple[tuple[str, str], ...], every: tuple[str, ...]
) -> HandlingConditions:
    allowed: set[str] = set()
    denied: set[str] = set()
    roles_allowed: set[str] = set()
    roles_denied: set[str] = set()
    unclear: set[str] = set()
    everyone = False
    normal = re.sub(r"\s+", " ", text.lower().replace("’", "'").replace("_", " "))
    for clause in _CLAUSE_BREAK.split(normal):
        state = "allow"
        negated_clause = re.search(rf"\b(?:{_NEGATION})\b", clause) is not None
        seen_verb = False
        for m in _mentions(clause, aliases):
            if m.kind == "negation":
                state = "deny"
            elif m.kind == "exclusive":
                state = "only" if state in ("deny", "only") else "deny"
            elif m.kind == "verb":
                seen_verb = True
            elif m.kind == "all":
                everyone = everyone or state != "deny"
            elif state == "deny":
                (denied if m.kind == "agency" else roles_denied).add(m.value)
            elif state == "allow" and negated_clause and not seen_verb and not _only_follows(clause, m):
                unclear.add(m.value)
            else:
                (allowed if m.kind == "agency" else roles_allowed).add(m.value)
    agencies = ((set(every) - denied) | allowed) if everyone else (allowed - denied)
    agencies.add(originator)
    roles = frozenset(roles_allowed - roles_denied) if roles_allowed else None
    if roles is None and roles_denied:
        roles = frozenset({"hub_admin", "analyst", "officer", "partner_viewer", "auditor"} - roles_denied)
    reading = _describe(agencies, originator, roles, denied, unclear, named=bool(allowed) or everyone)
    return HandlingConditions(text, originator, frozenset(agencies), roles, reading)


def _mentions(clause: str, aliases: tuple[tuple[str, str], ...]) -> list[_Mention]:
    found: list[_Mention] = []
    taken = [False] * len(clause)

    def claim(pattern: str, kind: str, value: str = "") -> None:
        for m in re.finditer(pattern, clause):
            if any(taken[m.start() : m.end()]):
                continue
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            found.append(_Mention(m.start(), kind, value))

    claim(rf"\b(?:{_ALL})\b", "all")
    for alias, agency in aliases:  # longest first: "merseyside police" before "police"
        claim(rf"\b{re.escape(alias)}s?\b", "agency", agency)
    for role, words in ROLE_WORDS.items():
        claim(rf"\b(?:{'|'.join(words)})\b", "role", role)
    claim(rf"\b(?:{_NEGATION})\b", "negation")
    claim(rf"\b(?:{_EXCLUSIVE})\b", "exclusive")
    claim(rf"\b(?:{_VERB})\b", "verb")
    return sorted(found, key=lambda m: m.at)


def _only_follows(clause: str, mention: _Mention) -> bool:
    # "Council only, not for evidential use": the agency is plainly allowed.
    rest = clause[mention.at :]
    return re.match(r"[\w' ]*?\b(?:only|use only)\b", rest) is not None and not re.match(
        rf"[\w' ]*?\b(?:{_NEGATION})\b[\w' ]*?\bonly\b", rest
    )


def _describe(
    agencies: set[str],
    originator: str,
    roles: frozenset[str] | None,
    denied: set[str],
    unclear: set[str],
    *,
    named: bool,
) -> str:
    others = sorted(agencies - {originator})
    if not named:
        text = f"names no other agency it may go to: {originator} only (fail closed)"
    elif not others:
        text = f"{originator} only"
    else:
        text = f"{originator} and {', '.join(others)}"
    if roles is not None:
        text += f"; roles outside {originator}: {', '.join(sorted(roles)) or 'none'}"
    if denied:
        text += f"; excludes {', '.join(sorted(denied))}"
    if unclear:
        text += f"; unclear about {', '.join(sorted(unclear))} (not shared)"
    return text
