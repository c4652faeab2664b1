"""The parsed-session cache: `<git-common-dir>/ai-journal/sessions/<id>.json`, one file per session,
and its index `<git-common-dir>/ai-journal/session-index.json`, one `SessionSummary` per file.

Local state, rebuilt from the agent logs when lost. Records are written with orjson straight from
the dataclasses (the same shape as `Session.to_dict`) and replaced atomically, without fsync: after
a crash a cached record whose `reader_state["offset"]` disagrees with its cursor makes the next run
re-read the log.

The index lets a run work from summaries and load only the records it needs (see
`sources.session_cache`). It is a cache of the cache: each entry carries the size, modification
time and inode of the file it summarises, and opening it checks the names and inodes the folder
lists, so an entry whose file was replaced, vanished or appeared behind its back (a crash, a
deleted file, an older version of the tool) is summarised again from the file. A run appends its
changes to `session-index.log` (see `sources.changelog`) instead of rewriting the index.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import orjson

from journal.sources import changelog
from journal.sources.model import ParseStats, Session
from journal.sources.summary import SessionSummary, summarize

SESSIONS_DIR = "sessions"
INDEX_FILE = "session-index.json"
INDEX_LOG = "session-index.log"
INDEX_VERSION = (
    1  # the log, the generation and the inode in "file" are additions older readers skip
)
_PLAIN_ID = re.compile(r"[0-9A-Za-z_-][0-9A-Za-z._-]*")  # file_name keeps it as it is

Stamp = tuple[int, ...]  # size, mtime_ns and inode of a cache file (older entries: no inode)


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
    return st.st_size, st.st_mtime_ns, st.st_ino


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


def plain_id(session_id: str) -> bool:
    """Whether the id names its cache file as it is (`<id>.json`)."""
    return _PLAIN_ID.fullmatch(session_id) is not None


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- the index ---------------------------------------------------------------------------------


class Index:
    """Summaries of the cache files as they are on disk, and whether that differs from the file.

    Opening it lists the cache folder once (names and inodes, no `stat` per file): a record
    written again is a new inode (records are replaced, never written in place), so only those
    and unknown names are read. A run's changes are appended to `session-index.log`; the index
    file is rewritten when the log is due for compaction or opening found it out of date.
    """

    def __init__(self, local_dir: Path) -> None:
        self.local_dir = local_dir
        self.summaries: dict[str, SessionSummary] = {}
        self.stamps: dict[str, Stamp] = {}
        self.stale = False  # the index file must be written again, whole
        self._changed: set[str] = set()  # to be appended to the log
        self._generation: str | None = None
        self._replay = changelog.Replay(belongs=False)
        self._bytes = 0
        recorded = self._read()
        folder = local_dir / SESSIONS_DIR
        by_file = {file_name(sid): sid for sid in recorded}
        for name, inode in sorted(_inodes(folder).items()):
            sid = by_file.get(name)
            known = recorded.get(sid) if sid is not None else None
            stamp = _current(known[1], inode, folder, name) if known is not None else None
            if known is not None and stamp is not None:
                self.summaries[sid], self.stamps[sid] = known[0], stamp  # type: ignore[index]
                self.stale = self.stale or stamp is not known[1]  # an older entry: inode added
            else:
                self._summarize(folder / name)
        self.stale = self.stale or self.stamps.keys() != recorded.keys()

    def set(self, session: Session, stamp: Stamp) -> None:
        self.summaries[session.id], self.stamps[session.id] = summarize(session), stamp
        self._changed.add(session.id)

    def drop(self, session_id: str) -> None:
        self.summaries.pop(session_id, None)
        self.stamps.pop(session_id, None)
        self._changed.add(session_id)

    def save(self) -> None:
        if not (self.stale or self._changed):
            return
        self.local_dir.mkdir(parents=True, exist_ok=True)
        log = self.local_dir / INDEX_LOG
        if self.stale or self._generation is None or changelog.due(self._replay, self._bytes):
            self._compact()
        else:
            entries = [self._entry(sid) for sid in sorted(self._changed)]
            changelog.append(log, self._generation, self._replay, entries)
            _bump_mtime(self.local_dir / INDEX_FILE)  # what watchers of the index file compare
        self.stale = False
        self._changed.clear()

    def _entry(self, session_id: str) -> dict[str, Any]:
        summary = self.summaries.get(session_id)
        if summary is None:
            return {"id": session_id}
        return {"id": session_id, "s": {**vars(summary), "file": self.stamps[session_id]}}

    def _compact(self) -> None:
        # vars() rather than asdict(): the fields are flat, and asdict's deep copy of a few
        # thousand summaries was most of an incremental run's fixed cost.
        entries = {
            sid: {**vars(summary), "file": self.stamps[sid]}
            for sid, summary in self.summaries.items()
        }
        self._generation = changelog.new_generation()
        doc = {"version": INDEX_VERSION, "generation": self._generation, "sessions": entries}
        data = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
        _replace(self.local_dir / INDEX_FILE, data)
        self._bytes = len(data)
        changelog.reset(self.local_dir / INDEX_LOG, self._replay)

    def _read(self) -> dict[str, tuple[SessionSummary, Stamp]]:
        try:
            raw = (self.local_dir / INDEX_FILE).read_bytes()
            doc = orjson.loads(raw)
            if doc["version"] != INDEX_VERSION:
                raise ValueError("version")
            sessions = dict(doc["sessions"])
            generation = doc.get("generation")
            replay = changelog.read(self.local_dir / INDEX_LOG, generation)
            for change in replay.entries:
                if "s" in change:
                    sessions[change["id"]] = change["s"]
                else:
                    sessions.pop(change["id"], None)
            recorded = {
                sid: (SessionSummary.from_dict(entry), tuple(entry["file"]))
                for sid, entry in sessions.items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return {}  # corrupt or from another version: rebuilt from the cache files
        self._generation, self._replay, self._bytes = generation, replay, len(raw)
        return recorded

    def _summarize(self, path: Path) -> None:
        session = read(path)
        if session is not None and path.name == file_name(session.id):
            try:
                st = path.stat()
            except FileNotFoundError:
                return
            stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
            self.summaries[session.id], self.stamps[session.id] = summarize(session), stamp
        self.stale = True


class IndexLog:
    """Additions to the index's log made without reading the index: all a run that changed only
    a few known sessions needs (`open` says None when the index must be opened whole: absent,
    written by another version, or its log due for compaction)."""

    def __init__(self, local_dir: Path, generation: str, replay: changelog.Replay) -> None:
        self.local_dir, self.generation, self.replay = local_dir, generation, replay
        self.entries: list[dict[str, Any]] = []

    @classmethod
    def open(cls, local_dir: Path) -> IndexLog | None:
        try:
            with (local_dir / INDEX_FILE).open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                head = handle.read(64)
                handle.seek(max(0, size - 16))
                end = handle.read()
        except FileNotFoundError:
            return None
        found = _HEAD.match(head)
        if found is None or not end.endswith(_END):
            return None
        generation = found.group(1).decode()
        replay = changelog.tail(local_dir / INDEX_LOG, generation)
        if changelog.due(replay, size):
            return None
        return cls(local_dir, generation, replay)

    def set(self, session: Session, stamp: Stamp) -> None:
        self.entries.append({"id": session.id, "s": {**vars(summarize(session)), "file": stamp}})

    def save(self) -> None:
        if self.entries:
            changelog.append(self.local_dir / INDEX_LOG, self.generation, self.replay, self.entries)
            _bump_mtime(self.local_dir / INDEX_FILE)
            self.entries = []


# How `Index._compact` starts and ends its file (orjson, sorted keys): generation, …, version.
_HEAD = re.compile(rb'\{"generation":"([0-9a-f]{1,64})","sessions":')
_END = b',"version":%d}' % INDEX_VERSION


def index_stamp(local_dir: Path) -> str:
    """Changes whenever the index does (its file is rewritten, or its log appended to and the
    file's mtime moved on): what a consumer of summaries compares to know it is up to date."""
    try:
        st = (local_dir / INDEX_FILE).stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_mtime_ns}:{st.st_size}"


def _current(stamp: Stamp, inode: int, folder: Path, name: str) -> Stamp | None:
    """The entry's stamp if it still describes the file: the same inode, or, for an entry
    written before inodes were recorded, the same size and mtime (then with the inode added)."""
    if len(stamp) == 3:
        return stamp if stamp[2] == inode else None
    try:
        st = (folder / name).stat()
    except FileNotFoundError:
        return None
    same = (st.st_size, st.st_mtime_ns) == tuple(stamp[:2])
    return (st.st_size, st.st_mtime_ns, st.st_ino) if same else None


def _bump_mtime(path: Path) -> None:
    try:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, max(time.time_ns(), st.st_mtime_ns + 1)))
    except FileNotFoundError:
        pass


def _inodes(folder: Path) -> dict[str, int]:
    """File name → inode of every cache file (temporary files aside), from the listing alone."""
    try:
        with os.scandir(folder) as entries:
            return {
                entry.name: entry.inode()
                for entry in entries
                if entry.name.endswith(".json") and not entry.name.startswith(".")
            }
    except FileNotFoundError:
        return {}
