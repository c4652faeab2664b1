"""Checkpoints: what the pipeline last saw and built, per view (one worktree on one branch).

Fragments live in the work tree, so each branch of each worktree has its own copy of them. A
checkpoint remembers, for its view, the commits known at the last run (to find commits made since)
and the version of each session record its fragment was built from (to find fragments that are
behind, e.g. after work on another branch moved a session on).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import state
from journal.errors import StateCorrupt

CHECKPOINTS_FILE = "checkpoints.json"


@dataclass
class Checkpoint:
    tips: list[str] | None = None  # None: the pipeline never ran in this view
    built: dict[str, str] = field(default_factory=dict)  # session id -> its summary's version
    ran_at: float | None = None
    head: str | None = (
        None  # HEAD at the last run: a later HEAD that does not descend from it diverged
    )
    maps: int = 0  # rewrite maps (journal.rewrite store) already applied in this view


def view_key(toplevel: Path, branch: str | None) -> str:
    return f"{toplevel}@{branch or 'HEAD'}"


def _views(local: Path) -> dict[str, Any]:
    """Every view's checkpoint. The file is written without fsync: the fragments and journals
    it describes are synced before it, so a crash leaves it behind them (the next run redoes
    that work) or torn, which reads as the first run of every view (no data lost: it is rebuilt)."""
    try:
        views = state.read_json(local / CHECKPOINTS_FILE, default={})
    except StateCorrupt:
        return {}
    return views if isinstance(views, dict) else {}


def load(local: Path, key: str) -> Checkpoint:
    raw = _views(local).get(key)
    if not isinstance(raw, dict):
        return Checkpoint()
    return Checkpoint(
        raw.get("tips"),
        dict(raw.get("built") or {}),
        raw.get("ran_at"),
        raw.get("head"),
        int(raw.get("maps") or 0),
    )


def save(local: Path, key: str, checkpoint: Checkpoint) -> None:
    views = _views(local)
    checkpoint.ran_at = time.time()
    views[key] = {
        "tips": checkpoint.tips,
        "built": checkpoint.built,
        "ran_at": checkpoint.ran_at,
        "head": checkpoint.head,
        "maps": checkpoint.maps,
    }
    state.write_atomic(local / CHECKPOINTS_FILE, state.dumps_canonical(views), durable=False)


def last_run(local: Path) -> float | None:
    views = _views(local)
    stamps = [v["ran_at"] for v in views.values() if isinstance(v, dict) and v.get("ran_at")]
    return max(stamps, default=None)
