"""The ids a case links to and is filtered by (person, place, event), checked for their shape
before they reach a query or the audit log; a refusal never repeats what was typed."""

from __future__ import annotations

import re

from saferhub.tasking.errors import TaskingError

# The shapes the hub gives: saferhub.linking.clusters.new_person_id ("P" and 12 hex digits),
# saferhub.linking.places ("PL" and a zero-padded number), events are numbered.
SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "person": (re.compile(r"^P[0-9A-F]{12}$"), "a person id is P and 12 letters A-F or digits"),
    "place": (re.compile(r"^PL[0-9]{4,12}$"), "a place id is PL and 4 to 12 digits"),
    "event": (re.compile(r"^[0-9]{1,18}$"), "an event id is a number"),
}


def hub_id(kind: str, value: str) -> str:
    """``value`` as the hub writes a ``kind`` id (trimmed, upper case); TaskingError if it is
    not one (the message names the shape, never the value)."""
    shape, rule = SHAPES[kind]
    text = value.strip().upper()
    if not shape.match(text):
        raise TaskingError(rule)
    return text
