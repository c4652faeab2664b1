"""Writing the stage stamp at the end of a full stage run; `journal.stage_stamp` reads it.

The agent logs are signed before the run (a log written while it ran must count as new next time),
the repository's own inputs after it (the run's writes are not news).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from pathlib import Path

from journal import fastpath, git, ingest, invocation, pick, state
from journal.config import CONFIG_PATH, Config
from journal.errors import JournalError
from journal.run import RefreshResult
from journal.sources.summary import SessionSummary
from journal.stage_stamp import (
    LOCAL_INPUTS,
    STAMP_NAME,
    VERSION,
    journal_file,
    pending_times,
    ref_signatures,
    signature,
    stamp_path,
)

HISTORY_FILES = ("history.jsonl", "history.json")
LOG_FOLDERS = ("sessions", "archived_sessions")


def begin(paths: git.RepoPaths, config: Config) -> list[str]:
    """Drop the stamp (a run that fails half-way must leave none) and sign the agent logs."""
    _remove(stamp_path(str(paths.common_dir), str(paths.git_dir)))
    return logs_snapshot(config)


def logs_snapshot(config: Config) -> list[str]:
    """Signatures of every file and folder under the Codex home's log folders."""
    try:
        home = ingest.codex_home(config)
    except JournalError:
        return ["never\t"]  # no path signs as "never": the stamp cannot match
    if home is None:
        return [_line(str(Path.home() / ".codex"))]
    lines = [_line(str(home / name)) for name in HISTORY_FILES]
    stack = [str(home / name) for name in LOG_FOLDERS]
    while stack:
        folder = stack.pop()
        lines.append(_line(folder))
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            else:
                lines.append(_line(entry.path))
    return lines


def save(paths: git.RepoPaths, config: Config, logs: list[str], result: RefreshResult) -> None:
    """Write the stamp of this run; it lets the next stage skip only when `quiet`. Without one
    (an unborn HEAD, a packed branch ref git is updating, an unwritable state dir) every stage
    runs in full."""
    try:
        _save(paths, config, logs, result)
    except Exception:  # the stamp is an optimisation: never let it fail the stage
        _remove(stamp_path(str(paths.common_dir), str(paths.git_dir)))


def _save(paths: git.RepoPaths, config: Config, logs: list[str], result: RefreshResult) -> None:
    git_dir, common, top = str(paths.git_dir), str(paths.common_dir), str(paths.toplevel)
    branch, head = fastpath._head(git_dir, common)
    local = state.local_dir(paths.common_dir)
    latest = latest_activity(ingest.cached(local).index.values())
    header = {
        "v": VERSION,
        "id": f"{time.time_ns()}-{os.getpid()}",
        "branch": branch or "",
        "toplevel": os.path.realpath(top),
        "journal_dir": config.journal_dir,
        "tz": config.timezone,
        "window": str(config.link_window_minutes),
        "latest_activity": repr(latest),
        "codex_env": os.environ.get("CODEX_HOME", ""),
        "home_env": os.environ.get("HOME", ""),
        "refs": ref_signatures(common, branch),
    }
    header["quiet"] = "1" if _quiet(paths, config, header, result) else "0"
    inputs = [*logs, *_repo_inputs(top, config, str(local), common)]
    text = "".join(f"{k}\t{v}\n" for k, v in header.items()) + "=\n" + "\n".join(inputs) + "\n"
    if any(ch in value for value in header.values() for ch in "\t\n"):
        return  # a path no line format can hold: no stamp, every stage runs in full
    path = stamp_path(common, git_dir)
    _write(path, text)
    _write(path + ".head", f"{header['id']} {head}\n")


def latest_activity(summaries: Iterable[SessionSummary]) -> float:
    """The latest event or end of any session, in epoch seconds (infinite when one is unreadable:
    then nothing can be ruled out)."""
    latest = 0.0
    for summary in summaries:
        for stamp in (summary.ended, summary.last_event):
            if stamp:
                try:
                    latest = max(latest, pick.when(stamp).timestamp())
                except ValueError:
                    return float("inf")
    return latest


def _quiet(
    paths: git.RepoPaths, config: Config, header: dict[str, str], result: RefreshResult
) -> bool:
    """Nothing written or staged, our files clean against HEAD and the index, and the commit this
    run was for owes no later render: no session near it, no journal on its day."""
    if result.written or result.staged or invocation.amending():
        return False
    times = pending_times()
    if times is None:
        return False
    committed, authored = times
    if committed - config.link_window_minutes * 60 - 2 <= float(header["latest_activity"]):
        return False
    if os.path.exists(journal_file(header, authored)):
        return False
    ours = [config.journal_dir, str(CONFIG_PATH.parent)]
    status = git.run(
        ["status", "--porcelain", "-z", "--untracked-files=all", "--", *ours], paths.toplevel
    )
    return not status


def _repo_inputs(top: str, config: Config, local: str, common: str) -> list[str]:
    committed = os.path.join(top, str(CONFIG_PATH.parent))
    journals = os.path.join(top, config.journal_dir)
    paths = [committed, os.path.join(committed, "sessions"), os.path.join(top, CONFIG_PATH)]
    paths += [os.path.join(committed, "project_state.json"), journals]
    paths += [os.path.join(local, name) for name in LOCAL_INPUTS]
    paths.append(os.path.join(common, "worktrees"))
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        paths += sorted(entry.path for entry in os.scandir(journals))
    return [_line(p) for p in paths if STAMP_NAME not in os.path.basename(p)]


def _line(path: str) -> str:
    return f"{signature(path)}\t{path}"


def _write(path: str, text: str) -> None:
    """Replaced whole, without fsync: a stamp lost in a crash only costs a full run, and one that
    outlives the run after it no longer matches the files that run wrote."""
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temp, path)


def _remove(path: str) -> None:
    for name in (path + ".head", path):
        with contextlib.suppress(OSError):
            os.remove(name)
