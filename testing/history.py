"""Histories that move, for tests: a `GitRepo` with ai-journal's native hooks installed (so the
recorded post-rewrite events are git's real ones), `rebase -i` driven by an exact todo list, and the
recorded events read back."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from journal import events, git, install
from testing.git_repo import GitRepo

Todo = Sequence[tuple[str, str]]  # (command, sha): ("pick", sha), ("squash", sha), …


def with_native_hooks(repo: GitRepo) -> GitRepo:
    """Install the native shims; the pre-commit stage is switched off by an untracked config, so
    that only git's own commits are made."""
    repo.write({".ai-journal/config.toml": "[journal]\nstage = false\n"})
    exclude = Path(repo.git("rev-parse", "--git-path", "info/exclude").strip())
    exclude = exclude if exclude.is_absolute() else repo.path / exclude
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with exclude.open("a") as handle:
        handle.write(".ai-journal/\n")
    install.install_native(git.repo_paths(repo.path))
    return repo


def local_dir(repo: GitRepo) -> Path:
    common = repo.git("rev-parse", "--path-format=absolute", "--git-common-dir").strip()
    return Path(common) / "ai-journal"


def rewrite_events(repo: GitRepo) -> list[dict[str, Any]]:
    loaded = events.load(local_dir(repo))
    assert loaded.malformed == 0
    return [e for e in loaded.events if e["hook"] == "post-rewrite"]


def rebase_env(repo: GitRepo, todo: Todo | None = None) -> dict[str, str]:
    """The environment of a `rebase -i` that writes `todo` and keeps every message as it is.

    Only the committer date is pinned: the picks keep their authors' dates, which the reflog
    reconstruction relies on."""
    env = {
        "GIT_EDITOR": "true",
        "GIT_COMMITTER_DATE": repo.date_env(repo.tick())["GIT_COMMITTER_DATE"],
    }
    if todo is not None:
        path = repo.path.parent / f"todo-{len(list(repo.path.parent.glob('todo-*')))}.txt"
        path.write_text("".join(f"{command} {sha}\n" for command, sha in todo))
        env["GIT_SEQUENCE_EDITOR"] = f"cp {shlex.quote(str(path))}"
    return env


def rebase(repo: GitRepo, *args: str, todo: Todo | None = None, check: bool = True) -> str:
    """`git rebase args…`, interactive with exactly `todo` when given."""
    extra = ("-i",) if todo is not None else ()
    return repo.git("rebase", *extra, *args, env=rebase_env(repo, todo), check=check)


def commits(repo: GitRepo, names: Sequence[str], prefix: str = "") -> dict[str, str]:
    """One commit per name, each adding its own file `<prefix><name>.txt`; {name: sha}."""
    return {n: repo.commit(n, {f"{prefix}{n}.txt": f"{n}\n"}) for n in names}


def tip(repo: GitRepo, branch: str) -> str:
    return repo.git("rev-parse", f"refs/heads/{branch}").strip()


def continue_env(repo: GitRepo) -> Mapping[str, str]:
    return rebase_env(repo)
