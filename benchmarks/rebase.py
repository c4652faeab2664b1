"""Figure 4: the hooks while a rebase runs.

a. `ai-journal hook post-commit` alone, run exactly as the native shim runs it, in a repository
   stopped in the middle of an interactive rebase (the sequencer fast path: one event line), against
   an empty Python hook script.
b. A 50-commit `git rebase --force-rebase` with ai-journal's native hooks, with empty Python hooks
   of the same types, and with none.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.sandbox import PYTHON, Sandbox, Size, date_env, interleaved, minute, ratio, run
from journal import precommit_config
from testing.git_repo import GitRepo

PICKS = 50  # the rebase size the history issue sets its target on
FAST_PATH_COMMAND = [PYTHON, "-P", "-m", "journal.entry", "hook", "post-commit"]


def run_figure(box: Sandbox, size: Size) -> dict[str, Any]:
    return {"fast_path": _fast_path(box, size), "rebase": _rebase(box, size)}


# -- a. the fast path -------------------------------------------------------------------------


def _fast_path(box: Sandbox, size: Size) -> dict[str, Any]:
    repo = _history(box, "fast-path", 3)
    env = {**box.env(), **date_env(minute(100)), "GIT_SEQUENCE_EDITOR": "sed -i 1s/^pick/edit/"}
    run(["git", "rebase", "-q", "-i", "HEAD~2"], repo.path, env)  # stops at the first pick
    if not (repo.path / ".git" / "rebase-merge").is_dir():
        raise RuntimeError("the rebase did not stop; no sequencer state to measure in")
    empty = _empty_hook(box.root / "empty-hook")

    def timed_command(args: list[str]) -> float:
        start = time.perf_counter()
        run(args, repo.path, box.env())
        return time.perf_counter() - start

    times = interleaved(
        {
            "ai_journal": lambda: timed_command(FAST_PATH_COMMAND),
            "empty_python": lambda: timed_command([str(empty)]),
        },
        size.warmup,
        size.runs,
    )
    events = (repo.path / ".git" / "ai-journal" / "events.jsonl").read_text().splitlines()
    if len(events) != size.warmup + size.runs or '"sequencer":"rebase-merge"' not in events[-1]:
        raise RuntimeError("the post-commit fast path did not record its one line per run")
    return {
        "ms": {name: s.as_dict() for name, s in times.items()},
        "ai_journal/empty_python": ratio(times["ai_journal"], times["empty_python"]),
    }


# -- b. a whole rebase --------------------------------------------------------------------------


class _Rebaser:
    def __init__(self, repo: GitRepo, env: dict[str, str]) -> None:
        self.repo, self.env, self.count = repo, env, 0

    def rebase(self) -> float:
        self.count += 1
        env = {**self.env, **date_env(minute(1000 + self.count))}  # new committer date: new commits
        start = time.perf_counter()
        run(["git", "rebase", "-q", "--force-rebase", f"HEAD~{PICKS}"], self.repo.path, env)
        return time.perf_counter() - start


def _rebase(box: Sandbox, size: Size) -> dict[str, Any]:
    env = box.env()
    setups = {name: _history(box, f"rebase-{name}", PICKS + 1) for name in ("none", "empty", "ai")}
    for hook_type in precommit_config.HOOK_TYPES:
        _empty_hook(setups["empty"].path / ".git" / "hooks" / hook_type)
    run(["ai-journal", "install", "--native"], setups["ai"].path, env)
    rebasers = {name: _Rebaser(repo, env) for name, repo in setups.items()}
    labels = {"none": "no_hooks", "empty": "empty_python_hooks", "ai": "ai_journal_native"}
    times = interleaved(
        {labels[n]: r.rebase for n, r in rebasers.items()}, min(size.warmup, 1), size.runs
    )
    _check_rebase_events(setups["ai"], rebasers["ai"].count)
    return {
        "picks": PICKS,
        "ms": {name: s.as_dict() for name, s in times.items()},
        "ai_journal_native/empty_python_hooks": ratio(
            times["ai_journal_native"], times["empty_python_hooks"]
        ),
    }


def _check_rebase_events(repo: GitRepo, rebases: int) -> None:
    events = (repo.path / ".git" / "ai-journal" / "events.jsonl").read_text().splitlines()
    rewrites = [e for e in events if '"hook":"post-rewrite"' in e]
    picks = [e for e in events if '"hook":"post-commit"' in e and '"sequencer"' in e]
    if len(rewrites) != rebases or len(picks) != rebases * PICKS:
        raise RuntimeError(f"native hooks recorded {len(picks)} picks, {len(rewrites)} rewrites")


# -- helpers ------------------------------------------------------------------------------------


def _history(box: Sandbox, name: str, commits: int) -> GitRepo:
    repo = box.new_repo(name)
    for i in range(commits):
        repo.commit(f"change {i}", {f"src/mod_{i % 40:02d}.py": f"def f():\n    return {i}\n"})
    return repo


def _empty_hook(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{PYTHON}\n")
    path.chmod(0o755)
    return path
