"""Codex's global prompt history: what the user typed, per session.

`$CODEX_HOME/history.jsonl` holds `{"session_id" | "conversation_id": <thread id>, "ts": <unix s>,
"text": …}` lines (the id key was renamed and renamed back over time). The TypeScript CLI kept
`history.json`, an array of `{"command", "timestamp": <unix ms>}` without session ids; those entries
are returned with an empty session id.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from journal.sources import lines, stamps
from journal.sources.model import Message, Session

HISTORY_FILE, LEGACY_HISTORY_FILE = "history.jsonl", "history.json"


class HistoryEntry(NamedTuple):
    session_id: str  # "" for the legacy file, which has none
    ts: str
    text: str


def read_history(home: Path) -> list[HistoryEntry]:
    """Every readable entry of both history files, in file order; bad lines are skipped."""
    entries: list[HistoryEntry] = []
    path = home / HISTORY_FILE
    if path.is_file():
        with path.open("rb") as handle:
            for line, _ in lines.bounded_lines(handle):
                entry = _entry(_load(line))
                if entry is not None:
                    entries.append(entry)
    legacy = _load(_read(home / LEGACY_HISTORY_FILE))
    if isinstance(legacy, list):
        entries += [e for e in map(_legacy_entry, legacy) if e is not None]
    return entries


def stamp(home: Path) -> dict[str, int]:
    """Size, mtime and inode of both history files: when equal, the history did not change."""
    found: dict[str, int] = {}
    for prefix, name in (("", HISTORY_FILE), ("old_", LEGACY_HISTORY_FILE)):
        try:
            st = (home / name).stat()
        except OSError:
            continue
        found |= {
            f"{prefix}size": st.st_size,
            f"{prefix}mtime_ns": st.st_mtime_ns,
            f"{prefix}ino": st.st_ino,
        }
    return found


def by_session(entries: list[HistoryEntry]) -> dict[str, list[HistoryEntry]]:
    grouped: dict[str, list[HistoryEntry]] = {}
    for entry in entries:
        if entry.session_id:
            grouped.setdefault(entry.session_id, []).append(entry)
    return grouped


def apply(session: Session, entries: list[HistoryEntry]) -> bool:
    """Use history as the prompts of a session whose log has no `user_message` events (its
    response-item prompts are kept aside and come back if the history loses the session).
    True when the prompts changed."""
    state = session.reader_state
    source = state.get("prompts_from")
    if source == "events":
        return False
    if entries:
        prompts = [Message(e.ts, e.text) for e in entries]
        if source == "history" and prompts == session.prompts:
            return False
        if source != "history":
            state["item_prompts"] = [asdict(m) for m in session.prompts]
        session.prompts, state["prompts_from"] = prompts, "history"
        return True
    if source == "history":
        session.prompts = [Message(**m) for m in state.pop("item_prompts", [])]
        state["prompts_from"] = "items"
        return True
    return False


def _entry(record: Any) -> HistoryEntry | None:
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None
    sid = record.get("session_id", record.get("conversation_id"))
    ts = stamps.normalize(record.get("ts"))
    if not isinstance(sid, str) or not sid or ts is None:
        return None
    return HistoryEntry(sid, ts, record["text"])


def _legacy_entry(record: Any) -> HistoryEntry | None:
    if not isinstance(record, dict) or not isinstance(record.get("command"), str):
        return None
    ts = stamps.normalize(record.get("timestamp"))
    return HistoryEntry("", ts, record["command"]) if ts else None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _load(raw: bytes) -> Any:
    try:
        return orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        return None
