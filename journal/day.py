"""Session fragments and commits of one local calendar day → the journal template's context.

A day is a calendar day in `journal.timezone`. Each event lands on its own local day, so a session
that runs past midnight appears on both days, each time with only that day's prompts, commands,
files, plans and tokens (`tokens.by_day`). Its summary (the agent's last message) is shown on the
day the session ended. A commit belongs to the local day of its author date, which amend, rebase and
cherry-pick keep, so a rewrite does not move a commit to another journal.

The context is plain JSON data (`ai-journal render --context` prints it); templates only lay it out:

    schema: 1               date: "2026-02-23"     weekday: "Monday"     timezone: "Europe/Paris"
    branches: ["main"]      web: {"kind": "github", "url": "https://github.com/o/r"} | null
    summary: {sessions, commits, pending (0|1), files_changed, insertions, deletions, commands,
              failed_commands, tokens}
    sessions: [{id, short_id, agent, model, title, parent_id, branch,
                start, end ("HH:MM" local, first and last event of the day), started, ended (UTC),
                continued_from_previous_day, continues_next_day,
                prompts (count), first_prompt, outcome, summary (null before the last day),
                commands: [{time, command, exit_code}] (at most journal.max_commands),
                commands_more, commands_total, failed_commands, files: [{path, action}],
                tokens, resume ("codex resume <id>" | null),
                commits: [{sha, short, url, subject, strength, pending}]}]
    commits: [{sha, short, url, subject, author, time, merge, parent, compare_url, show,
               files, insertions, deletions, paths: [{path, status, insertions, deletions,
               old_path}], sessions: [{id, short_id, agent, strength, start}], pending: false}]
    pending: the commit being made (same shape, sha "" and pending true) | null
    plans: [{session_id, short_id, agent, time, explanation, completed, total,
             steps: [{step, status}]}]
    tasks: the tasks with a transition on this day, in the view of the branch being rendered
           (journal/task_render.py): [{id, title, status, status_text ("done (pending
           evidence)", "open (done on feature-x)"), pending_evidence, done_on, checked,
           milestone: {id, title} | null, parent, depends_on, labels,
           owner: {kind (person|session|trailer|journal), text, id, url} | null,
           evidence: {commits: [{sha, short, url}], files: [{path}], sessions: [{id, short_id}]},
           transitions: [{at, time, from (null for the creation), to, by (as owner),
                          branch (null on the view's own branch), commit: {sha, short, url} | null,
                          forced, reason}]}]

Every list is sorted: sessions by their first event of the day, commits by author date, links by
strength (explicit, files, time) then time, tasks by their first change of the day then id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from journal.config import Config
from journal.day_sessions import plan_entries, session_entry, short_id
from journal.git import CommitInfo
from journal.local_time import day_stamps, event_stamps, hhmm, local
from journal.web import WebLinks

CONTEXT_SCHEMA = 1
STRENGTH_ORDER = {"explicit": 0, "files": 1, "time": 2}


class _Scope(NamedTuple):
    day: date
    tz: ZoneInfo
    config: Config
    web: WebLinks | None
    known: dict[str, CommitInfo]  # every commit passed in, by SHA
    pending_links: list[dict[str, Any]]


def fragment_days(fragment: dict[str, Any], tz: ZoneInfo) -> set[date]:
    """The local days on which the session did anything."""
    return {local(stamp, tz).date() for stamp in event_stamps(fragment)}


def commit_day(commit: CommitInfo, tz: ZoneInfo) -> date:
    return local(commit.authored or commit.committed, tz).date()


def build_context(
    day: date,
    fragments: Sequence[dict[str, Any]],
    commits: Sequence[CommitInfo],
    *,
    config: Config,
    web: WebLinks | None,
    pending: CommitInfo | None = None,
    pending_links: Iterable[dict[str, Any]] = (),
    branches: Iterable[str] = (),
    tasks: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The template context of `day`. `fragments` and `commits` may hold other days too (they are
    filtered here, and still resolve links); `pending` is shown as the commit being made; `tasks`
    are the day's task entries (`task_render.day_tasks`)."""
    tz = ZoneInfo(config.timezone)
    links = list(pending_links) if pending else []
    scope = _Scope(day, tz, config, web, {c.sha: c for c in commits}, links)
    spans = [(f, fragment_days(f, tz)) for f in fragments]  # each fragment's days, read once
    active = sorted(
        ((f, days) for f, days in spans if day in days),
        key=lambda pair: (day_stamps(pair[0], day, tz)[0], pair[0].get("id", "")),
    )
    on_day = [f for f, _ in active]
    day_commits = sorted(
        (c for c in commits if c.sha and commit_day(c, tz) == day),
        key=lambda c: (c.authored, c.committed, c.sha),
    )
    sessions = [_session(f, days, scope) for f, days in active]
    entries = [_commit(c, scope, _links_to(c, fragments)) for c in day_commits]
    by_id = {f.get("id"): f for f in fragments}
    behind = [
        (str(k.get("strength")), by_id.get(k["session_id"], {"id": k["session_id"]})) for k in links
    ]
    pending_entry = _commit(pending, scope, _session_refs(behind)) if pending else None
    return {
        "schema": CONTEXT_SCHEMA,
        "date": day.isoformat(),
        "weekday": day.strftime("%A"),
        "timezone": config.timezone,
        "branches": _branches(on_day, branches),
        "web": {"kind": web.kind, "url": web.base_url} if web else None,
        "summary": _summary(sessions, entries, pending_entry),
        "sessions": sessions,
        "commits": entries,
        "pending": pending_entry,
        "plans": [plan for f in on_day for plan in plan_entries(f, day, tz)],
        "tasks": list(tasks),
    }


