"""Errors an import reports to the user in one line."""

from __future__ import annotations


class FileRefused(Exception):
    """The whole file cannot be imported; nothing from it enters the store.

    The message names the file and the problem in one line, without personal data.
    """

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem
