"""Figure 6: peak memory of a back-fill (the first ingest of a whole log set) stays flat: logs are
streamed line by line, so the peak follows the largest session, not the set.

A generated set of `Size.memory_mb` (2 GB at `--size large`) is ingested in a fresh interpreter,
which reports its peak RSS (`resource.getrusage`, `ru_maxrss`); the baseline is the same
interpreter importing the same modules and ingesting nothing. The set is deleted right after.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from benchmarks import logset
from benchmarks.sandbox import MB, PYTHON, Sandbox, Size, run
from journal import git

SEED = 20260301
_PROBE = r"""
import json, resource, sys, time
from journal import config, git, ingest, state
paths = git.repo_paths(sys.argv[1])
start = time.perf_counter()
result = None
if sys.argv[2] == "ingest":
    with state.locked(state.local_dir(paths.common_dir)):
        result = ingest.ingest(paths, config.load(paths.toplevel))
print(json.dumps({
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "seconds": time.perf_counter() - start,
    "bytes_read": result.bytes_read if result else 0,
    "sessions": len(result.index) if result else 0,
}))
"""


def run_figure(box: Sandbox, size: Size) -> dict[str, Any]:
    repo = box.new_repo("memory-repo")
    modules = sorted(str(p.relative_to(repo.path)) for p in (repo.path / "src").glob("*.py"))
    home = box.root / "codex-memory"
    logs = logset.generate(home, repo.path, int(size.memory_mb * MB), SEED, modules)
    set_mb = logs.size / MB
    largest = max(path.stat().st_size for path in logs.files) / MB
    env = box.env(codex_home=home)
    try:
        floor = _probe(repo.path, "imports", env)
        peak = _probe(repo.path, "ingest", env)
    finally:
        shutil.rmtree(home, ignore_errors=True)  # do not leave gigabytes behind
        shutil.rmtree(git.repo_paths(repo.path).common_dir / "ai-journal", ignore_errors=True)
    return {
        "set_mb": round(set_mb, 1),
        "files": len(logs.files),
        "largest_log_mb": round(largest, 1),
        "mb_read": round(peak["bytes_read"] / MB, 1),
        "sessions": peak["sessions"],
        "peak_rss_mb": round(peak["peak_rss_mb"], 1),
        "import_floor_rss_mb": round(floor["peak_rss_mb"], 1),
        "backfill_s": round(peak["seconds"], 2),
        "backfill_mb_s": round(set_mb / peak["seconds"], 1),
    }


def _probe(repo: Path, what: str, env: dict[str, str]) -> dict[str, Any]:
    proc = run([PYTHON, "-c", _PROBE, str(repo), what], repo, env)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {what}: {result}", file=sys.stderr)
    return result
