"""The parsed-session cache: `<git-common-dir>/ai-journal/sessions/<id>.json`, one file per session.

Local state, rebuilt from the agent logs when lost. Written with orjson straight from the dataclasses
(the same shape as `Session.to_dict`) and replaced atomically, without fsync: after a crash a cached
record whose `reader_state["offset"]` disagrees with its cursor makes the next run re-read the log.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from journal.sources.model import ParseStats, Session

SESSIONS_DIR = "sessions"


def load_sessions(local_dir: Path) -> dict[str, Session]:
    """Every cached session; an unreadable cache file is skipped (its log is read again)."""
    sessions: dict[str, Session] = {}
    folder = local_dir / SESSIONS_DIR
    if not folder.is_dir():
        return sessions
    for path in sorted(folder.glob("*.json")):
        try:
            session = Session.from_dict(orjson.loads(path.read_bytes()))
        except (OSError, orjson.JSONDecodeError, TypeError, KeyError, AttributeError):
            continue
        sessions[session.id] = session
    return sessions


def store(local_dir: Path, session: Session) -> None:
    folder = local_dir / SESSIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(session.id)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(orjson.dumps(session))
    os.replace(tmp, path)


def forget(local_dir: Path, session_id: str) -> None:
    (local_dir / SESSIONS_DIR / file_name(session_id)).unlink(missing_ok=True)


def fingerprint(session: Session) -> bytes:
    """The record without the reader's bookkeeping (`reader_state`, `stats`): what consumers see."""
    saved = session.reader_state, session.stats
    session.reader_state, session.stats = {}, ParseStats()
    try:
        return orjson.dumps(session)
    finally:
        session.reader_state, session.stats = saved


def file_name(session_id: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in session_id).lstrip(".")
    return f"{safe or '_'}.json"


class Changes:
    """Which cached sessions a run touched, and which of them really changed for consumers."""

    def __init__(self, sessions: dict[str, Session]) -> None:
        self.sessions = sessions
        self.before: dict[str, bytes] = {}  # fingerprints taken before the first change
        self.dirty: set[str] = set()  # to be written

    def touch(self, session_id: str) -> None:
        """Call before changing a session that may already be cached."""
        if session_id not in self.before and session_id in self.sessions:
            self.before[session_id] = fingerprint(self.sessions[session_id])

    def mark(self, session_id: str) -> None:
        self.dirty.add(session_id)

    def commit(self, local_dir: Path) -> set[str]:
        """Write what was marked, drop what was removed; the ids whose record changed."""
        changed = set()
        for sid in sorted(self.dirty):
            if sid in self.sessions:
                store(local_dir, self.sessions[sid])
                if sid not in self.before:
                    changed.add(sid)
        for sid, before in self.before.items():
            if sid not in self.sessions:
                forget(local_dir, sid)
                changed.add(sid)
            elif fingerprint(self.sessions[sid]) != before:
                changed.add(sid)
        return changed
