"""Which sessions belong to this repository.

A session belongs when its working directory (`session_meta.cwd`), or the cwd of any of its turns
(`turn_context.cwd`), lies inside the work tree or one of its linked worktrees, comparing real paths
with symlinks resolved. Any turn, not only the latest, so that membership never flips back and forth
while a session is being written: a session that worked here at some point stays here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from journal.sources import lines
from journal.sources.model import Session

_CWD_LINE_MARKERS = (b'"turn_context"', b'"session_meta"')


class RepoScope:
    def __init__(self, roots: list[Path]) -> None:
        self.roots = sorted({os.path.realpath(root) for root in roots})
        self._seen: dict[str, bool] = {}

    def contains(self, cwd: str) -> bool:
        if not cwd:
            return False
        known = self._seen.get(cwd)
        if known is None:
            real = os.path.realpath(os.path.expanduser(cwd))
            known = any(_inside(real, root) for root in self.roots)
            self._seen[cwd] = known
        return known

    def owns(self, session: Session) -> bool:
        return any(self.contains(cwd) for cwd in session.cwds)

    def first_meta(self, path: Path) -> dict[str, Any] | None:
        """The `session_meta` payload on the first line of a current-format log, else None."""
        with path.open("rb") as handle:
            first = handle.readline(lines.MAX_LINE)
        if not first.endswith(b"\n"):
            return None
        try:
            record = orjson.loads(first)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(record, dict) or record.get("type") != "session_meta":
            return None
        payload = record.get("payload")
        return payload if isinstance(payload, dict) else None

    def scan_appended(
        self, path: Path, offset: int, progress: Callable[[int], None] | None = None
    ) -> tuple[bool, lines.LinesRead]:
        """Look through the bytes a foreign file gained for a cwd inside this repository, parsing
        only the lines that can carry one."""
        found = False

        def check(raw: bytes) -> None:
            nonlocal found
            if found or not any(marker in raw[:200] for marker in _CWD_LINE_MARKERS):
                return
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return
            payload = record.get("payload") if isinstance(record, dict) else None
            cwd = payload.get("cwd") if isinstance(payload, dict) else None
            found = isinstance(cwd, str) and self.contains(cwd)

        read = lines.feed_lines(path, offset, check, progress)
        return found, read


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)
