"""Recall: search what happened in this repository (sessions, commits, journals, tasks).

The index (`journal.recall_store`, local) is kept by `journal.recall_index`: `search` first
brings it up to date (`index_incremental`: everything that moved since its marks, the first walk
of the history included), the pre-commit stage only adds what its own refresh wrote
(`index_written`, flat in the size of the history); `reindex` builds it again from nothing. `search` ranks
with FTS5's BM25 (fused with an embedding ranking when the optional semantic engine is installed,
`journal.recall_semantic`) and passes the hits through the ancestry filter
(`journal.recall_filter`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from journal import git, recall_filter, recall_query, recall_semantic, state
from journal import recall_store as store
from journal.recall_filter import View
from journal.recall_index import index_incremental, index_written, reindex
from journal.recall_store import Doc

__all__ = ["Hit", "index_incremental", "index_written", "reindex", "search"]

FIRST_DEPTH = 50  # candidates ranked per pass before the filter; grown while hits are missing
COMMON_SHARE = 0.05  # query words in more documents than this share do not rank (see `selective`)


@dataclass(frozen=True)
class Hit:
    kind: str  # "session" | "commit" | "journal" | "task"
    id: str  # session id, commit SHA, journal day, task id
    title: str
    snippet: str
    score: float  # higher is better: BM25, or the fused score with the semantic engine
    branch: str | None
    sha: str | None
    day: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# -- searching ------------------------------------------------------------------------------------


def search(
    paths: git.RepoPaths,
    query: str,
    *,
    limit: int = 10,
    all_branches: bool = False,
    refresh: bool = True,
    engine: str = "auto",
) -> list[Hit]:
    """The best `limit` documents for `query` that the view admits (see `journal.recall_filter`).
    With `refresh`, the index first catches up (`index_incremental`). `engine`: "fts", "hybrid"
    (BM25 fused with embeddings, when installed) or "auto" (hybrid when available)."""
    local = state.local_dir(paths.common_dir)
    if refresh:
        from journal import config as config_mod

        index_incremental(paths, config_mod.load(paths.toplevel))
    terms = recall_query.terms(query)
    if not terms or limit <= 0:
        return []
    conn = store.open_db(local)
    try:
        view = _view(conn, paths, all_branches)
        semantic = recall_semantic.engine_for(conn, engine, local)
        return _search(conn, view, terms, query, limit, semantic)
    finally:
        conn.close()


def _view(conn: sqlite3.Connection, paths: git.RepoPaths, all_branches: bool) -> View:
    head = recall_filter.current_head(paths)
    on_head = recall_filter.reachable(paths.toplevel, head.sha, all_branches=False)
    alive = (
        recall_filter.reachable(paths.toplevel, head.sha, all_branches=True)
        if all_branches
        else on_head
    )
    return View(
        branch=head.branch,
        alive=alive,
        on_head=on_head,
        all_branches=all_branches,
        same_patch=lambda patch_ids: store.shas_with_patch(conn, patch_ids),
    )


def _search(
    conn: sqlite3.Connection,
    view: View,
    terms: list[str],
    query: str,
    limit: int,
    semantic: recall_semantic.Engine | None,
) -> list[Hit]:
    expression = " OR ".join(terms)
    ranking = " OR ".join(store.selective(conn, terms, COMMON_SHARE))
    depth = max(FIRST_DEPTH, limit * 4)
    while True:
        ranked = store.ranked(conn, ranking, depth)
        if semantic is not None:
            ranked = _fused(ranked, semantic.ranked(conn, query, depth))
        kept = _admitted(conn, view, ranked)
        if len(kept) >= limit or len(ranked) < depth:
            break
        depth *= 4
    return [_hit(conn, view, expression, doc, rowid, score) for rowid, doc, score in kept[:limit]]


def _fused(
    bm25: list[tuple[int, float]], vectors: list[tuple[int, float]]
) -> list[tuple[int, float]]:
    rankings = [[str(rowid) for rowid, _ in bm25], [str(rowid) for rowid, _ in vectors]]
    return [(int(rowid), score) for rowid, score in recall_query.fuse(rankings)]


def _admitted(
    conn: sqlite3.Connection, view: View, ranked: list[tuple[int, float]]
) -> list[tuple[int, Doc, float]]:
    """Ranked documents the view admits, one per (kind, id): the checked-out branch's copy of a
    journal or task wins over another branch's."""
    docs = store.rows(conn, [rowid for rowid, _ in ranked]) if ranked else {}
    kept: dict[tuple[str, str], tuple[int, Doc, float]] = {}
    for rowid, score in ranked:
        doc = docs.get(rowid)
        if doc is None or not view.admits(_candidate(doc)):
            continue
        key = (doc.kind, doc.ref)
        if key not in kept or (doc.branch == view.branch and kept[key][1].branch != view.branch):
            kept[key] = (rowid, doc, kept[key][2] if key in kept else score)
    return sorted(kept.values(), key=lambda item: -item[2])


def _candidate(doc: Doc) -> recall_filter.Candidate:
    return recall_filter.Candidate(doc.kind, doc.branch, doc.sha, doc.keys)


def _hit(
    conn: sqlite3.Connection, view: View, expression: str, doc: Doc, rowid: int, score: float
) -> Hit:
    return Hit(
        kind=doc.kind,
        id=doc.ref,
        title=doc.title,
        snippet=store.snippet(conn, expression, rowid),
        score=round(score, 6),
        branch=view.label(_candidate(doc)),
        sha=view.anchor(_candidate(doc)),
        day=doc.day,
    )
