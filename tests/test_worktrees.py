"""Linked worktrees: one local state in the common git dir, a checkpoint per worktree, and a commit
made in one worktree rendered right in another."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from journal import cli, git, install
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

PATCH = "*** Begin Patch\n*** Add File: feature.py\n+feature\n*** End Patch\n"


@pytest.fixture
def main_tree(repo: GitRepo) -> GitRepo:
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    return repo


def _add_worktree(main_tree: GitRepo, tmp_path: Path) -> GitRepo:
    path = tmp_path / "feature-tree"
    main_tree.git("worktree", "add", "-q", "-b", "feature", str(path))
    return GitRepo(path, main_tree.clock)


def _agent_commit(codex: CodexHome, tree: GitRepo, branch: str) -> tuple[str, str]:
    """A session working in `tree` adds feature.py and commits it; (session id, sha)."""
    session = codex.session(tree.path, tree.clock + timedelta(minutes=2), branch=branch)
    session.prompt("Add the feature", cwd=str(tree.path)).apply_patch(PATCH)
    tree.write({"feature.py": "feature\n"})
    sha = tree.commit("Add feature", when=session.clock + timedelta(minutes=1))
    session.shell("git commit -am 'Add feature'", output=f"[{branch} {sha[:7]}] Add feature\n")
    session.reply("Committed the feature.")
    return session.id, sha


def _fragment_links(tree: GitRepo, rev: str = "HEAD") -> dict[str, set[str]]:
    names = tree.git("ls-tree", "-r", "--name-only", rev, "--", ".ai-journal/sessions/").split()
    docs = [json.loads(tree.git("show", f"{rev}:{name}")) for name in names]
    return {doc["id"]: {c["sha"] for c in doc["commits"]} for doc in docs}


def test_local_state_is_shared_and_checkpoints_are_per_worktree(
    main_tree: GitRepo, codex_home: CodexHome, tmp_path: Path
) -> None:
    feature = _add_worktree(main_tree, tmp_path)
    session_id, sha = _agent_commit(codex_home, feature, "feature")

    common = main_tree.path / ".git"
    worktree_git_dir = Path(feature.git("rev-parse", "--absolute-git-dir").strip())
    assert worktree_git_dir != common
    assert not (worktree_git_dir / "ai-journal").exists()
    assert (common / "ai-journal" / "events.jsonl").exists()

    feature.commit("Next", {"notes.txt": "n\n"}, when=feature.clock + timedelta(minutes=1))
    assert sha in _fragment_links(feature)[session_id]
    main_tree.commit("Human change on main", {"main.txt": "m\n"}, when=feature.clock)
    views = json.loads((common / "ai-journal" / "checkpoints.json").read_text())
    described = json.dumps(views)
    assert str(feature.path) in described
    assert str(main_tree.path) in described
    assert session_id not in _fragment_links(main_tree)


def test_a_commit_from_another_worktree_renders_in_this_one(
    main_tree: GitRepo, codex_home: CodexHome, tmp_path: Path
) -> None:
    main_tree.commit("Human change on main", {"main.txt": "m\n"})
    feature = _add_worktree(main_tree, tmp_path)
    session_id, sha = _agent_commit(codex_home, feature, "feature")

    main_tree.git("merge", "-q", "--no-edit", "feature", env=main_tree.date_env(feature.clock))
    with contextlib.chdir(main_tree.path):
        assert cli.main(["render"]) == 0
    journal = (main_tree.path / "docs" / "ai-journal" / "2026-02-23.md").read_text()
    assert f"`{sha[:7]}`" in journal
    assert session_id[:8] in journal
    assert "(pending)" not in journal

    main_tree.git("add", "-A")
    main_tree.commit("Journal on main", when=feature.clock + timedelta(minutes=5))
    assert sha in _fragment_links(main_tree)[session_id]
