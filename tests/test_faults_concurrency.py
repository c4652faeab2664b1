"""Fifty hook runs started at once from five worktrees, as real processes: post-commit (through
the fast path and through the full hook), post-checkout, post-merge, post-rewrite (each with its own
amend pair on stdin) and the pre-commit stage. No event is lost or torn, each rewrite map is stored
exactly once (directly or left in `deferred/` and applied by the next run), and nothing reaches the
error log."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from journal import deferred, events, rewrite
from testing.codex_home import CodexHome
from testing.git_repo import GitRepo

TREES = 5
FULL_HOOK = "import sys; from journal import hook; sys.exit(hook.main(sys.argv[1:]))"


@dataclass
class Run:
    name: str
    cwd: Path
    argv: list[str]
    stdin: str = ""


def _trees(repo: GitRepo, tmp_path: Path) -> list[GitRepo]:
    repo.commit("base", {"a.txt": "a\n"})
    trees = [repo]
    for index in range(1, TREES):
        path = tmp_path / f"wt{index}"
        repo.git("worktree", "add", "-q", "-b", f"b{index}", str(path))
        trees.append(GitRepo(path, repo.clock))
    return trees


def _amend_pairs(tree: GitRepo) -> list[tuple[str, str]]:
    """Two real amends in `tree` (no hooks installed): their (old, new) pairs."""
    shas = [tree.commit(f"work in {tree.path.name}", {f"{tree.path.name}.txt": "1\n"})]
    for round_ in (2, 3):
        tree.write({f"{tree.path.name}.txt": f"{round_}\n"})
        tree.git("add", "-A")
        tree.git("commit", "-q", "--amend", "-m", f"work, take {round_}", env=tree.date_env())
        shas.append(tree.head())
    return list(itertools.pairwise(shas))


def _runs(tree: GitRepo, pairs: list[tuple[str, str]]) -> list[Run]:
    entry = [sys.executable, "-m", "journal.entry", "hook"]
    full = [sys.executable, "-c", FULL_HOOK]
    head = tree.head()
    runs = [Run("post-commit", tree.path, [*entry, "post-commit"]) for _ in range(2)]
    runs += [Run("post-commit", tree.path, [*full, "post-commit"]) for _ in range(2)]
    runs += [Run("post-checkout", tree.path, [*entry, "post-checkout", head, head, "1"])] * 2
    runs.append(Run("post-merge", tree.path, [*entry, "post-merge", "0"]))
    runs += [
        Run("post-rewrite", tree.path, [*entry, "post-rewrite", "amend"], f"{old} {new}\n")
        for old, new in pairs
    ]
    runs.append(Run("pre-commit", tree.path, [*entry, "pre-commit"]))
    return runs


def test_fifty_hooks_at_once_lose_nothing_and_apply_each_rewrite_once(
    repo: GitRepo, tmp_path: Path, codex_home: CodexHome
) -> None:
    trees = _trees(repo, tmp_path)
    session = codex_home.session(repo.path, repo.clock, commit=repo.head())
    session.prompt("Work everywhere", cwd=str(repo.path)).reply("Done.")
    pairs = {tree.path: _amend_pairs(tree) for tree in trees}
    runs = [run for tree in trees for run in _runs(tree, pairs[tree.path])]
    assert len(runs) == 50

    procs = [
        subprocess.Popen(
            run.argv,
            cwd=run.cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for run in runs
    ]
    outputs = [
        proc.communicate(run.stdin, timeout=120) for run, proc in zip(runs, procs, strict=True)
    ]
    assert [proc.returncode for proc in procs] == [0] * 50, outputs
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert all(line.startswith("ai-journal: ") for line in err.splitlines()), (run, err)

    local = repo.path / ".git" / "ai-journal"
    log = events.load(local)
    assert log.malformed == 0
    raw = events.events_path(local).read_bytes()
    assert raw.endswith(b"\n")
    assert raw.count(b"\n") == len(log.events)
    counted = Counter((e["hook"], e["worktree"]) for e in log.events if not e.get("deferred"))
    for tree in trees:
        where = str(tree.path)
        assert counted[("post-commit", where)] == 4
        assert counted[("post-checkout", where)] == 2
        assert counted[("post-merge", where)] == 1
        assert counted[("post-rewrite", where)] == 2
    stepped_aside = [e for e in log.events if e.get("deferred")]
    assert all(e["hook"] == "pre-commit" for e in stepped_aside)
    recorded = sorted(tuple(e["pairs"][0]) for e in log.events if e["hook"] == "post-rewrite")
    expected = sorted(pair for tree_pairs in pairs.values() for pair in tree_pairs)
    assert recorded == expected

    # The next run applies whatever was left for it; every map is there exactly once.
    subprocess.run(
        [sys.executable, "-m", "journal.entry", "render"],
        cwd=repo.path,
        check=True,
        capture_output=True,
        env={**os.environ, "CODEX_HOME": str(codex_home.root)},
    )
    assert deferred.waiting(local) == []
    stored = sorted(pair for rmap in rewrite.load(local) for pair in rmap.pairs().items())
    assert [(old, new) for old, (new, _) in stored] == expected
    assert not (local / "log").exists(), (local / "log").read_text()
