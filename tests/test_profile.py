"""`ai-journal hook --profile <stage>` and AI_JOURNAL_PROFILE=1: the hook runs as usual, then says
where its time went on stderr."""

from __future__ import annotations

import os
import subprocess
import sys

from journal import events, profile
from testing.git_repo import GitRepo


def _hook(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "journal.entry", "hook", *args],
        cwd=repo.path,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stderr


def test_profile_flag_times_the_fast_path_and_the_hook_still_records(repo: GitRepo) -> None:
    repo.commit("root", {"a.txt": "a\n"})
    err = _hook(repo, "--profile", "post-commit")
    assert err.startswith("ai-journal profile: hook post-commit: ")
    assert "1x  fastpath.record" in err
    assert "imports:" in err
    (event,) = events.read_events(repo.path / ".git" / "ai-journal")
    assert event["hook"] == "post-commit"


def test_profile_variable_times_the_stage_phases_and_git(repo: GitRepo) -> None:
    repo.commit("root", {"a.txt": "a\n"})
    repo.write({"a.txt": "b\n"})
    repo.git("add", "a.txt")
    err = _hook(repo, "pre-commit", env={profile.ENV: "1", "AI_JOURNAL_STAGE_SKIP": "0"})
    assert "1x  pipeline.refresh" in err
    assert "1x  ingest.ingest" in err
    assert "x  git rev-parse" in err
    assert "import journal.hook" in err


def test_wanted_strips_only_the_leading_flag() -> None:
    assert profile.wanted(["--profile", "pre-commit"])[1] == ["pre-commit"]
    assert profile.wanted(["post-checkout", "--profile", "x", "1"])[1] == [
        "post-checkout",
        "x",
        "1",
    ]
