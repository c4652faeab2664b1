"""The sequencer fast path of post-commit and post-checkout, on the standard library's bare minimum.

A rebase fires post-commit once per replayed commit (and post-checkout at its start). Those events
are superseded by the one post-rewrite at the end, so each only leaves a line in the event log and
returns. This module finds the git dir itself (no git subprocess, no pathlib, no typing), which
keeps each pick within a few milliseconds of an empty Python hook. It writes the same event shape as
`journal.events.append`; anything unusual makes it step aside and the full hook runs instead.
"""

from __future__ import annotations

import os
import time

MARKERS = ("rebase-merge", "rebase-apply", "sequencer", "CHERRY_PICK_HEAD", "REVERT_HEAD")
STAGES = ("post-commit", "post-checkout")
CHECKOUT_VARS = ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "PRE_COMMIT_CHECKOUT_TYPE")


def during_sequencer(stage: str, args: list[str]) -> bool:
    """Record the event and return True when a sequencer runs here; False means: run the full hook."""
    try:
        return _record(stage, args)
    except Exception:  # the full hook reports problems properly
        return False


def _record(stage: str, args: list[str]) -> bool:
    git_dir = _git_dir()
    if stage not in STAGES or git_dir is None:
        return False
    marker = next((m for m in MARKERS if os.path.exists(os.path.join(git_dir, m))), None)
    if marker is None:
        return False
    data: dict[str, object] = {"sequencer": marker}
    if stage == "post-commit":
        data["sha"] = _detached_head(git_dir)
    else:
        values = args[:3] if len(args) >= 3 else [os.environ[name] for name in CHECKOUT_VARS]
        data.update(old=values[0], new=values[1], branch_checkout=values[2] == "1")
    _append(_common_dir(git_dir), stage, data)
    return True


def _git_dir() -> str | None:
    """$GIT_DIR when git set it (linked worktrees), else `.git` in the hook's cwd (the top level)."""
    env = os.environ.get("GIT_DIR")
    if env:
        return os.path.abspath(env)
    dot_git = os.path.join(os.getcwd(), ".git")
    if os.path.isdir(dot_git):
        return dot_git
    if os.path.isfile(dot_git):
        with open(dot_git, encoding="utf-8") as handle:
            line = handle.readline().strip()
        if line.startswith("gitdir: "):
            return os.path.normpath(os.path.join(os.getcwd(), line[len("gitdir: ") :]))
    return None


def _common_dir(git_dir: str) -> str:
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            return os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except FileNotFoundError:
        return git_dir


def _detached_head(git_dir: str) -> str | None:
    with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as handle:
        head = handle.read().strip()
    return None if head.startswith("ref:") else head


def _append(common_dir: str, stage: str, data: dict[str, object]) -> None:
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    top = os.path.realpath(os.getcwd())
    event = {"v": 1, "ts": stamp, "hook": stage, "worktree": top, **data}
    line = "{" + ",".join(f"{_json(k)}:{_json(event[k])}" for k in sorted(event)) + "}\n"
    local = os.path.join(common_dir, "ai-journal")
    os.makedirs(local, exist_ok=True)
    fd = os.open(os.path.join(local, "events.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


_SHORT = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}
_ESCAPES = {**{i: f"\\u{i:04x}" for i in range(32)}, **{ord(k): v for k, v in _SHORT.items()}}


def _json(value: object) -> str:
    """JSON for the few value types an event holds; `json` itself would cost 12 ms to import."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).translate(_ESCAPES) + '"'
