"""The only module that runs git or imports pygit2.

The hot path (hooks with nothing to do) uses `git` subprocesses, which cost about 1 ms each; pygit2
costs about 60 ms to import and is loaded only by functions that need object access in bulk.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from journal.errors import JournalError

SEQUENCER_MARKERS = ("rebase-merge", "rebase-apply", "sequencer", "CHERRY_PICK_HEAD", "REVERT_HEAD")


class RepoPaths(NamedTuple):
    toplevel: Path  # the current worktree's top directory
    git_dir: Path  # per-worktree git dir (rebase state lives here)
    common_dir: Path  # shared by all worktrees (local state lives under it)
    hooks_dir: Path  # honours core.hooksPath


class FileStat(NamedTuple):
    path: str  # repo-relative, the new path for a rename
    status: str  # "A" | "M" | "D" | "R" | "C" | "T"
    insertions: int  # 0 for binary files
    deletions: int
    old_path: str | None = None  # set for renames and copies


class CommitInfo(NamedTuple):
    """What the journal needs of one commit. A pending commit (being made at the pre-commit stage)
    has `sha == ""` and carries the staged changes."""

    sha: str
    parents: tuple[str, ...]
    subject: str
    author_name: str
    author_email: str
    authored: str  # ISO-8601 UTC with "Z"
    committed: str  # ISO-8601 UTC with "Z"
    files: tuple[FileStat, ...]
    patch_id: str | None = None  # `git patch-id --stable`; None for merges and empty commits

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def pending(self) -> bool:
        return not self.sha


class Head(NamedTuple):
    sha: str | None  # None on an unborn branch
    branch: str | None  # None when detached


def run(args: Sequence[str], cwd: Path | str | None = None, stdin: str | None = None) -> str:
    """Run `git args…` and return stdout; a failure becomes a `JournalError` naming the command."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
    )
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        raise JournalError(f"git {' '.join(args[:3])} failed: {detail[0]}")
    return proc.stdout


def try_run(args: Sequence[str], cwd: Path | str | None = None) -> str | None:
    """Like `run`, but None instead of an error (for questions whose answer may be 'no')."""
    try:
        return run(args, cwd)
    except JournalError:
        return None


def repo_paths(cwd: Path | str | None = None) -> RepoPaths:
    out = try_run(
        [
            "rev-parse",
            "--path-format=absolute",
            "--show-toplevel",
            "--git-dir",
            "--git-common-dir",
            "--git-path",
            "hooks",
        ],
        cwd,
    )
    if out is None:
        where = Path(cwd or os.getcwd())
        raise JournalError(f"{where} is not inside a git work tree; run this from your repository")
    top, git_dir, common, hooks = out.splitlines()[:4]
    return RepoPaths(Path(top), Path(git_dir), Path(common), Path(hooks))


def sequencer_active(paths: RepoPaths) -> bool:
    """True while a rebase, cherry-pick or revert sequence is in progress in this worktree."""
    return any((paths.git_dir / marker).exists() for marker in SEQUENCER_MARKERS)


def head(cwd: Path | str | None = None) -> Head:
    sha = try_run(["rev-parse", "--verify", "-q", "HEAD"], cwd)
    branch = try_run(["symbolic-ref", "-q", "--short", "HEAD"], cwd)
    return Head(sha.strip() if sha else None, branch.strip() if branch else None)


def worktrees(cwd: Path | str | None = None) -> list[Path]:
    """The real (symlink-resolved) top directories of every worktree of the repository."""
    out = try_run(["worktree", "list", "--porcelain"], cwd) or ""
    roots = [
        Path(line[len("worktree ") :]) for line in out.splitlines() if line.startswith("worktree ")
    ]
    return [root.resolve() for root in roots]
