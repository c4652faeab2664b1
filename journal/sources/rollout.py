"""Reading one Codex log file into a `Session`: whole, or resuming where the last read stopped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from journal.sources import codex_legacy, discover, lines
from journal.sources.codex import CodexParser
from journal.sources.model import Session

Progress = Callable[[int], None]


def new_session(path: Path) -> Session:
    return Session(agent="codex", id=discover.session_id_from_name(path), source_path=str(path))


def read_jsonl(
    path: Path, session: Session | None = None, offset: int = 0, progress: Progress | None = None
) -> tuple[Session, lines.LinesRead]:
    """Parse the complete lines from `offset` on into `session` (a new one when None)."""
    if session is None:
        session, offset = new_session(path), 0
    parser = CodexParser(session)
    read = lines.feed_lines(path, offset, parser.feed, progress)
    _finish(session, read)
    return session, read


def read_zst(path: Path, progress: Progress | None = None) -> tuple[Session, lines.LinesRead]:
    """Parse a compressed archived log (needs the optional `zstandard` module)."""
    session = new_session(path)
    parser = CodexParser(session)
    read = lines.feed_compressed(path, parser.feed, progress)
    _finish(session, read)
    return session, read


def read_g0(path: Path) -> Session | None:
    """Parse one TypeScript-era `.json` file on its own (no de-duplication against others)."""
    snap = codex_legacy.read_snapshot(path)
    if snap is None:
        return None
    session = new_session(path)
    codex_legacy.parse_snapshot(snap._replace(first_saved=snap.saved), session)
    return session


def read_g0_all(paths: list[Path]) -> dict[str, Session]:
    """Every G0 session, read from the longest snapshot of each (keyed by that file's path)."""
    snaps = [snap for snap in map(codex_legacy.read_snapshot, paths) if snap is not None]
    sessions: dict[str, Session] = {}
    for snap in codex_legacy.dedupe_snapshots(snaps):
        session = new_session(snap.path)
        codex_legacy.parse_snapshot(snap, session)
        sessions[str(snap.path)] = session
    return sessions


def read_file(path: Path) -> Session | None:
    """Any Codex log, read whole: `.jsonl`, `.jsonl.zst` or a G0 `.json`."""
    if path.name.endswith(".zst"):
        return read_zst(path)[0]
    if path.suffix == ".json":
        return read_g0(path)
    return read_jsonl(path)[0]


def _finish(session: Session, read: lines.LinesRead) -> None:
    session.stats.truncated_tail = read.truncated_tail
    session.reader_state["offset"] = read.offset