# --- sessions -------------------------------------------------------------------------------


def _session(fragment: dict[str, Any], days: set[date], scope: _Scope) -> dict[str, Any]:
    return session_entry(
        fragment,
        scope.day,
        scope.tz,
        days=days,
        max_commands=scope.config.max_commands,
        commits=_session_commits(fragment, scope),
    )


def _session_commits(fragment: dict[str, Any], scope: _Scope) -> list[dict[str, Any]]:
    rows = [
        {
            "sha": sha,
            "short": sha[:7],
            "url": scope.web.commit_url(sha) if scope.web else None,
            "subject": scope.known[sha].subject if sha in scope.known else None,
            "strength": link.get("strength"),
            "pending": False,
        }
        for link in fragment.get("commits") or []
        for sha in [str(link.get("sha", ""))]
    ]
    rows.sort(key=lambda r: (getattr(scope.known.get(r["sha"]), "authored", "~"), r["sha"]))
    pending = [
        {"sha": "", "short": "", "url": None, "subject": None, "strength": link.get("strength")}
        | {"pending": True}
        for link in scope.pending_links
        if link.get("session_id") == fragment.get("id")
    ]
    return rows + pending


# --- commits --------------------------------------------------------------------------------


def _commit(commit: CommitInfo, scope: _Scope, sessions: list[dict[str, Any]]) -> dict[str, Any]:
    web, tz = scope.web, scope.tz
    parent = commit.parents[0] if commit.parents else None
    stamp = commit.authored or commit.committed
    return {
        "sha": commit.sha,
        "short": commit.short,
        "url": web.commit_url(commit.sha) if web and commit.sha else None,
        "subject": commit.subject,
        "author": commit.author_name,
        "time": hhmm(stamp, tz) if stamp else None,
        "merge": len(commit.parents) > 1,
        "parent": parent,
        "compare_url": web.compare_url(parent, commit.sha)
        if web and parent and commit.sha
        else None,
        "show": f"git show {commit.short}" if commit.sha else None,
        "files": len(commit.files),
        "insertions": sum(f.insertions for f in commit.files),
        "deletions": sum(f.deletions for f in commit.files),
        "paths": [f._asdict() for f in sorted(commit.files, key=lambda f: f.path)],
        "sessions": sessions,
        "pending": commit.pending,
    }


def _links_to(commit: CommitInfo, fragments: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions whose fragment links `commit`, by SHA or, after a rewrite, by patch id."""
    best: dict[str, tuple[str, dict[str, Any]]] = {}
    for fragment in fragments:
        for link in fragment.get("commits") or []:
            same_patch = commit.patch_id and link.get("patch_id") == commit.patch_id
            if link.get("sha") != commit.sha and not same_patch:
                continue
            strength = str(link.get("strength", ""))
            previous = best.get(fragment.get("id", ""))
            if previous is None or _rank(strength) < _rank(previous[0]):
                best[str(fragment.get("id", ""))] = (strength, fragment)
    return _session_refs(best.values())


def _session_refs(pairs: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    refs = [
        {
            "id": str(fragment.get("id", "")),
            "short_id": short_id(str(fragment.get("id", ""))),
            "agent": fragment.get("agent"),
            "strength": strength,
            "start": fragment.get("started"),
        }
        for strength, fragment in pairs
    ]
    return sorted(refs, key=lambda r: (_rank(r["strength"]), r["start"] or "", r["id"]))


def _rank(strength: str | None) -> int:
    return STRENGTH_ORDER.get(strength or "", len(STRENGTH_ORDER))


# --- day-level ------------------------------------------------------------------------------


def _summary(
    sessions: list[dict[str, Any]], entries: list[dict[str, Any]], pending: dict[str, Any] | None
) -> dict[str, int]:
    changed = [*entries, *([pending] if pending else [])]
    return {
        "sessions": len(sessions),
        "commits": len(entries),
        "pending": 1 if pending else 0,
        "files_changed": len({p["path"] for c in changed for p in c["paths"]}),
        "insertions": sum(c["insertions"] for c in changed),
        "deletions": sum(c["deletions"] for c in changed),
        "commands": sum(s["commands_total"] for s in sessions),
        "failed_commands": sum(s["failed_commands"] for s in sessions),
        "tokens": sum(s["tokens"] for s in sessions),
    }


def _branches(fragments: list[dict[str, Any]], extra: Iterable[str]) -> list[str]:
    names = {(f.get("git") or {}).get("branch") for f in fragments} | set(extra)
    return sorted(name for name in names if name)
