"""ingest → link → fragments → render (→ stage): the one path every writer of tracked files takes.

Runs under the state lock. Work is incremental: only sessions that changed, or that were active close
enough to the last run to be linked to a commit made since, are rebuilt; only days whose inputs moved
are re-rendered. `everything=True` rebuilds all of it (import, render --all). Sessions are chosen
from their summaries (the session index); a full record is loaded only for a session being rebuilt
(with its sub-agents) or active close enough to the pending commit to be linked to it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journal import (
    attribution,
    checkpoint,
    day,
    events,
    fragment,
    git,
    ingest,
    invocation,
    link,
    pick,
    project_state,
    remap,
    render,
    rewrite,
    rewrite_build,
    state,
    web,
)
from journal.config import Config
from journal.redact import Redactor
from journal.sources.model import Session
from journal.sources.summary import SessionSummary

FRAGMENT_DIR = Path(state.COMMITTED_DIRNAME) / "sessions"
Loader = Callable[[Iterable[str]], dict[str, Session]]  # ids -> the records of those that exist


@dataclass
class RefreshResult:
    written: list[Path] = field(default_factory=list)  # tracked files whose content changed
    staged: list[Path] = field(default_factory=list)
    days: list[date] = field(default_factory=list)
    sessions: int = 0  # fragments rebuilt
    notices: list[str] = field(default_factory=list)


@dataclass
class _Run:
    paths: git.RepoPaths
    config: Config
    tz: ZoneInfo
    worktrees: list[Path]
    head: git.Head
    result: RefreshResult = field(default_factory=RefreshResult)
    hidden: set[str] = field(default_factory=set)  # HEAD while it is being amended
    plan: remap.Plan | None = None  # every stored rewrite, composed
    restored: dict[str, dict[str, Any]] = field(default_factory=dict)  # fragments a reset took

    @classmethod
    def start(cls, paths: git.RepoPaths, config: Config) -> _Run:
        top = paths.toplevel
        return cls(paths, config, ZoneInfo(config.timezone), git.worktrees(top), git.head(top))

    @property
    def branch(self) -> str | None:
        return self.head.branch

    @functools.cached_property
    def view(self) -> attribution.View:
        window = self.config.link_window_minutes
        fragments = self.paths.toplevel / FRAGMENT_DIR
        return attribution.View(self.paths, self.worktrees, self.branch, window, fragments)

    @functools.cached_property
    def web(self) -> web.WebLinks | None:
        return web.web_links(git.origin_url(self.paths.toplevel), self.config.web_kind)

    def own_file(self, path: str) -> bool:
        """Files ai-journal itself writes: never evidence of an agent's work, never in diffstats."""
        return path.startswith(
            (f"{state.COMMITTED_DIRNAME}/", f"{self.config.journal_dir.strip('/')}/")
        )

    def commits(self, **query: Any) -> list[git.CommitInfo]:
        found = git.commits(self.paths.toplevel, **query)
        return [self.without_own_files(c) for c in found if c.sha not in self.hidden]

    def pending(self) -> git.CommitInfo:
        """The commit being made; an amend takes HEAD's parents and hides HEAD, which it replaces."""
        amend = bool(self.head.sha) and invocation.amending()
        if amend and self.head.sha:
            self.hidden.add(self.head.sha)
        return self.without_own_files(git.staged(self.paths.toplevel, amend=amend))

    def without_own_files(self, commit: git.CommitInfo) -> git.CommitInfo:
        return commit._replace(files=tuple(f for f in commit.files if not self.own_file(f.path)))


def refresh(
    paths: git.RepoPaths,
    config: Config,
    *,
    stage: bool,
    everything: bool = False,
    progress: ingest.Progress | None = None,
) -> RefreshResult:
    """Bring fragments and journals up to date; with `stage`, add what changed to the index."""
    run = _Run.start(paths, config)
    local = state.local_dir(paths.common_dir)
    with state.locked(local):
        key = checkpoint.view_key(paths.toplevel, run.branch)
        seen = checkpoint.Checkpoint() if everything else checkpoint.load(local, key)
        ingested = ingest.ingest(paths, config, progress=progress, worktrees=run.worktrees)
        run.result.notices += ingested.notices
        created = project_state.ensure(paths.toplevel, run.head.sha)
        run.result.written += [created] if created else []
        pending = run.pending() if stage else None
        new_commits = _new_commits(run, seen.tips)
        own = pick.own_sessions(ingested.index, paths.toplevel, run.worktrees)
        window = run.config.link_window_minutes
        chosen = pick.to_refresh(own, seen.built, new_commits, window)
        maps = _rewrites(run, seen, local)
        run.plan = remap.Plan.of(maps)
        days: set[date] = set()
        if len(maps) != seen.maps:  # new rewrites: what cites their old commits moves too
            chosen, days = _rewritten_citations(run, own, chosen, maps, seen.built)
            seen.maps = len(maps)
        days |= _write_fragments(run, chosen, ingested.load, seen)
        days |= {day.commit_day(c, run.tz) for c in new_commits}
        if pending is not None:
            days.add(day.commit_day(pending, run.tz))
        if everything:
            days |= _all_fragment_days(run)
        pending_links = _pending_links(run, pending, ingested.index, ingested.load)
        _render_days(run, days, pending, pending_links)
        if stage:
            git.stage(paths.toplevel, run.result.written)
            run.result.staged = list(run.result.written)
        seen.tips = git.tips(paths.toplevel, run.head.sha)
        seen.head = run.head.sha
        checkpoint.save(local, key, seen)
    return run.result


