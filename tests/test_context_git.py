"""The context preamble through real git with native hooks: the last session, what changed since
(new commits, a rebase, a branch switch, upstream), tasks, and the AGENTS.md block at the stage."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from journal import config as config_mod
from journal import context, git, install
from testing.codex_home import CodexHome, Rollout
from testing.git_repo import BASE_TIME, GitRepo

PATCH_APP = "*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+y\n*** End Patch\n"


@pytest.fixture
def hooked(repo: GitRepo) -> GitRepo:
    repo.commit("base", {"app.py": "x\n", "cart.py": "c\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    return repo


def _session(codex: CodexHome, repo: GitRepo, minutes: float, branch: str = "main") -> Rollout:
    start = repo.clock + timedelta(minutes=minutes)
    session = codex.session(repo.path, start, branch=branch, commit=repo.head())
    return session.prompt("Make the app say y", cwd=str(repo.path))


def _context(repo: GitRepo, budget: int | None = None) -> context.Context:
    paths = git.repo_paths(repo.path)
    return context.assemble(paths, config_mod.load(paths.toplevel), budget=budget)


def _items(ctx: context.Context, name: str) -> list[dict[str, object]]:
    (section,) = [s for s in ctx.sections if s.name == name]
    return [item for item in section.items if isinstance(item, dict)]


def _worked(hooked: GitRepo, codex_home: CodexHome) -> tuple[Rollout, str]:
    """A finished session whose commit the user made, on main."""
    session = _session(codex_home, hooked, 5)
    session.plan([("Change app", "completed"), ("Document it", "pending")])
    session.apply_patch(PATCH_APP).shell("pytest -q", exit_code=1, output="1 failed\n")
    session.reply("Changed the app; the test still fails.")
    sha = hooked.commit("Change app", {"app.py": "y\n"}, when=session.clock + timedelta(minutes=1))
    return session, sha


def test_the_last_session_and_commits_made_since(hooked: GitRepo, codex_home: CodexHome) -> None:
    session, sha = _worked(hooked, codex_home)
    later = hooked.commit("Readme", {"README": "r\n"}, when=session.clock + timedelta(minutes=30))

    ctx = _context(hooked)
    (last,) = _items(ctx, "sessions")
    assert last["id"] == session.id
    assert last["unfinished"] == ["Document it"]
    assert last["failed"] == [{"command": "pytest -q", "exit_code": 1}]
    assert last["summary"] == "Changed the app; the test still fails."
    commits = [i["sha"] for i in _items(ctx, "changes") if i["kind"] == "commit"]
    assert commits == [later]  # the session's own commit is not news
    assert sha not in commits
    text = ctx.to_markdown()
    assert "unfinished: Document it" in text
    assert "failed last: `pytest -q` (exit 1)" in text
    assert _context(hooked).to_markdown() == text  # deterministic


def test_a_rebase_after_the_session_is_listed_old_to_new(
    hooked: GitRepo, codex_home: CodexHome
) -> None:
    hooked.git("switch", "-q", "-c", "feature")
    session = _session(codex_home, hooked, 5, branch="feature")
    session.apply_patch(PATCH_APP).reply("Done.")
    old = hooked.commit("Change app", {"app.py": "y\n"}, when=session.clock + timedelta(minutes=1))
    hooked.git("switch", "-q", "main")
    hooked.commit("Upstream work", {"cart.py": "d\n"}, when=session.clock + timedelta(minutes=20))
    hooked.git("switch", "-q", "feature")
    hooked.git("rebase", "-q", "main", env=hooked.date_env(session.clock + timedelta(minutes=25)))
    new = hooked.head()

    ctx = _context(hooked)
    rewrites = [i for i in _items(ctx, "changes") if i["kind"] == "rewrite"]
    assert [r["pairs"] for r in rewrites] == [[[old, new, "rewritten"]]]
    assert f"`{old[:7]}` → `{new[:7]}`" in ctx.to_markdown()
    commits = [i["sha"] for i in _items(ctx, "changes") if i["kind"] == "commit"]
    assert new not in commits  # the successor is told as the rebase, not as news


def test_a_branch_switch_after_the_session(hooked: GitRepo, codex_home: CodexHome) -> None:
    _worked(hooked, codex_home)
    hooked.git("switch", "-q", "-c", "feature")
    hooked.git("switch", "-q", "main")

    switches = [i for i in _items(_context(hooked), "changes") if i["kind"] == "switch"]
    assert [(s["to"], s["from"]) for s in switches] == [("main", "feature"), ("feature", "main")]


def test_ahead_and_behind_upstream(hooked: GitRepo, codex_home: CodexHome, tmp_path: Path) -> None:
    _worked(hooked, codex_home)
    remote = tmp_path / "remote.git"
    hooked.git("init", "-q", "--bare", str(remote))
    hooked.git("remote", "add", "origin", str(remote))
    hooked.git("push", "-q", "-u", "origin", "main")
    hooked.commit("Local only", {"notes.txt": "n\n"})

    (upstream,) = [i for i in _items(_context(hooked), "changes") if i["kind"] == "upstream"]
    assert (upstream["upstream"], upstream["ahead"], upstream["behind"]) == ("origin/main", 1, 0)
