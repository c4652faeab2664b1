"""Where each log file was last read up to: `<git-common-dir>/ai-journal/cursors.json`, and what
changed since it was last written whole: `cursors.log` (see `sources.changelog`).

A cursor names the file (path, and identity = device + inode, so a replaced file is noticed), how
much of it was seen (size and modification time), the offset just past the last complete line that
was parsed, and the session it holds, or that it is foreign (its session belongs elsewhere).
The store also keeps what the last listing of the log folders found (`dirs`: folder → mtime, and
`scan`: when every log was last looked at, how far `history.jsonl` was read), see
`sources.listing`. A run appends one line per cursor it changed; the file is rewritten whole only
when the log outgrows it. An older cursor file (no generation) is read as it is and rewritten
once, with a generation, by the next run that saves.
Local state: losing it only costs one full re-read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

from journal import state
from journal.sources import changelog

CURSORS_FILE = "cursors.json"
CURSORS_LOG = "cursors.log"
VERSION = 1  # the log and the new keys are additions an older reader ignores


@dataclass
class Cursor:
    path: str
    device: int
    inode: int
    size: int  # bytes seen at the last read (the offset plus any unterminated tail)
    mtime_ns: int
    offset: int  # just past the last complete line parsed
    kind: str  # "jsonl" | "zst" | "g0"
    format: str = "g2"  # the log generation found inside ("g0" | "g1" | "g2")
    session_id: str | None = None
    foreign: bool = False  # the session belongs to another repository

    def same_file(self, st: os.stat_result) -> bool:
        return (self.device, self.inode) == (st.st_dev, st.st_ino)

    def unchanged(self, st: os.stat_result) -> bool:
        return self.same_file(st) and st.st_size == self.size and st.st_mtime_ns == self.mtime_ns


@dataclass
class CursorStore:
    files: dict[str, Cursor]
    history: dict[str, int]  # size and mtime of history.jsonl when it was last applied
    notice: str | None = None  # set when an unreadable store was discarded
    dirs: dict[str, int] = field(default_factory=dict)  # log folder → mtime_ns when listed
    scan: dict[str, Any] = field(default_factory=dict)  # see `sources.listing`
    generation: str | None = None
    replay: changelog.Replay = field(default_factory=changelog.Replay, repr=False)
    base_bytes: int = 0
    saved: dict[str, Any] = field(default_factory=dict, repr=False)  # as last written


_FIELDS = {f.name for f in fields(Cursor)}
_DEFAULTS: dict[str, Any] = {"format": "g2", "session_id": None, "foreign": False}


def load(local: Path) -> CursorStore:
    path = local / CURSORS_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CursorStore({}, {}, replay=changelog.read(local / CURSORS_LOG, None))
    try:
        doc = orjson.loads(raw)
        if doc.get("version") != VERSION:
            raise ValueError("version")
        files_raw: dict[str, Any] = dict(doc["files"])
        dirs, scan = dict(doc.get("dirs") or {}), dict(doc.get("scan") or {})
        history = dict(doc.get("history") or {})
        generation = doc.get("generation")
        replay = changelog.read(local / CURSORS_LOG, generation)
        for entry in replay.entries:
            history, scan = _replay(entry, files_raw, dirs, history, scan)
        files = {key: _cursor(value) for key, value in files_raw.items()}
    except (orjson.JSONDecodeError, ValueError, TypeError, KeyError, AttributeError):
        notice = f"{path}: unreadable, re-reading every agent log"
        return CursorStore({}, {}, notice=notice, replay=changelog.Replay(belongs=False))
    saved = {"files": files_raw, "dirs": dict(dirs), "history": history, "scan": dict(scan)}
    return CursorStore(files, history, None, dirs, scan, generation, replay, len(raw), saved)


def _replay(
    entry: dict[str, Any],
    files: dict[str, Any],
    dirs: dict[str, int],
    history: dict[str, int],
    scan: dict[str, Any],
) -> tuple[dict[str, int], dict[str, Any]]:
    if "f" in entry:
        if "c" in entry:
            files[entry["f"]] = entry["c"]
        else:
            files.pop(entry["f"], None)
    elif "d" in entry:
        if "m" in entry:
            dirs[entry["d"]] = entry["m"]
        else:
            dirs.pop(entry["d"], None)
    if "history" in entry:
        history = dict(entry["history"])
    if "scan" in entry:
        scan = dict(entry["scan"])
    return history, scan


def _cursor(value: dict[str, Any]) -> Cursor:
    if value.keys() == _FIELDS:  # the usual case, written by this version: filled in directly
        cursor = object.__new__(Cursor)
        cursor.__dict__ = dict(value)  # a copy: the parsed dict is what `save` compares with
        return cursor
    known = {k: v for k, v in value.items() if k in _FIELDS}
    return Cursor(**{**_DEFAULTS, **known})


def save(local: Path, store: CursorStore) -> None:
    """Append what changed since `load` (or the last save); rewrite the file when the log is
    due for compaction or the file has no generation yet."""
    saved = store.saved
    files = saved.setdefault("files", {})
    changes = _changes(files, {k: vars(c) for k, c in store.files.items()}, "f")
    changes += _changes(saved.get("dirs", {}), store.dirs, "d")
    if store.history != saved.get("history"):
        changes.append({"history": store.history})
    if store.scan != saved.get("scan"):
        changes.append({"scan": store.scan})
    if store.generation is None or changelog.due(store.replay, store.base_bytes):
        _compact(local, store)
    elif changes:
        changelog.append(local / CURSORS_LOG, store.generation, store.replay, changes)
    for change in changes:
        if "f" in change:
            if "c" in change:
                files[change["f"]] = dict(change["c"])  # a copy: cursors change in place
            else:
                files.pop(change["f"], None)
    saved.update(dirs=dict(store.dirs), history=dict(store.history), scan=dict(store.scan))


def _changes(before: dict[str, Any], now: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = "c" if key == "f" else "m"
    changed = [{key: k, value: v} for k, v in now.items() if before.get(k) != v]
    return changed + [{key: k} for k in before.keys() - now.keys()]


def _compact(local: Path, store: CursorStore) -> None:
    store.generation = changelog.new_generation()
    doc: dict[str, Any] = {
        "version": VERSION,
        "generation": store.generation,
        "files": {key: vars(cursor) for key, cursor in store.files.items()},  # flat: no asdict
        "history": store.history,
        "dirs": store.dirs,
        "scan": store.scan,
    }
    text = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode()
    state.write_atomic(local / CURSORS_FILE, text)
    store.base_bytes = len(text)
    changelog.reset(local / CURSORS_LOG, store.replay)


def cursor_for(
    path: Path, st: os.stat_result, kind: str, offset: int, seen: int, fmt: str = "g2"
) -> Cursor:
    return Cursor(str(path), st.st_dev, st.st_ino, seen, st.st_mtime_ns, offset, kind, fmt)


def next_action(kind: str, st: os.stat_result, cursor: Cursor | None) -> str:
    """What a run does with a log file: "skip", "append" (parse the new bytes), "full" (read it
    from scratch) or "scan" (look at a foreign file's new bytes for a cwd of this repository)."""
    if cursor is None or not cursor.same_file(st):
        return "full"
    if kind != "jsonl":
        return "skip" if cursor.unchanged(st) else "full"
    if st.st_size == cursor.size:
        return "skip"
    if st.st_size < cursor.size:
        return "full"  # truncated or rewritten
    if cursor.foreign:
        return "scan" if cursor.format == "g2" else "full"
    return "append"
