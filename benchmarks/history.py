"""Figure 5: the hook cost is flat in the size of the history.

Two repositories made by `git fast-import` from the same seed, one with `Size.history` commits over
several branches and two years, one with a thousand, both with the native hooks installed and no
agent session. Each measured commit (staged outside the timing, pinned dates) is made in both, in
turns, twice: with the stage's fast path (what a commit with nothing to link costs) and with it
switched off (`AI_JOURNAL_STAGE_SKIP=0`: the full stage, ingest, git queries and all).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.sandbox import Sandbox, Size, date_env, interleaved, minute, ratio, run
from testing.git_repo import BASE_TIME

SMALL = 1000
BRANCHES = 6
FILES = 40
SPAN = timedelta(days=730)


def fast_import_stream(commits: int, seed: int) -> bytes:
    """`commits` commits ending just before the benchmark's pinned clock: most on main, some on
    topic branches forked from it, each changing one of FILES modules."""
    rng = random.Random(seed)
    start = BASE_TIME - SPAN
    step = SPAN / max(commits, 1)
    out: list[bytes] = []
    tips: dict[str, int] = {}
    for n in range(1, commits + 1):
        branch = "main" if n < 3 or rng.random() < 0.8 else f"topic-{rng.randrange(BRANCHES)}"
        when = int((start + step * n).timestamp())
        name = f"src/mod_{rng.randrange(FILES):02d}.py"
        body = f"def f{n}():\n    return {rng.randrange(1 << 30)}\n".encode()
        message = f"change {n} of {name}\n".encode()
        out.append(f"commit refs/heads/{branch}\nmark :{n}\n".encode())
        out.append(f"committer Ada Tester <ada@example.com> {when} +0000\n".encode())
        out.append(b"data %d\n%s" % (len(message), message))
        parent = tips.get(branch) or tips.get("main")
        if parent:
            out.append(f"from :{parent}\n".encode())
        out.append(f"M 100644 inline {name}\ndata {len(body)}\n".encode() + body + b"\n")
        tips[branch] = n
    return b"".join(out)


def make_history(path: Path, commits: int, env: dict[str, str], seed: int = 5) -> None:
    run(["git", "init", "-q", "-b", "main", str(path)], path.parent, env)
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=path,
        env=env,
        input=fast_import_stream(commits, seed),
        check=True,
    )
    run(["git", "checkout", "-q", "-f", "main"], path, env)
    run(["git", "gc", "-q"], path, env)  # packed, as a long-lived repository is


@dataclass
class Repo:
    path: Path
    env: dict[str, str]
    count: int = 0
    skipped: int = 0
    fast: int = 0

    def commit(self, full: bool) -> float:
        self.count += 1
        before = self._stamp_id()
        target = self.path / f"src/mod_{self.count % FILES:02d}.py"
        with target.open("a") as handle:
            handle.write(f"# bench {self.count}\n")
        run(["git", "add", str(target)], self.path, self.env)
        env = {**self.env, **date_env(minute(10 * self.count))}
        env["AI_JOURNAL_STAGE_SKIP"] = "0" if full else "1"
        start = time.perf_counter()
        run(["git", "commit", "-q", "-m", f"bench {self.count}"], self.path, env)
        took = time.perf_counter() - start
        if not full:
            self.fast += 1
            self.skipped += before is not None and before == self._stamp_id()
        return took

    def _stamp_id(self) -> str | None:
        stamp = self.path / ".git" / "ai-journal" / "stage-stamp"
        return stamp.read_text().split("\n")[1] if stamp.exists() else None


def run_figure(box: Sandbox, size: Size) -> dict[str, Any]:
    env = box.env()
    repos: dict[str, Repo] = {}
    for name, commits in (("small", SMALL), ("large", size.history)):
        path = box.root / f"history-{name}"
        path.mkdir()
        started = time.perf_counter()
        make_history(path, commits, env)
        built = time.perf_counter() - started
        print(f"  {name} history: {commits} commits in {built:.1f} s", file=sys.stderr)
        run(["ai-journal", "install", "--native"], path, env)
        repos[name] = Repo(path, env)
    actions = {
        f"{kind}_{name}": (lambda r=repo, f=(kind == "full"): r.commit(f))
        for kind in ("fast", "full")
        for name, repo in repos.items()
    }
    times = interleaved(actions, size.warmup, size.commits)
    for name, repo in repos.items():
        if repo.skipped < repo.fast - 1:  # the very first may find no stamp yet
            raise RuntimeError(f"{name}: {repo.skipped} of {repo.fast} fast commits skipped")
    return {
        "commits": {"small": SMALL, "large": size.history},
        "ms_per_commit": {name: s.as_dict() for name, s in times.items()},
        "ratios": {
            "fast: large/small": ratio(times["fast_large"], times["fast_small"]),
            "full: large/small": ratio(times["full_large"], times["full_small"]),
        },
    }
