"""A session fragment's `summary`.

The agent's own final message is the summary when there is one and it fits
`journal.summary_max_chars`: it is the agent's account, and short. When the message is missing or
longer, the summary is extracted from the fragment instead, deterministically:

    Asked: <first line of the first prompt>. Answer: <first sentence of the final message>.
    Outcome: <outcome>. Files: a.py, b.py (+3 more). Failing: `pytest -q` (exit 1).

(each part only when it has something to say, the whole cut at `summary_max_chars`). With
`summarize.command` set, a command's summary of the finished session replaces both (see
`summary_command`); condensing older fragments keeps this field (see `summary_condense`).
"""

from __future__ import annotations

import re
import sys
from typing import Any

from journal.fragment_fields import Scrub, final_summary, truncate
from journal.sources.model import Session

REQUEST_CHARS = 160
ANSWER_CHARS = 200
FILES_SHOWN = 5
FAILED_SHOWN = 3
COMMAND_CHARS = 100
_SENTENCE_END = re.compile(r"(?<=[.!?])\s|\n")


def choose(session: Session, doc: dict[str, Any], scrub: Scrub, limit: int) -> str | None:
    """The final message when it fits `limit`, else the extractive summary of `doc`."""
    final = final_summary(session, scrub, sys.maxsize)
    if final is not None and len(final) <= limit:
        return final
    return extractive(doc, final, limit)


def extractive(doc: dict[str, Any], final: str | None, limit: int) -> str | None:
    """The request, the answer's first sentence, the outcome, files and failing commands."""
    parts: list[str] = []
    prompts = doc.get("prompts") or []
    if prompts:
        parts.append(f"Asked: {_clip(_first_line(prompts[0].get('text')), REQUEST_CHARS)}")
    if final:
        parts.append(f"Answer: {_clip(_first_sentence(final), ANSWER_CHARS)}")
    if not parts and not doc.get("commands") and not doc.get("files"):
        return None
    parts.append(f"Outcome: {str(doc.get('outcome') or 'unknown').replace('_', ' ')}")
    paths = list(dict.fromkeys(str(f.get("path")) for f in doc.get("files") or []))
    if paths:
        more = f" (+{len(paths) - FILES_SHOWN} more)" if len(paths) > FILES_SHOWN else ""
        parts.append(f"Files: {', '.join(paths[:FILES_SHOWN])}{more}")
    failing = failed_last(doc, COMMAND_CHARS)[-FAILED_SHOWN:]
    if failing:
        shown = ", ".join(f"`{f['command']}` (exit {f['exit_code']})" for f in failing)
        parts.append(f"Failing: {shown}")
    return truncate(" ".join(_sentence(part) for part in parts), limit)


def failed_last(doc: dict[str, Any], chars: int) -> list[dict[str, Any]]:
    """Commands of the session's own thread whose last run failed (a later success of the same
    command line clears it), in the order of those last runs, cut at `chars`."""
    last: dict[str, dict[str, Any]] = {}
    for entry in doc.get("commands") or []:
        if entry.get("subagent"):
            continue
        command = str(entry.get("command") or "")
        last.pop(command, None)
        last[command] = entry
    failed = [e for e in last.values() if e.get("exit_code") not in (0, None)]
    return [
        {"command": _clip(str(e["command"]), chars), "exit_code": e["exit_code"]} for e in failed
    ]


def _first_line(text: object) -> str:
    lines = [line for line in str(text or "").splitlines() if line.strip()]
    return lines[0] if lines else ""


def _first_sentence(text: str) -> str:
    stripped = text.strip()
    return _SENTENCE_END.split(stripped, maxsplit=1)[0] if stripped else ""


def _clip(text: str, chars: int) -> str:
    return truncate(" ".join(text.split()), chars)


def _sentence(part: str) -> str:
    return part if part.endswith((".", "!", "?", "…")) else part + "."
