"""Where Codex keeps its logs, and which files there are session logs.

* `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl`: current and G1 files.
* `$CODEX_HOME/archived_sessions/rollout-….jsonl`, flat; the newest Codex compresses old ones to
  `.jsonl.zst`. A plain `.jsonl` hides its compressed sibling (Codex decompresses before appending).
* `$CODEX_HOME/sessions/*.json`: the TypeScript CLI's one-document-per-session files (G0).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal, NamedTuple

from journal.config import Config
from journal.errors import JournalError

Kind = Literal["jsonl", "zst", "g0"]
SESSIONS, ARCHIVED = "sessions", "archived_sessions"
_UUID = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})")
# Session ids name files (fragments, cache records): letters, digits, `-`, `_`, `.`, no `..`.
_SAFE_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,127}")


class LogFile(NamedTuple):
    file: str  # the path as listed: a `Path` per log cost more than planning it when unchanged
    kind: Kind

    @property
    def path(self) -> Path:
        return Path(self.file)


def codex_home(config: Config) -> Path | None:
    """`codex.home` from the config, else `$CODEX_HOME`, else `~/.codex`; None when the default
    does not exist (Codex was never used here). An explicit setting must name a directory."""
    if config.codex_home:
        chosen = Path(config.codex_home).expanduser()
        if not chosen.is_dir():
            raise JournalError(f"codex.home = {config.codex_home!r} is not a directory; fix it")
        return chosen
    env = os.environ.get("CODEX_HOME", "")
    if env:
        chosen = Path(env).expanduser()
        if not chosen.is_dir():
            raise JournalError(f"CODEX_HOME={env} is not a directory; fix or unset it")
        return chosen
    default = Path.home() / ".codex"
    return default if default.is_dir() else None


def find_logs(home: Path) -> list[LogFile]:
    """Every session log under `home`, sorted by path (so runs are deterministic)."""
    found: list[tuple[str, Kind]] = []
    for folder in (home / SESSIONS, home / ARCHIVED):
        names = _walk(folder)
        plain = {p for p in names if p.endswith(".jsonl")}
        for path in names:
            if path.endswith(".jsonl") and _is_rollout(path):
                found.append((path, "jsonl"))
            elif path.endswith(".jsonl.zst") and path[:-4] not in plain and _is_rollout(path):
                found.append((path, "zst"))
    sessions = home / SESSIONS
    if sessions.is_dir():
        with os.scandir(sessions) as entries:
            for entry in entries:
                if entry.name.endswith(".json") and entry.is_file() and _UUID.search(entry.name):
                    found.append((entry.path, "g0"))
    # Path's order (component by component) on the strings: comparing Paths cost more than the walk
    found.sort(key=lambda item: (item[0].split(os.sep), item[1]))
    return [LogFile(path, kind) for path, kind in found]


def session_id_from_name(path: Path) -> str:
    """The rightmost UUID of a log's file name (equal to its session id), else the bare name."""
    matches = _UUID.findall(path.name)
    if matches:
        return str(matches[-1]).lower()
    return path.name.split(".", 1)[0]


def safe_id(value: object) -> bool:
    """Whether a session id from a log may be used as one; others (`../x`, `a/b`, control
    characters) are ignored and the id from the file name is kept."""
    return isinstance(value, str) and bool(_SAFE_ID.fullmatch(value)) and ".." not in value


def _is_rollout(path: str) -> bool:
    return os.path.basename(path).startswith("rollout-")


def _walk(folder: Path) -> list[str]:
    """Log files under `folder`, following symlinked directories but entering each directory
    once, so a link that loops (`sessions/x -> ..`) ends the descent instead of recursing."""
    paths: list[str] = []
    stack, entered = [str(folder)], set()
    while stack:
        top = stack.pop()
        try:
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in entered:
                continue
            entered.add((st.st_dev, st.st_ino))
            with os.scandir(top) as entries:
                for entry in entries:
                    if _is_dir(entry):
                        stack.append(entry.path)
                    elif entry.name.endswith((".jsonl", ".jsonl.zst")):
                        paths.append(entry.path)  # a link that loops is reported by ingest
        except OSError:
            continue  # unreadable, or gone since it was listed
    return paths


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symbolic link that loops
        return False
