"""The branch rules on top of `link`: which links count in a view (one worktree on one branch),
and where a session's fragment belongs. `link` judges the evidence; this module decides where it
applies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal import events, git, link, state
from journal.sources.model import Session


@dataclass(frozen=True)
class View:
    paths: git.RepoPaths
    worktrees: list[Path]
    branch: str | None
    window_minutes: int
    fragment_dir: Path


def links(view: View, sessions: list[Session], commits: list[git.CommitInfo]) -> list[link.Link]:
    places = commit_places(view.paths.common_dir)
    found = link.link(
        sessions,
        commits,
        toplevel=view.paths.toplevel,
        worktrees=view.worktrees,
        commit_worktrees={sha: where for sha, (where, _) in places.items()},
        window_minutes=view.window_minutes,
    )
    started_on = {s.id: s.git_branch for s in sessions}
    return [
        lk for lk in found if lk.strength != "time" or _same_branch(view, lk, started_on, places)
    ]


def belongs_here(
    view: View, session: Session, commits: list[dict[str, Any]], on_head: set[str]
) -> bool:
    """A session's fragment goes to the branch it started on, to any branch that contains one of
    its commits, and wherever it already is; work on a sibling branch stays out of this one."""
    if not session.git_branch or session.git_branch == view.branch:
        return True
    if any(c["sha"] in on_head for c in commits):
        return True
    return any(view.fragment_dir.glob(f"*_{session.id8}.json"))


def commit_places(common_dir: Path) -> dict[str, tuple[Path, str | None]]:
    """Where each commit was made (worktree, branch), as the post-commit hook recorded it."""
    log = events.load(state.local_dir(common_dir))
    return {
        e["sha"]: (Path(e["worktree"]), e.get("branch"))
        for e in log.events
        if e["hook"] == "post-commit" and e.get("sha") and e.get("worktree")
    }


def _same_branch(
    view: View,
    lk: link.Link,
    started_on: dict[str, str | None],
    places: dict[str, tuple[Path, str | None]],
) -> bool:
    """Being active nearby is weak evidence: it counts only on the branch the session worked on."""
    session_branch = started_on.get(lk.session_id)
    pending_branch = None if lk.sha else view.branch  # the pending commit is made here
    commit_branch = places[lk.sha][1] if lk.sha in places else pending_branch
    return not session_branch or not commit_branch or session_branch == commit_branch
