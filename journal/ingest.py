"""Find the agent logs, parse only what was written since the last run, keep this repository's sessions.

Per log file a cursor (see `sources.cursors`) says how far it was read; `sources.read_plan`
turns it into the file's job. A run then
* skips files whose size did not change;
* parses only the appended bytes of a grown `.jsonl`, continuing from the cached `Session`
  (`<local>/sessions/<id>.json`, whose `reader_state` holds the parser's bookkeeping);
* re-reads from scratch a file that shrank or was replaced (new device/inode), and a G0 `.json` or
  `.jsonl.zst` file whenever its size or modification time changed;
* remembers files whose session belongs elsewhere as foreign. A grown foreign `.jsonl` is not
  parsed again: only its new `session_meta`/`turn_context` lines are looked at, and only a cwd
  inside this repository there makes it ours (then it is read whole). Foreign G0/G1/zst files are
  re-read when they change, since their cwd is inferred from the whole content.
Which logs a run looks at is `sources.listing`'s choice: every one now and then, otherwise the
live ones and those in folders that changed. A run plans from cursors and summaries and loads
only the records it resumes or changes; its result summarises every session (`index`, read when
first asked for) and loads records on demand (`load`). The caller holds the state lock (`state.locked`). Sessions are never dropped
because their log went away: the cache is the record of what happened.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from journal import git, prune, state
from journal.config import Config
from journal.sources import cache, cursors, discover, history, lines, rollout, session_cache
from journal.sources.discover import LogFile
from journal.sources.listing import NOTHING, list_logs
from journal.sources.model import ParseStats, Session
from journal.sources.read_plan import Job, Planner
from journal.sources.scope import RepoScope
from journal.sources.summary import SessionSummary

Progress = Callable[[int, int], None]


@dataclass
class IngestResult:
    """What a run found. Full records are loaded only when asked for (`load`)."""

    store: session_cache.SessionCache = field(repr=False)
    changed: set[str] = field(default_factory=set)  # ids whose record changed (bookkeeping aside)
    files_scanned: int = 0
    files_parsed: int = 0
    bytes_read: int = 0
    malformed: int = 0
    unknown: int = 0
    notices: list[str] = field(default_factory=list)

    @property
    def index(self) -> dict[str, SessionSummary]:
        """Every session of this repo, cached + new, summarised."""
        return self.store.index

    def load(self, ids: Iterable[str]) -> dict[str, Session]:
        """The full records of those of `ids` that exist: parsed in this run, else read from the
        cache."""
        return self.store.load(ids)

    @property
    def sessions(self) -> Mapping[str, Session]:
        """Every session as a read-only mapping whose records load when accessed (so iterating
        its values loads them all: prefer `index` and `load`)."""
        return session_cache.LazySessions(self.store)


def codex_home(config: Config) -> Path | None:
    """`codex.home`, else `$CODEX_HOME` (must be a directory), else `~/.codex` if it exists."""
    return discover.codex_home(config)


def load_sessions(local_dir: Path) -> dict[str, Session]:
    """Every cached session of the repository whose local state dir is `local_dir`, loaded in full
    (no parsing)."""
    return cache.load_sessions(local_dir)


def cached(local_dir: Path) -> session_cache.SessionCache:
    """The cached sessions, read-only: their `index`, and `load` for full records."""
    return session_cache.SessionCache(local_dir, writable=False)


def ingest(
    paths: git.RepoPaths,
    config: Config,
    progress: Progress | None = None,
    worktrees: list[Path] | None = None,
    *,
    full: bool = False,
) -> IngestResult:
    """`worktrees`: the repository's worktree roots when the caller already knows them. `full`:
    look at every log, not only those that may have changed (see `sources.listing`)."""
    local = state.local_dir(paths.common_dir)
    roots = worktrees if worktrees is not None else git.worktrees(paths.toplevel)
    run = _Run(local, RepoScope([paths.toplevel, *roots]), progress)
    home = codex_home(config)
    found = list_logs(home, run.cursors, full=full) if home else NOTHING
    run.ingest_logs(found.logs, found.kept)
    if home is not None:
        run.apply_history(home)
    if run.rebuilt:  # appends to known records keep who their sub-agents are
        session_cache.attach_subagents(run.cache)
    run.save()
    if run.result.malformed:
        run.result.notices.append(
            f"skipped {run.result.malformed} unreadable line(s) in Codex logs (not JSON, not the"
            " expected shape, or over the size limit); the rest of each log was read"
        )
    return run.result


class _Run:
    def __init__(self, local: Path, scope: RepoScope, progress: Progress | None) -> None:
        self.local, self.scope, self.progress = local, scope, progress
        self.pruned = prune.pruned_ids(local)  # taken out by `ai-journal prune`: never again
        self.cursors = cursors.load(local)
        self.cache = session_cache.SessionCache(local)
        self.planner = Planner(self.cursors, self.cache)
        self.result = IngestResult(self.cache)
        if self.cursors.notice:
            self.result.notices.append(self.cursors.notice)
        self.parsed: set[str] = set()
        self.rebuilt = False  # a record was created, read again from scratch or removed
        self.done = self.total = 0

    # -- files ---------------------------------------------------------------------------------
    def ingest_logs(self, logs: list[LogFile], kept: set[str]) -> None:
        jobs = []
        for log in logs:
            job = self.planner.plan(log)
            if job is not None:
                jobs.append(job)
            elif log.path.is_symlink() and not log.path.exists():
                self.result.notices.append(
                    f"{log.path}: a symbolic link that loops or leads nowhere; skipped"
                )
        self.result.files_scanned = len(jobs)
        g0 = [job for job in jobs if job.log.kind == "g0"]
        files = [job for job in jobs if job.log.kind != "g0"]
        g0_stale = any(job.action != "skip" for job in g0) or self.planner.g0_vanished(g0)
        self.total = sum(job.cost for job in files) + (
            sum(j.st.st_size for j in g0) if g0_stale else 0
        )
        skipped_zst = 0
        for job in files:
            if job.log.kind == "zst" and job.action == "full" and not lines.zstd_available():
                skipped_zst += 1
            else:
                self._execute_safely(job)
        if g0_stale:
            self._read_g0(g0)
        if skipped_zst:
            self.result.notices.append(
                f"skipped {skipped_zst} compressed Codex log(s) (.jsonl.zst): install the"
                " 'zstandard' package (pip install 'ai-journal[zstd]') to read them"
            )
        present = {job.log.file for job in jobs} | kept
        self.cursors.files = {k: c for k, c in self.cursors.files.items() if k in present}

    def _execute(self, job: Job) -> None:
        if job.action == "skip":
            return
        path, cursor = job.log.path, job.cursor
        self.result.files_parsed += 1
        self.result.bytes_read += job.cost
        if job.action == "scan" and cursor is not None:
            mine, read = self.scope.scan_appended(path, cursor.offset, self._advance)
            if not mine:
                cursor.offset, cursor.size = read.offset, read.seen
                return
            self.result.bytes_read += cursor.offset  # now read whole after all
        elif job.log.kind == "jsonl" and job.action == "full" and self._foreign_at_a_glance(job):
            return
        if job.action == "append" and cursor is not None:
            session = self.cache.get(cursor.session_id or "")
            assert session is not None  # the planner checked the record can be resumed
            self.cache.touch(session.id)
            counts = _counts(session.stats)
            _, read = rollout.read_jsonl(path, session, cursor.offset, self._advance)
            self._count(session.stats, counts)
            self._keep(session, job, read)
            return
        if job.log.kind == "zst":
            session, read = rollout.read_zst(path, self._advance)
        else:
            session, read = rollout.read_jsonl(path, None, 0, self._advance)
        self._count(session.stats, (0, 0))
        self._keep(session, job, read)

    def _execute_safely(self, job: Job) -> None:
        try:
            self._execute(job)
        except FileNotFoundError:
            pass  # moved or deleted while we read it (Codex archiving): the next run sees it
        except Exception as exc:  # one unreadable log must not stop the others
            if not isinstance(exc, OSError) and job.log.kind != "zst":
                raise
            self.result.notices.append(f"{job.log.path}: skipped, cannot be read ({exc})")

    def _foreign_at_a_glance(self, job: Job) -> bool:
        """A current-format log whose session started elsewhere and none of whose turns ran here
        is recorded as foreign after a light scan, without being parsed."""
        meta = self.scope.first_meta(job.log.path)
        if meta is None or self.scope.contains(str(meta.get("cwd") or "")):
            return False
        mine, read = self.scope.scan_appended(job.log.path, 0, self._advance)
        if mine:
            self.result.bytes_read += job.cost  # it is ours after all: read it properly
            return False
        cursor = cursors.cursor_for(job.log.path, job.st, "jsonl", read.offset, read.seen)
        sid = meta.get("id")
        cursor.session_id = sid if isinstance(sid, str) else None
        cursor.foreign = True
        self.cursors.files[str(job.log.path)] = cursor
        return True

    def _keep(self, session: Session, job: Job, read: lines.LinesRead) -> None:
        offset, seen = read.offset, read.seen
        if job.log.kind == "zst":
            offset = seen = job.st.st_size  # read whole each time: only size and mtime matter
        cursor = cursors.cursor_for(job.log.path, job.st, job.log.kind, offset, seen)
        cursor.format, cursor.session_id = session.format, session.id
        cursor.foreign = not self.scope.owns(session) or session.id in self.pruned
        self.cursors.files[str(job.log.path)] = cursor
        if not cursor.foreign:
            self.rebuilt = self.rebuilt or job.action != "append"
            self._accept(session)

    def _accept(self, session: Session) -> None:
        current = self.cache.get(session.id)
        if current is not None and current is not session:
            other = current.source_path
            elsewhere = other != session.source_path and os.path.exists(other)
            if elsewhere and current.stats.lines > session.stats.lines:
                return  # the same session in two files: the longer copy wins
            self.cache.touch(session.id)
        self.cache.put(session)
        self.cache.mark(session.id)
        self.parsed.add(session.id)

    # -- G0 ------------------------------------------------------------------------------------
    def _read_g0(self, jobs: list[Job]) -> None:
        """Re-read every G0 file, keep the longest snapshot of each session."""
        size = sum(job.st.st_size for job in jobs)
        self.result.files_parsed += len(jobs)
        self.result.bytes_read += size
        self._advance(size)
        kept = rollout.read_g0_all([job.log.path for job in jobs])
        self.rebuilt = True
        for summary in self._summaries():
            source = summary.source_path
            superseded = source not in kept and os.path.exists(source)  # by a longer snapshot
            if summary.format == "g0" and superseded:
                self.cache.remove(summary.id)
        for job in jobs:
            cursor = cursors.cursor_for(job.log.path, job.st, "g0", job.st.st_size, job.st.st_size)
            cursor.format = "g0"
            self.cursors.files[str(job.log.path)] = cursor
            session = kept.get(str(job.log.path))
            if session is not None:
                self._count(session.stats, (0, 0))
                cursor.session_id = session.id
                cursor.foreign = not self.scope.owns(session) or session.id in self.pruned
                if not cursor.foreign:
                    self._accept(session)

    # -- whole-set passes ----------------------------------------------------------------------
    def apply_history(self, home: Path) -> None:
        """`history.jsonl` stands in for the prompts of sessions without `user_message` events."""
        stamp = history.stamp(home)
        if stamp == self.cursors.history:  # then only sessions parsed in this run can want it
            parsed = [self.cache.summary(sid) for sid in sorted(self.parsed) if sid in self.cache]
            if all(s.prompts_from == "events" for s in parsed):
                return
        wanting = [s for s in self._summaries() if s.prompts_from != "events"]
        if not wanting:
            self.cursors.history = stamp
            return
        grouped = history.by_session(history.read_history(home))
        for summary in wanting:
            if summary.id not in grouped and summary.prompts_from != "history":
                continue  # nothing in history for it, and nothing taken from there to undo
            session = self.cache.get(summary.id)
            if session is not None:
                self.cache.touch(session.id)
                if history.apply(session, grouped.get(session.id, [])):
                    self.cache.mark(session.id)
        self.cursors.history = stamp

    def save(self) -> None:
        self.result.changed = self.cache.commit()
        cursors.save(self.local, self.cursors)

    # -- helpers -------------------------------------------------------------------------------
    def _summaries(self) -> list[SessionSummary]:
        return [self.cache.summary(sid) for sid in self.cache.ids()]

    def _advance(self, amount: int) -> None:
        self.done += amount
        if self.progress is not None and self.total:
            self.progress(min(self.done, self.total), self.total)

    def _count(self, stats: ParseStats, before: tuple[int, int]) -> None:
        self.result.malformed += stats.malformed - before[0]
        self.result.unknown += stats.unknown - before[1]


def _counts(stats: ParseStats) -> tuple[int, int]:
    return stats.malformed, stats.unknown
