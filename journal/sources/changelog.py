"""An append-only change log beside a state file, so a run writes what changed, not everything.

The state file (the base) is rewritten whole only when the log is compacted into it. Both carry a
generation token: the log's first line names the base it continues, so a log left behind by a
crash during compaction, or by an older version of the tool that rewrote the base without knowing
of the log, is ignored instead of replayed onto a base it does not belong to.

Lines are JSON objects, one per change, replayed in order. A line torn by a crash mid-write (or a
tail of zeros after a power loss) ends the replay; the next append cuts it off first, so a later
line is never glued to it. Writers hold the state lock. Appends are not fsynced: this is local
state whose loss only costs reading agent logs again, and every reader checks it against the
records it describes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

# Compact when the log outgrows half its base (or the minimum): every load replays the log, so
# it is kept small next to the base, and a rewrite comes only every few hundred runs.
COMPACT_MIN_BYTES = 16 << 10
COMPACT_FACTOR = 0.5


@dataclass
class Replay:
    """The log as read: its entries, how many bytes of it were whole lines, and whether it
    belongs to the base it was read with (absent counts as belonging: nothing to replay)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    valid_bytes: int = 0
    size: int = 0
    belongs: bool = True


def new_generation() -> str:
    return os.urandom(8).hex()


def read(path: Path, generation: str | None) -> Replay:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Replay()
    if not raw:
        return Replay()
    replay = Replay(size=len(raw))
    header, newline, rest = raw.partition(b"\n")
    if generation is None or not newline or not _is_header(header, generation):
        replay.belongs = False
        return replay
    offset = len(header) + 1
    for line in rest.split(b"\n")[:-1]:  # the part after the last newline is torn (or empty)
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            break
        if not isinstance(entry, dict):
            break
        replay.entries.append(entry)
        offset += len(line) + 1
    replay.valid_bytes = offset
    return replay


def tail(path: Path, generation: str) -> Replay:
    """The log as `read` would leave it for appending, without parsing its entries: its header
    and where its last whole line ends (for a run that only adds to it)."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            header = handle.readline(256)
            if not header.endswith(b"\n") or not _is_header(header[:-1], generation):
                return Replay(size=size, belongs=not size)
            end = size
            while end > len(header):  # back to the last newline, a block at a time
                start = max(len(header), end - 65536)
                handle.seek(start)
                found = handle.read(end - start).rfind(b"\n")
                if found >= 0:
                    return Replay(valid_bytes=start + found + 1, size=size)
                end = start
    except FileNotFoundError:
        return Replay()
    return Replay(valid_bytes=len(header), size=size)


def append(path: Path, generation: str, replay: Replay, entries: list[dict[str, Any]]) -> int:
    """Add `entries` after the whole lines of `replay` (which must belong); the log's new size."""
    assert replay.belongs, "appending to a log of another base"
    data = b"".join(orjson.dumps(entry) + b"\n" for entry in entries)
    if replay.valid_bytes == 0:
        data = orjson.dumps({"generation": generation}) + b"\n" + data
    with path.open("ab") as handle:
        if replay.size != replay.valid_bytes:
            handle.truncate(replay.valid_bytes)  # a torn line: cut before adding to it
        handle.write(data)
    replay.valid_bytes += len(data)
    replay.size = replay.valid_bytes
    return replay.valid_bytes


def due(replay: Replay, base_bytes: int) -> bool:
    """Whether the log should be folded into its base: it does not belong, or it grew too big."""
    return not replay.belongs or replay.size > max(COMPACT_MIN_BYTES, COMPACT_FACTOR * base_bytes)


def reset(path: Path, replay: Replay) -> None:
    """After the base was rewritten (with a new generation): the log starts again, empty."""
    path.unlink(missing_ok=True)
    replay.entries, replay.valid_bytes, replay.size, replay.belongs = [], 0, 0, True


def _is_header(line: bytes, generation: str) -> bool:
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(doc, dict) and doc.get("generation") == generation
