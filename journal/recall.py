"""Recall: search what happened in this repository (sessions, commits, journals, tasks).

The index (`journal.recall_store`, local) is kept up to date by `index_incremental`, which the
pre-commit stage calls after it wrote the fragments and journals and which costs a few `stat`s and
one `git for-each-ref` when nothing moved; `reindex` builds it again from nothing. `search` ranks
with FTS5's BM25 (fused with an embedding ranking when the optional semantic engine is installed,
`journal.recall_semantic`) and passes the hits through the ancestry filter
(`journal.recall_filter`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journal import git, recall_docs, recall_filter, recall_query, recall_semantic, state
from journal import recall_store as store
from journal.config import Config
from journal.recall_filter import Anchor, View
from journal.recall_store import Doc

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


# -- indexing -------------------------------------------------------------------------------------


def reindex(paths: git.RepoPaths, config: Config) -> int:
    """Build the index again from nothing; the number of documents indexed."""
    store.drop(state.local_dir(paths.common_dir))
    index_incremental(paths, config)
    conn = store.open_db(state.local_dir(paths.common_dir))
    try:
        return store.count(conn)
    finally:
        conn.close()


def index_incremental(paths: git.RepoPaths, config: Config) -> int:
    """Bring the index up to date with what changed since its marks; the number of documents
    added or updated. An unreadable index is replaced by a new one."""
    local = state.local_dir(paths.common_dir)
    try:
        return _index(paths, config, local)
    except sqlite3.DatabaseError:
        store.drop(local)
        return _index(paths, config, local)


def _index(paths: git.RepoPaths, config: Config, local: Path) -> int:
    tz = ZoneInfo(config.timezone)
    top = paths.toplevel
    current = git.head(top)
    conn = store.open_db(local)
    try:
        with store.writing(conn):
            changed = _sessions(conn, paths, config, tz)
            changed += _commits(conn, top, current.sha, tz)
            changed += _work_tree(conn, top, config, current.branch, tz)
            _rekey(conn, local)
            recall_semantic.index_new(conn, local)  # within its budget, else at `recall`
        return changed
    finally:
        conn.close()


def _marks(conn: sqlite3.Connection, key: str) -> Any:
    raw = store.get_meta(conn, key)
    return json.loads(raw) if raw else {}


def _set_marks(conn: sqlite3.Connection, key: str, value: Any) -> None:
    store.set_meta(conn, key, json.dumps(value, sort_keys=True))


def _apply(conn: sqlite3.Connection, docs: list[Doc], gone: list[str], *, merge: bool) -> int:
    store.delete(conn, gone)
    for doc in docs:
        store.upsert(conn, doc, merge_keys=merge)
    return len(docs)


def _sessions(conn: sqlite3.Connection, paths: git.RepoPaths, config: Config, tz: ZoneInfo) -> int:
    """Cached sessions first, then fragments (a fragment's text, the committed one, wins)."""
    cache_file = state.local_dir(paths.common_dir) / "session-index.json"
    stamp = _file_stamp(cache_file)
    count = 0
    if stamp != store.get_meta(conn, "session-index"):
        versions = _marks(conn, "sessions")
        docs, versions = recall_docs.cached_session_docs(paths, config, versions, tz)
        count += _apply(conn, docs, [], merge=True)
        _set_marks(conn, "sessions", versions)
        store.set_meta(conn, "session-index", stamp)
    # A fragment leaving the work tree (another branch checked out) does not end its session.
    fragments = recall_docs.fragment_docs(paths.toplevel, _marks(conn, "fragments"), tz)
    count += _apply(conn, fragments.docs, [], merge=True)
    _set_marks(conn, "fragments", fragments.marks)
    return count


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_mtime_ns}:{st.st_size}"


def _commits(conn: sqlite3.Connection, top: Path, head: str | None, tz: ZoneInfo) -> int:
    tips = git.tips(top, head)
    known = (store.get_meta(conn, "tips") or "").split()
    if tips == known:
        return 0
    docs, patches = recall_docs.commit_docs(top, known, tz)
    existing = store.doc_ids(conn, "commit:") if known else set()
    fresh = [doc for doc in docs if doc.doc_id not in existing]
    store.insert_new(conn, fresh)
    store.add_patches(conn, patches)
    store.set_meta(conn, "tips", " ".join(tips))
    return len(fresh)


def _work_tree(
    conn: sqlite3.Connection, top: Path, config: Config, branch: str | None, tz: ZoneInfo
) -> int:
    """The journals and tasks of this work tree, as documents of its branch."""
    where = branch or ""
    folder = top / config.journal_dir
    journals = recall_docs.journal_docs(folder, branch, _marks(conn, f"journals:{where}"))
    count = _apply(conn, journals.docs, journals.gone, merge=False)
    _set_marks(conn, f"journals:{where}", journals.marks)
    stamp = _file_stamp(top / recall_docs.STATE_FILE)
    if stamp != store.get_meta(conn, f"tasks:{where}"):
        docs = recall_docs.task_docs(top, branch, tz)
        gone = store.doc_ids(conn, f"task:{where}:") - {doc.doc_id for doc in docs}
        count += _apply(conn, docs, sorted(gone), merge=False)
        store.set_meta(conn, f"tasks:{where}", stamp)
    return count


def _rekey(conn: sqlite3.Connection, local: Path) -> None:
    """Anchors whose commit was rewritten gain its successor (the old one stays, as a reset may
    bring it back), once per change of the rewrite store."""
    from journal import rewrite

    stamp = _file_stamp(local / rewrite.STORE_NAME)
    if stamp == store.get_meta(conn, "rewrites"):
        return
    maps = rewrite.load(local)
    if maps:
        resolve = rewrite.resolver(maps)
        rows = conn.execute("SELECT rowid, kind, keys FROM docs WHERE kind != 'commit'")
        for rowid, kind, text in rows.fetchall():
            keys = store.decode_keys(text)
            follow = [(k, resolve(k.sha)) for k in keys]
            moved = [Anchor(new, k.patch_id) for k, new in follow if new and new != k.sha]
            # A journal stands for all of its day's commits: there the successor replaces.
            kept = [k for k, new in follow if new == k.sha] if kind == "journal" else keys
            merged = store.encode_keys([*kept, *moved])
            if merged != text:
                conn.execute("UPDATE docs SET keys = ? WHERE rowid = ?", (merged, rowid))
    store.set_meta(conn, "rewrites", stamp)
