"""The parsed-session cache: `<git-common-dir>/ai-journal/sessions/<id>.json`, one file per session,
and its index `<git-common-dir>/ai-journal/session-index.json`, one `SessionSummary` per file.

Local state, rebuilt from the agent logs when lost. Records are written with orjson straight from
the dataclasses (the same shape as `Session.to_dict`) and replaced atomically, without fsync: after
a crash a cached record whose `reader_state["offset"]` disagrees with its cursor makes the next run
re-read the log.

The index lets a run work from summaries and load only the records it needs (see
`sources.session_cache`). It is a cache of the
cache: each entry carries the size and modification time of the file it summarises, and opening it
checks them against the directory, so an entry whose file changed, vanished or appeared behind its
back (a crash, a deleted file, an older version of the tool) is summarised again from the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import orjson

from journal.sources.model import ParseStats, Session
from journal.sources.summary import SessionSummary, summarize

SESSIONS_DIR = "sessions"
INDEX_FILE = "session-index.json"
INDEX_VERSION = 1
_PLAIN_ID = re.compile(r"[0-9A-Za-z_-][0-9A-Za-z._-]*")  # file_name keeps it as it is

Stamp = tuple[int, int]  # size and mtime_ns of a cache file


def load_sessions(local_dir: Path) -> dict[str, Session]:
    """Every cached session; an unreadable cache file is skipped (its log is read again)."""
    sessions: dict[str, Session] = {}
    folder = local_dir / SESSIONS_DIR
    if not folder.is_dir():
        return sessions
    for path in sorted(folder.glob("*.json")):
        session = read(path)
        if session is not None:
            sessions[session.id] = session
    return sessions


def read(path: Path) -> Session | None:
    try:
        return Session.from_dict(orjson.loads(path.read_bytes()))
    except (OSError, orjson.JSONDecodeError, TypeError, KeyError, AttributeError):
        return None


def store(local_dir: Path, session: Session) -> Stamp:
    folder = local_dir / SESSIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(session.id)
    _replace(path, orjson.dumps(session))
    st = path.stat()
    return st.st_size, st.st_mtime_ns


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
    if _PLAIN_ID.fullmatch(session_id):  # the usual UUID: nothing to replace
        return f"{session_id}.json"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in session_id).lstrip(".")
    return f"{safe or '_'}.json"


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- the index ---------------------------------------------------------------------------------


class Index:
    """Summaries of the cache files as they are on disk, and whether that differs from the file."""

    def __init__(self, local_dir: Path) -> None:
        self.local_dir = local_dir
        self.summaries: dict[str, SessionSummary] = {}
        self.stamps: dict[str, Stamp] = {}
        self.stale = False  # the index file must be written again
        recorded = self._read()
        folder = local_dir / SESSIONS_DIR
        on_disk = _stamps(folder)
        by_file = {file_name(sid): sid for sid in recorded}
        for name, stamp in sorted(on_disk.items()):
            sid = by_file.get(name)
            if sid is not None and recorded[sid][1] == stamp:
                self.summaries[sid], self.stamps[sid] = recorded[sid]
            else:
                self._summarize(folder / name, stamp)
        self.stale = self.stale or self.stamps.keys() != recorded.keys()

    def set(self, session: Session, stamp: Stamp) -> None:
        self.summaries[session.id], self.stamps[session.id] = summarize(session), stamp
        self.stale = True

    def drop(self, session_id: str) -> None:
        self.summaries.pop(session_id, None)
        self.stamps.pop(session_id, None)
        self.stale = True

    def save(self) -> None:
        if not self.stale:
            return
        # vars() rather than asdict(): the fields are flat, and asdict's deep copy of a few
        # thousand summaries was most of an incremental run's fixed cost.
        entries = {
            sid: {**vars(summary), "file": self.stamps[sid]}
            for sid, summary in self.summaries.items()
        }
        doc = {"version": INDEX_VERSION, "sessions": entries}
        self.local_dir.mkdir(parents=True, exist_ok=True)
        _replace(self.local_dir / INDEX_FILE, orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
        self.stale = False

    def _read(self) -> dict[str, tuple[SessionSummary, Stamp]]:
        try:
            doc = orjson.loads((self.local_dir / INDEX_FILE).read_bytes())
            if doc["version"] != INDEX_VERSION:
                raise ValueError("version")
            return {
                sid: (SessionSummary.from_dict(entry), (entry["file"][0], entry["file"][1]))
                for sid, entry in doc["sessions"].items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return {}  # corrupt or from another version: rebuilt from the cache files

    def _summarize(self, path: Path, stamp: Stamp) -> None:
        session = read(path)
        if session is not None and path.name == file_name(session.id):
            self.summaries[session.id], self.stamps[session.id] = summarize(session), stamp
        self.stale = True


def _stamps(folder: Path) -> dict[str, Stamp]:
    """File name → stamp of every cache file (temporary files aside)."""
    found: dict[str, Stamp] = {}
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return found
    for entry in entries:
        if entry.name.endswith(".json") and not entry.name.startswith("."):
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue
            found[entry.name] = (st.st_size, st.st_mtime_ns)
    return found
