"""The value of each session-fragment field, derived from `Session` records.

Every free-text string goes through `replace_roots` (absolute repository paths → `./…`) and the
redactor; every path through `relativize` and the redactor (a token can be a file name; both in
`Scrub`). Choices the schema leaves to this
module:

- Sub-agent threads are folded into their parent. Their commands, files and plans join the parent's
  lists (in time order) carrying `"subagent": "<child id>"`; the parent's own entries have no such
  key. Their token usage adds to the totals and to `by_day`, their times extend `ended` and
  `active`. Their prompts and replies (the parent agent talking to them) are not copied.
- A move is `{"action": "move", "path": <new path>, "from": <old path>}`.
- A command line is cut at `COMMAND_MAX_CHARS`, prompts and titles at `prompt_max_chars`, the
  summary at `summary_max_chars`; a cut ends in "…" and never splits a `[REDACTED:…]` marker.
- `outcome`: `completed` when the last prompt got a final answer (a `final_answer` reply, or any
  reply in logs that do not mark phases) and no call lacks its output; otherwise `interrupted` when
  a turn was aborted or the log ends with a call that never got its output; else `in_progress`.
- `tokens.by_day`: growth of the cumulative total per calendar day in `journal.timezone`; a total
  that drops (a counter reset) counts from zero again; days without growth are left out.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journal.paths import relativize, replace_roots
from journal.redact import MARKER, Redactor
from journal.sources.model import Session, ToolCall

COMMAND_MAX_CHARS = 500
ACTIVE_GAP = timedelta(minutes=30)
NEVER = datetime.min.replace(tzinfo=UTC)  # what an unreadable timestamp parses to
_STRENGTH_ORDER = {"explicit": 0, "files": 1, "time": 2}


EntriesOf = Callable[[Session, "Scrub"], list[dict[str, Any]]]


@dataclass(frozen=True)
class Scrub:
    """How free text and paths are cleaned for one repository."""

    redactor: Redactor
    toplevel: Path
    worktrees: list[Path]

    def text(self, value: str, limit: int | None = None) -> str:
        clean = self.redactor.redact(replace_roots(value, [self.toplevel, *self.worktrees]))
        return clean if limit is None else truncate(clean, limit)

    def path(self, value: str, base: str | None = None) -> str:
        if base and not value.startswith("/") and not re.match(r"[A-Za-z]:[\\/]", value):
            value = posixpath.join(base, value)
        return self.redactor.redact(relativize(value, self.toplevel, self.worktrees))


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters; a cut ends in "…" and keeps redaction markers whole."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    for marker in MARKER.finditer(text, max(len(cut) - 40, 0), len(cut) + 40):
        if marker.start() < len(cut) < marker.end():
            cut = cut[: marker.start()]
    return cut.rstrip() + "…"


def outcome(session: Session) -> str:
    calls = session.tool_calls
    if _answered(session) and all(call.finished for call in calls):
        return "completed"
    if session.turns_aborted > 0 or (calls and _log_ends_waiting(session, calls[-1])):
        return "interrupted"
    return "in_progress"


def _answered(session: Session) -> bool:
    """The last prompt got a final answer (any reply, in logs that do not mark phases)."""
    phased = any(reply.phase for reply in session.replies)
    last_prompt = max((prompt.ts for prompt in session.prompts), default="")
    return any(
        stamp_time(reply.ts) >= stamp_time(last_prompt)
        and (reply.phase == "final_answer" or not phased)
        for reply in session.replies
    )


def _log_ends_waiting(session: Session, call: ToolCall) -> bool:
    said = [stamp_time(message.ts) for message in [*session.prompts, *session.replies]]
    return call.finished is None and all(when <= stamp_time(call.started) for when in said)


def final_summary(session: Session, scrub: Scrub, limit: int) -> str | None:
    finals = [reply for reply in session.replies if reply.phase == "final_answer"]
    replies = finals or session.replies
    return scrub.text(replies[-1].text, limit) if replies else None


def shell_commands(session: Session, scrub: Scrub) -> list[dict[str, Any]]:
    return [
        {
            "ts": call.started,
            "command": scrub.text(call.command or "", COMMAND_MAX_CHARS),
            "exit_code": call.exit_code,
        }
        for call in session.tool_calls
        if call.kind == "shell"
    ]


def file_changes(session: Session, scrub: Scrub) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for call in session.tool_calls:
        if call.kind != "patch":
            continue
        base = call.workdir or session.cwd
        for change in call.files:
            entry = {"ts": call.started, "path": scrub.path(change.path, base)}
            entry["action"] = "move" if change.move_to else change.action
            if change.move_to:
                entry["from"], entry["path"] = entry["path"], scrub.path(change.move_to, base)
            entries.append(entry)
    return entries


def plan_snapshots(session: Session, scrub: Scrub) -> list[dict[str, Any]]:
    return [
        {
            "ts": plan.ts,
            "explanation": scrub.text(plan.explanation) if plan.explanation else None,
            "steps": [{"step": scrub.text(s.step), "status": s.status} for s in plan.steps],
        }
        for plan in session.plans
    ]


def thread_entries(
    threads: list[tuple[Session, str | None]], entries_of: EntriesOf, scrub: Scrub
) -> list[dict[str, Any]]:
    """The entries of every thread in time order (stable: call order on ties), children tagged."""
    entries: list[dict[str, Any]] = []
    for session, child_id in threads:
        for entry in entries_of(session, scrub):
            entries.append(entry if child_id is None else {**entry, "subagent": child_id})
    return sorted(entries, key=lambda entry: stamp_time(entry["ts"]))


def token_totals(sessions: list[Session], zone: ZoneInfo) -> dict[str, Any]:
    totals = {"input": 0, "cached_input": 0, "output": 0, "reasoning_output": 0, "total": 0}
    by_day: dict[str, int] = {}
    for session in sessions:
        usage = session.tokens or (
            session.token_snapshots[-1].usage if session.token_snapshots else None
        )
        if usage is not None:
            for name in totals:
                totals[name] += getattr(usage, name)
        previous = 0
        for snapshot in sorted(session.token_snapshots, key=lambda snap: stamp_time(snap.ts)):
            total = snapshot.usage.total
            growth = total - previous if total >= previous else total
            previous = total
            if growth > 0:
                day = stamp_time(snapshot.ts).astimezone(zone).date().isoformat()
                by_day[day] = by_day.get(day, 0) + growth
    return {**totals, "by_day": dict(sorted(by_day.items()))}


def commit_links(commits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best: dict[str, dict[str, Any]] = {}
    for commit in commits:
        entry = {
            "sha": commit["sha"],
            "patch_id": commit.get("patch_id"),
            "strength": commit.get("strength"),
        }
        known = best.get(entry["sha"])
        if known is None or _strength_rank(entry) < _strength_rank(known):
            best[entry["sha"]] = entry
    return [best[sha] for sha in sorted(best)]


def _strength_rank(entry: dict[str, Any]) -> int:
    return _STRENGTH_ORDER.get(str(entry["strength"]), len(_STRENGTH_ORDER))


def all_stamps(sessions: list[Session]) -> list[str]:
    stamps: list[str] = []
    for session in sessions:
        stamps += session.timestamps() + [snap.ts for snap in session.token_snapshots]
        if session.ended:
            stamps.append(session.ended)
    return [stamp for stamp in stamps if stamp_time(stamp) != NEVER]


def active_spans(stamps: list[str]) -> list[list[str]]:
    """Sorted event times → `[start, end]` spans; a gap longer than 30 minutes starts a new one."""
    spans: list[list[str]] = []
    for stamp in stamps:
        if spans and stamp_time(stamp) - stamp_time(spans[-1][1]) <= ACTIVE_GAP:
            spans[-1][1] = stamp
        else:
            spans.append([stamp, stamp])
    return spans


def stamp_time(stamp: str) -> datetime:
    """`stamp` as an aware time (naive means UTC); `NEVER` when it cannot be read."""
    try:
        parsed = datetime.fromisoformat(stamp)
    except ValueError:
        return NEVER
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
