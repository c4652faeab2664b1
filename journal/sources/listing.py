"""Which logs a run looks at: all of them now and then, otherwise only those that may have changed.

A log that is only appended to does not move its folder's mtime, and `stat`ing every log of a
large `CODEX_HOME` on every commit was most of what an incremental ingest cost beyond parsing.
So a run either
* makes a full pass: lists every folder and plans every log (the first run, `full=True`, and
  whenever the last full pass is `FULL_PASS_NS` old, or the clock went back); or
* a quick pass: lists again only folders whose mtime moved (new, moved and archived logs), and of
  the logs known in unchanged folders plans only the live ones: written to within `LIVE_NS`,
  G0 files (rewritten whole), and the logs of sessions named by new lines of `history.jsonl`
  within `LIVE_NS` (Codex records each prompt there, so a session resumed after a long pause
  wakes up even though its log sits in an old folder).
The rest are kept as they were. A log appended to after a long pause by a session that wrote no
prompt to the history (`codex exec resume`, or history turned off) is read by the next full
pass, at most `FULL_PASS_NS` later. Shrunk or replaced history, or a listing state that cannot be
trusted, means a full pass.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from journal.sources import discover
from journal.sources.cursors import CursorStore
from journal.sources.discover import LogFile
from journal.sources.history import HISTORY_FILE

FULL_PASS_NS = 10 * 60 * 1_000_000_000
LIVE_NS = 3 * 24 * 3600 * 1_000_000_000
HISTORY_TAIL_MAX = 4 << 20  # more new history than that at once: a full pass is as cheap


class Listing(NamedTuple):
    logs: list[LogFile]  # to plan (each is `stat`ed)
    kept: set[str]  # known logs not looked at this time: their cursors stay as they are
    full: bool


NOTHING = Listing([], set(), True)


def list_logs(home: Path, store: CursorStore, *, full: bool = False) -> Listing:
    now = time.time_ns()
    last = store.scan.get("full_ns")
    history = _history_tail(home, store.scan)
    woken = _woken(store.scan, history, now)
    stale = not isinstance(last, int) or not 0 <= now - last < FULL_PASS_NS
    if full or stale or woken is None or not store.dirs:
        dirs: dict[str, int] = {}
        logs = discover.find_logs(home, dirs)
        store.dirs, store.scan = dirs, {**store.scan, "full_ns": now}
        return Listing(logs, set(), True)
    previous = store.dirs
    changed = discover.list_changed(home, previous)
    store.dirs = changed.dirs
    listed = {log.file for log in changed.logs}
    logs, kept = list(changed.logs), set()
    live_after = now - LIVE_NS
    same = changed.unchanged
    every_folder_same = not listed and same.issuperset(previous)
    for path, cursor in store.files.items():
        if not every_folder_same and (path in listed or os.path.dirname(path) not in same):
            continue  # listed again, or its folder is gone
        if cursor.mtime_ns >= live_after or cursor.kind == "g0" or cursor.session_id in woken:
            logs.append(LogFile(path, cursor.kind))  # type: ignore[arg-type]
        else:
            kept.add(path)
    if len(logs) > len(changed.logs):
        logs = discover.sort_logs([(log.file, log.kind) for log in logs])
    return Listing(logs, kept, False)


def _history_tail(home: Path, scan: dict[str, Any]) -> list[bytes] | None:
    """The lines `history.jsonl` gained since the last run (and that position noted in `scan`);
    None when it shrank or was replaced (its new lines cannot be told apart)."""
    path = home / HISTORY_FILE
    try:
        st = os.stat(path)
    except OSError:
        scan["history"] = [0, 0]
        return []
    seen = scan.get("history")
    size, ino = (seen[0], seen[1]) if isinstance(seen, list) and len(seen) == 2 else (0, 0)
    if (st.st_size, st.st_ino) == (size, ino):
        return []
    if ino != st.st_ino or st.st_size < size:
        scan["history"] = [st.st_size, st.st_ino]  # the full pass this asks for reads it all
        return None
    if st.st_size - size > HISTORY_TAIL_MAX:
        scan["history"] = [st.st_size, st.st_ino]
        return None
    try:
        with open(path, "rb") as handle:
            handle.seek(size)
            data = handle.read(st.st_size - size)
    except OSError:
        return None
    whole = data.rfind(b"\n") + 1  # a line still being written is read next time
    scan["history"] = [size + whole, st.st_ino]
    return data[:whole].splitlines()


def _woken(scan: dict[str, Any], tail: list[bytes] | None, now: int) -> dict[str, int] | None:
    """Sessions named by recent history lines, with when they were seen; None: cannot tell."""
    if tail is None:
        return None
    previous = scan.get("woken")
    woken = dict(previous) if isinstance(previous, dict) else {}
    for line in tail:
        sid = _session_of(line)
        if sid:
            woken[sid] = now
    woken = {sid: when for sid, when in woken.items() if now - when < LIVE_NS}
    scan["woken"] = woken
    return woken


def _session_of(line: bytes) -> str | None:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(record, dict):
        return None
    sid = record.get("session_id", record.get("conversation_id"))
    return sid if isinstance(sid, str) else None
