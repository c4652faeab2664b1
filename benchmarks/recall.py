"""`python -m benchmarks.recall [--docs N] [--queries N] [--commits N]`: query latency of
`ai-journal recall` over a large index.

A real repository of `--commits` commits (made with `git fast-import`, pinned dates) gets
`--docs` synthetic documents (`benchmarks.recall_corpus`: sessions, commits, journals, tasks)
anchored to its commits, a tenth of them to commits of a branch HEAD does not reach, so the
ancestry filter has work to do. Measured: building the index, one incremental pass with nothing
new, and `recall.search` (BM25 and the ancestry filter, snippets included; the index is not
refreshed) for `--queries` labelled queries after a warm-up, as p50/p90/max.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.recall_corpus import Corpus, mrr, recall_at
from journal import git, recall, recall_store, state
from journal.config import Config
from testing.git_repo import isolated_git_env


def fast_import(path: Path, commits: int, side: int) -> None:
    """`commits` commits on main and `side` more on a branch `side` off the first."""
    lines: list[str] = []
    stamp = 1771837200
    for number in range(commits + side):
        branch = "main" if number < commits else "side"
        lines += [f"commit refs/heads/{branch}", f"mark :{number + 1}"]
        lines += [f"committer Ada <ada@example.com> {stamp + number * 60} +0000"]
        message = f"Change {number}\n"
        lines += [f"data {len(message.encode())}", message.rstrip("\n")]
        if number == commits:
            lines.append("from :1")
        lines += [f"M 644 inline f{number % 50}.txt", "data 2", f"{number % 10}\n"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    data = ("\n".join(lines) + "\n").encode()
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=data, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)


def run(docs: int, queries: int, commits: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="recall-bench-") as tmp:
        os.environ.update(isolated_git_env(Path(tmp) / "home"))
        repo = Path(tmp) / "repo"
        fast_import(repo, commits, max(commits // 10, 1))
        paths = git.repo_paths(repo)
        main = git.run(["rev-list", "main"], repo).split()
        side = git.run(["rev-list", "side", "^main"], repo).split()
        corpus = Corpus(seed=3)
        started = time.perf_counter()
        recall.index_incremental(paths, Config())
        conn = recall_store.open_db(state.local_dir(paths.common_dir))
        with recall_store.writing(conn):
            batch = list(corpus.docs(docs - docs // 10, main))
            batch += list(corpus.docs(docs // 10, side, branch="side", start=len(batch)))
            recall_store.insert_new(conn, batch)
        conn.close()
        build_s = time.perf_counter() - started
        incremental = _time(lambda: recall.index_incremental(paths, Config()), 5)
        labelled = corpus.queries(queries)
        for item in labelled[:10]:  # warm-up: reachability walk, page cache
            recall.search(paths, item.query, refresh=False, engine="fts")
        timings, ranks = [], []
        for item in labelled:
            start = time.perf_counter()
            hits = recall.search(paths, item.query, refresh=False, engine="fts")
            timings.append((time.perf_counter() - start) * 1000)
            ids = [hit.id for hit in hits]
            ranks.append(ids.index(item.expected) + 1 if item.expected in ids else None)
        size = recall_store.path_in(state.local_dir(paths.common_dir)).stat().st_size
    return {
        "docs": docs,
        "commits": commits,
        "queries": len(timings),
        "index_mb": round(size / (1 << 20), 1),
        "build_s": round(build_s, 2),
        "incremental_noop_ms": round(statistics.median(incremental), 1),
        "query_ms": _stats(timings),
        # Queries whose target sits on the side branch are expected to miss (filtered).
        "recall_at_5": round(recall_at(ranks, 5), 3),
        "mrr": round(mrr(ranks), 3),
    }


def _time(action: Any, times: int) -> list[float]:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 2),
        "max_ms": round(ordered[-1], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recall", description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--commits", type=int, default=2_000)
    args = parser.parse_args(argv)
    result = run(args.docs, args.queries, args.commits)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
