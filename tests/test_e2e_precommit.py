"""End to end through the real pre-commit framework: this checkout, snapshotted into a git repo, is
the hook repository of a consumer repo set up by `init` and `pre-commit install`.

Building the hook environment pip-installs the snapshot, so the snapshot is made once per session,
committed with pinned dates (the same tree gives the same SHA, which pre-commit's cache reuses).
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from journal import events, git, install
from testing.codex_home import CodexHome
from testing.git_repo import GitRepo
from testing.snapshot import snapshot as checkout_snapshot

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(path, sha) of a git repo holding this checkout's working tree."""
    base = tmp_path_factory.mktemp("hook-repo")
    home = base / "home"
    home.mkdir()
    snapshot = base / "ai-journal"
    sha = checkout_snapshot(snapshot, home, ROOT)
    return snapshot, sha


def _git(repo: GitRepo, *args: str, when_minutes: float = 1) -> subprocess.CompletedProcess[str]:
    """Run git like a person would (hooks and all) and keep the exit status and output."""
    env = {**os.environ, **repo.date_env(repo.tick(when_minutes))}
    return subprocess.run(
        ["git", *args], cwd=repo.path, env=env, capture_output=True, text=True, check=False
    )


def _events(repo: GitRepo, kind: str) -> list[dict[str, Any]]:
    return [e for e in events.read_events(repo.path / ".git" / "ai-journal") if e["hook"] == kind]


@pytest.fixture
def consumer(repo: GitRepo, hook_repo: tuple[Path, str]) -> GitRepo:
    """A repository set up the documented way: `init` against the snapshot, then pre-commit."""
    snapshot, sha = hook_repo
    paths = git.repo_paths(repo.path)
    report = install.init(paths, hook_repo=str(snapshot))
    assert report.snippet is None
    assert f"rev: {sha}" in (repo.path / ".pre-commit-config.yaml").read_text()
    repo.commit("set up ai-journal")
    install.install_precommit(paths)
    return repo


def test_commit_stages_the_journal_and_hooks_record_events(
    consumer: GitRepo, codex_home: CodexHome
) -> None:
    repo = consumer
    start = repo.clock + timedelta(minutes=1)
    session = codex_home.session(cwd=repo.path, start=start, commit=repo.head())
    session.prompt("Add a greeting module", cwd=str(repo.path))
    session.apply_patch("*** Begin Patch\n*** Add File: hello.py\n+print('hello')\n*** End Patch\n")
    session.shell("python hello.py", output="hello\n")
    session.reply("Added hello.py, which prints a greeting.")
    repo.clock = session.clock
    repo.write({"hello.py": "print('hello')\n"})
    repo.git("add", "hello.py")

    commit = _git(repo, "commit", "-m", "Add hello.py", when_minutes=2)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    day = repo.clock.strftime("%Y-%m-%d")
    committed = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert "hello.py" in committed
    assert f"docs/ai-journal/{day}.md" in committed
    fragments = [name for name in committed if name.startswith(".ai-journal/sessions/")]
    assert len(fragments) == 1
    assert fragments[0].endswith(".json")
    assert repo.git("status", "--porcelain") == ""
    head = repo.head()
    assert _events(repo, "post-commit")[-1]["sha"] == head

    switch = _git(repo, "checkout", "-b", "topic")
    assert switch.returncode == 0, switch.stdout + switch.stderr
    back = _git(repo, "checkout", "main")
    assert back.returncode == 0, back.stdout + back.stderr
    assert [(e["new"], e["branch"]) for e in _events(repo, "post-checkout")][-2:] == [
        (head, "topic"),
        (head, "main"),
    ]

    amend = _git(repo, "commit", "--amend", "-m", "Add hello.py (amended)")
    assert amend.returncode == 0, amend.stdout + amend.stderr
    (rewrite,) = _events(repo, "post-rewrite")
    assert rewrite["command"] == "amend"
    assert rewrite["source"] == "reflog"
    assert rewrite["pairs"] == [[head, repo.head()]]
    assert "- hook id: ai-journal-post-rewrite" in amend.stdout + amend.stderr  # verbose: true


