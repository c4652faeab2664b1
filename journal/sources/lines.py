"""Streaming the complete lines of a log file, from a byte offset, without loading it whole.

A live Codex file may end in a line that is still being written. That tail is not consumed: the
returned offset stops before it, so the next run starts there and sees the whole line.

Memory stays bounded whatever the file holds: a line longer than `MAX_LINE` is never held whole. It
is read past in `BUFFER`-sized pieces and handed on as `OVERLONG`, a line that is not JSON, so the
parsers count it as malformed like any other line they cannot read.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

PROGRESS_EVERY = 1 << 20
BUFFER = 1 << 20  # lines run to tens of KB: the default 8 KB buffer makes readline 3-4x slower
MAX_LINE = 8 << 20  # Codex cuts tool output short; a long pasted prompt runs to a few hundred KB
OVERLONG = b"\x00 a line over the size limit, skipped\n"


class LinesRead(NamedTuple):
    offset: int  # just past the last complete line consumed
    seen: int  # bytes of the file seen, including an unterminated tail
    truncated_tail: bool


def feed_lines(
    path: Path,
    offset: int,
    feed: Callable[[bytes], None],
    progress: Callable[[int], None] | None = None,
) -> LinesRead:
    """Pass every newline-terminated line from `offset` on to `feed`."""
    with path.open("rb", buffering=BUFFER) as handle:
        handle.seek(offset)
        return _feed(handle, offset, feed, progress, keep_tail=False)


def feed_compressed(
    path: Path, feed: Callable[[bytes], None], progress: Callable[[int], None] | None = None
) -> LinesRead:
    """Every line of a `.zst` file (archived, so complete: a last line without newline counts)."""
    import zstandard

    with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as stream:
        return _feed(io.BufferedReader(stream, BUFFER), 0, feed, progress, keep_tail=True)


def zstd_available() -> bool:
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return False
    return True


def _feed(
    handle: IO[bytes],
    offset: int,
    feed: Callable[[bytes], None],
    progress: Callable[[int], None] | None,
    keep_tail: bool,
) -> LinesRead:
    position, reported = offset, offset
    for line, size in bounded_lines(handle):
        if not line.endswith(b"\n"):
            if keep_tail:
                feed(line)
                position += size
                break
            return LinesRead(position, position + size, truncated_tail=bool(line.strip()))
        feed(line)
        position += size
        if progress is not None and position - reported >= PROGRESS_EVERY:
            progress(position - reported)
            reported = position
    if progress is not None and position > reported:
        progress(position - reported)
    return LinesRead(position, position, truncated_tail=False)


def bounded_lines(handle: IO[bytes], limit: int = MAX_LINE) -> Iterator[tuple[bytes, int]]:
    """(line, its size in the file) for every line; a line over `limit` bytes comes as
    `OVERLONG` (newline-terminated when it was), never read into memory whole."""
    while True:
        line = handle.readline(limit)
        if not line:
            return
        if len(line) < limit or line.endswith(b"\n"):
            yield line, len(line)
            continue
        size, ended = len(line), False
        while not ended:
            piece = handle.readline(BUFFER)
            size += len(piece)
            ended = not piece or piece.endswith(b"\n")
        terminated = size > 0 and piece.endswith(b"\n")
        yield (OVERLONG if terminated else OVERLONG.rstrip(b"\n")), size
