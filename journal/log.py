"""The local error log: `<git-common-dir>/ai-journal/log`, where hooks and commands put the traceback
behind a one-line message. It is rotated once it passes `MAX_BYTES`, keeping one older file."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

LOG_NAME = "log"
MAX_BYTES = 1_000_000


def log_path(local_dir: Path) -> Path:
    return local_dir / LOG_NAME


def record_exception(local_dir: Path, exc: BaseException) -> Path:
    """Append a timestamped traceback of `exc` to the local log and return the log's path."""
    path = log_path(local_dir)
    local_dir.mkdir(parents=True, exist_ok=True)
    _rotate_if_large(path)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = "".join(traceback.format_exception(exc))
    entry = f"--- {stamp} pid {os.getpid()}\n{text}"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, entry.encode("utf-8", errors="replace"))
    finally:
        os.close(fd)
    return path


def _rotate_if_large(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size > MAX_BYTES:
        os.replace(path, path.with_name(LOG_NAME + ".1"))
