"""Summaries by a command the user configures (`summarize.command`, e.g. `codex exec -`).

The command gets an instruction line and the session's redacted transcript on stdin (prompts,
replies, commands with their exit codes, files changed; each entry cut at `ENTRY_CHARS`) and its
standard output, redacted and cut at `journal.summary_max_chars`, becomes the summary. It runs only
at the pre-commit stage (never in a post-* hook, never in `import` or `render`, which use what is
cached), only for a session that ended (its last prompt answered or its turn interrupted), and once
per session version: the result, or the failure, is cached in `<git-common-dir>/ai-journal/
summaries.json` with the command line, so a hanging or failing command costs one timeout per
session version, not one per commit. A failure (non-zero exit, a timeout, no output, a command that
cannot start) leaves the built-in summary in place.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from journal import state
from journal.config import Config
from journal.fragment_fields import Scrub, outcome, stamp_time, truncate
from journal.sources.model import Session

CACHE_NAME = "summaries.json"
ENTRY_CHARS = 2000
# What git sets for its hooks; a command that runs git must see the repository as a person would.
HOOK_VARIABLES = frozenset(
    {"GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_PREFIX", "GIT_REFLOG_ACTION"}
)
TRANSCRIPT_CHARS = 100_000
INSTRUCTION = (
    "Summarise this coding-agent session in at most three sentences: what was asked, what was "
    "done, what is left. Transcript:\n\n"
)


def summaries(
    local: Path,
    config: Config,
    sessions: Sequence[Session],
    versions: Mapping[str, str],
    scrub: Scrub,
    *,
    may_run: bool,
) -> dict[str, str]:
    """{session id: the command's summary} for the sessions that have one, running the command
    (when `may_run`) for ended sessions whose version has no cached result yet."""
    command = config.summarize_command.strip()
    if not command:
        return {}
    cache = state.read_json(local / CACHE_NAME, default={}) or {}
    found: dict[str, str] = {}
    changed = False
    for session in sessions:
        version = versions.get(session.id)
        entry = cache.get(session.id) or {}
        if entry.get("version") != version or entry.get("command") != command:
            if not may_run or not ended(session):
                continue
            raw = run(command, transcript(session, scrub), config.summarize_timeout_seconds)
            text = scrub.text(raw, config.summary_max_chars) if raw else None
            entry = {"version": version, "command": command, "summary": text}
            cache[session.id], changed = entry, True
        if entry.get("summary"):
            found[session.id] = str(entry["summary"])
    if changed:
        state.write_atomic(local / CACHE_NAME, state.dumps_canonical(cache))
    return found


def ended(session: Session) -> bool:
    return outcome(session) != "in_progress"


def transcript(session: Session, scrub: Scrub) -> str:
    """The session's own thread as text, in time order, redacted."""
    entries: list[tuple[str, int, str]] = []
    for prompt in session.prompts:
        entries.append((prompt.ts, 0, f"USER: {prompt.text}"))
    for reply in session.replies:
        entries.append((reply.ts, 1, f"AGENT: {reply.text}"))
    for call in session.tool_calls:
        if call.kind == "shell" and call.command:
            entries.append((call.started, 2, f"$ {call.command}  (exit {call.exit_code})"))
        for change in call.files if call.kind == "patch" else []:
            entries.append((call.started, 3, f"{change.action}: {scrub.path(change.path)}"))
    entries.sort(key=lambda entry: (stamp_time(entry[0]), entry[1]))
    text = "\n".join(truncate(scrub.text(line), ENTRY_CHARS) for _, _, line in entries)
    if len(text) > TRANSCRIPT_CHARS:  # keep the request and the end of the work
        head = TRANSCRIPT_CHARS // 5
        text = text[:head] + "\n…\n" + text[-(TRANSCRIPT_CHARS - head) :]
    return INSTRUCTION + text + "\n"


def run(command: str, stdin: str, timeout: float) -> str | None:
    """The command's standard output, stripped; None when it fails, times out or prints nothing.
    It runs in its own process group (killed whole on timeout), without the variables git sets
    for the calling hook."""
    try:
        args = shlex.split(command)
        env = {k: v for k, v in os.environ.items() if k not in HOOK_VARIABLES}
        proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    except (OSError, ValueError):
        return None
    try:
        out, _ = proc.communicate(stdin.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    if proc.returncode != 0:
        return None
    return out.decode("utf-8", errors="replace").strip() or None
