"""Where recall's document vectors live: in `recall.sqlite` (the truth, transactional with the
documents) and in a matrix file beside it that searches map (a cache).

`vectors` holds one unit vector per document (float16, with a digest of the text it was computed
from); `vec_pending` the documents whose vector is missing or out of date. Triggers on `docs` fill
`vec_pending` whatever writes the index (an insert, an update that rewrote the text, a deletion),
so finding the work is one small query, and the triggers touch plain tables only: the index stays
usable without the semantic engine's dependencies. The tables appear the first time an engine is
installed; every document then existing is pending.

`recall.sqlite-vectors` is the matrix a search multiplies with the query's vector (brute-force
cosine): a header (magic, generation, count, dimension as int64), the rowids (int64) and the rows
(float32). It is written again from `vectors` when its generation differs from the one in `meta`
(changed on every write of vectors), so it never serves vectors of another state of the index;
`recall_store.drop` removes it with the index.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journal import recall_store as store

if TYPE_CHECKING:  # numpy is imported where vectors are touched: the stage's check stays cheap
    import numpy as np
    import numpy.typing as npt

FILE_NAME = store.DB_NAME + "-vectors"
MAGIC = 0x31434556414A  # "AJVEC1"
_HEADER = 4

_TABLES = """
CREATE TABLE IF NOT EXISTS vectors (rowid INTEGER PRIMARY KEY, digest TEXT NOT NULL, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS vec_pending (rowid INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS vec_new AFTER INSERT ON docs
    BEGIN INSERT OR IGNORE INTO vec_pending (rowid) VALUES (new.rowid); END;
CREATE TRIGGER IF NOT EXISTS vec_changed AFTER UPDATE OF title ON docs
    BEGIN INSERT OR IGNORE INTO vec_pending (rowid) VALUES (new.rowid); END;
CREATE TRIGGER IF NOT EXISTS vec_gone AFTER DELETE ON docs
    BEGIN INSERT OR IGNORE INTO vec_pending (rowid) VALUES (old.rowid); END;
"""


def prepare(conn: sqlite3.Connection, model: str) -> None:
    """The tables and triggers, created once; with another model than the vectors were computed
    by (or none yet), every document is pending again."""
    if store.get_meta(conn, "vectors-model") == model:
        return
    for statement in _TABLES.split(";\n"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("DELETE FROM vectors")
    conn.execute("INSERT OR IGNORE INTO vec_pending (rowid) SELECT rowid FROM docs")
    store.set_meta(conn, "vectors-model", model)
    bump(conn)


def prepared(conn: sqlite3.Connection) -> bool:
    return store.get_meta(conn, "vectors-model") is not None


def pending(conn: sqlite3.Connection) -> list[tuple[int, str | None]]:
    """(rowid, text) of the pending documents; text None for one that was deleted."""
    rows = conn.execute(
        "SELECT p.rowid, f.title, f.body FROM vec_pending p LEFT JOIN fts f ON f.rowid = p.rowid"
    )
    return [(r[0], None if r[1] is None else f"{r[1]}\n{r[2]}") for r in rows]


def pending_count(conn: sqlite3.Connection, cap: int) -> int:
    """How many documents are pending, counted up to `cap` (the rest of the queue is not read)."""
    query = "SELECT count(*) FROM (SELECT 1 FROM vec_pending LIMIT ?)"
    return int(conn.execute(query, (cap,)).fetchone()[0])


def digests(conn: sqlite3.Connection, rowids: list[int]) -> dict[int, str]:
    marks = ",".join("?" * len(rowids))
    rows = conn.execute(f"SELECT rowid, digest FROM vectors WHERE rowid IN ({marks})", rowids)
    return {r[0]: r[1] for r in rows}


def done(conn: sqlite3.Connection, rowids: list[int]) -> None:
    conn.executemany("DELETE FROM vec_pending WHERE rowid = ?", [(r,) for r in rowids])


def remove(conn: sqlite3.Connection, rowids: list[int]) -> None:
    conn.executemany("DELETE FROM vectors WHERE rowid = ?", [(r,) for r in rowids])
    done(conn, rowids)


def put(
    conn: sqlite3.Connection, rows: list[tuple[int, str]], vectors: npt.NDArray[np.float32]
) -> None:
    """Vectors of `rows` (rowid, digest), in order; they are no longer pending."""
    blobs = vectors.astype("<f2")
    conn.executemany(
        "INSERT OR REPLACE INTO vectors (rowid, digest, vec) VALUES (?, ?, ?)",
        [(rowid, digest, blobs[i].tobytes()) for i, (rowid, digest) in enumerate(rows)],
    )
    done(conn, [rowid for rowid, _ in rows])


def bump(conn: sqlite3.Connection) -> None:
    """A new generation: matrix files of earlier ones are out of date."""
    store.set_meta(conn, "vectors", str(int.from_bytes(os.urandom(7), "little")))


# -- the matrix file ------------------------------------------------------------------------------

Matrix = tuple["npt.NDArray[np.int64]", "npt.NDArray[np.float32]"]


def matrix(conn: sqlite3.Connection, local: Path) -> Matrix:
    """(rowids, unit rows) of every vector, from the file when it is of this generation."""
    import numpy as np

    generation = int(store.get_meta(conn, "vectors") or 0)
    path = local / FILE_NAME
    found = _read(path, generation)
    if found is not None:
        return found
    rows = conn.execute("SELECT rowid, vec FROM vectors ORDER BY rowid").fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    joined = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2")
    dim = joined.size // max(len(rows), 1)
    vectors = joined.reshape(len(rows), dim).astype(np.float32)
    _write(path, generation, ids, vectors)
    return ids, vectors


def _read(path: Path, generation: int) -> Matrix | None:
    import numpy as np

    try:
        header = np.fromfile(path, dtype="<i8", count=_HEADER)
    except (FileNotFoundError, ValueError):
        return None
    if len(header) < _HEADER or header[0] != MAGIC or header[1] != generation:
        return None
    count, dim = int(header[2]), int(header[3])
    offset = 8 * _HEADER
    ids: Any = np.memmap(path, dtype="<i8", mode="r", offset=offset, shape=(count,))
    if count == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, dim), dtype=np.float32)
    rows: Any = np.memmap(
        path, dtype="<f4", mode="r", offset=offset + 8 * count, shape=(count, dim)
    )
    return ids, rows


def _write(
    path: Path, generation: int, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]
) -> None:
    import numpy as np

    header = np.array([MAGIC, generation, len(ids), vectors.shape[1]], dtype="<i8")
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with partial.open("wb") as handle:
        handle.write(header.tobytes())
        handle.write(ids.astype("<i8").tobytes())
        handle.write(vectors.astype("<f4").tobytes())
    os.replace(partial, path)
