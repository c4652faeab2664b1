"""Which sessions a refresh needs in full, chosen from their summaries (the session index).

A refresh rebuilds the fragments of this worktree's sessions that are behind their record, or that
a commit made since the last run may link to; and it links the commit being made, which only a
session active within the link window before it can be linked to. Everything here works on
`SessionSummary` values, so that choosing loads no session record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from journal.git import CommitInfo
from journal.sources.summary import SessionSummary

_SLACK = timedelta(seconds=1)  # git keeps whole seconds


def own_sessions(
    index: Mapping[str, SessionSummary],
    toplevel: Path,
    worktrees: Sequence[Path],
    *,
    any_worktree: bool = False,
) -> list[SessionSummary]:
    """Top-level sessions that started in this worktree, or with `any_worktree` in any worktree of
    the repository (sub-agent threads travel with their parent), by start time then id."""
    top = toplevel.resolve()
    roots = [top, *(w for w in worktrees if w != top)]
    own = [
        session
        for session in index.values()
        if not (session.parent_id and session.parent_id in index)
        and (where := _worktree_of(session.cwd, roots)) is not None
        and (any_worktree or where == top)
    ]
    return sorted(own, key=lambda s: (s.started or "", s.id))


def to_refresh(
    own: Iterable[SessionSummary],
    built: Mapping[str, str],
    new_commits: Sequence[CommitInfo],
    window_minutes: int,
) -> list[SessionSummary]:
    """Sessions whose fragment is behind their record (`built` maps ids to the version a fragment
    was built from), or that were active close enough to a new commit to be linked to it."""
    near = {s.id for s in active_near(own, [c.committed for c in new_commits], window_minutes)}
    return [s for s in own if built.get(s.id) != s.version or s.id in near]


def active_near(
    own: Iterable[SessionSummary], stamps: Sequence[str], window_minutes: int
) -> list[SessionSummary]:
    """Sessions active within the link window before one of the commit times `stamps`."""
    window = timedelta(minutes=window_minutes)
    spans = [(when(stamp) - window, when(stamp) + _SLACK) for stamp in stamps]
    return [s for s in own if _active_within(s, spans)]


def near_commit(
    own: Iterable[SessionSummary], commit: CommitInfo, window_minutes: int
) -> list[SessionSummary]:
    """Sessions with events that may lie in the commit's link window: no other one can be linked
    to it but by announcing it, which a commit not yet made cannot be. A time that cannot be
    read keeps the session (linking decides)."""
    try:
        at = when(commit.committed)
    except ValueError:
        return list(own)
    low, high = at - timedelta(minutes=window_minutes), at + _SLACK
    return [s for s in own if _events_overlap(s, low, high)]


def with_subagents(sessions: Iterable[SessionSummary]) -> list[str]:
    """The ids of `sessions` and of their sub-agent threads."""
    chosen = list(sessions)
    return [s.id for s in chosen] + [child for s in chosen for child in s.subagents]


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _active_within(session: SessionSummary, spans: list[tuple[datetime, datetime]]) -> bool:
    if not spans or not session.ended:
        return False
    first, last = when(session.started or session.ended), when(session.ended)
    return any(first <= end and last >= start for start, end in spans)


def _events_overlap(session: SessionSummary, low: datetime, high: datetime) -> bool:
    if session.first_event is None or session.last_event is None:
        return False
    try:
        return when(session.first_event) <= high and when(session.last_event) >= low
    except ValueError:
        return True


def _worktree_of(cwd: str | None, roots: list[Path]) -> Path | None:
    if not cwd:
        return None
    real = Path(cwd).resolve()
    matches = [root for root in roots if real == root or root in real.parents]
    return max(matches, key=lambda p: len(p.parts)) if matches else None
