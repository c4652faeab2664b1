"""The sandbox every benchmark runs in, the sizes, and the timing helpers.

Nothing outside the sandbox is touched but the persistent cache (pre-commit's hook environments
and the snapshot of this checkout they are built from), which lives under `.venv/` by default.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from testing.git_repo import BASE_TIME, GitRepo, isolated_git_env

CHECKOUT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = CHECKOUT / ".venv" / "bench-cache"
PYTHON = sys.executable
MB = 1 << 20


class Size(NamedTuple):
    name: str
    set_mb: float  # the agent log set of the ingest figures
    append_mb: float  # what one live session gains before each incremental ingest
    commits: int  # measured commits per variant
    warmup: int  # commits (or runs) per variant done first and thrown away
    appends: int  # incremental ingests measured per set
    backfills: int  # full first ingests measured (each after wiping the local state)
    runs: int  # runs of the fast-path and rebase figures
    history: int  # commits of the large history (the small one has 1,000)
    memory_mb: float  # the log set whose back-fill's peak memory is measured (deleted after)
    render_days: int  # calendar days of history re-rendered (one session each working day)


SIZES = {
    "tiny": Size("tiny", 4, 0.25, 4, 1, 3, 1, 3, 2_000, 8, 14),
    "small": Size("small", 50, 1, 20, 3, 7, 3, 15, 20_000, 200, 365),
    "large": Size("large", 500, 1, 30, 3, 7, 2, 25, 100_000, 2048, 365),
}


class Stats(NamedTuple):
    median_ms: float
    min_ms: float
    max_ms: float
    runs: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self._asdict().items()}


def stats(seconds: Sequence[float]) -> Stats:
    ms = [s * 1000 for s in seconds]
    return Stats(statistics.median(ms), min(ms), max(ms), len(ms))


def ratio(numerator: Stats | float, denominator: Stats | float) -> float:
    top = numerator.median_ms if isinstance(numerator, Stats) else numerator
    bottom = denominator.median_ms if isinstance(denominator, Stats) else denominator
    return round(top / bottom, 2) if bottom else float("inf")


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved(
    actions: Mapping[str, Callable[[], float]], warmup: int, runs: int
) -> dict[str, Stats]:
    """Run each action `warmup + runs` times, round-robin, so that the machine's slow and fast
    moments fall on every variant alike; each action returns the seconds it measured itself."""
    samples: dict[str, list[float]] = {name: [] for name in actions}
    names = list(actions)
    for round_no in range(warmup + runs):
        shift = round_no % len(names)  # rotate who goes first
        for name in names[shift:] + names[:shift]:
            seconds = actions[name]()
            if round_no >= warmup:
                samples[name].append(seconds)
    return {name: stats(values) for name, values in samples.items()}


@dataclass
class Sandbox:
    root: Path
    cache: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    def env(self, codex_home: Path | None = None, **extra: str) -> dict[str, str]:
        """The process environment of every command: no real home, no global or system git
        config, pre-commit's environments in the cache."""
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GIT_", "PRE_COMMIT", "PREK", "CODEX_", "PYTHON", "VIRTUAL_ENV"))
        }
        base.update(isolated_git_env(self.home))
        base["PRE_COMMIT_HOME"] = str(self.cache / "pre-commit")
        base["PREK_HOME"] = str(self.cache / "prek")
        base["CODEX_HOME"] = str(codex_home or self.root / "codex-empty")
        base["AI_JOURNAL_RESIDENT"] = "0"  # figure 1d turns the resident stage on for itself
        base["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{base.get('PATH', '')}"
        base.update(extra)
        return base

    def new_repo(self, name: str, files: int = 40) -> GitRepo:
        """A repository with `files` small modules and one commit, the same layout every time."""
        repo = GitRepo.init(self.root / name)
        repo.write({f"src/mod_{i:02d}.py": f"def f{i}():\n    return {i}\n" for i in range(files)})
        repo.write({"README.md": "# bench\n"})
        repo.commit("initial")
        return repo


@contextmanager
def sandbox(cache: Path, keep: bool = False) -> Iterator[Sandbox]:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="ai-journal-bench-")).resolve()
    box = Sandbox(root, cache.resolve())
    box.home.mkdir()
    (root / "codex-empty").mkdir()
    saved, env = dict(os.environ), box.env()
    os.environ.clear()
    os.environ.update(env)  # GitRepo and the in-process ingest read os.environ
    try:
        yield box
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if keep:
            print(f"sandbox kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def run(
    args: Sequence[str | Path], cwd: Path, env: Mapping[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command that must succeed; its output is shown only when it does not."""
    feed: dict[str, Any] = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        **feed,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, args))} failed ({proc.returncode}) in {cwd}:\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return proc


def date_env(when: datetime) -> dict[str, str]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S%z")
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def minute(n: int) -> datetime:
    """The pinned time of the n-th measured commit."""
    return BASE_TIME + timedelta(minutes=n)
