"""`python -m benchmarks.recall_semantic [--synthetic N] [--latency-docs N] [--queries N]`: recall's
semantic engine (`--engine hybrid`) against FTS5 alone. Needs the `semantic` extra and the model.

Three measurements, each in a fresh repository:
- paraphrases (`benchmarks.recall_paraphrase`): queries sharing no word with their target, among
  distractors; recall@5 and MRR per engine, and how fast documents are embedded;
- the synthetic labelled set of `benchmarks.recall_corpus` (`--synthetic` documents, made-up
  words the model cannot read): recall@5 and MRR per engine, to show what fusion costs there;
- latency over `--latency-docs` documents: p50/p90 of `recall.search` per engine. Embedding
  100,000 documents with this encoder takes hours on two cores, so there every document gets a
  random unit vector; the search does the same work as with real ones (the query is encoded by
  the model, every vector is compared), only the order is meaningless.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import recall_paraphrase
from benchmarks.recall import _stats, fast_import
from benchmarks.recall_corpus import Corpus, mrr, recall_at
from journal import git, recall, recall_embed_store, recall_semantic, recall_store, state
from journal.config import Config
from journal.recall_store import Doc
from testing.git_repo import isolated_git_env


def _repo(tmp: Path, commits: int = 1) -> tuple[git.RepoPaths, list[str]]:
    os.environ.update(isolated_git_env(tmp / "home"))
    path = tmp / "repo"
    fast_import(path, commits, 0)
    paths = git.repo_paths(path)
    recall.index_incremental(paths, Config())
    return paths, git.run(["rev-list", "main"], path).split()


def _insert(paths: git.RepoPaths, docs: list[Doc]) -> None:
    conn = recall_store.open_db(state.local_dir(paths.common_dir))
    try:
        with recall_store.writing(conn):
            recall_store.insert_new(conn, docs)
    finally:
        conn.close()


def quality(paths: git.RepoPaths, labelled: list[tuple[str, str]], engine: str) -> dict[str, Any]:
    ranks: list[int | None] = []
    for query, expected in labelled:
        ids = [hit.id for hit in recall.search(paths, query, refresh=False, engine=engine)]
        ranks.append(ids.index(expected) + 1 if expected in ids else None)
    return {"recall_at_5": round(recall_at(ranks, 5), 3), "mrr": round(mrr(ranks), 3)}


def _embed_all(paths: git.RepoPaths) -> dict[str, float]:
    """Embed every pending document; documents and seconds."""
    local = state.local_dir(paths.common_dir)
    conn = recall_store.open_db(local)
    try:
        started = time.perf_counter()
        with recall_store.writing(conn):
            count = recall_semantic.index_new(conn, local, budget_s=None)
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    return {
        "embedded": count,
        "seconds": round(seconds, 1),
        "docs_per_s": round(count / seconds, 1),
    }


def paraphrases(tmp: Path) -> dict[str, Any]:
    paths, shas = _repo(tmp)
    docs = recall_paraphrase.docs(shas[0]) + recall_paraphrase.distractors(shas[0])
    _insert(paths, docs)
    embedding = _embed_all(paths)
    labelled = recall_paraphrase.labelled()
    return {
        "docs": len(docs),
        "queries": len(labelled),
        "embedding": embedding,
        "fts": quality(paths, labelled, "fts"),
        "hybrid": quality(paths, labelled, "hybrid"),
    }


def synthetic(tmp: Path, count: int, queries: int) -> dict[str, Any]:
    paths, shas = _repo(tmp)
    corpus = Corpus(seed=11)
    _insert(paths, list(corpus.docs(count, shas)))
    embedding = _embed_all(paths)
    labelled = [(item.query, item.expected) for item in corpus.queries(queries)]
    return {
        "docs": count,
        "queries": len(labelled),
        "embedding": embedding,
        "fts": quality(paths, labelled, "fts"),
        "hybrid": quality(paths, labelled, "hybrid"),
    }


def _random_vectors(paths: git.RepoPaths, dim: int, seed: int) -> None:
    """Every pending document gets a random unit vector, recorded as computed from its text."""
    rng = np.random.default_rng(seed)
    local = state.local_dir(paths.common_dir)
    conn = recall_store.open_db(local)
    try:
        with recall_store.writing(conn):
            rows = recall_embed_store.pending(conn)
            for start in range(0, len(rows), 10_000):
                chunk = rows[start : start + 10_000]
                keyed = [(rowid, _digest(text or "")) for rowid, text in chunk]
                vectors = rng.standard_normal((len(chunk), dim)).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                recall_embed_store.put(conn, keyed, vectors)
            recall_embed_store.bump(conn)
    finally:
        conn.close()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def latency(tmp: Path, count: int, queries: int) -> dict[str, Any]:
    paths, shas = _repo(tmp, commits=2000)
    local = state.local_dir(paths.common_dir)
    conn = recall_store.open_db(local)
    with recall_store.writing(conn):
        recall_embed_store.prepare(conn, recall_semantic._model_id(_model()))
    conn.close()
    corpus = Corpus(seed=3)
    _insert(paths, list(corpus.docs(count, shas)))
    _random_vectors(paths, 384, seed=5)
    labelled = corpus.queries(queries)
    out: dict[str, Any] = {"docs": count, "queries": len(labelled), "vectors": "random"}
    for engine in ("fts", "hybrid"):
        for item in labelled[:5]:  # warm-up: the model, the matrix file, the page cache
            recall.search(paths, item.query, refresh=False, engine=engine)
        timings = _timed(partial(recall.search, paths, refresh=False, engine=engine), labelled)
        out[engine] = _stats(timings)
    out["matrix_mb"] = round((local / recall_embed_store.FILE_NAME).stat().st_size / (1 << 20), 1)
    return out


def _timed(search: Callable[[str], object], labelled: list[Any]) -> list[float]:
    timings = []
    for item in labelled:
        start = time.perf_counter()
        search(item.query)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _model() -> Path:
    folder = recall_semantic.model_dir()
    if folder is None:
        raise SystemExit(f"the semantic engine is not installed: {recall_semantic.INSTALL}")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.recall_semantic", description=__doc__
    )
    parser.add_argument("--synthetic", type=int, default=2000)
    parser.add_argument("--latency-docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--only", choices=["paraphrases", "synthetic", "latency"])
    args = parser.parse_args(argv)
    _model()
    result: dict[str, Any] = {}
    steps = {
        "paraphrases": paraphrases,
        "synthetic": lambda tmp: synthetic(tmp, args.synthetic, args.queries),
        "latency": lambda tmp: latency(tmp, args.latency_docs, args.queries),
    }
    for name, step in steps.items():
        if args.only in (None, name):
            with tempfile.TemporaryDirectory(prefix=f"recall-{name}-") as tmp:
                result[name] = step(Path(tmp))
            print(name, json.dumps(result[name]), file=sys.stderr, flush=True)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