def render_days(paths: git.RepoPaths, config: Config, days: Iterable[date]) -> RefreshResult:
    """Re-render the given days from the fragments in the work tree (no ingest, nothing staged)."""
    run = _Run.start(paths, config)
    with state.locked(state.local_dir(paths.common_dir)):
        _render_days(run, set(days), None, [])
    return run.result


def day_context(
    paths: git.RepoPaths, config: Config, when: date, *, head_as_pending: bool = False
) -> dict[str, object]:
    """The template context of one day, as `render --context` prints it. With `head_as_pending`,
    HEAD is shown as the pending entry it was when its own pre-commit stage rendered the journal."""
    run = _Run.start(paths, config)
    fragments = fragment.load_all(paths.toplevel / FRAGMENT_DIR)
    head = run.commits(rev="HEAD", limit=1) if head_as_pending else []
    if not head:
        return _context(run, when, fragments, None, [])
    pending = head[0]._replace(sha="", subject="")
    sessions = ingest.cached(state.local_dir(paths.common_dir))
    links = _pending_links(run, pending, sessions.index, sessions.load)
    run.hidden.add(head[0].sha)
    return _context(run, when, fragments, pending, links)


# -- which sessions and days moved -------------------------------------------------------------


def _new_commits(run: _Run, known_tips: list[str] | None) -> list[git.CommitInfo]:
    """Commits that appeared since the view's last run (none on its first run)."""
    if known_tips is None:
        return []
    hidden = git.existing_commits(run.paths.toplevel, known_tips)
    return run.commits(rev="HEAD", all_branches=True, exclude=hidden)


def _all_fragment_days(run: _Run) -> set[date]:
    days: set[date] = set()
    for doc in fragment.load_all(run.paths.toplevel / FRAGMENT_DIR):
        days |= day.fragment_days(doc, run.tz)
    return days


# -- rewrites ----------------------------------------------------------------------------------


def _rewrites(run: _Run, seen: checkpoint.Checkpoint, local: Path) -> list[rewrite.RewriteMap]:
    """The stored rewrite maps, plus one read from the reflog when this view's HEAD moved away
    from where it was without a hook seeing it (reset, `branch -f`, `rebase --abort`, …)."""
    maps = rewrite.load(local)
    last, now, branch = _last_head(run, seen), run.head.sha, run.branch
    if not (last and now and branch) or any(m.get(last) for m in maps):
        return maps
    if not rewrite_build.diverged(run.paths.toplevel, last, now):
        return maps
    found = rewrite_build.from_reflog(run.paths.toplevel, branch, last)
    if found is None or not found.changed:
        return maps
    run.result.notices.append(
        f"ai-journal: {branch} moved without a hook seeing it: {rewrite.summary_line(found)}"
    )
    maps = rewrite.record(maps, found)
    rewrite.save(local, maps)
    return maps


def _last_head(run: _Run, seen: checkpoint.Checkpoint) -> str | None:
    """Where this view's branch last was: the newest commit the post-commit hook saw made on it
    here (the stage runs before its commit exists), else HEAD at the view's last run."""
    made = [
        str(e["sha"])
        for e in events.load(state.local_dir(run.paths.common_dir)).events
        if e["hook"] == "post-commit"
        and e.get("branch") == run.branch
        and e.get("worktree") == str(run.paths.toplevel)
        and e.get("sha")
    ]
    return made[-1] if made else seen.head


def _rewritten_citations(
    run: _Run,
    own: list[SessionSummary],
    chosen: list[SessionSummary],
    maps: list[rewrite.RewriteMap],
    built: dict[str, str],
) -> tuple[list[SessionSummary], set[date]]:
    """Sessions whose fragment cites a rewritten commit join `chosen`, and so do sessions built in
    this view whose fragment went away with the commits that carried it (a reset); the days whose
    journal cites a rewritten commit are returned to be re-rendered."""
    if run.plan is None:
        return chosen, set()
    docs = fragment.load_all(run.paths.toplevel / FRAGMENT_DIR)
    citing = {doc["id"] for doc in docs if run.plan.cites(doc)}
    present = {doc["id"] for doc in docs}
    lost = [s for s in own if s.id in built and s.id not in present]
    run.restored = _fragments_before(run, maps, {s.id for s in lost})
    citing |= set(run.restored)
    extra = [s for s in own if s.id in citing and s not in chosen]
    journal_dir = run.paths.toplevel / run.config.journal_dir
    days = {date.fromisoformat(d) for d in remap.journal_days_citing(journal_dir, run.plan.olds)}
    return [*chosen, *extra], days


