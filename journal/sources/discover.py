"""Where Codex keeps its logs, and which files there are session logs.

* `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl`: current and G1 files.
* `$CODEX_HOME/archived_sessions/rollout-….jsonl`, flat; the newest Codex compresses old ones to
  `.jsonl.zst`. A plain `.jsonl` hides its compressed sibling (Codex decompresses before appending).
* `$CODEX_HOME/sessions/*.json`: the TypeScript CLI's one-document-per-session files (G0).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Literal, NamedTuple

from journal.config import Config
from journal.errors import JournalError

Kind = Literal["jsonl", "zst", "g0"]
SESSIONS, ARCHIVED = "sessions", "archived_sessions"
_UUID = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})")
RACY_NS = 2_000_000_000
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


def find_logs(home: Path, dirs: dict[str, int] | None = None) -> list[LogFile]:
    """Every session log under `home`, sorted by path (so runs are deterministic); `dirs`, when
    given, receives every folder walked with its mtime (see `list_changed`)."""
    found: list[tuple[str, Kind]] = []
    walked = _Dirs() if dirs is None else _Dirs(dirs)
    for folder in (home / SESSIONS, home / ARCHIVED):
        found += _classify(_walk(str(folder), walked, set()))
    found += _g0_files(home / SESSIONS)
    return sort_logs(found)


class Changed(NamedTuple):
    logs: list[LogFile]  # every log in the folders listed again
    unchanged: set[str]  # folders whose mtime did not move: their logs are the ones known
    dirs: dict[str, int]  # every folder now, with its mtime


def list_changed(home: Path, recorded: dict[str, int]) -> Changed:
    """List again only the folders whose mtime moved since `recorded` (a file added, removed or
    renamed there moves it), and whatever is new under them. A file that only grew does not
    move its folder's mtime: the caller decides which known logs to look at."""
    dirs = _Dirs()
    entered: set[tuple[int, int]] = set()
    moved: list[str] = []
    roots = (str(home / SESSIONS), str(home / ARCHIVED))
    for folder in sorted(recorded.keys() | set(roots)):
        try:
            st = os.stat(folder)
        except OSError:
            continue  # gone: so are its logs
        entered.add((st.st_dev, st.st_ino))
        dirs.note(folder, st)
        if recorded.get(folder) != st.st_mtime_ns:
            moved.append(folder)
    found: list[tuple[str, Kind]] = []
    for folder in moved:
        files: list[str] = []
        for sub in _list(folder, files):
            if sub not in recorded:
                files += _walk(sub, dirs, entered)
        found += _classify(files)
        if folder == roots[0]:
            found += _g0_files(home / SESSIONS)
    unchanged = {f for f in dirs.stamps if f not in moved and f in recorded}
    return Changed(sort_logs(found), unchanged, dirs.stamps)


def sort_logs(found: list[tuple[str, Kind]]) -> list[LogFile]:
    # Path's order (component by component) on the strings: comparing Paths cost more than the walk
    found.sort(key=lambda item: (item[0].split(os.sep), item[1]))
    return [LogFile(path, kind) for path, kind in found]


def _classify(names: list[str]) -> list[tuple[str, Kind]]:
    found: list[tuple[str, Kind]] = []
    plain = {p for p in names if p.endswith(".jsonl")}
    for path in names:
        if path.endswith(".jsonl") and _is_rollout(path):
            found.append((path, "jsonl"))
        elif path.endswith(".jsonl.zst") and path[:-4] not in plain and _is_rollout(path):
            found.append((path, "zst"))
    return found


def _g0_files(sessions: Path) -> list[tuple[str, Kind]]:
    found: list[tuple[str, Kind]] = []
    if sessions.is_dir():
        with os.scandir(sessions) as entries:
            for entry in entries:
                if entry.name.endswith(".json") and entry.is_file() and _UUID.search(entry.name):
                    found.append((entry.path, "g0"))
    return found


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


class _Dirs:
    """Folder → mtime as listed. A folder changed within the last `RACY_NS` is noted with 0, so
    the next run lists it again: a file added in the same clock tick as the listing would leave
    the mtime as it was (the racy case git's index has too)."""

    def __init__(self, stamps: dict[str, int] | None = None) -> None:
        self.stamps = {} if stamps is None else stamps
        self.racy_after = time.time_ns() - RACY_NS

    def note(self, folder: str, st: os.stat_result) -> None:
        self.stamps[folder] = st.st_mtime_ns if st.st_mtime_ns < self.racy_after else 0


def _walk(folder: str, dirs: _Dirs, entered: set[tuple[int, int]]) -> list[str]:
    """Log files under `folder`, following symlinked directories but entering each directory
    once, so a link that loops (`sessions/x -> ..`) ends the descent instead of recursing. Every
    folder entered goes into `dirs` with its mtime."""
    paths: list[str] = []
    stack = [folder]
    while stack:
        top = stack.pop()
        try:
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in entered:
                continue
            entered.add((st.st_dev, st.st_ino))
            dirs.note(top, st)
            stack += _list(top, paths)
        except OSError:
            continue  # unreadable, or gone since it was listed
    return paths


def _list(folder: str, paths: list[str]) -> list[str]:
    """The log files of one folder (added to `paths`) and its subfolders (returned)."""
    subfolders: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if _is_dir(entry):
                    subfolders.append(entry.path)
                elif entry.name.endswith((".jsonl", ".jsonl.zst")):
                    paths.append(entry.path)  # a link that loops is reported by ingest
    except OSError:
        pass  # unreadable, or gone since it was listed
    return subfolders


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symbolic link that loops
        return False
