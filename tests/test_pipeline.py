"""The whole path through real git with native hooks installed: agent logs in, committed fragments
and journals out, across branches, midnight, amends and commits the agent makes itself."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from journal import git, install, pipeline
from journal.config import Config
from testing.codex_home import CodexHome, Rollout
from testing.git_repo import BASE_TIME, GitRepo
from tests.test_session_index import record_reads

PATCH_APP = "*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+y\n*** End Patch\n"


@pytest.fixture
def hooked(repo: GitRepo) -> GitRepo:
    repo.commit("base", {"app.py": "x\n", "cart.py": "c\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    return repo


def _work(codex: CodexHome, repo: GitRepo, start: datetime, branch: str = "main") -> Rollout:
    session = codex.session(repo.path, start, branch=branch, commit=repo.head())
    return session.prompt("Change the app", cwd=str(repo.path))


def _tracked(repo: GitRepo, rev: str = "HEAD") -> dict[str, str]:
    names = repo.git("ls-tree", "-r", "--name-only", rev).split()
    return {name: repo.git("show", f"{rev}:{name}") for name in names}


def _fragments(repo: GitRepo, rev: str = "HEAD") -> dict[str, dict[str, object]]:
    return {
        name: json.loads(text)
        for name, text in _tracked(repo, rev).items()
        if name.startswith(".ai-journal/sessions/")
    }


def test_commit_carries_fragment_and_journal(hooked: GitRepo, codex_home: CodexHome) -> None:
    session = _work(codex_home, hooked, BASE_TIME + timedelta(minutes=5))
    session.apply_patch(PATCH_APP).shell("pytest -q", exit_code=1, output="1 failed\n").reply(
        "Done."
    )
    hooked.write({"app.py": "y\n"})
    sha = hooked.commit("Change app", when=session.clock + timedelta(minutes=1))

    files = hooked.git("show", "--name-only", "--format=", sha).split()
    assert "docs/ai-journal/2026-02-23.md" in files
    assert ".ai-journal/project_state.json" in files
    state = json.loads(hooked.git("show", f"{sha}:.ai-journal/project_state.json"))
    assert state["reconciled_head"] == hooked.git("rev-parse", f"{sha}^").strip()
    assert any(name.startswith(".ai-journal/sessions/20260223T090") for name in files)
    journal = _tracked(hooked)["docs/ai-journal/2026-02-23.md"]
    assert "this commit (pending)" in journal
    assert "`pytest -q` → **1**" in journal

    later = hooked.commit(
        "Unrelated", {"notes.txt": "n\n"}, when=session.clock + timedelta(hours=5)
    )
    journal = _tracked(hooked, later)["docs/ai-journal/2026-02-23.md"]
    assert f"`{sha[:7]}` Change app" in journal
    (doc,) = _fragments(hooked, later).values()
    assert doc["commits"] == [
        {"patch_id": doc["commits"][0]["patch_id"], "sha": sha, "strength": "explicit"}
    ]


def test_agent_commit_is_linked_explicitly(hooked: GitRepo, codex_home: CodexHome) -> None:
    session = _work(codex_home, hooked, BASE_TIME + timedelta(minutes=5))
    session.apply_patch(PATCH_APP)
    hooked.write({"app.py": "y\n", "cart.py": "d\n"})  # cart.py was not patched: no file-set match
    sha = hooked.commit("Agent commit", when=session.clock + timedelta(seconds=20))
    session.shell("git commit -am 'Agent commit'", output=f"[main {sha[:7]}] Agent commit\n")
    hooked.commit("Next", {"notes.txt": "n\n"}, when=session.clock + timedelta(minutes=1))

    (doc,) = _fragments(hooked).values()
    assert [(c["sha"], c["strength"]) for c in doc["commits"]] == [(sha, "explicit")]


def test_two_branches_keep_their_own_sessions(hooked: GitRepo, codex_home: CodexHome) -> None:
    main_session = _work(codex_home, hooked, BASE_TIME + timedelta(minutes=5))
    main_session.apply_patch(PATCH_APP).reply("Main work.")
    hooked.write({"app.py": "y\n"})
    hooked.commit("Main change", when=main_session.clock + timedelta(minutes=1))

    hooked.git("switch", "-q", "-c", "feature")
    feature = _work(codex_home, hooked, hooked.clock + timedelta(minutes=5), branch="feature")
    feature.apply_patch(PATCH_APP.replace("app.py", "cart.py").replace("-x\n+y", "-c\n+d")).reply(
        "Cart."
    )
    hooked.write({"cart.py": "d\n"})
    hooked.commit("Feature change", when=feature.clock + timedelta(minutes=1))

    hooked.git("switch", "-q", "main")
    hooked.commit("Main again", {"notes.txt": "n\n"}, when=feature.clock + timedelta(minutes=30))

    on_main = {doc["id"] for doc in _fragments(hooked, "main").values()}
    on_feature = {doc["id"] for doc in _fragments(hooked, "feature").values()}
    assert on_main == {main_session.id}
    assert on_feature == {main_session.id, feature.id}
    assert feature.id[:8] not in _tracked(hooked, "main")["docs/ai-journal/2026-02-23.md"]


def test_session_spanning_midnight_is_on_both_days(hooked: GitRepo, codex_home: CodexHome) -> None:
    start = datetime(2026, 2, 23, 23, 40, tzinfo=BASE_TIME.tzinfo)
    session = _work(codex_home, hooked, start)
    session.shell("make before-midnight", output="ok\n")
    session.wait(40).shell("make after-midnight", exit_code=2, output="boom\n").reply("Half done.")
    hooked.commit("After midnight", {"notes.txt": "n\n"}, when=session.clock + timedelta(minutes=1))

    tracked = _tracked(hooked)
    monday, tuesday = (
        tracked["docs/ai-journal/2026-02-23.md"],
        tracked["docs/ai-journal/2026-02-24.md"],
    )
    assert "make before-midnight" in monday
    assert "make after-midnight" not in monday
    assert "make after-midnight" in tuesday
    assert "make before-midnight" not in tuesday
    assert session.id[:8] in monday
    assert session.id[:8] in tuesday


def test_amend_replaces_the_old_commit(hooked: GitRepo, codex_home: CodexHome) -> None:
    session = _work(codex_home, hooked, BASE_TIME + timedelta(minutes=5))
    session.apply_patch(PATCH_APP).reply("Done.")
    hooked.write({"app.py": "y\n"})
    first = hooked.commit("Change app", when=session.clock + timedelta(minutes=1))
    amended = hooked.commit("Change app (amended)", when=hooked.clock, extra=("--amend",))
    own_journal = _tracked(hooked, amended)["docs/ai-journal/2026-02-23.md"]
    assert first[:7] not in own_journal  # the amend's own journal never cites what it replaces
    assert "**this commit (pending)** · 1 file, +1 −1" in own_journal
    hooked.commit("Next", {"notes.txt": "n\n"}, when=hooked.clock + timedelta(minutes=5))

    journal = _tracked(hooked)["docs/ai-journal/2026-02-23.md"]
    assert amended != first
    assert amended[:7] in journal
    assert first[:7] not in journal
    (doc,) = _fragments(hooked).values()
    assert [c["sha"] for c in doc["commits"]] == [amended]


def test_secrets_never_reach_a_tracked_file(hooked: GitRepo, codex_home: CodexHome) -> None:
    secrets = {
        "openai": "sk-proj-Abc123def456ghi789jkl012mno345",
        "github": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "aws": "AKIAIOSFODNN7EXAMPLE",
        "url": "hunter2pass",
    }
    session = codex_home.session(
        hooked.path, BASE_TIME + timedelta(minutes=5), commit=hooked.head()
    )
    session.prompt(f"Use key {secrets['openai']} for the client", cwd=str(hooked.path))
    session.shell(f"GITHUB_TOKEN={secrets['github']} gh api user", output=f"aws {secrets['aws']}\n")
    session.shell("psql postgres://app:hunter2pass@db/app", exit_code=2, output="refused\n")
    session.reply(f"Configured {secrets['aws']}.")
    hooked.commit("Work", {"notes.txt": "n\n"}, when=session.clock + timedelta(minutes=1))
    hooked.commit("More", {"notes.txt": "m\n"}, when=session.clock + timedelta(minutes=2))

    history = hooked.git("log", "-p", "--all")
    assert "[REDACTED:" in history
    for value in secrets.values():
        assert value not in history
    assert str(Path.home()) not in history
    assert str(hooked.path) not in history


def test_hand_notes_survive_the_next_commit(hooked: GitRepo, codex_home: CodexHome) -> None:
    session = _work(codex_home, hooked, BASE_TIME + timedelta(minutes=5))
    session.apply_patch(PATCH_APP).reply("Done.")
    hooked.write({"app.py": "y\n"})
    hooked.commit("Change app", when=session.clock + timedelta(minutes=1))
    journal = hooked.path / "docs/ai-journal/2026-02-23.md"
    note = "\n## Reviewer notes\n\nThe agent forgot the *docs*.\n"
    journal.write_text(journal.read_text() + note)
    hooked.commit("Next", {"notes.txt": "n\n"}, when=session.clock + timedelta(minutes=2))

    committed = _tracked(hooked)["docs/ai-journal/2026-02-23.md"]
    assert committed.endswith(note)
    assert "this commit (pending)" in committed


def test_a_refresh_loads_only_the_records_it_needs(
    repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    early = _work(codex_home, repo, BASE_TIME + timedelta(minutes=5)).reply("Early.")
    late = _work(codex_home, repo, BASE_TIME + timedelta(hours=6)).reply("Late.")
    paths = git.repo_paths(repo.path)

    def refresh_at(when: datetime) -> pipeline.RefreshResult:
        for key, value in repo.date_env(when).items():
            monkeypatch.setenv(key, value)
        return pipeline.refresh(paths, Config(), stage=True)

    assert refresh_at(late.clock + timedelta(minutes=1)).sessions == 2
    reads = record_reads(monkeypatch)
    assert refresh_at(BASE_TIME + timedelta(days=1)).sessions == 0
    assert reads == []  # nothing new, no session near the commit being made
    refresh_at(late.clock + timedelta(minutes=2))
    assert reads == [late.id]

    repo.commit("Late work", {"app.py": "y\n"}, when=late.clock + timedelta(minutes=2))
    reads.clear()
    context = pipeline.day_context(paths, Config(), BASE_TIME.date(), head_as_pending=True)
    assert reads == [late.id]
    pending, sessions = context["pending"], context["sessions"]
    assert isinstance(pending, dict)
    assert isinstance(sessions, list)
    assert [s["id"] for s in pending["sessions"]] == [late.id]
    assert [s["id"] for s in sessions] == [early.id, late.id]  # the day still shows both


def test_a_day_of_human_commits_gets_no_journal(hooked: GitRepo) -> None:
    sha = hooked.commit("Human work", {"notes.txt": "n\n"}, when=BASE_TIME + timedelta(minutes=5))
    files = hooked.git("show", "--name-only", "--format=", sha).split()
    assert files == [".ai-journal/project_state.json", "notes.txt"]
    assert not (hooked.path / "docs").exists()
