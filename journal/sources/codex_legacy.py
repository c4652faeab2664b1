"""Codex logs from before the envelope format.

G1/G1b (May–early Sep 2025): `.jsonl` with a bare session header `{"id", "timestamp", "git"?,
"cwd"?}`, bare response items and `{"record_type": "state"}` markers; no per-line times, so every
event gets the session's start time. Pitfall: G1 wrote *local* wall-clock time with a literal `Z`.
The file name also carries local wall-clock time, so when the header's clock reads the same as the
name's, the header is local time and is converted with the machine's zone; otherwise it is UTC.

G0 (the TypeScript CLI, Apr–May 2025): one pretty-printed `{"session": {...}, "items": [...]}` per
`.json` file. Its earliest version wrote a new file on every save, so one session can leave several
files that are growing snapshots; `dedupe_snapshots` keeps only the longest of each chain.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from journal.sources import stamps
from journal.sources.model import Session

if TYPE_CHECKING:
    from journal.sources.codex import CodexParser

_NAME_CLOCK = re.compile(r"rollout-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)")


def bare_meta(parser: CodexParser, record: dict[str, Any]) -> None:
    """A G1/G1b session header: the meta of a file without envelopes."""
    session = parser.s
    session.format = "g1"
    payload = dict(record)
    stamp = record.get("timestamp")
    started = _header_time(stamp, session.source_path) if isinstance(stamp, str) else None
    payload["timestamp"] = started or stamps.normalize(stamp)
    parser.meta(payload, payload["timestamp"] or "")
    if session.started and (session.ended is None or session.started > session.ended):
        session.ended = session.started


def _header_time(stamp: str, source_path: str) -> str | None:
    named = _NAME_CLOCK.search(Path(source_path).name)
    wall = stamp.strip().removesuffix("Z")[:19].replace(":", "-")
    if named and named.group(1) == wall:
        return stamps.local_wall_clock_to_utc(stamp)
    return stamps.normalize(stamp)


class Snapshot(NamedTuple):
    """One parsed G0 file."""

    path: Path
    header: dict[str, Any]
    items: list[Any]
    prefix_digests: list[bytes]  # digest of items[:k+1] for every k
    saved: str | None  # `session.timestamp`: written at every save, so the time of this snapshot
    first_saved: str | None = None  # the earliest snapshot of its chain (set by dedupe)


def read_snapshot(path: Path) -> Snapshot | None:
    """A G0 file, or None when it is not one (not JSON, or not `{session, items}`)."""
    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return None
    header = doc.get("session")
    header = header if isinstance(header, dict) else {}
    running = hashlib.sha1(usedforsecurity=False)
    digests = []
    for item in doc["items"]:
        running.update(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))
        digests.append(running.digest())
    saved = stamps.normalize(header.get("timestamp"))
    return Snapshot(path, header, doc["items"], digests, saved)


def dedupe_snapshots(snapshots: list[Snapshot]) -> list[Snapshot]:
    """Keep the longest snapshot of each chain: a snapshot whose items are a prefix of a longer
    one saved no earlier is an earlier save of the same session."""
    ordered = sorted(snapshots, key=lambda s: (-len(s.items), str(s.path)))
    kept: list[Snapshot] = []
    for snap in ordered:
        owner = next((i for i, k in enumerate(kept) if _extends(k, snap)), None)
        if owner is None:
            kept.append(snap._replace(first_saved=snap.saved))
        elif snap.saved and (kept[owner].first_saved or "~") > snap.saved:
            kept[owner] = kept[owner]._replace(first_saved=snap.saved)
    return sorted(kept, key=lambda s: str(s.path))


def _extends(longer: Snapshot, shorter: Snapshot) -> bool:
    n = len(shorter.items)
    if n == 0 or n > len(longer.items):
        return n == 0 and bool(longer.items) and _saved_in_order(shorter, longer)
    same_prefix = longer.prefix_digests[n - 1] == shorter.prefix_digests[-1]
    return same_prefix and _saved_in_order(shorter, longer)


def _saved_in_order(earlier: Snapshot, later: Snapshot) -> bool:
    return not earlier.saved or not later.saved or earlier.saved <= later.saved


def parse_snapshot(snap: Snapshot, session: Session) -> None:
    """Feed a G0 file into a fresh session. Its only clock is the save time: the chain's first save
    stands for the start, the last for the end, and every event gets the start."""
    from journal.sources.codex import CodexParser

    session.format = "g0"
    parser = CodexParser(session)
    header = dict(snap.header)
    header.setdefault("id", session.id)
    header["timestamp"] = snap.first_saved or snap.saved
    parser.meta(header, snap.first_saved or snap.saved or "")
    session.ended = max(filter(None, [session.started, snap.saved]), default=None)
    session.stats.lines = len(snap.items) + 1
    for raw in snap.items:
        item = raw
        if isinstance(raw, dict) and "type" not in raw and "role" in raw:
            item = {**raw, "type": "message"}  # chat-completions style items of some builds
        if isinstance(item, dict) and isinstance(item.get("type"), str):
            parser.item(item, session.started or "")
        else:
            session.stats.malformed += 1
