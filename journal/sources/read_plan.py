"""What a run does with each log file, decided before anything is read.

Each file gets a `Job`: its action (`cursors.next_action`, then corrected against the session
cache: a lost record is rebuilt, an append that cannot continue the cached record reads the file
whole) and how many bytes that will read. A file Codex moved keeps its inode, so its cursor and its
cached record follow it to the new path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from journal.sources import cursors
from journal.sources.cursors import Cursor, CursorStore
from journal.sources.discover import LogFile
from journal.sources.session_cache import SessionCache


@dataclass
class Job:
    log: LogFile
    st: os.stat_result
    cursor: Cursor | None
    action: str  # "skip" | "append" | "full" | "scan"
    cost: int  # bytes this job will read


class Planner:
    """Plans the files of one run against its cursors and session cache (both may be updated when
    a file moved)."""

    def __init__(self, store: CursorStore, cache: SessionCache) -> None:
        self.cursors, self.cache = store, cache
        self._by_identity: dict[tuple[int, int, str], str] | None = None

    def plan(self, log: LogFile) -> Job | None:
        try:
            st = os.stat(log.file)
        except OSError:
            return None  # vanished between listing and now
        cursor = self.cursors.files.get(log.file) or self._moved_here(log, st)
        action = cursors.next_action(log.kind, st, cursor)
        sid = cursor.session_id if cursor is not None else None
        lost = sid is not None and sid not in self.cache
        if action == "skip" and cursor is not None and not cursor.foreign and lost:
            action = "full"  # the cached record is gone: rebuild it
        elif action == "skip" and cursor is not None:
            cursor.mtime_ns = st.st_mtime_ns  # touched, not grown: how live it is follows it
        if action == "append" and not self._resumable(log, cursor):
            action = "full"
        start = cursor.offset if cursor and action in ("append", "scan") else 0
        return Job(log, st, cursor, action, 0 if action == "skip" else st.st_size - start)

    def _moved_here(self, log: LogFile, st: os.stat_result) -> Cursor | None:
        """A file Codex moved (to `archived_sessions/`) keeps its inode: carry its cursor over."""
        if self._by_identity is None:
            self._by_identity = {
                (c.device, c.inode, c.kind): k for k, c in self.cursors.files.items()
            }
        key = self._by_identity.get((st.st_dev, st.st_ino, log.kind))
        if key is None or key == log.file or os.path.exists(key):
            return None
        cursor = self.cursors.files.pop(key)
        cursor.path = log.file
        self.cursors.files[cursor.path] = cursor
        session = self.cache.get(cursor.session_id or "")
        if session is not None and session.source_path == key:
            self.cache.touch(session.id)
            session.source_path = cursor.path
            self.cache.mark(session.id)
        return cursor

    def _resumable(self, log: LogFile, cursor: Cursor | None) -> bool:
        session = self.cache.get(cursor.session_id or "") if cursor else None
        return (
            cursor is not None
            and session is not None
            and session.source_path == log.file
            and session.reader_state.get("offset") == cursor.offset
        )

    def g0_vanished(self, g0: list[Job]) -> bool:
        """A G0 file read before is gone: the G0 set must be read again."""
        present = {job.log.file for job in g0}
        return any(c.kind == "g0" and k not in present for k, c in self.cursors.files.items())
