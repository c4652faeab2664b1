"""The recall index on disk: `<git-common-dir>/ai-journal/recall.sqlite` (local, rebuildable).

Tables: `docs` (one row per document: kind, the id it is known by, title, branch, commit, day and
its anchors), `fts` (an FTS5 table over title and body sharing `docs`' rowids, BM25 with the title
weighted up), `patches` (patch-id of every indexed commit, to re-key anchors whose commit was
rewritten without a hook seeing it) and `meta` (the high-water marks of incremental indexing). A
file from another schema version, or one SQLite cannot read, is replaced by an empty index.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from journal.recall_filter import Anchor

DB_NAME = "recall.sqlite"
SCHEMA = 1
TITLE_WEIGHT = 4.0
BUSY_TIMEOUT_S = 10.0
_CHUNK = 500  # values per `IN (…)`: below SQLite's limit on bound parameters

_TABLES = f"""
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, ref TEXT NOT NULL,
    title TEXT NOT NULL, branch TEXT, sha TEXT, day TEXT, keys TEXT NOT NULL
);
CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25({TITLE_WEIGHT}, 1.0)');
CREATE TABLE patches (sha TEXT PRIMARY KEY, patch_id TEXT NOT NULL);
CREATE INDEX patches_by_id ON patches (patch_id);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = {SCHEMA};
"""


@dataclass
class Doc:
    doc_id: str  # "session:<id>", "commit:<sha>", "journal:<branch>:<day>", "task:<branch>:<id>"
    kind: str  # "session" | "commit" | "journal" | "task"
    ref: str  # what it is known by outside the index: session id, SHA, day, task id
    title: str
    body: str
    branch: str | None
    sha: str | None = None
    day: str | None = None
    keys: list[Anchor] = field(default_factory=list)


def path_in(local: Path) -> Path:
    return local / DB_NAME


def open_db(local: Path) -> sqlite3.Connection:
    """The index, created when absent and replaced when unreadable or of another schema."""
    path = path_in(local)
    try:
        return _open(path)
    except sqlite3.DatabaseError:
        drop(local)
        return _open(path)


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA:
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise sqlite3.DatabaseError(f"recall index schema {version}, expected {SCHEMA}")
            conn.executescript(_TABLES)
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def drop(local: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm", "-vectors"):  # -vectors: recall_embed_store
        with contextlib.suppress(FileNotFoundError):
            (local / f"{DB_NAME}{suffix}").unlink()


@contextlib.contextmanager
def writing(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (taken at once, so two indexers never interleave)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- meta -----------------------------------------------------------------------------------------


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


# -- documents ------------------------------------------------------------------------------------


def encode_keys(keys: Iterable[Anchor]) -> str:
    unique = dict.fromkeys(f"{k.sha}:{k.patch_id or ''}" for k in keys)
    return " ".join(unique)


def decode_keys(text: str) -> list[Anchor]:
    anchors = []
    for item in text.split():
        sha, _, patch_id = item.partition(":")
        anchors.append(Anchor(sha, patch_id or None))
    return anchors


def upsert(conn: sqlite3.Connection, doc: Doc, *, merge_keys: bool = False) -> None:
    """Insert or replace a document; with `merge_keys`, anchors it already had are kept."""
    found = conn.execute("SELECT rowid, keys FROM docs WHERE doc_id = ?", (doc.doc_id,)).fetchone()
    keys = doc.keys + (decode_keys(found[1]) if found and merge_keys else [])
    values = (doc.kind, doc.ref, doc.title, doc.branch, doc.sha, doc.day, encode_keys(keys))
    if found is None:
        cursor = conn.execute(
            "INSERT INTO docs (doc_id, kind, ref, title, branch, sha, day, keys)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.doc_id, *values),
        )
        rowid = cursor.lastrowid
    else:
        rowid = found[0]
        conn.execute(
            "UPDATE docs SET kind = ?, ref = ?, title = ?, branch = ?, sha = ?, day = ?, keys = ?"
            " WHERE rowid = ?",
            (*values, rowid),
        )
        conn.execute("DELETE FROM fts WHERE rowid = ?", (rowid,))
    conn.execute(
        "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", (rowid, doc.title, doc.body)
    )


def insert_new(conn: sqlite3.Connection, docs: Sequence[Doc]) -> None:
    """Bulk insert of documents known not to be in the index yet (a rebuild)."""
    start = conn.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0] + 1
    rows = list(enumerate(docs, start=start))
    conn.executemany(
        "INSERT INTO docs (rowid, doc_id, kind, ref, title, branch, sha, day, keys)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (i, d.doc_id, d.kind, d.ref, d.title, d.branch, d.sha, d.day, encode_keys(d.keys))
            for i, d in rows
        ],
    )
    conn.executemany(
        "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)",
        [(i, d.title, d.body) for i, d in rows],
    )


def delete(conn: sqlite3.Connection, doc_ids: Iterable[str]) -> None:
    for doc_id in doc_ids:
        found = conn.execute("SELECT rowid FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        if found:
            conn.execute("DELETE FROM fts WHERE rowid = ?", (found[0],))
            conn.execute("DELETE FROM docs WHERE rowid = ?", (found[0],))


def doc_ids(conn: sqlite3.Connection, prefix: str) -> set[str]:
    rows = conn.execute("SELECT doc_id FROM docs WHERE doc_id >= ? AND doc_id < ?", _range(prefix))
    return {row[0] for row in rows}


def present(conn: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    """Those of `ids` that are indexed (a look-up each in the unique index: no scan)."""
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT doc_id FROM docs WHERE doc_id IN ({marks})", chunk)
        found.update(row[0] for row in rows)
    return found


def _range(prefix: str) -> tuple[str, str]:
    return prefix, prefix + "\U0010ffff"


def add_patches(conn: sqlite3.Connection, pairs: Iterable[tuple[str, str]]) -> None:
    conn.executemany("INSERT OR REPLACE INTO patches (sha, patch_id) VALUES (?, ?)", pairs)


def shas_with_patch(conn: sqlite3.Connection, patch_ids: list[str]) -> set[str]:
    marks = ",".join("?" * len(patch_ids))
    rows = conn.execute(f"SELECT sha FROM patches WHERE patch_id IN ({marks})", patch_ids)
    return {row[0] for row in rows}


def count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])


# -- reading --------------------------------------------------------------------------------------


def selective(conn: sqlite3.Connection, terms: list[str], share: float) -> list[str]:
    """`terms` without those found in more than `share` of the documents (the rarest one is kept
    when all are that common). Each costs BM25 a pass over most of the index and adds little
    to the order, as its inverse document frequency is low. Counting stops at the cap."""
    if len(terms) < 2:
        return terms
    size = conn.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0]
    cap = max(int(size * share), 50)
    counts = {
        term: conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT ?)", (term, cap + 1)
        ).fetchone()[0]
        for term in terms
    }
    kept = [term for term in terms if counts[term] <= cap]
    return kept or [min(terms, key=counts.__getitem__)]


def ranked(conn: sqlite3.Connection, expression: str, depth: int) -> list[tuple[int, float]]:
    """(rowid, BM25 score, higher is better) of the best `depth` matches."""
    rows = conn.execute(
        "SELECT rowid, rank FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?", (expression, depth)
    )
    return [(row[0], -float(row[1])) for row in rows]


def rows(conn: sqlite3.Connection, rowids: Sequence[int]) -> dict[int, Doc]:
    """The documents of `rowids`, without their bodies."""
    marks = ",".join("?" * len(rowids))
    found = conn.execute(
        "SELECT rowid, doc_id, kind, ref, title, branch, sha, day, keys FROM docs"
        f" WHERE rowid IN ({marks})",
        list(rowids),
    )
    return {
        r[0]: Doc(r[1], r[2], r[3], r[4], "", r[5], r[6], r[7], decode_keys(r[8])) for r in found
    }


def snippet(conn: sqlite3.Connection, expression: str | None, rowid: int) -> str:
    """The best few words of the body around the query's words (the body's start without one)."""
    if expression:
        found = conn.execute(
            "SELECT snippet(fts, 1, '[', ']', '…', 16) FROM fts WHERE fts MATCH ? AND rowid = ?",
            (expression, rowid),
        ).fetchone()
        if found and found[0]:
            return str(found[0])
    body = conn.execute("SELECT body FROM fts WHERE rowid = ?", (rowid,)).fetchone()
    text = " ".join(str(body[0]).split()) if body else ""
    return text[:120] + ("…" if len(text) > 120 else "")


def bodies(conn: sqlite3.Connection, rowids: Sequence[int]) -> dict[int, str]:
    marks = ",".join("?" * len(rowids))
    found = conn.execute(
        f"SELECT rowid, title, body FROM fts WHERE rowid IN ({marks})", list(rowids)
    )
    return {r[0]: f"{r[1]}\n{r[2]}" for r in found}
