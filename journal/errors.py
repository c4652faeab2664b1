"""The one error type a user can act on. The CLI boundary turns it into one line and exit 1."""

from __future__ import annotations


class JournalError(Exception):
    """A problem the user can fix: the message names the file and what to do."""


class StateCorrupt(JournalError):
    """A state file that cannot be read; it is reported with file, line and column and never overwritten."""

    def __init__(self, path: str, line: int, column: int, reason: str) -> None:
        self.path, self.line, self.column = path, line, column
        super().__init__(
            f"{path}:{line}:{column}: {reason}; fix or remove the file, then run the command again"
        )
