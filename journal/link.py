"""Session ↔ commit attribution: for every commit, the sessions behind it, each with a strength.

- **explicit**: a `git commit`, `merge`, `cherry-pick` or `revert` the session ran printed the commit
  being made (`[main 1a2b3c4] subject`, `[main (root-commit) 1a2b3c4]`, `[detached HEAD 1a2b3c4]`;
  the short SHA, 7 hex or more, is a prefix of the commit's), or the session works in the commit's
  worktree and patched every file the commit changes, at least one of them inside the window;
- **files**: the session patched at least one file the commit changes, inside the window;
- **time**: the session was active in the commit's worktree inside the window.

The window runs from `window_minutes` before the commit's committer time up to that time (plus one
second: git keeps whole seconds). A patch counts for a file only while no other known commit of the
same worktree has changed that file since, so an early edit is not credited to every later commit
of the file. Paths are compared as real (symlink-resolved) paths, split into worktree + repo path.

Decisions:
- Each commit keeps only its strongest class, with every session of that class: once a session is
  known to have written or announced a commit, sessions that were merely active nearby are noise.
- Activity after a commit never links to it; only an announcement can (the output was printed
  while the commit was made, e.g. by a session resumed later to amend it).
- A merge links by announcement or time only: its files are its first-parent diff, which is the
  work of the merged commits.
- A sub-agent thread links through its own evidence, like any session; nothing is inherited from
  or passed to its parent (a parent's fragment lists its sub-agents).
- A pending commit (sha "") links like any other, except that nothing can announce it.
"""

from __future__ import annotations

import bisect
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, NamedTuple

from journal.git import CommitInfo
from journal.sources.model import Session

Strength = Literal["explicit", "files", "time"]
RANK: dict[Strength, int] = {"explicit": 0, "files": 1, "time": 2}
_SLACK_SECONDS = 1.0
_COMMIT_COMMAND = re.compile(
    r"\bgit(?:\s+(?:-[Cc]\s+\S+|--?[\w-]+(?:=\S+)?))*\s+(?:commit|merge|cherry-pick|revert)\b"
)
_ANNOUNCEMENT = re.compile(
    r"^\s*\[(?:detached HEAD|[^\s\[\]]+)(?: \(root-commit\))? ([0-9a-f]{7,40})\] ?(.*)$",
    re.MULTILINE,
)


class Link(NamedTuple):
    sha: str  # "" for the pending commit
    patch_id: str | None
    session_id: str
    strength: Strength
    reason: str  # one short line saying which evidence decided


@dataclass(frozen=True)
class _Evidence:
    session_id: str
    worktree: Path | None  # the worktree holding the session's cwd
    activity: tuple[float, ...]  # every event time, sorted
    patches: Mapping[tuple[Path, str], tuple[float, ...]]  # (worktree, repo path) → patch times
    announced: tuple[tuple[str, str], ...]  # (short sha, subject) printed by commit commands


def link(
    sessions: Sequence[Session],
    commits: Sequence[CommitInfo],
    *,
    toplevel: Path,
    worktrees: Sequence[Path],
    commit_worktrees: Mapping[str, Path] | None = None,
    window_minutes: int,
) -> list[Link]:
    """Every (commit, session) link, sorted by sha then session id; see the module docstring."""
    homes = {sha: _real(path) for sha, path in (commit_worktrees or {}).items()}
    top = _real(toplevel)
    roots = sorted({top, *map(_real, worktrees), *homes.values()})
    evidence = [_evidence(session, roots) for session in sessions]
    announced = _announcements(evidence, commits)
    touches = _touch_times(commits, homes, top)
    found: dict[tuple[str, str], Link] = {}
    for commit in commits:
        worktree = homes.get(commit.sha, top)
        for item in evidence:
            verdict = _judge(item, commit, worktree, window_minutes, announced, touches)
            if verdict is None:
                continue
            candidate = Link(commit.sha, commit.patch_id, item.session_id, *verdict)
            key = (commit.sha, item.session_id)
            if key not in found or _order(candidate) < _order(found[key]):
                found[key] = candidate
    strongest: dict[str, int] = {}
    for candidate in found.values():
        rank = RANK[candidate.strength]
        strongest[candidate.sha] = min(rank, strongest.get(candidate.sha, rank))
    kept = [lk for lk in found.values() if RANK[lk.strength] == strongest[lk.sha]]
    return sorted(kept, key=_order)


def links_by_session(links: Iterable[Link]) -> dict[str, list[dict[str, str | None]]]:
    """Session id → the fragment's `commits` entries, sorted by sha (a pending commit has sha "")."""
    grouped: dict[str, list[dict[str, str | None]]] = defaultdict(list)
    for lk in sorted(links, key=_order):
        grouped[lk.session_id].append(
            {"sha": lk.sha, "patch_id": lk.patch_id, "strength": lk.strength}
        )
    return dict(grouped)


def links_by_commit(links: Iterable[Link]) -> dict[str, list[Link]]:
    """Commit sha → its links, sorted by session id."""
    grouped: dict[str, list[Link]] = defaultdict(list)
    for lk in sorted(links, key=lambda lk: (lk.session_id, *_order(lk))):
        grouped[lk.sha].append(lk)
    return dict(grouped)


def _order(lk: Link) -> tuple[str, str, int, str, str]:
    return (lk.sha, lk.session_id, RANK[lk.strength], lk.patch_id or "", lk.reason)


# --- evidence ------------------------------------------------------------------------------------


