"""Figures 2 and 3: incremental ingest after a live session grows, on a full log set and on one ten
times smaller (it should cost the same), and back-fill throughput against plain JSON loops.

Ingest runs in this process, as the pre-commit stage calls it (`journal.ingest.ingest` under the
state lock), so interpreter start-up is not part of these figures; figure 1 has it.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from benchmarks import logset
from benchmarks.sandbox import MB, Sandbox, Size, Stats, interleaved, ratio, stats, timed
from journal import config, git, ingest, state

SEED = 20260223
TENTH = 10


@contextmanager
def _state_of(paths: git.RepoPaths, name: str, codex_home: Path) -> Iterator[Path]:
    """Swap in the local state kept aside as `name` (each log set has its own) and its CODEX_HOME."""
    local = paths.common_dir / state.LOCAL_DIRNAME
    aside = paths.common_dir / f"bench-state-{name}"
    shutil.rmtree(local, ignore_errors=True)
    if aside.exists():
        aside.rename(local)
    os.environ["CODEX_HOME"] = str(codex_home)
    try:
        yield state.local_dir(paths.common_dir)
    finally:
        local.rename(aside)


def _ingest(paths: git.RepoPaths, local: Path) -> ingest.IngestResult:
    with state.locked(local):
        return ingest.ingest(paths, config.load(paths.toplevel))


def _loop(files: list[Path], loads: Callable[[bytes], Any]) -> None:
    for path in files:
        with path.open("rb") as handle:
            for line in handle:
                loads(line)


def run(box: Sandbox, size: Size) -> dict[str, Any]:
    repo = box.new_repo("ingest-repo")
    modules = sorted(str(p.relative_to(repo.path)) for p in (repo.path / "src").glob("*.py"))
    full = logset.generate(box.root / "codex-full", repo.path, int(size.set_mb * MB), SEED, modules)
    tenth = logset.subset(full, box.root / "codex-tenth", TENTH, SEED + 1, modules)
    paths = git.repo_paths(repo.path)
    sets = {"full": full, "tenth": tenth}
    set_bytes = {name: logs.size for name, logs in sets.items()}
    os.sync()  # the logs were just written: keep their write-back out of the timings
    backfill = _backfills(paths, full, size)
    for name, logs in sets.items():
        if name != "full":
            with _state_of(paths, name, logs.home) as local:
                _ingest(paths, local)  # the first run reads everything; the rest is incremental
    incremental = _incremental(paths, sets, int(size.append_mb * MB), size.appends)
    return {
        "set_mb": round(set_bytes["full"] / MB, 1),
        "tenth_set_mb": round(set_bytes["tenth"] / MB, 1),
        "files": len(full.files),
        "tenth_files": len(tenth.files),
        **incremental,
        **_throughput(backfill, set_bytes["full"]),
    }


def _backfills(paths: git.RepoPaths, full: logset.LogSet, size: Size) -> dict[str, Stats]:
    """Full first ingests (state wiped before each), interleaved with the JSON loops over the
    same lines; the last ingest's state is kept for the incremental runs."""

    def first_ingest() -> float:
        shutil.rmtree(paths.common_dir / "bench-state-full", ignore_errors=True)
        with _state_of(paths, "full", full.home) as local:
            return timed(lambda: _ingest(paths, local))

    return interleaved(
        {
            "ingest": first_ingest,
            "json": lambda: timed(lambda: _loop(full.files, json.loads)),
            "orjson": lambda: timed(lambda: _loop(full.files, orjson.loads)),
        },
        warmup=1,
        runs=size.backfills,
    )


def _throughput(medians: dict[str, Stats], set_bytes: int) -> dict[str, Any]:
    rate = {name: round(set_bytes / MB / (s.median_ms / 1000), 1) for name, s in medians.items()}
    return {
        "backfill_ms": medians["ingest"].as_dict(),
        "backfill_mb_s": rate["ingest"],
        "json_loads_mb_s": rate["json"],
        "orjson_loads_mb_s": rate["orjson"],
        "backfill_vs_json_loads": ratio(rate["ingest"], rate["json"]),
        "backfill_vs_orjson_loads": ratio(rate["ingest"], rate["orjson"]),
    }


def _incremental(
    paths: git.RepoPaths, sets: dict[str, logset.LogSet], append: int, runs: int
) -> dict[str, Any]:
    """Append to each set's live session, then time the ingest that follows; alternate the sets.
    The first round is a warm-up."""
    times: dict[str, list[float]] = {name: [] for name in sets}
    read: dict[str, list[int]] = {name: [] for name in sets}
    appended: list[int] = []
    for round_no in range(1 + runs):
        for name, logs in sets.items():
            added = logs.append(append)
            with _state_of(paths, name, logs.home) as local:
                start = time.perf_counter()
                result = _ingest(paths, local)
                seconds = time.perf_counter() - start
                # Checked while the state is in place: the result reads the index on demand.
                if logs.live is None or logs.live.id not in result.sessions:
                    raise RuntimeError("the live session was not ingested")
            if round_no:
                times[name].append(seconds)
                read[name].append(result.bytes_read)
                appended.append(added)
    full, tenth = stats(times["full"]), stats(times["tenth"])
    return {
        "append_mb": round(statistics.median(appended) / MB, 2),
        "incremental_ms": full.as_dict(),
        "incremental_tenth_ms": tenth.as_dict(),
        "incremental_full_vs_tenth": ratio(full, tenth),
        "incremental_mb_read": round(statistics.median(read["full"]) / MB, 2),
    }