def _fragments_before(
    run: _Run, maps: list[rewrite.RewriteMap], wanted: set[str]
) -> dict[str, dict[str, Any]]:
    """The fragments of `wanted` sessions as the branch held them before a rewrite took them."""
    found: dict[str, dict[str, Any]] = {}
    top, folder = run.paths.toplevel, FRAGMENT_DIR.as_posix()
    for tip in dict.fromkeys(m.old_tip for m in reversed(maps) if m.old_tip):
        if not wanted - set(found) or tip is None:
            break
        names = (
            git.try_run(["ls-tree", "--name-only", tip, "--", f"{folder}/"], top) or ""
        ).split()
        for name in names:
            doc = json.loads(git.try_run(["show", f"{tip}:{name}"], top) or "{}")
            if doc.get("id") in wanted and doc["id"] not in found:
                found[doc["id"]] = doc
    return found


# -- fragments ---------------------------------------------------------------------------------


def _write_fragments(
    run: _Run, summaries: list[SessionSummary], load: Loader, seen: checkpoint.Checkpoint
) -> set[date]:
    if not summaries:
        return set()
    sessions = load(pick.with_subagents(summaries))
    versions = {s.id: s.version for s in summaries}
    chosen = [sessions[s.id] for s in summaries if s.id in sessions]
    group = chosen + [sessions[c] for s in chosen for c in s.subagents if c in sessions]
    first = min(pick.when(s.started or s.ended or "1970-01-01T00:00:00Z") for s in group)
    commits = run.commits(rev="HEAD", all_branches=True, since=_iso(first), with_patch_ids=True)
    found = attribution.links(run.view, group, commits)
    by_session = link.links_by_session(lk for lk in found if lk.sha)
    on_head = git.reachable(run.paths.toplevel, since=_iso(first))
    alive = git.reachable(run.paths.toplevel, since=_iso(first), all_refs=True)
    in_tree = fragment.load_all(run.paths.toplevel / FRAGMENT_DIR)
    previous = {**run.restored, **{doc["id"]: doc for doc in in_tree}}
    patch_ids = {c.sha: c.patch_id for c in commits}
    redactor = Redactor.from_config(run.config)
    touched: set[date] = set()
    for session in chosen:
        seen.built[session.id] = versions[session.id]
        fresh = by_session.get(session.id, [])
        if not attribution.belongs_here(run.view, session, fresh, on_head):
            continue
        links, records = remap.carry(run.plan, previous.get(session.id), fresh, alive.__contains__)
        doc = fragment.build(
            session,
            children=[sessions[c] for c in session.subagents if c in sessions],
            commits=[{**c, "patch_id": patch_ids.get(c["sha"], c["patch_id"])} for c in links],
            config=run.config,
            toplevel=run.paths.toplevel,
            worktrees=run.worktrees,
            redactor=redactor,
        )
        if records:
            doc["rewritten"] = records
        outcome = fragment.write(run.paths.toplevel / FRAGMENT_DIR, doc, fragment.filename(session))
        if outcome.hand_edited:
            run.result.notices.append(f"{outcome.path.name} was edited by hand; kept as it is")
        elif outcome.written:
            run.result.written.append(outcome.path)
            run.result.sessions += 1
            touched |= day.fragment_days(doc, run.tz)
    return touched


# -- journals ----------------------------------------------------------------------------------


def _render_days(
    run: _Run,
    days: set[date],
    pending: git.CommitInfo | None,
    pending_links: list[dict[str, str]],
) -> None:
    if not days:
        return
    fragments = fragment.load_all(run.paths.toplevel / FRAGMENT_DIR)
    local = state.local_dir(run.paths.common_dir)
    env = None
    for when in sorted(days):
        context = _context(run, when, fragments, pending, pending_links)
        if not _has_agent_work(context) and not _journal_path(run, when).exists():
            continue  # a day of human commits only gets no journal (and the hook no jinja2 import)
        env = env or render.environment(run.paths.toplevel, cache_dir=local / "template-cache")
        rendered = render.render_day(run.paths.toplevel, run.config, context, env)
        run.result.days.append(when)
        if rendered.changed:
            run.result.written.append(rendered.path)


def _has_agent_work(context: dict[str, Any]) -> bool:
    """A session was active that day, or a commit of that day (or the pending one) came from one."""
    commits = [*context["commits"], *([context["pending"]] if context["pending"] else [])]
    return bool(context["sessions"]) or any(c["sessions"] for c in commits)


def _journal_path(run: _Run, when: date) -> Path:
    return run.paths.toplevel / run.config.journal_dir / f"{when.isoformat()}.md"


def _pending_links(
    run: _Run,
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


def _context(
    run: _Run,
    when: date,
    fragments: list[dict[str, Any]],
    pending: git.CommitInfo | None,
    pending_links: list[dict[str, str]],
) -> dict[str, Any]:
    start = datetime.combine(when, datetime.min.time(), run.tz)
    # A commit belongs to the day of its author date, which a rebase keeps while it moves the
    # committer date later: select by committer date from the day's start, filter by author day.
    commits = [
        c for c in run.commits(rev="HEAD", since=_iso(start)) if day.commit_day(c, run.tz) == when
    ]
    on_day = [f for f in fragments if when in day.fragment_days(f, run.tz)]
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
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
