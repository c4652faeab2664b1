"""Keeping the recall index (`journal.recall_store`) up to date.

Two ways in. `index_incremental` is the complete one, run by `ai-journal recall` before it
searches: every source is compared with its marks (the session cache's stamp, each fragment's and
journal's size and time, the branch tips indexed last), so whatever moved since is caught up, the
first walk of the whole history included. `index_written` is the pre-commit stage's: it indexes
the files its own refresh wrote and the commits new since the stored tips, and leaves everything
else to the next `recall`, so a commit costs the same on a history of a thousand commits or a
hundred thousand. It never walks the history (without stored tips it indexes no commit), never
reads the session cache, and does not move the marks of the files it read: `recall` reads those
files again after the cached sessions, so a session's fragment keeps winning over its cached text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from journal import git, recall_docs, recall_semantic, state
from journal import recall_store as store
from journal.config import Config
from journal.recall_filter import Anchor
from journal.recall_store import Doc


class Written(NamedTuple):
    """What a refresh knows when it is done: HEAD, the branch tips and the files it wrote."""

    head: git.Head
    tips: list[str]
    files: Sequence[Path]


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
    return _guarded(paths, config, None)


def index_written(paths: git.RepoPaths, config: Config, written: Written) -> int:
    """The stage's share: the fragments and journals in `written.files` and the commits new since
    the stored tips (none before the first `index_incremental`); the number of documents."""
    return _guarded(paths, config, written)


def _guarded(paths: git.RepoPaths, config: Config, written: Written | None) -> int:
    local = state.local_dir(paths.common_dir)
    try:
        return _index(paths, config, local, written)
    except sqlite3.DatabaseError:
        store.drop(local)
        return _index(paths, config, local, written)


def _index(paths: git.RepoPaths, config: Config, local: Path, written: Written | None) -> int:
    tz = ZoneInfo(config.timezone)
    top = paths.toplevel
    current = written.head if written else git.head(top)
    conn = store.open_db(local)
    try:
        with store.writing(conn):
            if written is None:
                changed = _sessions(conn, paths, config, tz)
                changed += _commits(conn, top, git.tips(top, current.sha), tz)
                changed += _work_tree(conn, top, config, current.branch, tz)
            else:
                changed = _files(conn, top, config, current.branch, written.files, tz)
                if store.get_meta(conn, "tips") is not None:  # the first walk is `recall`'s
                    changed += _commits(conn, top, written.tips, tz)
                changed += _tasks(conn, top, current.branch, tz)
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


def _commits(conn: sqlite3.Connection, top: Path, tips: list[str], tz: ZoneInfo) -> int:
    """Commits reachable from `tips` but not from the tips indexed last time (all of them the
    first time). A rewrite is no exception: its new commits are new; the old ones stay indexed,
    and the ancestry filter keeps them out of the results while no branch reaches them."""
    known_raw = store.get_meta(conn, "tips")
    known = (known_raw or "").split()
    if tips == known:
        return 0
    docs, patches = recall_docs.commit_docs(top, known, tz)
    present = store.present(conn, [doc.doc_id for doc in docs]) if known_raw is not None else set()
    fresh = [doc for doc in docs if doc.doc_id not in present]
    store.insert_new(conn, fresh)
    store.add_patches(conn, patches)
    store.set_meta(conn, "tips", " ".join(tips))
    return len(fresh)


def _files(
    conn: sqlite3.Connection,
    top: Path,
    config: Config,
    branch: str | None,
    files: Sequence[Path],
    tz: ZoneInfo,
) -> int:
    """The fragments and day journals among `files` (their marks stay: see the module's doc)."""
    absolute = [path if path.is_absolute() else top / path for path in files]
    fragments = [p for p in absolute if p.parent == top / recall_docs.FRAGMENT_DIR]
    journals = [p for p in absolute if p.parent == top / config.journal_dir]
    count = _apply(conn, recall_docs.read_fragments(fragments, tz), [], merge=True)
    return count + _apply(conn, recall_docs.read_journals(journals, branch), [], merge=False)


def _work_tree(
    conn: sqlite3.Connection, top: Path, config: Config, branch: str | None, tz: ZoneInfo
) -> int:
    """The journals and tasks of this work tree, as documents of its branch."""
    where = branch or ""
    folder = top / config.journal_dir
    journals = recall_docs.journal_docs(folder, branch, _marks(conn, f"journals:{where}"))
    count = _apply(conn, journals.docs, journals.gone, merge=False)
    _set_marks(conn, f"journals:{where}", journals.marks)
    return count + _tasks(conn, top, branch, tz)


def _tasks(conn: sqlite3.Connection, top: Path, branch: str | None, tz: ZoneInfo) -> int:
    """The tasks of `project_state.json`, when the file moved since they were indexed."""
    where = branch or ""
    stamp = _file_stamp(top / recall_docs.STATE_FILE)
    if stamp == store.get_meta(conn, f"tasks:{where}"):
        return 0
    docs = recall_docs.task_docs(top, branch, tz)
    gone = store.doc_ids(conn, f"task:{where}:") - {doc.doc_id for doc in docs}
    count = _apply(conn, docs, sorted(gone), merge=False)
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