def _evidence(session: Session, roots: Sequence[Path]) -> _Evidence:
    home = session.cwd or next((c.workdir for c in session.tool_calls if c.workdir), None)
    located = _locate(roots, home, ".") if home else None
    patches: dict[tuple[Path, str], list[float]] = defaultdict(list)
    announced: list[tuple[str, str]] = []
    for call in session.tool_calls:
        if call.kind == "patch" and call.exit_code in (None, 0):
            at = _epoch(call.finished or call.started)
            names = [n for change in call.files for n in (change.path, change.move_to) if n]
            for name in names:
                spot = _locate(roots, call.workdir or session.cwd, name)
                if spot is not None and at is not None:
                    patches[spot].append(at)
        elif call.kind == "shell" and _COMMIT_COMMAND.search(call.command or ""):
            announced += [(m[1], m[2].strip()) for m in _ANNOUNCEMENT.finditer(call.output or "")]
    stamps = (_epoch(ts) for ts in session.timestamps())
    return _Evidence(
        session_id=session.id,
        worktree=located[0] if located else None,
        activity=tuple(sorted(t for t in stamps if t is not None)),
        patches={spot: tuple(sorted(times)) for spot, times in patches.items()},
        announced=tuple(announced),
    )


def _announcements(
    evidence: Sequence[_Evidence], commits: Sequence[CommitInfo]
) -> dict[str, set[str]]:
    """sha → ids of the sessions whose output announced it. An abbreviation shared by several
    commits is narrowed by the subject printed next to it."""
    subjects = {c.sha: c.subject for c in commits if c.sha}
    result: dict[str, set[str]] = defaultdict(set)
    for item in evidence:
        for short, subject in item.announced:
            matches = [sha for sha in sorted(subjects) if sha.startswith(short)]
            if len(matches) > 1:
                matches = [sha for sha in matches if subjects[sha] == subject] or matches
            for sha in matches:
                result[sha].add(item.session_id)
    return result


def _touch_times(
    commits: Sequence[CommitInfo], homes: Mapping[str, Path], top: Path
) -> dict[tuple[Path, str], list[float]]:
    """(worktree, path) → committer times of the non-merge commits that changed it, sorted."""
    touches: dict[tuple[Path, str], list[float]] = defaultdict(list)
    for commit in commits:
        at = _epoch(commit.committed)
        if at is None or len(commit.parents) > 1:
            continue
        for path in _paths(commit):
            touches[(homes.get(commit.sha, top), path)].append(at)
    return {key: sorted(times) for key, times in touches.items()}


# --- judgement -----------------------------------------------------------------------------------


def _judge(
    item: _Evidence,
    commit: CommitInfo,
    worktree: Path,
    window_minutes: int,
    announced: Mapping[str, set[str]],
    touches: Mapping[tuple[Path, str], list[float]],
) -> tuple[Strength, str] | None:
    if commit.sha and item.session_id in announced.get(commit.sha, ()):
        return "explicit", f"its git output shows {commit.sha[:7]} being made"
    at = _epoch(commit.committed)
    if at is None:
        return None
    low, high = at - window_minutes * 60, at + _SLACK_SECONDS
    last = _last_at_or_before(item.activity, high)
    if last is None or last < low:
        return None
    if len(commit.parents) <= 1 and commit.files:
        patched = _fresh_patches(item, commit, worktree, at, high, touches)
        recent = sorted(path for path, when in patched.items() if when >= low)
        if recent:
            changed = {f.path for f in commit.files}
            if item.worktree == worktree and changed <= patched.keys():
                return "explicit", f"patched every file it changes ({len(changed)})"
            return "files", "patched " + _names(recent)
    if item.worktree == worktree:
        minutes = max(0, round((at - last) / 60))
        return "time", f"active in its worktree {minutes} min before it"
    return None


def _fresh_patches(
    item: _Evidence,
    commit: CommitInfo,
    worktree: Path,
    at: float,
    high: float,
    touches: Mapping[tuple[Path, str], list[float]],
) -> dict[str, float]:
    """Path → the session's latest patch of it that this commit can still contain."""
    fresh: dict[str, float] = {}
    for path in _paths(commit):
        latest = _last_at_or_before(item.patches.get((worktree, path), ()), high)
        if latest is None:
            continue
        times = touches.get((worktree, path), [])
        earlier = times[: bisect.bisect_left(times, at)]  # other commits of this file before it
        if not earlier or latest > earlier[-1]:
            fresh[path] = latest
    return fresh


def _last_at_or_before(times: Sequence[float], limit: float) -> float | None:
    index = bisect.bisect_right(times, limit)
    return times[index - 1] if index else None


def _paths(commit: CommitInfo) -> set[str]:
    return {f.path for f in commit.files} | {f.old_path for f in commit.files if f.old_path}


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:3])
    return f"{shown} and {len(paths) - 3} more" if len(paths) > 3 else shown


# --- paths and times -----------------------------------------------------------------------------


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def _locate(roots: Sequence[Path], base: str | None, name: str) -> tuple[Path, str] | None:
    """(worktree, repo-relative path) of `name` read from `base`; None outside every worktree."""
    if not os.path.isabs(name) and base is None:
        return None
    real = _real(os.path.join(base or "", name))
    inside = [root for root in roots if real == root or root in real.parents]
    if not inside:
        return None
    root = max(inside, key=lambda r: len(r.parts))
    return root, real.relative_to(root).as_posix()


def _epoch(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
