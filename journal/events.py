"""The local event log: one JSON line per git hook event, `<git-common-dir>/ai-journal/events.jsonl`.

Every linked worktree shares the file, so hooks of several worktrees may append at the same time.
Each event is written with a single `write` on a file opened with `O_APPEND`: the kernel places
every such write at the end in one piece, so lines never interleave. The log is append-only and
local; it is read back by later stages (attribution, rewrite remapping) and may be deleted.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

EVENTS_NAME = "events.jsonl"
VERSION = 1
COMMON_FIELDS = ("v", "ts", "hook", "worktree")


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
    line = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    payload = line.encode("utf-8")
    local_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(events_path(local_dir), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, payload)
    finally:
        os.close(fd)
    if written != len(payload):
        raise OSError(f"short write to {events_path(local_dir)}: {written} of {len(payload)} bytes")
    return event


def load(local_dir: Path) -> EventLog:
    """Every well-formed event, oldest first, and the number of lines skipped as malformed."""
    try:
        raw = events_path(local_dir).read_bytes()
    except FileNotFoundError:
        return EventLog([], 0)
    events: list[dict[str, Any]] = []
    malformed = 0
    for line in raw.splitlines():
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
