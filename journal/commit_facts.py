"""What a commit's SHA fixes, kept between runs: the files it changed (as `git.commits` reads
them from `git log --raw --numstat`) and its `git patch-id --stable`.

A commit's changes against its first parent cannot move while its SHA stays, so an entry is never
stale: the store only spares diffing the same commit on every run. That matters at the stage, whose
queries ("every commit since this session started", "every commit of this day") cover commits
that mostly carry ai-journal's own growing files, the costliest diffs of all.

It is a local cache (`<git-common-dir>/ai-journal/commit-facts.sqlite`), written without waiting for
the disk: a file that is not a database, or is damaged, is deleted and started again; a database
another process holds busy is skipped for the run. Either way the answers come from git, so only
time is lost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import orjson

from journal.git import FileStat

FILENAME = "commit-facts.sqlite"
# Bumped whenever what is stored changes meaning (the diff options of `git.commits`, say): an older
# file is emptied, never misread.
SCHEMA = 1
_CHUNK = 500  # SQL variables per query, well under every SQLite build's limit
_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS files (sha TEXT PRIMARY KEY, stats TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS patch_ids (sha TEXT PRIMARY KEY, patch_id TEXT) WITHOUT ROWID;
"""


class CommitFacts:
    """The store of one repository's local state; opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def files(self, shas: Sequence[str]) -> dict[str, tuple[FileStat, ...]]:
        rows = self._select("SELECT sha, stats FROM files WHERE sha IN ({})", shas)
        return {sha: _decode(stats) for sha, stats in rows if stats is not None}

    def add_files(self, found: Mapping[str, tuple[FileStat, ...]]) -> None:
        rows = ((sha, _encode(stats)) for sha, stats in found.items())
        self._insert("INSERT OR REPLACE INTO files VALUES (?, ?)", rows)

    def patch_ids(self, shas: Sequence[str]) -> dict[str, str | None]:
        """{sha: patch-id, or None for a commit with no patch (a merge, an empty commit)}."""
        rows = self._select("SELECT sha, patch_id FROM patch_ids WHERE sha IN ({})", shas)
        return dict(rows)

    def add_patch_ids(self, found: Mapping[str, str | None]) -> None:
        self._insert("INSERT OR REPLACE INTO patch_ids VALUES (?, ?)", found.items())

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- the database ---------------------------------------------------------------------------

    def _select(self, query: str, shas: Sequence[str]) -> list[tuple[str, str | None]]:
        db = self._open()
        if db is None or not shas:
            return []
        found: list[tuple[str, str | None]] = []
        unique = list(dict.fromkeys(shas))
        try:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                found += db.execute(query.format(",".join("?" * len(chunk))), chunk).fetchall()
        except sqlite3.Error as exc:
            self._give_up(exc)
            return []
        return found

    def _insert(self, statement: str, rows: Iterable[tuple[str, str | None]]) -> None:
        db = self._open()
        if db is None:
            return
        try:
            with db:
                db.executemany(statement, rows)
        except sqlite3.Error as exc:
            self._give_up(exc)

    def _open(self) -> sqlite3.Connection | None:
        if self._db is not None or self._broken:
            return self._db
        try:
            self._db = _connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            if not _damaged(exc):  # busy, or cannot be opened: skipped for the run
                self._broken = True
                return None
            self.path.unlink(missing_ok=True)  # it is only a cache: start again
            try:
                self._db = _connect(self.path)
            except sqlite3.Error:
                self._broken = True
        return self._db

    def _give_up(self, exc: sqlite3.Error) -> None:
        """Answers come from git for the rest of the run; a damaged file goes."""
        self.close()
        self._broken = True
        if _damaged(exc):
            self.path.unlink(missing_ok=True)


def _damaged(exc: Exception) -> bool:
    """Not a database, or a damaged one; an `OperationalError` (busy, unopenable) is neither."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        # A crash can cost the cache, never the repository: no waiting for the disk.
        db.execute("PRAGMA synchronous = OFF")
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
            with db:
                db.execute("DROP TABLE IF EXISTS files")
                db.execute("DROP TABLE IF EXISTS patch_ids")
                db.executescript(_SCHEMA_SQL)
                db.execute(f"PRAGMA user_version = {SCHEMA}")
        db.isolation_level = "DEFERRED"
    except sqlite3.Error:
        db.close()
        raise
    return db


def _encode(stats: tuple[FileStat, ...]) -> str:
    return orjson.dumps([list(stat) for stat in stats]).decode()


def _decode(text: str) -> tuple[FileStat, ...]:
    return tuple(FileStat(*fields) for fields in orjson.loads(text))
