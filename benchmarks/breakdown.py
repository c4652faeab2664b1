"""Where a hook's time goes: `python -m benchmarks.breakdown [--runs N]`.

Runs the pre-commit stage (with a staged change, nothing to link; with `--live`, while an agent
session works between commits, as figure 1d) and the post-commit fast path (mid-rebase) N times
each in fresh interpreters, timing from inside: imports, each git subcommand, fsync, and the
pipeline's phases; each stage's commit is then made without hooks, so the history moves on.
Interpreter start-up is measured apart (`python -c pass`).
Functions that a refactoring renamed are simply not timed, so this keeps working as the code moves.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.sandbox import DEFAULT_CACHE, PYTHON, date_env, minute, run, sandbox

SPACING = 10  # minutes between commits, as in figure 1

# Runs inside the hook's interpreter: wrap what exists, run the hook, print the timings as JSON.
_PROBE = r"""
import collections, functools, json, os, sys, time
t0 = time.perf_counter()
acc, cnt = collections.defaultdict(float), collections.Counter()
def timer(label, f):
    @functools.wraps(f)
    def timed(*a, **k):
        start = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            acc[label] += time.perf_counter() - start
            cnt[label] += 1
    return timed
start = time.perf_counter()
from journal import git, state
acc["import journal.git, journal.state"] = time.perf_counter() - start
spawn = getattr(git, "_spawn", None)
def per_command(args, *rest, **kw):
    return timer("git " + args[0], spawn)(args, *rest, **kw)
if spawn is not None:
    git._spawn = per_command
os.fsync = timer("os.fsync", os.fsync)
start = time.perf_counter()
from journal import hook
acc["import journal.hook"] = time.perf_counter() - start
if sys.argv[1] == "pre-commit":
    for name in PHASES:
        start = time.perf_counter()
        module = __import__("journal." + name, fromlist=["_"])
        acc["import journal." + name] = time.perf_counter() - start
        for attr in PHASES.get(name, ()):
            if hasattr(module, attr):
                setattr(module, attr, timer(f"{name}.{attr}", getattr(module, attr)))
    for lib in ("jinja2", "frontmatter"):
        start = time.perf_counter()
        __import__(lib)
        acc["import " + lib] = time.perf_counter() - start
hook.main(sys.argv[1:])
acc["total (after start-up)"] = time.perf_counter() - t0
print(json.dumps({k: [v, cnt[k] or 1] for k, v in acc.items()}))
"""
_PHASES = {
    "pipeline": ("refresh", "_write_days", "_write_fragments", "_new_commits", "_index_recall"),
    "journals": ("write_days", "pending_links"),
    "recall_index": ("index_written", "index_incremental"),
    "render": ("render_day", "environment", "render_region", "_frontmatter"),
    "ingest": ("ingest",),
    "checkpoint": ("load", "save"),
}


def probe(cwd: Path, env: dict[str, str], stage: str) -> dict[str, list[float]]:
    script = f"PHASES = {_PHASES!r}\n{_PROBE}"
    out = run([PYTHON, "-P", "-c", script, stage], cwd, env).stdout.strip().splitlines()[-1]
    parsed: dict[str, list[float]] = json.loads(out)
    return parsed


def summarize(samples: list[dict[str, list[float]]]) -> list[tuple[str, float, int]]:
    """(label, median ms, calls) per label, slowest first; nested timings overlap on purpose."""
    labels = {label for sample in samples for label in sample}
    rows = []
    for label in labels:
        values = [sample.get(label, [0.0, 0])[0] * 1000 for sample in samples]
        calls = max(int(sample.get(label, [0, 0])[1]) for sample in samples)
        rows.append((label, statistics.median(values), calls))
    return sorted(rows, key=lambda row: -row[1])


def _startup(runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([PYTHON, "-P", "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _live_session(home: Path, repo: Path) -> Any:
    from benchmarks.commits import _live_session as start

    return start(home, repo)


def _agent_works(live: Any, repo: Path, target: str, i: int) -> None:
    """A turn before commit `i`, ending with a patch of `target` (as figure 1d)."""
    live.clock = minute(SPACING * i) + timedelta(seconds=5)
    live.turn(str(repo))
    body = f"*** Update File: {target}\n@@\n+# change {i}\n"
    live.apply_patch(f"*** Begin Patch\n{body}*** End Patch\n")
    live.reply(f"Changed {target}.")
    live.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.breakdown", description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--live", action="store_true", help="an agent session works between")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"python -P -c pass (ms)": round(_startup(args.runs), 1)}
    with sandbox(DEFAULT_CACHE) as box:
        env = box.env(codex_home=box.root / "codex-live") if args.live else box.env()
        repo = box.new_repo("breakdown")
        run(["ai-journal", "install", "--native"], repo.path, env)
        live = _live_session(box.root / "codex-live", repo.path) if args.live else None
        stage_samples = []
        for i in range(args.runs):
            target = f"src/mod_{i % 40:02d}.py"
            repo.write({target: f"# change {i}\n"})
            repo.git("add", target)
            if live is not None:
                _agent_works(live, repo.path, target, i)
            dated = {**env, **date_env(minute(SPACING * (i + 1)))}
            stage_samples.append(probe(repo.path, dated, "pre-commit"))
            commit = ["git", "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", f"change {i}"]
            run(commit, repo.path, dated)
        (repo.path / ".git" / "rebase-merge").mkdir()
        fast = [probe(repo.path, env, "post-commit") for _ in range(args.runs)]
    for title, samples in (("pre-commit stage", stage_samples), ("post-commit fast path", fast)):
        print(f"\n{title} (median of {args.runs}; nested rows overlap)")
        for label, ms, calls in summarize(samples):
            print(f"  {ms:8.1f} ms  x{calls:<3d} {label}")
    print(f"\ninterpreter start-up: {report['python -P -c pass (ms)']} ms", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
