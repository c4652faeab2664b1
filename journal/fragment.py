"""One agent session → the committed session fragment (schema 1 in docs/design.md).

`build` assembles the document from the field values `journal.fragment_fields` derives (redacted,
paths relative, sub-agent threads folded into their parent); the rest of this module names, dumps,
writes and loads fragment files. A file whose `digest` no longer matches its content was edited by a
person and is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journal import state
from journal import summary as summaries
from journal.config import Config
from journal.errors import JournalError, StateCorrupt
from journal.fragment_fields import (
    NEVER,
    Scrub,
    active_spans,
    all_stamps,
    commit_links,
    file_changes,
    outcome,
    plan_snapshots,
    shell_commands,
    stamp_time,
    thread_entries,
    token_totals,
)
from journal.redact import Redactor
from journal.sources.model import Session

SCHEMA = 1
SLUG_MAX_CHARS = 40


@dataclass
class WriteResult:
    path: Path
    written: bool
    hand_edited: bool


def build(
    session: Session,
    *,
    children: list[Session],
    commits: list[dict[str, Any]],
    config: Config,
    toplevel: Path,
    worktrees: list[Path],
    redactor: Redactor,
    summary: str | None = None,
) -> dict[str, Any]:
    """The fragment of `session`; `summary`, when given (a summary command's, already redacted),
    replaces the default one (`journal.summary`)."""
    scrub = Scrub(redactor, toplevel, worktrees)
    children = sorted(children, key=lambda child: (child.started or "", child.id))
    threads: list[tuple[Session, str | None]] = [(session, None)]
    threads += [(child, child.id) for child in children]
    stamps = sorted(all_stamps([session, *children]), key=stamp_time)
    fragment: dict[str, Any] = {
        "schema": SCHEMA,
        "agent": session.agent,
        "id": session.id,
        "title": scrub.text(session.title, config.prompt_max_chars) if session.title else None,
        "parent_id": session.parent_id,
        "subagents": sorted(set(session.subagents) | {child.id for child in children}),
        "started": session.started or (stamps[0] if stamps else None),
        "ended": stamps[-1] if stamps else session.ended,
        "cwd": scrub.path(session.cwd) if session.cwd else None,
        "model": session.model,
        "git": {"branch": session.git_branch, "commit": session.git_commit},
        "prompts": [
            {"ts": p.ts, "text": scrub.text(p.text, config.prompt_max_chars)}
            for p in session.prompts
        ],
        "summary": None,
        "outcome": outcome(session),
        "commands": thread_entries(threads, shell_commands, scrub),
        "files": thread_entries(threads, file_changes, scrub),
        "plans": thread_entries(threads, plan_snapshots, scrub),
        "tokens": token_totals([session, *children], ZoneInfo(config.timezone)),
        "commits": commit_links(commits),
        "active": active_spans(stamps),
    }
    limit = config.summary_max_chars
    fragment["summary"] = summary or summaries.choose(session, fragment, scrub, limit)
    fragment["digest"] = state.digest(fragment)
    return fragment


# -- files ----------------------------------------------------------------------------------------


def filename(session: Session) -> str:
    """`<UTC stamp>_<branch slug>_<id8>.json`, e.g. `20260223T115434Z_feature-login_019c8a59.json`."""
    started = session.started or min(session.timestamps(), default=None)
    parsed = stamp_time(started) if started else NEVER
    stamp = "00000000T000000Z" if parsed == NEVER else f"{parsed.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{stamp}_{branch_slug(session.git_branch)}_{session.id8}.json"


def branch_slug(branch: str | None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (branch or "").lower()).strip("-")
    slug = slug[:SLUG_MAX_CHARS].rstrip("-")
    return slug if slug and branch != "HEAD" else "detached"


def dumps(fragment: dict[str, Any]) -> str:
    """Canonical JSON with `digest` recomputed over everything else."""
    data = {key: value for key, value in fragment.items() if key != "digest"}
    data["digest"] = state.digest(data)
    return state.dumps_canonical(data)


def write(directory: Path, fragment: dict[str, Any], name: str) -> WriteResult:
    """Write atomically, reusing the session's existing file; a hand-edited file is left alone."""
    target = directory / _existing_name(directory, str(fragment["id"]), name)
    if target.exists() and _hand_edited(target):
        return WriteResult(target, written=False, hand_edited=True)
    written = state.write_atomic(target, dumps(fragment))
    return WriteResult(target, written=written, hand_edited=False)


def _existing_name(directory: Path, session_id: str, name: str) -> str:
    if (directory / name).exists() or not directory.is_dir():
        return name
    id8 = session_id.replace("-", "")[:8]
    for path in sorted(directory.glob(f"*_{id8}.json")):
        try:
            data = state.read_json(path)
        except StateCorrupt:
            continue
        if isinstance(data, dict) and data.get("id") == session_id:
            return path.name
    return name


def _hand_edited(path: Path) -> bool:
    try:
        data = state.read_json(path)
    except StateCorrupt:
        return True  # unreadable: a person was here (or worse); never overwrite it
    if isinstance(data, dict) and isinstance(data.get("schema"), int) and data["schema"] > SCHEMA:
        raise JournalError(
            f"{path}: written by a newer ai-journal (schema {data['schema']}, this one knows up "
            f"to {SCHEMA}); upgrade ai-journal, nothing was written"
        )
    return not isinstance(data, dict) or data.get("digest") != state.digest(data)


def load_all(directory: Path) -> list[dict[str, Any]]:
    """Every fragment in `directory`, by start time then id; a broken file raises `StateCorrupt`."""
    if not directory.is_dir():
        return []
    fragments: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.json")):
        data = state.read_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise StateCorrupt(str(path), 1, 1, "not a session fragment (no session id)")
        fragments.append(data)
    return sorted(fragments, key=lambda fragment: (fragment.get("started") or "", fragment["id"]))
