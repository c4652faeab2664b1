"""`ai-journal prune --session | --match` and `ai-journal reset --local`, through real commits."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from journal import cli, git, install, prune, state
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

SECRET_NAME = "Project Nightingale"
FRAGMENTS = ".ai-journal/sessions"


@pytest.fixture
def worked(repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """Two sessions, each behind one commit made through the native hooks."""
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    for n, (prompt, file) in enumerate(
        [(f"Rename the app to {SECRET_NAME}", "app.py"), ("Add a readme", "README.md")]
    ):
        start = repo.clock + timedelta(minutes=2)
        session = codex_home.session(repo.path, start, commit=repo.head())
        session.prompt(prompt, cwd=str(repo.path))
        patch = f"*** Begin Patch\n*** Add File: {file}\n+v{n}\n*** End Patch\n"
        session.apply_patch(patch).reply(f"Done: {prompt.lower()}.")
        repo.commit(f"Commit {n}", {file: f"v{n}\n"}, when=session.clock + timedelta(minutes=1))
    monkeypatch.chdir(repo.path)
    return repo


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _fragments(repo: GitRepo) -> dict[str, dict[str, object]]:
    docs = [json.loads(p.read_text()) for p in sorted((repo.path / FRAGMENTS).glob("*.json"))]
    return {str(doc["id"]): doc for doc in docs}


def _tracked(repo: GitRepo) -> str:
    """The committed artifacts as they are in the work tree (a pruned fragment is deleted)."""
    names = [n for n in repo.git("ls-files").splitlines() if n.startswith((".ai-journal", "docs"))]
    return "".join((repo.path / n).read_text() for n in names if (repo.path / n).exists())


def _in_head(repo: GitRepo, text: str) -> bool:
    found = subprocess.run(["git", "grep", "-qF", text, "HEAD"], cwd=repo.path, check=False)
    return found.returncode == 0


def _local(repo: GitRepo) -> Path:
    return repo.path / ".git" / "ai-journal"


def _session_of(repo: GitRepo, word: str) -> str:
    return next(sid for sid, doc in _fragments(repo).items() if word in json.dumps(doc))


def test_prune_session_removes_it_everywhere_and_for_good(
    worked: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = worked
    gone, kept = _session_of(repo, "Nightingale"), _session_of(repo, "readme")
    assert (_local(repo) / "sessions" / f"{gone}.json").exists()
    _run(["render", "--all"], capsys)  # the last commit's SHA filled in: renders are settled
    code, out, _err = _run(["prune", "--session", gone[:8]], capsys)
    assert code == 0
    changed = out.splitlines()
    assert any(line.startswith(f"changed {FRAGMENTS}/") for line in changed)
    assert any(line.startswith("changed docs/ai-journal/") for line in changed)
    assert f"changed .git/ai-journal/sessions/{gone}.json" in changed
    assert "changed .git/ai-journal/session-index.json" in changed
    assert "changed .git/ai-journal/cursors.json" in changed
    assert list(_fragments(repo)) == [kept]
    assert gone not in _tracked(repo)
    assert kept in _tracked(repo)
    assert not (_local(repo) / "sessions" / f"{gone}.json").exists()
    index = json.loads((_local(repo) / "session-index.json").read_text())
    assert gone not in index["sessions"]
    assert json.loads((_local(repo) / "pruned.json").read_text()) == {"sessions": [gone]}

    # the render from what is left is what prune wrote
    assert _run(["render", "--all"], capsys)[1].strip() == "journals are up to date"
    # its log keeps growing; nothing brings it back
    repo.git("add", "-A")
    repo.commit("After", {"app.py": "later\n"}, when=repo.clock + timedelta(minutes=5))
    assert list(_fragments(repo)) == [kept]
    assert gone not in _tracked(repo)
    assert not _in_head(repo, gone)
    from journal import git, recall

    hits = recall.search(git.repo_paths(repo.path), "Nightingale", all_branches=True)
    assert not [hit for hit in hits if gone in (hit.id, hit.title)]
    assert not (_local(repo) / "sessions" / f"{gone}.json").exists()


def test_prune_match_replaces_the_text_and_refreshes_digests(
    worked: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = worked
    journal = next((repo.path / "docs" / "ai-journal").glob("*.md"))
    journal.write_text(journal.read_text() + f"\nHand note: ship {SECRET_NAME} on Friday.\n")
    state_path = repo.path / ".ai-journal" / "project_state.json"
    doc = json.loads(state_path.read_text())
    doc["goals"] = [{"id": "g1", "title": f"Launch {SECRET_NAME}"}]
    doc["digest"] = state.digest(doc)
    state_path.write_text(state.dumps_canonical(doc))
    assert (
        SECRET_NAME
        in (_local(repo) / "sessions" / f"{_session_of(repo, 'Night')}.json").read_text()
    )

    code, out, err = _run(["prune", "--match", r"Project\s+Nightingale"], capsys)
    assert code == 0
    assert f"changed {journal.relative_to(repo.path)}" in out
    assert "changed .ai-journal/project_state.json" in out
    assert "redact.patterns" in err
    assert "Nightingale" not in _tracked(repo)
    assert "[REDACTED:pruned]" in journal.read_text()
    assert "Hand note: ship [REDACTED:pruned] on Friday." in journal.read_text()
    for fragment in _fragments(repo).values():
        assert fragment["digest"] == state.digest(fragment)  # still the tool's own file
    pruned_state = json.loads(state_path.read_text())
    assert pruned_state["goals"][0]["title"] == "Launch [REDACTED:pruned]"
    assert pruned_state["digest"] == state.digest(pruned_state)
    for cached in (_local(repo) / "sessions").glob("*.json"):
        assert "Nightingale" not in cached.read_text()

    repo.git("add", "-A")
    repo.commit("After", {"app.py": "later\n"}, when=repo.clock + timedelta(minutes=5))
    assert "Nightingale" not in _tracked(repo)
    assert not _in_head(repo, "Nightingale")
    assert _run(["prune", "--match", "Nightingale"], capsys)[1] == "nothing to prune\n"


def test_a_hand_edited_fragment_stays_hand_edited(
    worked: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = worked
    path = next(p for p in (repo.path / FRAGMENTS).glob("*.json") if "Nightingale" in p.read_text())
    doc = json.loads(path.read_text())
    doc["summary"] = "A person wrote this about Nightingale."
    path.write_text(state.dumps_canonical(doc))
    assert _run(["prune", "--match", "Nightingale"], capsys)[0] == 0
    after = json.loads(path.read_text())
    assert after["summary"] == "A person wrote this about [REDACTED:pruned]."
    assert after["digest"] != state.digest(after)


def test_a_commit_message_is_reported_not_pruned(
    worked: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(["render", "--all"], capsys)
    journal = next((worked.path / "docs" / "ai-journal").glob("*.md"))
    assert "Commit 1" in journal.read_text()
    code, _out, err = _run(["prune", "--match", "Commit 1"], capsys)
    assert code == 0
    assert "Commit 1" in journal.read_text()
    assert "still shows it, from commit messages" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prune"], "exactly one of --session ID or --match REGEX"),
        (["prune", "--session", "0", "--match", "x"], "exactly one of"),
        (["prune", "--session", "ffffffff"], "no session match 'ffffffff'"),
        (["prune", "--match", "(unclosed"], "is not a valid regex"),
        (["prune", "--match", "x*"], "matches the empty string"),
        (["reset"], "only --local"),
    ],
)
def test_bad_requests_are_one_line_errors(
    worked: GitRepo, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _out, err = _run(args, capsys)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_reset_local_drops_only_rebuildable_caches(
    worked: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = worked
    local = _local(repo)
    _run(["render", "--all"], capsys)  # settled: the last commit's links filled in
    (local / "pruned.json").write_text('{"sessions": []}\n')
    kept_before = {p.name: p.read_bytes() for p in local.iterdir() if p.is_file()}
    code, out, _err = _run(["reset", "--local"], capsys)
    assert code == 0
    removed = {Path(line.removeprefix("removed ")).name for line in out.splitlines()}
    # the change logs exist only when a run appended to them since their last compaction
    assert removed - {"cursors.log", "session-index.log"} == {
        "cursors.json",
        "session-index.json",
        "sessions",
        "recall.sqlite",
        "commit-facts.sqlite",
        "clean-texts",
    }
    assert not any((local / name).exists() for name in prune.REBUILDABLE)
    for name in ("events.jsonl", "checkpoints.json", "pruned.json"):
        assert (local / name).read_bytes() == kept_before[name]
    before = _tracked(repo)
    assert _run(["render", "--all"], capsys)[0] == 0  # rebuilt from the agent logs
    assert _tracked(repo) == before
    assert (local / "cursors.json").exists()
