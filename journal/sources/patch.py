"""The `apply_patch` envelope: which files a patch adds, updates, deletes or moves.

Grammar (Codex `apply_patch` tool):
    *** Begin Patch
    *** Add File: <path>          then "+" lines
    *** Delete File: <path>
    *** Update File: <path>       optionally "*** Move to: <new path>", then "@@" hunks
    *** End Patch
Paths are kept as written (usually relative to the call's working directory).
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import orjson

from journal.sources.model import FileChange

BEGIN, END = "*** Begin Patch", "*** End Patch"
_ADD, _DELETE, _UPDATE, _MOVE = (
    "*** Add File:",
    "*** Delete File:",
    "*** Update File:",
    "*** Move to:",
)
_INVOKES_PATCH = re.compile(r"(?:^|[\s;&|(])(?:apply_patch|applypatch)\b")


def parse_patch(text: str) -> list[FileChange]:
    """File operations of a patch, in order; lenient about a missing end marker or stray text."""
    changes: list[FileChange] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith(_ADD):
            changes.append(FileChange(_path(line, _ADD), "add"))
        elif line.startswith(_DELETE):
            changes.append(FileChange(_path(line, _DELETE), "delete"))
        elif line.startswith(_UPDATE):
            changes.append(FileChange(_path(line, _UPDATE), "update"))
        elif line.startswith(_MOVE) and changes and changes[-1].action == "update":
            changes[-1].action = "move"
            changes[-1].move_to = _path(line, _MOVE)
    return [c for c in changes if c.path]


def patch_from_argv(argv: list[Any]) -> str | None:
    """`["apply_patch", "<patch>"]` (the shell tool's intercepted form) or a shell script argument
    that runs `apply_patch` with a heredoc."""
    if len(argv) >= 2 and argv[0] in ("apply_patch", "applypatch") and isinstance(argv[1], str):
        return argv[1]
    script = argv[-1] if argv and isinstance(argv[-1], str) else None
    return patch_from_script(script) if script else None


def patch_from_script(script: str) -> str | None:
    """The patch inside `apply_patch <<'EOF' … EOF` (any quoting of the delimiter), or None."""
    if BEGIN not in script or not _INVOKES_PATCH.search(script):
        return None
    start = script.index(BEGIN)
    end = script.find(END, start)
    if end < 0:
        return script[start:]
    return script[start : end + len(END)] + "\n"


def patch_from_input(arguments: str) -> str | None:
    """The JSON-function form `{"input": "<patch>"}`; the raw text when it is a bare patch."""
    try:
        doc = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return arguments if BEGIN in arguments else None
    if isinstance(doc, dict):
        for key in ("input", "patch"):
            if isinstance(doc.get(key), str):
                return str(doc[key])
        command = doc.get("command")
        if isinstance(command, list):
            return patch_from_argv(command)
    return None


def shell_join(argv: list[Any]) -> str:
    """One command line for an argv; `bash -lc "<script>"` wrappers give just the script."""
    words = [str(a) for a in argv]
    if len(words) == 3 and words[1] in ("-lc", "-c") and words[0].rsplit("/", 1)[-1] in _SHELLS:
        return words[2]
    return shlex.join(words)


_SHELLS = ("bash", "sh", "zsh", "dash", "fish", "pwsh", "powershell")


def _path(line: str, marker: str) -> str:
    return line[len(marker) :].strip()
