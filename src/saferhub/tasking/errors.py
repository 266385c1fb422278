"""What tasking raises: a refusal that tells nothing of the content, and a request it cannot take."""

from __future__ import annotations


class TaskingDenied(PermissionError):
    """The reader may not see or do this.

    ``hidden`` is True when the case or action is not there for the reader: one that
    does not exist and one they may not see raise the same message, so a refusal never
    tells whether something exists (a web page answers 404). Otherwise they see it but
    may not do this (403).
    """

    def __init__(self, message: str, *, hidden: bool = False) -> None:
        super().__init__(message)
        self.hidden = hidden


class TaskingError(ValueError):
    """A request that cannot be carried out as asked (a wrong stage, a user of another agency…)."""


def opaque(text: str) -> bool:
    """Whether what was typed looks like a reference or an id (letters, digits and '-', some digits),
    so it may be repeated in a message or the audit log; anything else might be a name."""
    if not 0 < len(text) <= 40:
        return False
    return all(ch.isalnum() or ch == "-" for ch in text) and any(ch.isdigit() for ch in text)


def no_case(case: int | str) -> TaskingDenied:
    typed = str(case).strip().upper()
    named = f"case {typed}" if opaque(typed) else "such case"
    return TaskingDenied(f"There is no {named} that you may see.", hidden=True)


def no_action(action_id: int) -> TaskingDenied:
    return TaskingDenied(f"There is no action {action_id} that you may see.", hidden=True)
