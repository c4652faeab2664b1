"""Taking a session or a text back out: `ai-journal prune` and `ai-journal reset --local`.

`prune_session` deletes the session's fragment, drops the entries its sub-agent thread left in
other fragments, re-renders the journals that mention it, and forgets it locally: its parsed record,
its session-index entry, and the cursors of its log files (marked foreign). Its id is recorded in
`<git-common-dir>/ai-journal/pruned.json`, which ingest reads, so the log is never taken in again.

`prune_text` replaces every match of a regex by `[REDACTED:pruned]` in the fragments, the project
state and the journals (hand-written text included), then re-renders the journals it touched, and
does the same in the parsed-session cache. A digest that matched before is refreshed, so the tool
still owns the file; a file a person had edited stays theirs. The agent logs themselves are never
touched: `redact.patterns` keeps the text out of what later runs write.

Neither stages anything; they return the files they changed.

`reset_local` deletes the caches the agent logs rebuild (cursors, parsed sessions, session index)
and keeps what they cannot: the hook event log, rewrite maps, checkpoints, the journals a merge
left stale, the pruned ids and the error log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journal import state

if TYPE_CHECKING:
    from journal.config import Config
    from journal.git import RepoPaths

PRUNED_FILE = "pruned.json"
PRUNED_MARK = "[REDACTED:pruned]"
REBUILDABLE = (
    "cursors.json",
    "cursors.log",
    "session-index.json",
    "session-index.log",
    "sessions",
    "recall.sqlite",
    "commit-facts.sqlite",
    "clean-texts",
)


def pruned_ids(local: Path) -> frozenset[str]:
    """Session ids `prune --session` took out; ingest never takes them in again."""
    try:
        doc = state.read_json(local / PRUNED_FILE, default={})
    except Exception:  # unreadable: prune again rather than stop every hook
        return frozenset()
    sessions = doc.get("sessions") if isinstance(doc, dict) else None
    return frozenset(s for s in sessions or [] if isinstance(s, str))


# -- a session --------------------------------------------------------------------------------


def prune_session(paths: RepoPaths, config: Config, session_id: str) -> list[Path]:
    """Everything of one session (an id or a unique prefix) out of the work tree and local state."""
    from journal import fragment

    top, local = paths.toplevel, state.local_dir(paths.common_dir)
    folder = top / state.COMMITTED_DIRNAME / "sessions"
    with state.locked(local):
        full_id = _resolve(session_id, fragment.load_all(folder), _cached_ids(local))
        changed = _drop_fragments(folder, full_id)
        days = _journal_days_mentioning(top, config, re.escape(full_id))
        changed += _forget_locally(local, full_id)
        _record_pruned(local, full_id)
        _drop_recall_index(local)
    return sorted(set(changed + _render(paths, config, days)))


def _resolve(session_id: str, fragments: list[dict[str, Any]], cached: set[str]) -> str:
    from journal.errors import JournalError

    known = {str(f["id"]) for f in fragments} | cached
    if session_id in known:
        return session_id
    matches = sorted(sid for sid in known if sid.startswith(session_id))
    if len(matches) != 1 or len(session_id) < 4:
        found = "no session" if not matches else f"{len(matches)} sessions"
        raise JournalError(
            f"{found} match {session_id!r}; give more of the id (see `ai-journal sessions`)"
        )
    return matches[0]


def _drop_fragments(folder: Path, session_id: str) -> list[Path]:
    from journal import fragment

    changed: list[Path] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        doc = state.read_json(path)
        if not isinstance(doc, dict):
            continue
        if doc.get("id") == session_id:
            path.unlink()
            changed.append(path)
            continue
        kept = _without_thread(doc, session_id)
        if kept != doc:
            _write_json(path, doc, kept, fragment.dumps)
            changed.append(path)
    return changed


def _without_thread(doc: dict[str, Any], child_id: str) -> dict[str, Any]:
    """A parent fragment without the entries its sub-agent `child_id` left in it."""
    out = dict(doc)
    for key in ("commands", "files", "plans"):
        if isinstance(doc.get(key), list):
            out[key] = [
                e for e in doc[key] if not (isinstance(e, dict) and e.get("subagent") == child_id)
            ]
    if isinstance(doc.get("subagents"), list):
        out["subagents"] = [s for s in doc["subagents"] if s != child_id]
    return out


def _forget_locally(local: Path, session_id: str) -> list[Path]:
    from journal.sources import cache, cursors

    changed: list[Path] = []
    record = local / cache.SESSIONS_DIR / cache.file_name(session_id)
    if record.exists():
        cache.forget(local, session_id)
        changed.append(record)
    index = cache.Index(local)  # heals itself from the folder: the record is gone from it now
    index.drop(session_id)
    index.save()
    if changed:
        changed.append(local / cache.INDEX_FILE)
    store = cursors.load(local)
    theirs = [c for c in store.files.values() if c.session_id == session_id and not c.foreign]
    for cursor in theirs:
        cursor.foreign = True  # its new bytes are only scanned, and ingest skips it even then
    if theirs:
        cursors.save(local, store)
        changed.append(local / cursors.CURSORS_FILE)
    return changed


def _record_pruned(local: Path, session_id: str) -> None:
    ids = sorted(pruned_ids(local) | {session_id})
    state.write_atomic(local / PRUNED_FILE, state.dumps_canonical({"sessions": ids}))


def _cached_ids(local: Path) -> set[str]:
    from journal.sources import cache

    return set(cache.Index(local).summaries)


# -- a text -----------------------------------------------------------------------------------


def prune_text(paths: RepoPaths, config: Config, pattern: str) -> list[Path]:
    """Every match of `pattern` replaced by `[REDACTED:pruned]` in committed artifacts and caches."""
    from journal import fragment, project_state

    regex = _compile(pattern)
    top, local = paths.toplevel, state.local_dir(paths.common_dir)

    def sub(text: str) -> str:
        return regex.sub(PRUNED_MARK, text)

    changed: list[Path] = []
    with state.locked(local):
        folder = top / state.COMMITTED_DIRNAME / "sessions"
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            changed += _sub_json(path, sub, fragment.dumps)
        changed += _sub_json(top / project_state.STATE_PATH, sub, _dumps_with_digest)
        days = _journal_days_mentioning(top, config, pattern)
        for when in days:
            path = _journal_path(top, config, when)
            text = path.read_text(encoding="utf-8")
            if state.write_atomic(path, sub(text)):
                changed.append(path)
        changed += _sub_cache(local, sub)
        _drop_recall_index(local)
    return sorted(set(changed + _render(paths, config, days)))


def _drop_recall_index(local: Path) -> None:
    """The recall index holds the text too; the next search or stage rebuilds it."""
    from journal import recall_store

    recall_store.drop(local)


def _compile(pattern: str) -> re.Pattern[str]:
    from journal.errors import JournalError

    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise JournalError(f"--match {pattern!r} is not a valid regex ({exc})") from exc
    if regex.search(""):
        raise JournalError(f"--match {pattern!r} matches the empty string; make it specific")
    return regex


def _sub_json(
    path: Path, sub: Callable[[str], str], dumps: Callable[[dict[str, Any]], str]
) -> list[Path]:
    doc = state.read_json(path)
    if not isinstance(doc, dict):
        return []
    new = _walk(doc, sub)
    return [path] if new != doc and _write_json(path, doc, new, dumps) else []


def _write_json(
    path: Path, old: dict[str, Any], new: dict[str, Any], dumps: Callable[[dict[str, Any]], str]
) -> bool:
    """Write `new`; its digest is refreshed only when `old`'s matched (a person's file stays theirs)."""
    if old.get("digest") == state.digest(old):
        return state.write_atomic(path, dumps(new))
    return state.write_atomic(path, state.dumps_canonical(new))


def _dumps_with_digest(doc: dict[str, Any]) -> str:
    data = {key: value for key, value in doc.items() if key != "digest"}
    data["digest"] = state.digest(data)
    return state.dumps_canonical(data)


def _walk(value: Any, sub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return sub(value)
    if isinstance(value, list):
        return [_walk(item, sub) for item in value]
    if isinstance(value, dict):
        return {key: _walk(item, sub) for key, item in value.items()}
    return value


def _sub_cache(local: Path, sub: Callable[[str], str]) -> list[Path]:
    import orjson

    from journal.sources import cache

    changed: list[Path] = []
    folder = local / cache.SESSIONS_DIR
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        raw = path.read_bytes()
        doc = orjson.loads(raw)
        new = orjson.dumps(_walk(doc, sub))
        if new != orjson.dumps(doc):
            state.write_atomic(path, new.decode())
            changed.append(path)
    if changed:
        (local / cache.INDEX_FILE).unlink(missing_ok=True)  # summaries hold prompts: rebuilt
        changed.append(local / cache.INDEX_FILE)
    return changed


# -- journals ---------------------------------------------------------------------------------

_DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.md")


def _journal_path(top: Path, config: Config, when: date) -> Path:
    return top / config.journal_dir / f"{when.isoformat()}.md"


def _journal_days_mentioning(top: Path, config: Config, pattern: str) -> list[date]:
    folder = top / config.journal_dir
    regex = re.compile(pattern)
    days: list[date] = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        name = _DAY_FILE.fullmatch(path.name)
        if name and regex.search(path.read_text(encoding="utf-8")):
            days.append(date.fromisoformat(name.group(1)))
    return days


def still_mentioned(paths: RepoPaths, config: Config, pattern: str) -> list[Path]:
    """Journals in which `pattern` still occurs after a prune: text from git history (commit
    messages), which only rewriting those commits removes."""
    days = _journal_days_mentioning(paths.toplevel, config, pattern)
    return [_journal_path(paths.toplevel, config, when) for when in days]


def _render(paths: RepoPaths, config: Config, days: list[date]) -> list[Path]:
    if not days:
        return []
    from journal import pipeline

    return list(pipeline.render_days(paths, config, days).written)


# -- reset ------------------------------------------------------------------------------------


def reset_local(common_dir: Path) -> list[Path]:
    """Delete the caches the agent logs rebuild; keep everything they cannot."""
    import shutil

    local = state.local_dir(common_dir)
    removed: list[Path] = []
    with state.locked(local):
        for name in REBUILDABLE:
            path = local / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
            else:
                continue
            removed.append(path)
    return removed
