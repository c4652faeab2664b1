"""Rendering the journals of one refresh: which days get a journal, their context, the links
of the commit being made."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from journal import attribution, day, day_digest, fragment, git, pick, render, state
from journal.pipeline_types import Loader
from journal.run import FRAGMENT_DIR, Run, iso
from journal.sources.summary import SessionSummary


def write_days(
    run: Run,
    days: set[date],
    pending: git.CommitInfo | None,
    pending_links: list[dict[str, str]],
    *,
    force: bool = False,
) -> None:
    """Render `days`; a day whose inputs and journal file are as its last render left them is
    skipped (`day_digest`), unless `force`."""
    if not days:
        return
    fragments = fragment.load_all(run.paths.toplevel / FRAGMENT_DIR)
    local = state.local_dir(run.paths.common_dir)
    digests = day_digest.DayDigests.load(local, render.template_dirs(run.paths.toplevel))
    env = None
    # One `git log` and one pass over the fragments for every day: per day, each query walked
    # back from HEAD to that day, and each day looked at every fragment (quadratic over a year).
    by_day = DayIndex.of(run, _commits_since(run, min(days)), fragments)
    for when in sorted(days):
        context = context_of(run, when, fragments, pending, pending_links, by_day)
        path = journal_path(run, when)
        if not has_agent_work(context) and not path.exists():
            continue  # a day of human commits only gets no journal (and the hook no jinja2 import)
        run.result.days.append(when)
        inputs = digests.of_day(context)
        if not force and digests.fresh(path, inputs):
            continue
        env = env or render.environment(run.paths.toplevel, cache_dir=local / "template-cache")
        rendered = render.render_day(run.paths.toplevel, run.config, context, env)
        digests.record(rendered.path, inputs)
        if rendered.changed:
            run.result.written.append(rendered.path)
    digests.save()


def has_agent_work(context: dict[str, Any]) -> bool:
    """A session was active that day, a commit of that day (or the pending one) came from one, or
    a task changed that day."""
    commits = [*context["commits"], *([context["pending"]] if context["pending"] else [])]
    return bool(context["sessions"] or context["tasks"]) or any(c["sessions"] for c in commits)


class DayIndex(NamedTuple):
    """Commits by the local day of their author date, fragments by each day they cover."""

    commits: dict[date, list[git.CommitInfo]]
    fragments: dict[date, list[dict[str, Any]]]

    @classmethod
    def of(
        cls, run: Run, commits: list[git.CommitInfo], fragments: list[dict[str, Any]]
    ) -> DayIndex:
        by_commit: dict[date, list[git.CommitInfo]] = {}
        for commit in commits:
            by_commit.setdefault(day.commit_day(commit, run.tz), []).append(commit)
        by_fragment: dict[date, list[dict[str, Any]]] = {}
        for doc in fragments:
            for when in day.fragment_days(doc, run.tz):
                by_fragment.setdefault(when, []).append(doc)
        return cls(by_commit, by_fragment)


def _commits_since(run: Run, when: date) -> list[git.CommitInfo]:
    """HEAD's commits from the start of `when` on. A commit belongs to the day of its author
    date, which a rebase keeps while it moves the committer date later: select by committer date
    from the day's start, then filter by author day."""
    start = datetime.combine(when, datetime.min.time(), run.tz)
    return run.commits(rev="HEAD", since=iso(start))


def journal_path(run: Run, when: date) -> Path:
    return run.paths.toplevel / run.config.journal_dir / f"{when.isoformat()}.md"


def pending_links(
    run: Run,
    pending: git.CommitInfo | None,
    index: Mapping[str, SessionSummary],
    load: Loader,
) -> list[dict[str, str]]:
    """The links of the commit being made, from the sessions active within the link window
    before it: no other can be linked to it (nothing can announce a commit not yet made)."""
    if pending is None or not index:
        return []
    own = pick.own_sessions(index, run.paths.toplevel, run.worktrees)
    near = pick.near_commit(own, pending, run.config.link_window_minutes)
    sessions = load(s.id for s in near)
    links = attribution.links(
        run.view, [sessions[s.id] for s in near if s.id in sessions], [pending]
    )
    return [{"session_id": lk.session_id, "strength": lk.strength} for lk in links]


def context_of(
    run: Run,
    when: date,
    fragments: list[dict[str, Any]],
    pending: git.CommitInfo | None,
    pending_links: list[dict[str, str]],
    by_day: DayIndex | None = None,
) -> dict[str, Any]:
    """`by_day`: the commits and fragments of `when` (and of other days), when already sorted."""
    by_day = by_day or DayIndex.of(run, _commits_since(run, when), fragments)
    commits, on_day = by_day.commits.get(when, []), by_day.fragments.get(when, [])
    if pending is not None and day.commit_day(pending, run.tz) != when:
        pending, pending_links = None, []
    branch = run.branch
    return day.build_context(
        when,
        on_day,
        commits,
        config=run.config,
        web=run.web,
        pending=pending,
        pending_links=pending_links,
        branches=[branch] if branch and (commits or pending) else [],
        tasks=run.board.day_tasks(when, run.tz, run.web),
    )
