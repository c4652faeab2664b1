"""Figure 4: the hooks while a rebase runs.

a. `ai-journal hook post-commit` alone (the Python fast path, what pre-commit and prek run), and the
   native shim's post-commit (which writes the same line in sh), in a repository stopped in the
   middle of an interactive rebase (one event line each), against an empty Python hook script.
b. A 50-commit `git rebase --force-rebase` with ai-journal's native hooks, with empty Python hooks
   of the same types, and with none.
c. The same rebase with ai-journal's hooks through the pre-commit framework, against empty Python
   hooks; fewer rounds (every pick starts pre-commit: ~40 s a rebase), and 5 picks at size tiny.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks import precommit
from benchmarks.sandbox import PYTHON, Sandbox, Size, date_env, interleaved, minute, ratio, run
from journal import precommit_config
from testing.git_repo import GitRepo

PICKS = 50  # the rebase size the history issue sets its target on
FAST_PATH_COMMAND = [PYTHON, "-P", "-m", "journal.entry", "hook", "post-commit"]


def run_figure(box: Sandbox, size: Size) -> dict[str, Any]:
    return {
        "fast_path": _fast_path(box, size),
        "rebase": _rebase(box, size),
        "rebase_precommit": _rebase_precommit(box, size),
    }


# -- a. the fast path -------------------------------------------------------------------------


def _fast_path(box: Sandbox, size: Size) -> dict[str, Any]:
    repo = _history(box, "fast-path", 3)
    env = {**box.env(), **date_env(minute(100)), "GIT_SEQUENCE_EDITOR": "sed -i 1s/^pick/edit/"}
    run(["git", "rebase", "-q", "-i", "HEAD~2"], repo.path, env)  # stops at the first pick
    if not (repo.path / ".git" / "rebase-merge").is_dir():
        raise RuntimeError("the rebase did not stop; no sequencer state to measure in")
    empty = _empty_hook(box.root / "empty-hook")
    run(["ai-journal", "install", "--native"], repo.path, box.env())
    shim = repo.path / ".git" / "hooks" / "post-commit"

    def timed_command(args: list[str]) -> float:
        start = time.perf_counter()
        run(args, repo.path, box.env())
        return time.perf_counter() - start

    times = interleaved(
        {
            "ai_journal": lambda: timed_command(FAST_PATH_COMMAND),
            "native_shim": lambda: timed_command([str(shim)]),
            "empty_python": lambda: timed_command([str(empty)]),
        },
        size.warmup,
        size.runs,
    )
    events = (repo.path / ".git" / "ai-journal" / "events.jsonl").read_text().splitlines()
    wanted = 2 * (size.warmup + size.runs)
    if len(events) != wanted or any('"sequencer":"rebase-merge"' not in e for e in events):
        raise RuntimeError("the post-commit fast paths did not record their one line per run")
    return {
        "ms": {name: s.as_dict() for name, s in times.items()},
        "ai_journal/empty_python": ratio(times["ai_journal"], times["empty_python"]),
        "native_shim/empty_python": ratio(times["native_shim"], times["empty_python"]),
    }


# -- b. a whole rebase --------------------------------------------------------------------------


class _Rebaser:
    def __init__(self, repo: GitRepo, env: dict[str, str], picks: int = PICKS) -> None:
        self.repo, self.env, self.count, self.picks = repo, env, 0, picks

    def rebase(self) -> float:
        self.count += 1
        env = {**self.env, **date_env(minute(1000 + self.count))}  # new committer date: new commits
        start = time.perf_counter()
        run(["git", "rebase", "-q", "--force-rebase", f"HEAD~{self.picks}"], self.repo.path, env)
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


def _rebase_precommit(box: Sandbox, size: Size) -> dict[str, Any]:
    from filelock import FileLock

    env = box.env()
    picks = 5 if size.name == "tiny" else PICKS
    setups = {name: _history(box, f"rebase-pc-{name}", 0) for name in ("precommit", "empty")}
    ours = setups["precommit"]
    with FileLock(str(box.cache / "lock")):
        snapshot, _ = precommit.snapshot_checkout(box.cache, env)
        # the configuration comes before the picks: pre-commit needs it in every pick's tree
        run(["ai-journal", "init", "--hook-repo", snapshot], ours.path, env)
        for repo in setups.values():
            repo.commit("set up", {"setup.txt": "x\n"})
            _add_commits(repo, picks)
        precommit.install(ours.path, env, list(precommit_config.HOOK_TYPES))
    for hook_type in precommit_config.HOOK_TYPES:
        _empty_hook(setups["empty"].path / ".git" / "hooks" / hook_type)
    rebasers = {name: _Rebaser(repo, env, picks) for name, repo in setups.items()}
    labels = {"precommit": "ai_journal_precommit", "empty": "empty_python_hooks"}
    runs = 1 if size.name == "tiny" else 3
    times = interleaved({labels[n]: r.rebase for n, r in rebasers.items()}, 1, runs)
    _check_rebase_events(ours, rebasers["precommit"].count, picks)
    return {
        "picks": picks,
        "ms": {name: s.as_dict() for name, s in times.items()},
        "ai_journal_precommit/empty_python_hooks": ratio(
            times["ai_journal_precommit"], times["empty_python_hooks"]
        ),
    }


def _rebase_events(repo: GitRepo) -> dict[str, list[str]]:
    events = (repo.path / ".git" / "ai-journal" / "events.jsonl").read_text().splitlines()
    return {
        "post-rewrite": [e for e in events if '"hook":"post-rewrite"' in e],
        "post-commit": [e for e in events if '"hook":"post-commit"' in e and '"sequencer"' in e],
    }


def _check_rebase_events(repo: GitRepo, rebases: int, per_rebase: int = PICKS) -> None:
    recorded = _rebase_events(repo)
    rewrites, picks = recorded["post-rewrite"], recorded["post-commit"]
    if len(rewrites) != rebases or len(picks) != rebases * per_rebase:
        raise RuntimeError(f"native hooks recorded {len(picks)} picks, {len(rewrites)} rewrites")


# -- helpers ------------------------------------------------------------------------------------


def _history(box: Sandbox, name: str, commits: int) -> GitRepo:
    return _add_commits(box.new_repo(name), commits)


def _add_commits(repo: GitRepo, commits: int) -> GitRepo:
    for i in range(commits):
        repo.commit(f"change {i}", {f"src/mod_{i % 40:02d}.py": f"def f():\n    return {i}\n"})
    return repo


def _empty_hook(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{PYTHON}\n")
    path.chmod(0o755)
    return path
