"""The local event log: one JSON line per git hook event, `<git-common-dir>/ai-journal/events.jsonl`.

Every linked worktree shares the file, so hooks of several worktrees may append at the same time.
Each event is written with a single `write` on a file opened with `O_APPEND`: the kernel places
every such write at the end in one piece, so lines never interleave. A line is at most
`MAX_LINE` bytes: a bigger event (a rebase of some ten thousand commits) keeps its scalar fields and
names its emptied lists in `omitted` (the reflog still tells what happened). A write cut short (a
full disk) is closed with a newline, so the next event starts a line of its own; the reader skips
the broken line and counts it, and leaves alone a last line still being written. The log is
append-only and local; it is read back by later stages (attribution, rewrite remapping) and may be
deleted.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

EVENTS_NAME = "events.jsonl"
VERSION = 1
COMMON_FIELDS = ("v", "ts", "hook", "worktree")
MAX_LINE = 1 << 20


class EventLog(NamedTuple):
    events: list[dict[str, Any]]
    malformed: int  # lines that were not a JSON object with a hook name (skipped)


def events_path(local_dir: Path) -> Path:
    return local_dir / EVENTS_NAME


def utc_now() -> str:
    """The current time as ISO-8601 UTC with milliseconds and a `Z`."""
    now = time.time()
    millis = int(now * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{millis:03d}Z"


def append(local_dir: Path, hook: str, worktree: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """Append one event (`v`, `ts`, `hook`, `worktree` plus `data`) and return it."""
    clash = set(COMMON_FIELDS) & set(data)
    if clash:
        raise ValueError(f"event data may not set {sorted(clash)}")
    event: dict[str, Any] = {"v": VERSION, "ts": utc_now(), "hook": hook, "worktree": str(worktree)}
    event.update(data)
    payload = _encode(event)
    if len(payload) > MAX_LINE:
        omitted = sorted(k for k, v in data.items() if isinstance(v, (list, dict)))
        event.update({k: [] for k in omitted}, omitted=omitted)
        payload = _encode(event)
        if len(payload) > MAX_LINE:
            raise ValueError(f"a {hook} event of {len(payload)} bytes is over {MAX_LINE}")
    local_dir.mkdir(parents=True, exist_ok=True)
    write_line(events_path(local_dir), payload)
    return event


def write_line(path: Path, payload: bytes) -> None:
    """Append one newline-terminated line with a single `write`; a short write is closed with
    a newline and reported as a full disk."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, payload)
        if written != len(payload):
            os.write(fd, b"\n")
            raise OSError(errno.ENOSPC, f"short write ({written} of {len(payload)} bytes)", path)
    except OSError as exc:
        if exc.filename is None:  # os.write does not say which file
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    finally:
        os.close(fd)


def _encode(event: dict[str, Any]) -> bytes:
    line = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    return line.encode("utf-8")


def load(local_dir: Path) -> EventLog:
    """Every well-formed event, oldest first, and the number of lines skipped as malformed."""
    try:
        raw = events_path(local_dir).read_bytes()
    except FileNotFoundError:
        return EventLog([], 0)
    events: list[dict[str, Any]] = []
    malformed = 0
    complete = raw[: raw.rfind(b"\n") + 1]  # an unterminated last line is still being written
    for line in complete.splitlines():
        if not line.strip():
            continue
        event = _parse(line)
        if event is None:
            malformed += 1
        else:
            events.append(event)
    return EventLog(events, malformed)


def read_events(local_dir: Path) -> list[dict[str, Any]]:
    return load(local_dir).events


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("hook"), str):
        return None
    return value