def test_rebase_through_precommit_records_the_rewritten_list(consumer: GitRepo) -> None:
    repo = consumer
    assert _git(repo, "checkout", "-q", "-b", "topic").returncode == 0
    old = []
    for name in ("t1", "t2"):
        repo.write({f"{name}.txt": name})
        repo.git("add", f"{name}.txt")
        # --no-verify: only the post-* hooks are under test here
        assert _git(repo, "commit", "-q", "--no-verify", "-m", name).returncode == 0
        old.append(repo.head())
    assert _git(repo, "checkout", "-q", "main").returncode == 0
    repo.write({"up.txt": "up"})
    repo.git("add", "up.txt")
    assert _git(repo, "commit", "-q", "--no-verify", "-m", "upstream").returncode == 0
    rebase = _git(repo, "rebase", "main", "topic")
    assert rebase.returncode == 0, rebase.stdout + rebase.stderr
    new = repo.git("rev-list", "--reverse", "main..topic").split()
    picks = [e for e in _events(repo, "post-commit") if e.get("sequencer") == "rebase-merge"]
    assert [e["sha"] for e in picks] == new
    (rewrite,) = _events(repo, "post-rewrite")
    assert rewrite["source"] == "rebase-merge/rewritten-list"
    assert rewrite["pairs"] == [list(pair) for pair in zip(old, new, strict=True)]


def test_through_precommit_a_warm_server_runs_the_stage(
    consumer: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resident stage under the pre-commit framework: the stage hook's process (in
    pre-commit's environment) hands the work to a server of that environment's own, and so does
    the secrets check that follows it."""
    from journal import resident_server

    repo = consumer
    config = repo.path / ".pre-commit-config.yaml"
    text = config.read_text()
    indent = text.split("- id: ai-journal-stage")[0].rsplit("\n", 1)[1]
    for hook_id in ("ai-journal-stage", "ai-journal-check"):
        text = text.replace(f"- id: {hook_id}\n", f"- id: {hook_id}\n{indent}  verbose: true\n")
    config.write_text(text)
    repo.commit("stage output shown")
    monkeypatch.delenv("AI_JOURNAL_RESIDENT")
    local = repo.path / ".git" / "ai-journal"
    outputs = []
    try:
        for turn in range(2):
            start = repo.clock + timedelta(minutes=1)
            session = codex_home.session(cwd=repo.path, start=start, commit=repo.head())
            session.prompt(f"Add module {turn}", cwd=str(repo.path)).reply("Added.")
            repo.clock = session.clock
            repo.write({f"m{turn}.py": f"x = {turn}\n"})
            repo.git("add", "-A")
            monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
            commit = _git(repo, "commit", "-m", f"module {turn}", when_minutes=2)
            monkeypatch.delenv("PYTHONPROFILEIMPORTTIME")
            assert commit.returncode == 0, commit.stdout + commit.stderr
            outputs.append(commit.stdout + commit.stderr)
            committed = repo.git("show", "--name-only", "--format=", "HEAD").split()
            assert any(name.startswith("docs/ai-journal/") for name in committed)
            deadline = time.monotonic() + 20
            while not list(local.glob("resident-*.sock")):
                assert time.monotonic() < deadline, "no server started"
                time.sleep(0.05)
        imported = [_imported(output) for output in outputs]
        assert "jinja2" in imported[0]  # the first stage ran in its hook (and started a server)
        # the second stage and its check: both hooks' processes asked the server...
        assert imported[1].count("journal.resident") == 2
        assert not {"jinja2", "click"} & set(imported[1])  # ...which ran them in warm children
    finally:
        resident_server.stop(local)


def _imported(output: str) -> list[str]:
    """The modules an `-X importtime` trace names, once per process that imported them."""
    return [
        line.rsplit("|", 1)[1].strip()
        for line in output.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    ]
