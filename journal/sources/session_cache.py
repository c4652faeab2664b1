"""One run's view of the session cache: summaries of every session, records loaded on demand.

Ingest changes records through it (`put`, `remove`, `touch`, `mark`) and `commit`s them with the
index; consumers choose from `index` and `load` only the records they need.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from journal.sources.cache import (
    SESSIONS_DIR,
    Index,
    IndexLog,
    file_name,
    fingerprint,
    forget,
    plain_id,
    read,
    store,
)
from journal.sources.model import Session
from journal.sources.summary import SessionSummary, summarize


class SessionCache:
    """The cached sessions during a run: summaries of all, the records loaded or parsed so far,
    and which of them the run touched and which really changed for consumers.

    Records are loaded on first use. `put`, `remove`, `touch` and `mark` record changes in memory;
    `commit` writes them with the index. A read-only cache (`writable=False`) never writes.
    """

    def __init__(self, local_dir: Path, *, writable: bool = True) -> None:
        self.local_dir, self.writable = local_dir, writable
        self._opened: Index | None = None  # read when first needed: a run may never need it
        self._records: dict[str, Session] = {}
        self._removed: set[str] = set()
        self._before: dict[str, bytes] = {}  # fingerprints taken before the first change
        self._dirty: set[str] = set()  # to be written
        self._spilled: set[str] = set()  # new records already written (see `mark`)

    @property
    def _index(self) -> Index:
        if self._opened is None:
            self._opened = Index(self.local_dir)
        return self._opened

    @property
    def index(self) -> dict[str, SessionSummary]:
        """Session id → summary, as of the last `commit` (or opening)."""
        return self._index.summaries

    def __contains__(self, session_id: object) -> bool:
        if session_id in self._removed:
            return False
        if session_id in self._records:
            return True
        if self._opened is None and isinstance(session_id, str) and plain_id(session_id):
            # Without the index: a plain id's record is the file of that name (the index lists
            # exactly those, once it has checked the folder).
            return os.path.exists(self.local_dir / SESSIONS_DIR / file_name(session_id))
        return session_id in self._index.summaries

    def ids(self) -> list[str]:
        present = self._index.summaries.keys() | self._records.keys()
        return sorted(present - self._removed)

    def summary(self, session_id: str) -> SessionSummary:
        """The summary of a session as it is now: of its record if that is in memory (it may have
        changed since the index was written), else from the index."""
        record = self._records.get(session_id)
        return summarize(record) if record is not None else self._index.summaries[session_id]

    def get(self, session_id: str) -> Session | None:
        if session_id not in self:
            return None
        record = self._records.get(session_id)
        if record is None:
            record = read(self.local_dir / SESSIONS_DIR / file_name(session_id))
            if record is None or record.id != session_id:
                return None
            self._records[session_id] = record
        return record

    def load(self, ids: Iterable[str]) -> dict[str, Session]:
        """The records of those of `ids` that exist."""
        found = {sid: self.get(sid) for sid in ids}
        return {sid: record for sid, record in found.items() if record is not None}

    def put(self, session: Session) -> None:
        self._records[session.id] = session
        self._removed.discard(session.id)

    def remove(self, session_id: str) -> None:
        self.touch(session_id)
        self._records.pop(session_id, None)
        self._removed.add(session_id)

    def touch(self, session_id: str) -> None:
        """Call before changing a session that may already be cached."""
        if session_id not in self._before:
            record = self.get(session_id)
            if record is not None:
                self._before[session_id] = fingerprint(record)

    def mark(self, session_id: str) -> None:
        """A new session's record is written at once and leaves memory (a back-fill of gigabytes
        would otherwise hold every parsed record until `commit`); a known one waits for it."""
        new = session_id not in self._before and session_id not in self
        record = self._records.get(session_id)
        if not (new and self.writable and record is not None):
            self._dirty.add(session_id)
            return
        self._index.set(record, store(self.local_dir, record))
        self._spilled.add(session_id)
        self._dirty.discard(session_id)
        del self._records[session_id]

    def commit(self) -> set[str]:
        """Write what was marked, drop what was removed, save the index; the ids whose record
        changed."""
        assert self.writable, "a read-only session cache was changed"
        changed = self._spilled - self._removed
        writer = self._writer()
        for sid in sorted(self._dirty - self._removed):
            record = self._records.get(sid)
            if record is not None:
                writer.set(record, store(self.local_dir, record))
                if sid not in self._before:
                    changed.add(sid)
        writer.save()
        for sid in sorted(self._removed):
            forget(self.local_dir, sid)
            self._index.drop(sid)
        for sid, before in self._before.items():
            if sid in self._removed or fingerprint(self._records[sid]) != before:
                changed.add(sid)
        if self._opened is not None:
            self._opened.save()
        self._dirty.clear()
        self._removed.clear()
        self._before.clear()
        self._spilled = set()
        return changed

    def _writer(self) -> Index | IndexLog:
        """The open index, else its log when only known sessions changed (the usual
        incremental run, which then never reads the index)."""
        if self._opened is None and not self._removed and not self._spilled:
            appender = IndexLog.open(self.local_dir)
            if appender is not None:
                return appender
        return self._index


def attach_subagents(cache: SessionCache) -> None:
    """Give every session the sorted ids of the cached threads whose parent it is."""
    summaries = [cache.summary(sid) for sid in cache.ids()]
    ids = {s.id for s in summaries}
    children: dict[str, set[str]] = {}
    for summary in summaries:
        if summary.parent_id and summary.parent_id in ids:
            children.setdefault(summary.parent_id, set()).add(summary.id)
    for summary in summaries:
        wanted = sorted(children.get(summary.id, set()))
        session = cache.get(summary.id) if list(summary.subagents) != wanted else None
        if session is not None:
            cache.touch(session.id)
            session.subagents = wanted
            cache.mark(session.id)


class LazySessions(Mapping[str, Session]):
    """Every session of a cache as a read-only mapping; a record is loaded when it is accessed."""

    def __init__(self, cache: SessionCache) -> None:
        self._cache = cache

    def __getitem__(self, session_id: str) -> Session:
        record = self._cache.get(session_id)
        if record is None:
            raise KeyError(session_id)
        return record

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._cache

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache.ids())

    def __len__(self) -> int:
        return len(self._cache.ids())
