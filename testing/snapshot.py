"""This checkout's working tree as a one-commit git repository, for pre-commit to install from.

pre-commit installs a hook repository at a commit, so uncommitted work would be invisible to it.
The snapshot takes what git tracks plus untracked files it does not ignore, and commits them with
pinned dates: an unchanged tree gives the same SHA, and pre-commit reuses the environment it built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from testing.git_repo import BASE_TIME, isolated_git_env

CHECKOUT = Path(__file__).resolve().parents[1]


def checkout_files(root: Path = CHECKOUT) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})


def commit_tree(folder: Path, home: Path) -> str:
    """`git init` + commit everything in `folder` with pinned dates and isolated config; the SHA."""
    stamp = BASE_TIME.strftime("%Y-%m-%dT%H:%M:%S%z")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        **isolated_git_env(home),
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)
    out = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def snapshot(target: Path, home: Path, root: Path = CHECKOUT) -> str:
    """Copy `root`'s working tree to `target` (replacing it) and commit it; the SHA."""
    shutil.rmtree(target, ignore_errors=True)
    for name in checkout_files(root):
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, dest, follow_symlinks=False)
    return commit_tree(target, home)
