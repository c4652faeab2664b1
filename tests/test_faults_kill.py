"""`ai-journal import` (ingest, fragments, render) killed with SIGKILL at random moments: every file
it writes is, at any moment, its old content or its final one (each JSON file parses, each journal
has its frontmatter and one generated region), and the run after the kills gives byte for byte what
a clean run gives. The delays are drawn from a seeded generator over the time a whole run takes,
and the loop is bounded in time."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import frontmatter
import mistune

from journal import render
from testing.codex_home import CodexHome
from testing.git_repo import GitRepo

SEED = 20260223
BUDGET_S = 12.0
OUTPUTS = (".ai-journal", "docs/ai-journal")


def _history(repo: GitRepo, codex: CodexHome) -> None:
    """Six agent sessions over three days, each with a commit, plus a human commit."""
    repo.commit("base", {"app.py": "x\n"})
    for index in range(6):
        start = repo.clock + timedelta(hours=7 * index)
        session = codex.session(repo.path, start, commit=repo.head())
        session.prompt(f"Change number {index}: `code` <b>bold</b>", cwd=str(repo.path))
        patch = f"*** Begin Patch\n*** Add File: f{index}.py\n+v = {index}\n*** End Patch\n"
        session.apply_patch(patch).shell("pytest -q", output="ok\n")
        session.plan([(f"Step {index}", "completed")]).reply(f"Done {index}.")
        repo.commit(f"Change {index}", {f"f{index}.py": f"v = {index}\n"}, when=session.clock)
    repo.commit("A human commit", {"README": "hi\n"})


def _import(repo: GitRepo) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "journal.entry", "import"],
        cwd=repo.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _outputs(repo: GitRepo) -> dict[str, bytes]:
    found = {}
    for top in OUTPUTS:
        for path in sorted((repo.path / top).rglob("*")):
            if path.is_file() and not path.name.endswith(".tmp"):
                found[str(path.relative_to(repo.path))] = path.read_bytes()
    return found


def _wipe(repo: GitRepo) -> None:
    import shutil

    for top in (*OUTPUTS, ".git/ai-journal"):
        shutil.rmtree(repo.path / top, ignore_errors=True)


def _check_whole(repo: GitRepo) -> None:
    """Every file parses: JSON documents and the cache, journals with their region."""
    for path in [
        *repo.path.joinpath(".git", "ai-journal").rglob("*.json"),
        *_tracked(repo, ".json"),
    ]:
        if not path.name.startswith("."):
            json.loads(path.read_bytes())
    for path in _tracked(repo, ".md"):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines.count(render.BEGIN) == lines.count(render.END) == 1, path
        if path.name != "tasks.md":
            assert frontmatter.loads(text).metadata["schema"] == 1, path
        assert mistune.create_markdown(renderer="ast")(text), path


def _tracked(repo: GitRepo, suffix: str) -> list[Path]:
    return [p for top in OUTPUTS for p in (repo.path / top).rglob(f"*{suffix}") if p.is_file()]


def test_sigkill_at_random_points_leaves_old_or_new_files_and_converges(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    _history(repo, codex_home)
    began = time.monotonic()
    assert _import(repo).wait(timeout=120) == 0
    whole_run = time.monotonic() - began
    clean = _outputs(repo)
    assert any(name.startswith("docs/ai-journal/") for name in clean)
    assert sum(name.startswith(".ai-journal/sessions/") for name in clean) == 6
    _wipe(repo)

    rng = random.Random(SEED)
    deadline = time.monotonic() + BUDGET_S
    kills = 0
    before = _outputs(repo)
    while time.monotonic() < deadline and kills < 40:
        proc = _import(repo)
        time.sleep(rng.uniform(0.0, whole_run))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=120)
        _check_whole(repo)
        now = _outputs(repo)
        for name, content in now.items():
            assert content in (before.get(name), clean.get(name)), name
        before = now
    assert kills >= 3, f"only {kills} runs were killed in {BUDGET_S} s"

    assert _import(repo).wait(timeout=120) == 0
    assert _outputs(repo) == clean
