"""Where each log file was last read up to: `<git-common-dir>/ai-journal/cursors.json`.

A cursor names the file (path, and identity = device + inode, so a replaced file is noticed), how
much of it was seen (size and modification time), the offset just past the last complete line that
was parsed, and the session it holds, or that it is foreign (its session belongs elsewhere).
Local state: losing the file only costs one full re-read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import orjson

from journal import state

CURSORS_FILE = "cursors.json"
VERSION = 1


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


def load(local: Path) -> CursorStore:
    path = local / CURSORS_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CursorStore({}, {})
    try:
        doc = orjson.loads(raw)
        if doc.get("version") != VERSION:
            raise ValueError("version")
        names = {f.name for f in fields(Cursor)}
        files = {key: _cursor(value, names) for key, value in doc["files"].items()}
        return CursorStore(files, dict(doc.get("history") or {}))
    except (orjson.JSONDecodeError, ValueError, TypeError, KeyError, AttributeError):
        return CursorStore({}, {}, notice=f"{path}: unreadable, re-reading every agent log")


def _cursor(value: dict[str, Any], names: set[str]) -> Cursor:
    try:
        return Cursor(**value)  # the usual case: written by this version, no filtering
    except TypeError:
        return Cursor(**{k: v for k, v in value.items() if k in names})


def save(local: Path, store: CursorStore) -> None:
    doc: dict[str, Any] = {
        "version": VERSION,
        "files": {key: vars(cursor) for key, cursor in store.files.items()},  # flat: no asdict
        "history": store.history,
    }
    state.write_atomic(
        local / CURSORS_FILE, orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode()
    )


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
