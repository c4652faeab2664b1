"""Writing many generated files at once, as a refresh after a rebase does (every fragment and
journal citing a rewritten commit).

Each file is replaced as `state.write_atomic` replaces one (a temp file in the same directory,
renamed over the old one, which keeps its mode), so a reader or a crash sees the old file or the
new one. What changes is when the data reaches the disk: all the temp files are flushed before
the first rename (one `syncfs` per file system on Linux, else an fsync per file) and each
directory is fsynced once after the last, instead of two fsyncs per file.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from journal import state


def write_all(files: Iterable[tuple[Path, str]]) -> list[Path]:
    """Write each `(path, text)`; the paths whose content changed (the others are not touched)."""
    staged: list[tuple[Path, Path]] = []  # (temp file, target)
    try:
        for path, text in files:
            tmp = state.temp_copy(path, text.encode("utf-8"), sync=False)
            if tmp is not None:
                staged.append((tmp, path))
        _flush([tmp for tmp, _path in staged])
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _path in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    for folder in sorted({path.parent for _tmp, path in staged}):
        state.fsync_dir(folder)
    return [path for _tmp, path in staged]


def _flush(files: list[Path]) -> None:
    """Get the data of `files` to the disk: one `syncfs` per file system they are on where the C
    library has it, an fsync of each file elsewhere (or when it fails)."""
    if not files:
        return
    syncfs = _syncfs()
    devices: dict[int, Path] = {}
    for path in files:
        devices.setdefault(path.stat().st_dev, path)
    if syncfs is not None and all(syncfs(path) for path in devices.values()):
        return
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _syncfs() -> _SyncFs | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.syncfs
    except (OSError, AttributeError):
        return None
    return _SyncFs(call)


class _SyncFs:
    def __init__(self, call: object) -> None:
        self.call = call

    def __call__(self, path: Path) -> bool:
        fd = os.open(path, os.O_RDONLY)
        try:
            return bool(self.call(fd) == 0)  # type: ignore[operator]
        finally:
            os.close(fd)
