"""The context preamble through real git with native hooks: the last session, what changed since
(new commits, a rebase, a branch switch, upstream), tasks, and the AGENTS.md block at the stage."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from journal import config as config_mod
from journal import context, context_agents, git, install
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


def _enable_agents_md(repo: GitRepo) -> None:
    repo.commit("Config", {".ai-journal/config.toml": "[context]\nagents_md = true\n"})


def test_the_stage_keeps_the_agents_md_block_when_enabled(
    hooked: GitRepo, codex_home: CodexHome
) -> None:
    hooked.commit("Rules", {"AGENTS.md": "# Rules\n\nRun the tests.\n"})
    _enable_agents_md(hooked)
    session, sha = _worked(hooked, codex_home)
    committed = hooked.git("show", f"{sha}:AGENTS.md")
    assert committed.startswith("# Rules\n\nRun the tests.\n\n" + context_agents.BEGIN + "\n")
    assert session.id[:8] in committed
    assert "## Where the work stands" in committed
    assert hooked.git("status", "--porcelain") == ""

    hooked.git("switch", "-q", "-c", "other")  # post-checkout records, never writes
    hooked.git("commit", "-q", "--amend", "--no-edit", "--allow-empty")  # post-rewrite too
    assert (hooked.path / "AGENTS.md").read_text() == hooked.git("show", "HEAD:AGENTS.md")


def test_the_stage_leaves_agents_md_alone_by_default_or_with_unstaged_edits(
    hooked: GitRepo, codex_home: CodexHome
) -> None:
    _worked(hooked, codex_home)
    assert not (hooked.path / "AGENTS.md").exists()
    _enable_agents_md(hooked)  # this commit's own stage creates the file
    before = hooked.git("show", "HEAD:AGENTS.md")
    assert before.startswith(context_agents.BEGIN)
    (hooked.path / "AGENTS.md").write_text("# Mine, not staged\n" + before)
    hooked.write({"notes.txt": "n\n"})
    hooked.git("add", "notes.txt")
    hooked.git("commit", "-q", "-m", "Other", env=hooked.date_env(hooked.tick()))
    assert hooked.git("show", "HEAD:AGENTS.md") == before
    assert (hooked.path / "AGENTS.md").read_text() == "# Mine, not staged\n" + before


def test_context_write_over_budget_and_json(
    hooked: GitRepo,
    codex_home: CodexHome,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from journal import cli

    _worked(hooked, codex_home)
    monkeypatch.chdir(hooked.path)
    big = "# Rules\n" + "x" * 40_000 + "\n"
    (hooked.path / "AGENTS.md").write_text(big)
    assert cli.main(["context", "--write"]) == 0
    out, err = capsys.readouterr()
    assert "over Codex's 32 KiB project-doc budget" in err
    text = (hooked.path / "AGENTS.md").read_text()
    assert text.startswith(big)
    assert context_agents.OVER_BUDGET in text

    (hooked.path / "AGENTS.md").write_text("# Rules\n" + "x" * 32_400 + "\n")
    assert cli.main(["context", "--write"]) == 0
    out, _ = capsys.readouterr()
    assert "left out" in out
    assert (
        len((hooked.path / "AGENTS.md").read_bytes()) <= context_agents.CODEX_PROJECT_DOC_MAX_BYTES
    )

    assert cli.main(["context", "--format", "json", "--budget", "100000"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in data["sections"]] == ["project", "tasks", "changes", "sessions"]
    assert data["omitted"] == []
