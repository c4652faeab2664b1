"""The native pre-commit hook refuses a commit whose staged journal files hold a secret, through
real git and the installed shim; `secrets.gate = false` lets it through, and a problem of ours
never blocks a commit."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest

from journal import git, install
from testing.git_repo import BASE_TIME, GitRepo
from tests.secrets_corpus import SHAPES

TOKEN = next(shape.text for shape in SHAPES if shape.name == "github_classic")
FINGERPRINT = hashlib.sha256(TOKEN.encode()).hexdigest()[:16]
JOURNAL = "docs/ai-journal/2026-02-23.md"
CONFIG = ".ai-journal/config.toml"


@pytest.fixture
def here(repo: GitRepo) -> GitRepo:
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    return repo


def commit(repo: GitRepo, message: str) -> subprocess.CompletedProcess[str]:
    """`git commit` of what is staged, its hooks run as git runs them."""
    env = {**os.environ, **repo.date_env(repo.tick(1))}
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def stage_note(repo: GitRepo, config: str | None = None) -> None:
    repo.write({JOURNAL: f"A hand note: {TOKEN}\n", **({CONFIG: config} if config else {})})
    repo.git("add", JOURNAL, *([CONFIG] if config else []))


def test_a_staged_secret_is_refused_by_file_line_and_kind(here: GitRepo) -> None:
    stage_note(here)
    proc = commit(here, "notes")
    assert proc.returncode == 1  # git's own status for a refusing pre-commit hook
    staged = here.git("show", f":{JOURNAL}").splitlines()  # the stage rendered the day around it
    line = next(n for n, text in enumerate(staged, start=1) if TOKEN in text)
    assert f"{JOURNAL}:{line}:14: github_token (fingerprint {FINGERPRINT})" in proc.stderr
    assert "commit refused: 1 secret(s) staged" in proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    assert here.git("log", "--format=%s", "-1").strip() == "base"
    assert JOURNAL in here.git("diff", "--cached", "--name-only")  # the index is left as it was


def test_the_gate_runs_with_the_stage_switched_off(here: GitRepo) -> None:
    stage_note(here, "[journal]\nstage = false\n")
    proc = commit(here, "notes")
    assert proc.returncode == 1
    assert f"{JOURNAL}:1:14: github_token" in proc.stderr  # no stage: the note as it was staged


@pytest.mark.parametrize(
    "config",
    [
        "[secrets]\ngate = false\n",
        f'[secrets]\nallow = ["{FINGERPRINT}"]\n',
        "[secrets]\ngate = 'sometimes'\n",  # a config we cannot read: our problem, not the commit's
    ],
)
def test_the_commit_goes_ahead_when_the_gate_lets_it(here: GitRepo, config: str) -> None:
    stage_note(here, config)
    proc = commit(here, "notes")
    assert proc.returncode == 0, proc.stderr
    assert here.git("log", "--format=%s", "-1").strip() == "notes"


def test_a_clean_commit_is_not_held_up(here: GitRepo) -> None:
    here.write({"app.py": "y\n"})
    here.git("add", "app.py")
    proc = commit(here, "plain")
    assert proc.returncode == 0, proc.stderr
    assert "refused" not in proc.stderr


def test_under_the_framework_the_separate_hook_does_the_job(here: GitRepo) -> None:
    """With `$PRE_COMMIT` set (pre-commit's own runs), the stage hook never refuses: the
    `ai-journal-check` hook of the manifest is the gate there."""
    stage_note(here)
    env = {**os.environ, **here.date_env(here.tick(1)), "PRE_COMMIT": "1"}
    proc = subprocess.run(
        ["git", "commit", "-m", "notes"],
        cwd=here.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
