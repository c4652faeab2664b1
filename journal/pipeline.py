"""ingest → link → fragments → render (→ stage): the one path every writer of tracked files takes.

Runs under the state lock. Work is incremental: only sessions that changed, or that were active close
enough to the last run to be linked to a commit made since, are rebuilt; only days whose inputs moved
are re-rendered. `everything=True` rebuilds all of it (import, render --all). Sessions are chosen
from their summaries (the session index); a full record is loaded only for a session being rebuilt
(with its sub-agents) or active close enough to the pending commit to be linked to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from journal import (
    attribution,
    checkpoint,
    context_agents,
    day,
    day_digest,
    deferred,
    fragment,
    git,
    ingest,
    journals,
    link,
    merge_journal,
    notes,
    pick,
    project_state,
    remap,
    remap_move,
    render,
    render_stamp,
    rewrite,
    state,
    summary_command,
    summary_condense,
    task_refresh,
    task_sources,
)
from journal.config import Config
from journal.fragment_fields import Scrub
from journal.pipeline_types import Loader
from journal.redact import Redactor
from journal.run import FRAGMENT_DIR, RefreshResult, Run, iso
from journal.sources.summary import SessionSummary


def refresh(
    paths: git.RepoPaths,
    config: Config,
    *,
    stage: bool,
    everything: bool = False,
    progress: ingest.Progress | None = None,
) -> RefreshResult:
    """Bring fragments and journals up to date; with `stage`, add what changed to the index."""
    run = Run.start(paths, config)
    local = state.local_dir(paths.common_dir)
    with state.locked(local), git.facts_kept(local):
        run.result.notices += deferred.apply(local)  # rewrites a hook left when the lock was busy
        key = checkpoint.view_key(paths.toplevel, run.branch)
        seen = checkpoint.Checkpoint() if everything else checkpoint.load(local, key)
        ingested = ingest.ingest(
            paths, config, progress=progress, worktrees=run.worktrees, full=everything
        )
        run.result.notices += ingested.notices
        created = project_state.ensure(paths.toplevel, run.head.sha)
        run.result.written += [created] if created else []
        pending = run.pending() if stage else None
        new_commits = _new_commits(run, seen.tips)
        if new_commits and notes.enabled(paths.toplevel, config.notes_stamp):
            notes.stamp(paths.toplevel, [c.sha for c in new_commits])
        # Sessions of other worktrees too: their commits reach this branch by merges, and their
        # fragments with them; `attribution.belongs_here` decides where a fragment goes.
        own = pick.own_sessions(ingested.index, paths.toplevel, run.worktrees, any_worktree=True)
        window = run.config.link_window_minutes
        chosen = pick.to_refresh(own, seen.built, new_commits, window)
        maps = _rewrites(run, seen, local)
        run.plan = remap.Plan.of(maps)
        new_maps = maps[seen.maps :] if len(maps) >= seen.maps else maps
        rewritten = remap_move.none(chosen)
        if len(maps) != seen.maps:  # new rewrites: what cites their old commits moves too
            rewritten = remap_move.citations(run, own, chosen, new_maps, seen)
            chosen = rewritten.chosen
            seen.maps = len(maps)
        days = _write_fragments(run, chosen, ingested.load, seen, stage=stage)
        rewritten.write_moved(run)  # fragments a rewrite only renamed the commits of
        # Tasks from plans, trailers and rewrites, before the journals render the state.
        task_sources.refresh(run, seen.head, new_maps, everything=everything, pending=pending)
        days |= _condense(run)
        moved = rewritten.successors  # their days are the journal step's
        days |= {day.commit_day(c, run.tz) for c in new_commits if c.sha not in moved}
        if pending is not None:
            days.add(day.commit_day(pending, run.tz))
        if everything:
            days |= _all_fragment_days(run) | task_refresh.all_days(run)
        days |= rewritten.journals(run, days, new_commits)  # renamed in place where it can
        pending_links = journals.pending_links(run, pending, ingested.index, ingested.load)
        _write_days(run, days, pending, pending_links)
        if stage:  # the context block of AGENTS.md, when `context.agents_md` is on
            block, notices = context_agents.refresh_at_stage(paths, config)
            run.result.written += block
            run.result.notices += notices
            git.stage(paths.toplevel, run.result.written)
            run.result.staged = list(run.result.written)
        seen.tips = git.tips(paths.toplevel, run.head.sha)
        seen.head = run.head.sha
        checkpoint.save(local, key, seen)
        _index_recall(run, seen.tips)
    return run.result


def _index_recall(run: Run, tips: list[str]) -> None:
    """The recall index gets what this refresh wrote and the new commits (flat in the size of
    the history; `ai-journal recall` catches up with the rest before it searches). It is a local
    cache that `recall` rebuilds, so a failure costs a notice, never the commit."""
    import sqlite3

    from journal import recall_index

    try:
        written = recall_index.Written(run.head, tips, run.result.written)
        recall_index.index_written(run.paths, run.config, written)
    except (OSError, sqlite3.Error) as exc:
        run.result.notices.append(
            f"recall index not updated ({exc}); run `ai-journal recall --reindex`"
        )


def render_days(paths: git.RepoPaths, config: Config, days: Iterable[date]) -> RefreshResult:
    """Re-render the given days from the fragments in the work tree (no ingest, nothing staged)."""
    run = Run.start(paths, config)
    local = state.local_dir(paths.common_dir)
    with state.locked(local), git.facts_kept(local):
        _write_days(run, set(days), None, [])
    return run.result


def render_all_days(paths: git.RepoPaths, config: Config, *, force: bool = False) -> RefreshResult:
    """Re-render every day a fragment or a task covers from the fragments in the work tree: what
    a template or configuration change needs, without re-reading the agent logs (`render --all`).
    Days whose inputs and journal are unchanged since their last render are skipped unless `force`
    (`journal.day_digest`)."""
    before = render_stamp.Inputs.take(str(paths.toplevel), str(render.builtin_dir()))
    run = Run.start(paths, config)
    local = state.local_dir(paths.common_dir)
    with state.locked(local), git.facts_kept(local):
        days = _all_fragment_days(run) | task_refresh.all_days(run)
        _write_days(run, days, None, [], force=force)
        _stamp_render(run, local, before)
    return run.result


def _stamp_render(run: Run, local: Path, before: render_stamp.Inputs) -> None:
    """The stamp that lets the next `render --all-days` with nothing changed end before it
    starts (`journal.render_stamp`); none after a run with notices, or if HEAD, its branch or
    the origin URL moved while it ran."""
    after = render_stamp.asked(str(run.paths.toplevel))
    if after[0] is None:
        return
    if run.result.notices or not before.same_place(after, run.head.sha):
        render_stamp.remove(after[0])
        return
    recorded = day_digest.DayDigests.load(local, []).stored
    rendered = {path: entry.get("signature") for path, entry in recorded.items()}
    folder = str(run.paths.toplevel / run.config.journal_dir)
    render_stamp.save(after[0], after[1], before.signed, folder, rendered)


def _write_days(
    run: Run,
    days: set[date],
    pending: git.CommitInfo | None,
    links: list[dict[str, str]],
    *,
    force: bool = False,
) -> None:
    """Render `days`, the journals a merge left with one side's generated region and the days
    whose task section moved; then `tasks.md`."""
    stale = merge_journal.stale_days(run.paths.common_dir, run.config.journal_dir)
    prints = task_refresh.DayPrints.of(run)
    journals.write_days(run, days | stale | prints.moved, pending, links, force=force)
    task_refresh.write_overview(run, force=force)
    prints.save()
    folder = run.config.journal_dir.strip("/")
    merge_journal.clear_stale(run.paths.common_dir, [f"{folder}/{d.isoformat()}.md" for d in stale])


def day_context(
    paths: git.RepoPaths, config: Config, when: date, *, head_as_pending: bool = False
) -> dict[str, object]:
    """The template context of one day, as `render --context` prints it. With `head_as_pending`,
    HEAD is shown as the pending entry it was when its own pre-commit stage rendered the journal."""
    run = Run.start(paths, config)
    fragments = fragment.load_all(paths.toplevel / FRAGMENT_DIR)
    head = run.commits(rev="HEAD", limit=1) if head_as_pending else []
    if not head:
        return journals.context_of(run, when, fragments, None, [])
    pending = head[0]._replace(sha="", subject="")
    sessions = ingest.cached(state.local_dir(paths.common_dir))
    links = journals.pending_links(run, pending, sessions.index, sessions.load)
    run.hidden.add(head[0].sha)
    return journals.context_of(run, when, fragments, pending, links)


# -- which sessions and days moved -------------------------------------------------------------


def _new_commits(run: Run, known_tips: list[str] | None) -> list[git.CommitInfo]:
    """Commits that appeared since the view's last run (none on its first run)."""
    if known_tips is None:
        return []
    hidden = git.existing_commits(run.paths.toplevel, known_tips)
    return run.commits(rev="HEAD", all_branches=True, exclude=hidden)


