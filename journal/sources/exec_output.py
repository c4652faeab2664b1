"""Tool output text: exit codes in Codex's three formats, failure kinds, and bounded excerpts.

The formats (see the Codex format notes): a JSON document `{"output", "metadata": {"exit_code"}}`,
freeform `Exit code: N` text, and unified-exec text with `Process exited with code N` or, while the
process lives on, `Process running with session ID P`.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import orjson

HEAD_LINES, HEAD_CHARS = 20, 2048
TAIL_LINES, TAIL_CHARS = 10, 1024

_FREEFORM_EXIT = re.compile(r"^Exit code: (-?\d+)", re.MULTILINE)
_UNIFIED_EXIT = re.compile(r"^Process exited with code (-?\d+)", re.MULTILINE)
_UNIFIED_RUNNING = re.compile(r"^Process running with session ID (\S+)", re.MULTILINE)
_TIMEOUT = re.compile(r"^command timed out after \d+ milliseconds", re.MULTILINE)
_ERROR_PREFIXES = (
    "execution error",
    "failed to parse function arguments",
    "exec command rejected",
    "patch rejected",
    "apply_patch verification failed",
    "unsupported call",
    "unsupported custom tool call",
    "aborted",
    "sandbox error",
)
_HEADER_END = "\nOutput:\n"


class ExecResult(NamedTuple):
    exit_code: int | None
    text: str  # the command's own output, without the format's header lines
    status: str  # "ok" | "failed" | "timeout" | "error" | "running"
    process_id: str | None = None  # set while a unified-exec process is still running


def output_text(output: Any) -> tuple[str, bool]:
    """The text of a `*_call_output.output` (string, content-item array or legacy object) and
    whether the legacy form flagged a failure."""
    if isinstance(output, str):
        return output, False
    if isinstance(output, list):
        parts = [item.get("text") for item in output if isinstance(item, dict)]
        return "\n".join(p for p in parts if isinstance(p, str) and p), False
    if isinstance(output, dict):
        content = output.get("content")
        text = content if isinstance(content, str) else output_text(content)[0]
        return text, output.get("success") is False
    return "", False


def parse(raw: str) -> ExecResult:
    """Exit code, plain text and status of one tool output string."""
    structured = _structured(raw)
    if structured is not None:
        return structured
    timed_out = bool(_TIMEOUT.match(raw))
    code = _int_match(_FREEFORM_EXIT, raw, limit=200)
    if code is None:
        code = _int_match(_UNIFIED_EXIT, raw, limit=400)
    running = None if code is not None else _UNIFIED_RUNNING.search(raw[:400])
    text = _strip_header(raw) if (code is not None or running) else raw
    if timed_out:
        return ExecResult(code, text, "timeout")
    if running:
        return ExecResult(None, text, "running", running.group(1))
    if code is not None:
        return ExecResult(code, text, "ok" if code == 0 else "failed")
    if raw.lstrip().lower().startswith(_ERROR_PREFIXES):
        return ExecResult(None, raw, "error")
    return ExecResult(None, raw, "ok")


def excerpt(text: str) -> str:
    """The head (where `git commit` prints `[branch sha] subject`) and the tail of long output."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS and text.count("\n") < HEAD_LINES + TAIL_LINES:
        return text
    head = "\n".join(text[:HEAD_CHARS].split("\n")[:HEAD_LINES])
    rest = text[len(head) :]
    tail = "\n".join(rest[-TAIL_CHARS:].split("\n")[-TAIL_LINES:])
    omitted = len(rest) - len(tail)
    if omitted <= 0:
        return text
    return f"{head}\n[… {omitted} characters omitted …]\n{tail}"


def _structured(raw: str) -> ExecResult | None:
    if not raw.startswith("{") or '"metadata"' not in raw:
        return None
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict):
        return None
    text, _ = output_text(doc.get("output"))
    code = doc["metadata"].get("exit_code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    if _TIMEOUT.match(text):
        return ExecResult(code, text, "timeout")
    if code is None:
        return ExecResult(None, text, "ok")
    return ExecResult(code, text, "ok" if code == 0 else "failed")


def _int_match(pattern: re.Pattern[str], raw: str, limit: int) -> int | None:
    found = pattern.search(raw[:limit])
    return int(found.group(1)) if found else None


def _strip_header(raw: str) -> str:
    cut = raw.find(_HEADER_END)
    if cut < 0 or cut > 600:
        return raw
    return raw[cut + len(_HEADER_END) :]
