"""Where state lives and how it is written: atomically, deterministically, under one lock.

Committed state (`.ai-journal/…`, `docs/ai-journal/…`) and local state (`<git-common-dir>/ai-journal/`,
shared by every worktree, never committed, rebuildable) both go through `write_atomic`: a reader, or
a process killed half-way, sees the old file or the new one, never a mix.

The lock (`<git-common-dir>/ai-journal/lock`, an `flock` the kernel drops with its holder) is waited
for `LOCK_TIMEOUT_S` by commands; a hook runs inside `hook_lock_wait`, so that a busy lock never
holds up git for long (`LockBusy` then tells the hook to leave its work to the next run).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from journal.errors import JournalError, StateCorrupt

LOCAL_DIRNAME = "ai-journal"
COMMITTED_DIRNAME = ".ai-journal"
SCHEMA_VERSION = 1
LOCK_TIMEOUT_S = 10.0
HOOK_LOCK_TIMEOUT_S = 2.0
HOOK_LOCK_TIMEOUT_ENV = "AI_JOURNAL_HOOK_LOCK_TIMEOUT"
_lock_wait = LOCK_TIMEOUT_S


class LockBusy(TimeoutError, JournalError):
    """Another run held the state lock for longer than this process was willing to wait."""

    def __init__(self, lock_file: str, waited: float) -> None:
        super().__init__(lock_file)
        self.lock_file, self.waited = lock_file, waited

    def __str__(self) -> str:
        return (
            f"another ai-journal run holds {self.lock_file} (waited {self.waited:g} s); "
            "run the command again when it has finished"
        )


def local_dir(common_dir: Path) -> Path:
    path = common_dir / LOCAL_DIRNAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def dumps_canonical(data: Any) -> str:
    """Deterministic JSON: sorted keys, 2-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def digest(data: Any) -> str:
    """A content hash of `data` without its own `digest` key (detects hand edits of what we wrote)."""
    import hashlib

    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "digest"}
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:16]


def write_atomic(path: Path, text: str | bytes, *, durable: bool = True) -> bool:
    """Write `text` to `path` via a temp file, fsync and rename, then fsync the directory so the
    rename itself survives a crash; False when the content was already there. A new file gets
    the umask's permissions, a replaced one keeps its own.

    `durable=False` keeps the rename (readers still see the old file or the new one) but skips
    both fsyncs: for local caches that are rebuilt from other data when a crash loses or tears
    them, and whose loaders read a torn file as a missing one."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    tmp = temp_copy(path, data, sync=durable)
    if tmp is None:
        return False
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)
    return True


def temp_copy(path: Path, data: bytes, *, sync: bool) -> Path | None:
    """A temp file next to `path` holding `data` with `path`'s mode (the umask's for a new file),
    fsynced with `sync`, ready to be renamed over it; None when `path` already holds `data`."""
    try:
        if path.read_bytes() == data:
            return None
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def fsync_dir(folder: Path) -> None:
    """Make the entries of `folder` (a rename, a new file) durable; a no-op where directories
    cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the data itself is synced
    finally:
        os.close(fd)


def read_json(path: Path, default: Any = None) -> Any:
    """Parse a JSON file; a missing file gives `default`, a corrupt one a `StateCorrupt` with line:col."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default
    except UnicodeDecodeError as exc:
        raise StateCorrupt(str(path), 1, exc.start + 1, "not UTF-8 text") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateCorrupt(str(path), exc.lineno, exc.colno, exc.msg) from exc


@contextlib.contextmanager
def locked(local: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the one lock that serialises every writer of local and committed state; `LockBusy`
    when it cannot be had within `timeout` (default: `LOCK_TIMEOUT_S`, or a hook's bound)."""
    from filelock import FileLock, Timeout  # 50 ms to import: hooks that never lock skip it

    wait = _lock_wait if timeout is None else timeout
    lock = FileLock(str(local / "lock"), timeout=wait)
    try:
        lock.acquire()
    except Timeout as exc:
        raise LockBusy(str(local / "lock"), wait) from exc
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def hook_lock_wait(seconds: float | None = None) -> Iterator[float]:
    """Within this block, wait at most `seconds` for the lock (a hook's bound: `seconds`, else
    $AI_JOURNAL_HOOK_LOCK_TIMEOUT, else `HOOK_LOCK_TIMEOUT_S`); yields the bound chosen."""
    global _lock_wait
    if seconds is None:
        try:
            seconds = float(os.environ.get(HOOK_LOCK_TIMEOUT_ENV) or HOOK_LOCK_TIMEOUT_S)
        except ValueError:
            seconds = HOOK_LOCK_TIMEOUT_S
    previous, _lock_wait = _lock_wait, max(0.0, seconds)
    try:
        yield _lock_wait
    finally:
        _lock_wait = previous