def _all_fragment_days(run: Run) -> set[date]:
    days: set[date] = set()
    for doc in fragment.load_all(run.paths.toplevel / FRAGMENT_DIR):
        days |= day.fragment_days(doc, run.tz)
    return days


# -- rewrites ----------------------------------------------------------------------------------


def _rewrites(run: Run, seen: checkpoint.Checkpoint, local: Path) -> list[rewrite.RewriteMap]:
    last = remap.last_head(run.paths, run.branch, seen.head)
    maps, notice = remap.maps_for_view(run.paths, run.branch, last, run.head.sha)
    run.result.notices += [notice] if notice else []
    return maps


# -- fragments ---------------------------------------------------------------------------------


def _write_fragments(
    run: Run,
    summaries: list[SessionSummary],
    load: Loader,
    seen: checkpoint.Checkpoint,
    *,
    stage: bool = False,
) -> set[date]:
    if not summaries:
        return set()
    sessions = load(pick.with_subagents(summaries))
    versions = {s.id: s.version for s in summaries}
    chosen = [sessions[s.id] for s in summaries if s.id in sessions]
    redactor = Redactor.from_config(run.config)
    scrub = Scrub(redactor, run.paths.toplevel, run.worktrees)
    local = state.local_dir(run.paths.common_dir)
    by_command = summary_command.summaries(
        local, run.config, chosen, versions, scrub, may_run=stage
    )
    group = chosen + [sessions[c] for s in chosen for c in s.subagents if c in sessions]
    first = min(pick.when(s.started or s.ended or "1970-01-01T00:00:00Z") for s in group)
    # Commits history replaced stay candidates: a session's output may name one a rewrite took
    # before any refresh linked it; `remap.carry` moves such links to the successors.
    replaced = git.existing_commits(run.paths.toplevel, list(run.plan.olds)) if run.plan else []
    commits = run.commits(
        rev="HEAD", all_branches=True, since=iso(first), with_patch_ids=True, also=replaced
    )
    found = attribution.links(run.view, group, commits)
    by_session = link.links_by_session(lk for lk in found if lk.sha)
    on_head = git.reachable(run.paths.toplevel, since=iso(first))
    alive = git.reachable(run.paths.toplevel, since=iso(first), all_refs=True)
    in_tree = fragment.load_all(run.paths.toplevel / FRAGMENT_DIR)
    previous = {**{doc["id"]: doc for doc in in_tree}, **run.restored}
    patch_ids = {c.sha: c.patch_id for c in commits}
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
            summary=by_command.get(session.id),
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


def _condense(run: Run) -> set[date]:
    """Older fragments cut to their summary (`summarize.condense_after`); the days to render."""
    folder = run.paths.toplevel / FRAGMENT_DIR
    keep = run.config.summarize_condense_after
    written, days = summary_condense.condense(folder, keep, run.tz)
    run.result.written += [path for path in written if path not in run.result.written]
    return days
