"""Hand-broken and newer state files, and repositories of every odd shape: one line, exit 0 from the
hooks, the file left as it was, `doctor` naming the fix; shallow clones, repositories without
commits, bare repositories and SHA-256 object format go through the whole path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from journal import doctor, git, install
from testing.codex_home import CodexHome
from testing.git_repo import GitRepo

STATE = ".ai-journal/project_state.json"


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "journal.entry", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def _commit(repo: GitRepo, message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", message],
        cwd=repo.path,
        env={**os.environ, **repo.date_env(repo.tick())},
        capture_output=True,
        text=True,
        check=False,
    )


def _ours(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("ai-journal")]


def _with_session(repo: GitRepo, codex: CodexHome) -> None:
    session = codex.session(repo.path, repo.clock + timedelta(minutes=1))
    session.prompt("Change the app", cwd=str(repo.path)).reply("Done.")
    repo.clock = session.clock


@pytest.fixture
def hooked(repo: GitRepo, codex_home: CodexHome) -> GitRepo:
    repo.commit("base", {"app.py": "x\n"})
    install.install_native(git.repo_paths(repo.path))
    _with_session(repo, codex_home)
    return repo


def test_a_hand_broken_state_is_named_by_line_and_column_and_kept(hooked: GitRepo) -> None:
    broken = '{\n  "schema": 1,\n  "goals": [,]\n}\n'
    hooked.write({STATE: broken})
    proc = _commit(hooked, "with a broken state")
    assert proc.returncode == 0
    (line,) = _ours(proc.stderr)
    assert line.startswith(f"ai-journal: {hooked.path / STATE}:3:13: ")
    assert (hooked.path / STATE).read_text() == broken
    assert hooked.git("log", "-1", "--format=%s").strip() == "with a broken state"

    checks = {c.name: c for c in doctor.checks(git.repo_paths(hooked.path))}
    check = checks["project state"]
    assert not check.ok
    assert check.detail.startswith(f"{hooked.path / STATE}:3:13: ")
    assert f"git checkout -- {STATE}" in check.fix
    out = _cli(hooked.path, "doctor")
    assert f"git checkout -- {STATE}" in out.stdout + out.stderr
    assert (hooked.path / STATE).read_text() == broken


def test_a_state_from_a_newer_release_is_refused_and_kept(hooked: GitRepo) -> None:
    newer = json.dumps({"schema": 2, "goals": [], "milestones": [], "tasks": []}) + "\n"
    hooked.write({STATE: newer})
    proc = _commit(hooked, "with a newer state")
    assert proc.returncode == 0
    (line,) = _ours(proc.stderr)
    assert "schema 2 is not one this version understands (up to 1); upgrade ai-journal" in line
    assert (hooked.path / STATE).read_text() == newer
    assert hooked.git("show", "--name-only", "--format=", "HEAD").strip() == ""
    check = {c.name: c for c in doctor.checks(git.repo_paths(hooked.path))}["project state"]
    assert (check.ok, check.fix) == (False, "upgrade ai-journal (`pip install -U ai-journal`)")


def test_a_fragment_from_a_newer_release_is_refused_and_kept(
    hooked: GitRepo, codex_home: CodexHome
) -> None:
    assert _commit(hooked, "first").returncode == 0
    (name,) = hooked.git("ls-files", ".ai-journal/sessions").split()
    doc = json.loads((hooked.path / name).read_text())
    doc["schema"] = 3
    newer = json.dumps(doc) + "\n"
    (hooked.path / name).write_text(newer)
    hooked.git("commit", "-qam", "a newer release wrote this")
    codex_home.session(hooked.path, hooked.clock).prompt("More", cwd=str(hooked.path))
    (session_log,) = sorted(codex_home.root.rglob("*.jsonl"))[:1]
    with session_log.open("a") as handle:  # the first session goes on, so its fragment is due
        handle.write(session_log.read_text().splitlines()[-1] + "\n")
    proc = _commit(hooked, "after the newer fragment")
    assert proc.returncode == 0
    (line,) = _ours(proc.stderr)
    assert "written by a newer ai-journal (schema 3, this one knows up to 1)" in line
    assert (hooked.path / name).read_text() == newer


def _agent_commit_works(repo: GitRepo, codex: CodexHome) -> None:
    """A session, a commit through the native hooks, then `import`: fragment and journal."""
    install.install_native(git.repo_paths(repo.path))
    _with_session(repo, codex)
    repo.write({"app.py": "y\n"})
    repo.git("add", "app.py")
    proc = _commit(repo, "agent work")
    assert proc.returncode == 0, proc.stderr
    assert _ours(proc.stderr) == [], proc.stderr
    files = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert any(f.startswith(".ai-journal/sessions/") for f in files), files
    assert any(f.startswith("docs/ai-journal/") for f in files), files
    imported = _cli(repo.path, "import")
    assert imported.returncode == 0, imported.stderr
    assert not (
        Path(repo.git("rev-parse", "--git-common-dir").strip()) / "ai-journal" / "log"
    ).exists()


def test_a_repository_without_commits(repo: GitRepo, codex_home: CodexHome) -> None:
    _agent_commit_works(repo, codex_home)
    assert repo.git("rev-list", "--count", "HEAD").strip() == "1"


def test_a_shallow_clone(repo: GitRepo, codex_home: CodexHome, tmp_path: Path) -> None:
    for index in range(3):
        repo.commit(f"c{index}", {"app.py": f"{index}\n"})
    target = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(target)], check=True
    )
    shallow = GitRepo(target.resolve(), repo.clock)
    assert shallow.git("rev-parse", "--is-shallow-repository").strip() == "true"
    _agent_commit_works(shallow, codex_home)


def test_sha256_object_format(tmp_path: Path, codex_home: CodexHome) -> None:
    path = tmp_path / "sha256"
    subprocess.run(
        ["git", "init", "-q", "--object-format=sha256", "-b", "main", str(path)], check=True
    )
    repo = GitRepo(path.resolve())
    repo.commit("base", {"app.py": "x\n"})
    assert len(repo.head()) == 64
    _agent_commit_works(repo, codex_home)
    journal = (repo.path / "docs/ai-journal/2026-02-23.md").read_text()
    assert repo.head() in journal  # the full 64-hex SHA, filled in by the next render


def test_a_bare_repository_is_one_line(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    for args in (["import"], ["render"], ["doctor"]):
        proc = _cli(bare, *args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stderr.splitlines() == [
            f"ai-journal: {bare} is not inside a git work tree; run this from your repository"
        ]
    for stage in ("pre-commit", "post-commit", "post-checkout"):
        proc = _cli(bare, "hook", stage, "0" * 40, "0" * 40, "1")
        assert proc.returncode == 0
        assert len(proc.stderr.splitlines()) <= 1, proc.stderr
