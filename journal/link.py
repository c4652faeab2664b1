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
    worktree: str | None  # real path of the worktree holding the session's cwd
    activity: tuple[float, ...]  # every event time, sorted
    patches: Mapping[tuple[str, str], tuple[float, ...]]  # (worktree, repo path) → patch times
    announced: tuple[tuple[str, str], ...]  # (short sha, subject) printed by commit commands


class _Target(NamedTuple):
    """A commit with what every judgement needs computed once."""

    commit: CommitInfo
    worktree: str  # real path
    at: float | None  # committer time
    paths: frozenset[str]  # changed paths, old paths of renames included
    changed: frozenset[str]  # changed paths as they are after the commit
    merge: bool


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
    targets = [_target(commit, homes.get(commit.sha, top)) for commit in commits]
    touches = _touch_times(targets)
    found: dict[tuple[str, str], Link] = {}
    for target in targets:
        sha = target.commit.sha
        for item in evidence:
            verdict = _judge(item, target, window_minutes, announced, touches)
            if verdict is None:
                continue
            candidate = Link(sha, target.commit.patch_id, item.session_id, *verdict)
            key = (sha, item.session_id)
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


def _evidence(session: Session, roots: Sequence[str]) -> _Evidence:
    home = session.cwd or next((c.workdir for c in session.tool_calls if c.workdir), None)
    located = _locate(roots, home, ".") if home else None
    patches: dict[tuple[str, str], list[float]] = defaultdict(list)
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
    shas = sorted(subjects)
    result: dict[str, set[str]] = defaultdict(set)
    for item in evidence:
        for short, subject in item.announced:
            matches = _with_prefix(shas, short)
            if len(matches) > 1:
                matches = [sha for sha in matches if subjects[sha] == subject] or matches
            for sha in matches:
                result[sha].add(item.session_id)
    return result


def _with_prefix(shas: Sequence[str], short: str) -> list[str]:
    """The entries of the sorted `shas` that start with `short`."""
    first = bisect.bisect_left(shas, short)
    last = bisect.bisect_right(shas, short + "g")  # "g" sorts after every hex digit
    return list(shas[first:last])


def _target(commit: CommitInfo, worktree: str) -> _Target:
    changed = frozenset(f.path for f in commit.files)
    old = frozenset(f.old_path for f in commit.files if f.old_path)
    merge = len(commit.parents) > 1
    return _Target(commit, worktree, _epoch(commit.committed), changed | old, changed, merge)


def _touch_times(targets: Sequence[_Target]) -> dict[tuple[str, str], list[float]]:
    """(worktree, path) → committer times of the non-merge commits that changed it, sorted."""
    touches: dict[tuple[str, str], list[float]] = defaultdict(list)
    for target in targets:
        if target.at is not None and not target.merge:
            for path in target.paths:
                touches[(target.worktree, path)].append(target.at)
    return {key: sorted(times) for key, times in touches.items()}


# --- judgement -----------------------------------------------------------------------------------


def _judge(
    item: _Evidence,
    target: _Target,
    window_minutes: int,
    announced: Mapping[str, set[str]],
    touches: Mapping[tuple[str, str], list[float]],
) -> tuple[Strength, str] | None:
    sha, at = target.commit.sha, target.at
    if sha and item.session_id in announced.get(sha, ()):
        return "explicit", f"its git output shows {sha[:7]} being made"
    if at is None:
        return None
    low, high = at - window_minutes * 60, at + _SLACK_SECONDS
    last = _last_at_or_before(item.activity, high)
    if last is None or last < low:
        return None
    same_worktree = item.worktree == target.worktree
    if not target.merge and target.changed:
        patched = _fresh_patches(item, target, high, touches)
        recent = sorted(path for path, when in patched.items() if when >= low)
        if recent and same_worktree and target.changed <= patched.keys():
            return "explicit", f"patched every file it changes ({len(target.changed)})"
        if recent:
            return "files", "patched " + _names(recent)
    if same_worktree:
        return "time", f"active in its worktree {max(0, round((at - last) / 60))} min before it"
    return None


def _fresh_patches(
    item: _Evidence,
    target: _Target,
    high: float,
    touches: Mapping[tuple[str, str], list[float]],
) -> dict[str, float]:
    """Path → the session's latest patch of it that this commit can still contain: one made after
    every other commit of that file before this one."""
    fresh: dict[str, float] = {}
    for path in target.paths:
        key = (target.worktree, path)
        latest = _last_at_or_before(item.patches.get(key, ()), high)
        if latest is None:
            continue
        times = touches.get(key, [])
        before = bisect.bisect_left(times, target.at or 0.0)
        if not before or latest > times[before - 1]:
            fresh[path] = latest
    return fresh


def _last_at_or_before(times: Sequence[float], limit: float) -> float | None:
    index = bisect.bisect_right(times, limit)
    return times[index - 1] if index else None


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:3])
    return f"{shown} and {len(paths) - 3} more" if len(paths) > 3 else shown


# --- paths and times -----------------------------------------------------------------------------


def _real(path: Path | str) -> str:
    return os.path.realpath(path)


def _locate(roots: Sequence[str], base: str | None, name: str) -> tuple[str, str] | None:
    """(worktree, repo-relative path) of `name` read from `base`; None outside every worktree."""
    if not os.path.isabs(name) and base is None:
        return None
    real = _real(os.path.join(base or "", name))
    inside = [root for root in roots if real == root or real.startswith(root.rstrip("/") + "/")]
    if not inside:
        return None
    root = max(inside, key=len)
    return root, Path(os.path.relpath(real, root)).as_posix()


def _epoch(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
