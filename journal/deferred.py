"""Work a hook left to the next run because the state lock was busy.

The post-rewrite hook logs its event, classifies the rewrite (outside the lock: that runs git) and
stores the map under the lock. When the lock cannot be had within the hook's bound, the classified
map is written to `<git-common-dir>/ai-journal/deferred/<time>-<pid>-<random>.json` instead (one
atomic file per map, so concurrent hooks never collide) and the hook returns. Whoever takes the
lock next (the next post-rewrite hook, or a refresh: the pre-commit stage, `render`, `import`) stores the waiting
maps, oldest first, before anything else, and removes each file afterwards. Storing a map twice
changes nothing (`rewrite.record` keeps one copy), so a run killed between the two steps is
harmless.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from journal import rewrite, state
from journal.errors import StateCorrupt
from journal.rewrite import RewriteMap

DIRNAME = "deferred"


def defer(local: Path, rmap: RewriteMap) -> Path:
    """Leave `rmap` for the next run that holds the lock; the file written."""
    stamp = f"{time.time_ns():020d}-{os.getpid()}-{os.urandom(3).hex()}"
    path = local / DIRNAME / f"{stamp}.json"
    state.write_atomic(path, state.dumps_canonical(rewrite.to_json(rmap)))
    return path


def waiting(local: Path) -> list[Path]:
    """The deferred maps, oldest first."""
    folder = local / DIRNAME
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".json") and n[0] != ".")
    except FileNotFoundError:
        return []
    return [folder / name for name in names]


def apply(local: Path) -> list[str]:
    """Store every waiting map (the caller holds the lock); one line per map that changed
    history, and one per unreadable file (kept aside for a person to look at)."""
    files = waiting(local)
    if not files:
        return []
    maps, notices, done = rewrite.load(local), [], []
    for path in files:
        try:
            rmap = rewrite.from_json(state.read_json(path))
        except (StateCorrupt, AttributeError, KeyError, TypeError, ValueError) as exc:
            os.replace(path, path.with_suffix(".broken"))
            notices.append(f"ai-journal: {path.name}: a deferred rewrite cannot be read ({exc})")
            continue
        maps = rewrite.record(maps, rmap)
        done.append(path)
        if rmap.changed:
            notices.append(f"ai-journal: {rewrite.summary_line(rmap)} (deferred)")
    rewrite.save(local, maps)
    for path in done:
        path.unlink(missing_ok=True)
    return notices
