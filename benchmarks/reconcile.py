"""Figure 8: `ai-journal reconcile --yes` after a rewrite of the whole history, against the
`git rebase` that made it.

The repository of figure 7 at a size where every commit is rewritten: four commits each working
day (200 in all, 1,000 at large, 40 at tiny) and one agent session each working day, imported
(fragments and journals citing the commits), with ai-journal's native hooks. Each round runs
`git rebase --force-rebase --root` (new committer date: every commit gets a new SHA; the hooks record
a post-commit event per pick and one post-rewrite) and then `ai-journal reconcile --yes`, which
refreshes (ingest, the rewrite map, every fragment and journal citing an old commit moved to the
new one) and applies what is left to decide. Both are timed; the check is that afterwards no
journal cites a commit HEAD does not reach.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks import render
from benchmarks.sandbox import Sandbox, Size, date_env, minute, ratio, run, stats

COMMITS = {"tiny": 40, "small": 200, "large": 1000}


def run_figure(box: Sandbox, size: Size) -> dict[str, Any]:
    commits = COMMITS[size.name]
    repo, env = _set_up(box, commits)
    rounds: dict[str, list[float]] = {"rebase": [], "reconcile": []}
    runs = 2 if size.name == "large" else 3
    for n in range(1 + runs):  # the first round warms the caches up
        rebase_s, reconcile_s = _round(repo, env, n)
        if n:
            rounds["rebase"].append(rebase_s)
            rounds["reconcile"].append(reconcile_s)
    times = {name: stats(values) for name, values in rounds.items()}
    return {
        "commits": commits,
        "journals": len(_journals(repo)),
        "ms": {name: s.as_dict() for name, s in times.items()},
        "reconcile/rebase": ratio(times["reconcile"], times["rebase"]),
    }


def _set_up(box: Sandbox, commits: int) -> tuple[Path, dict[str, str]]:
    days = render._days(round(commits / render.PER_DAY * 7 / 5))[: commits // render.PER_DAY]
    repo = box.root / "reconcile-repo"
    home = box.root / "codex-reconcile"
    env = box.env(codex_home=home)
    repo.mkdir()
    run(["git", "init", "-q", "-b", "main", str(repo)], box.root, env)
    stream = render.history_stream(days, render.SEED)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, env=env, input=stream, check=True)
    run(["git", "checkout", "-q", "-f", "main"], repo, env)
    render._sessions(home, repo, days)
    run(["ai-journal", "install", "--native"], repo, env)
    run(["ai-journal", "import"], repo, env)
    if len(_journals(repo)) < len(days):
        raise RuntimeError(f"{len(_journals(repo))} journals for {len(days)} days of agent work")
    return repo, env


def _round(repo: Path, env: dict[str, str], n: int) -> tuple[float, float]:
    cited = _cited(repo)
    rebase_env = {**env, **date_env(minute(100_000 + n))}  # a new committer date: new SHAs
    start = time.perf_counter()
    run(["git", "rebase", "-q", "--force-rebase", "--root"], repo, rebase_env)
    rebase_s = time.perf_counter() - start
    reachable = set(run(["git", "rev-list", "HEAD"], repo, env).stdout.split())
    if cited & reachable:
        raise RuntimeError("the rebase left commits the journals cite: nothing to reconcile")
    start = time.perf_counter()
    run(["ai-journal", "reconcile", "--yes"], repo, env)
    reconcile_s = time.perf_counter() - start
    stale = _cited(repo) - reachable
    if stale:
        raise RuntimeError(f"after reconcile, journals still cite {len(stale)} rewritten commits")
    return rebase_s, reconcile_s


def _journals(repo: Path) -> list[Path]:
    return sorted((repo / "docs" / "ai-journal").glob("20*.md"))


def _cited(repo: Path) -> set[str]:
    """The commits the journals' frontmatter lists."""
    cited: set[str] = set()
    for path in _journals(repo):
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        cited |= {line.strip()[2:] for line in head.splitlines() if line.startswith("- ")}
    return {sha for sha in cited if len(sha) == 40 and not sha.strip("0123456789abcdef")}
