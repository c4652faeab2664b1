"""Where state lives and how it is written: atomically, deterministically, under one lock.

Committed state (`.ai-journal/…`, `docs/ai-journal/…`) and local state (`<git-common-dir>/ai-journal/`,
shared by every worktree, never committed, rebuildable) both go through `write_atomic`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from journal.errors import StateCorrupt

LOCAL_DIRNAME = "ai-journal"
COMMITTED_DIRNAME = ".ai-journal"
SCHEMA_VERSION = 1
LOCK_TIMEOUT_S = 10.0


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


def write_atomic(path: Path, text: str) -> bool:
    """Write `text` to `path` via a temp file, fsync and rename; False when the content was already there."""
    import tempfile

    data = text.encode("utf-8")
    with contextlib.suppress(FileNotFoundError):
        if path.read_bytes() == data:
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


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
def locked(local: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the one lock that serialises every writer of local and committed state."""
    from filelock import FileLock

    with FileLock(str(local / "lock"), timeout=timeout):
        yield
