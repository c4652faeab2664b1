"""The context's "since the last session" section: what moved after this branch's last agent
session ended.

- **Rewrites** come from the local rewrite store. A stored map counts when one of its old commits
  is one the last session knew (its start commit, its linked commits, the old SHAs its fragment
  records as rewritten) or its post-rewrite event came after the session ended, and when it left
  something on this branch (a successor reachable from HEAD) or only dropped commits.
- **Branch switches** are the post-checkout events of this worktree after the session ended.
- **New commits** are the commits of HEAD committed after the session ended that are neither the
  session's own links nor successors of the rewrites listed.
- Ahead/behind upstream, tasks whose evidence vanished and pending reconciliations are listed
  whether or not a session was recorded.

Weights: vanished evidence, the latest rewrite and switch 90; pending reconciliations 75; older
rewrites and switches 70; upstream 65; new commits from 50 down by 2 per place.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journal import events, git, rewrite, state
from journal.config import Config
from journal.context import Section
from journal.context_sources import Gathered
from journal.fragment_fields import stamp_time

COMMITS_MAX = 10
REWRITES_MAX = 3
SWITCHES_MAX = 3
PAIRS_MAX = 6
DECISIONS_MAX = 5


def section(paths: git.RepoPaths, config: Config, found: Gathered) -> Section:
    zone = ZoneInfo(config.timezone)
    last = found.last
    since = stamp_time(str(last.get("ended") or last.get("started") or "")) if last else None
    title = f"Since the last session ({since.astimezone(zone):%Y-%m-%d %H:%M})" if since else ""
    changes = Section("changes", title or "Branch state")
    if last is not None and since is not None:
        local = state.local_dir(paths.common_dir)
        log = events.read_events(local)
        successors = _rewrites(changes, local, found, last, since, log)
        _switches(changes, paths.toplevel, since, log, zone)
        _commits(changes, paths.toplevel, found, last, since, successors)
    _upstream(changes, paths.toplevel, found.branch)
    _vanished(changes, found)
    _decisions(changes, paths, config, found)
    return changes


# -- rewrites -------------------------------------------------------------------------------------


def _rewrites(
    changes: Section,
    local: Path,
    found: Gathered,
    last: dict[str, Any],
    since: datetime,
    log: list[dict[str, Any]],
) -> set[str]:
    """List the rewrites since the session; the successors they made."""
    known = {str((last.get("git") or {}).get("commit") or "")}
    known |= {str(c.get("sha")) for c in last.get("commits") or []}
    known |= {str(r.get("sha")) for r in last.get("rewritten") or []}
    later = {
        pair[0]
        for e in log
        if e.get("hook") == "post-rewrite" and stamp_time(str(e.get("ts"))) > since
        for pair in e.get("pairs") or []
        if isinstance(pair, list) and pair
    }
    chosen: list[rewrite.RewriteMap] = []
    for rmap in reversed(rewrite.load(local)):
        olds = {r.old for r in rmap.rewrites}
        news = [r.new for r in rmap.rewrites if r.new]
        here = not news or any(found.view.reachable(sha) for sha in news)
        if rmap.changed and here and olds & (known | later):
            chosen.append(rmap)
    for place, rmap in enumerate(chosen[:REWRITES_MAX]):
        changes.add(_rewrite_item(rmap), 90 if place == 0 else 70)
    return {r.new for rmap in chosen for r in rmap.rewrites if r.new}


def _rewrite_item(rmap: rewrite.RewriteMap) -> dict[str, Any]:
    moved = [r for r in rmap.rewrites if r.kind is not rewrite.Kind.NOOP]
    shown = [
        f"`{r.old[:7]}` → `{r.new[:7]}`" if r.new else f"`{r.old[:7]}` {r.kind.value}"
        for r in moved[:PAIRS_MAX]
    ]
    more = f", and {len(moved) - PAIRS_MAX} more" if len(moved) > PAIRS_MAX else ""
    text = f"{rewrite.summary_line(rmap)}: {', '.join(shown)}{more}"
    if rmap.old_tip and rmap.new_tip:
        text += f" (branch `{rmap.old_tip[:7]}` → `{rmap.new_tip[:7]}`)"
    return {
        "kind": "rewrite",
        "command": rmap.command,
        "pairs": [[r.old, r.new, r.kind.value] for r in moved],
        "old_tip": rmap.old_tip,
        "new_tip": rmap.new_tip,
        "text": text,
    }


# -- branch switches and commits ------------------------------------------------------------------


def _switches(
    changes: Section, toplevel: Path, since: datetime, log: list[dict[str, Any]], zone: ZoneInfo
) -> None:
    here = [e for e in log if e.get("worktree") == str(toplevel)]
    branch: str | None = None
    found: list[dict[str, Any]] = []
    for event in here:
        previous, branch = branch, event.get("branch") or branch
        switched = event.get("hook") == "post-checkout" and event.get("branch_checkout")
        if not switched or stamp_time(str(event.get("ts"))) <= since:
            continue
        if previous == event.get("branch") and event.get("old") == event.get("new"):
            continue
        at = stamp_time(str(event["ts"])).astimezone(zone)
        source = f"`{previous}`" if previous else f"`{str(event.get('old'))[:7]}`"
        text = f"Switched to `{event.get('branch') or 'a detached HEAD'}` from {source} at {at:%Y-%m-%d %H:%M}"
        found.append(
            {
                "kind": "switch",
                "to": event.get("branch"),
                "from": previous,
                "at": event["ts"],
                "text": text,
            }
        )
    for place, item in enumerate(reversed(found[-SWITCHES_MAX:])):
        changes.add(item, 90 if place == 0 else 70)


def _commits(
    changes: Section,
    toplevel: Path,
    found: Gathered,
    last: dict[str, Any],
    since: datetime,
    successors: set[str],
) -> None:
    if found.head is None:
        return
    own = {str(c.get("sha")) for c in last.get("commits") or []}
    after = since.strftime("%Y-%m-%d %H:%M:%S +0000")
    fresh = [
        c
        for c in git.commits(toplevel, "HEAD", since=after, limit=200)
        if stamp_time(c.committed) > since and c.sha not in own and c.sha not in successors
    ]
    for place, commit in enumerate(fresh[:COMMITS_MAX]):
        text = f"New commit `{commit.short}` {commit.subject} ({commit.author_name})"
        item = {"kind": "commit", "sha": commit.sha, "subject": commit.subject, "text": text}
        changes.add(item, max(50 - 2 * place, 12))
    if len(fresh) > COMMITS_MAX:
        found.capped["commit"] = len(fresh) - COMMITS_MAX


# -- upstream, tasks, decisions -------------------------------------------------------------------


def _upstream(changes: Section, toplevel: Path, branch: str | None) -> None:
    compared = upstream(toplevel) if branch else None
    if compared is None:
        return
    name, ahead, behind = compared
    where = f"{ahead} ahead of and {behind} behind" if ahead or behind else "up to date with"
    text = f"`{branch}` is {where} `{name}`"
    item = {"kind": "upstream", "upstream": name, "ahead": ahead, "behind": behind}
    changes.add({**item, "text": text}, 65)


def upstream(toplevel: Path) -> tuple[str, int, int] | None:
    """(upstream name, ahead, behind) of HEAD against its branch's upstream; None without one."""
    name = git.try_run(
        ["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"], toplevel
    )
    counts = (
        git.try_run(["rev-list", "--left-right", "--count", "HEAD...@{upstream}"], toplevel) or ""
    ).split()
    if not name or len(counts) != 2:
        return None
    return name.strip(), int(counts[0]), int(counts[1])


def _vanished(changes: Section, found: Gathered) -> None:
    from journal import task_store

    lost: dict[str, list[str]] = {}
    for task_id, sha in task_store.vanished_evidence(found.doc, found.view):
        lost.setdefault(task_id, []).append(sha)
    titles = {t.get("id"): t.get("title") for t in found.doc.get("tasks") or []}
    for task_id, shas in sorted(lost.items()):
        cited = ", ".join(f"`{sha[:7]}`" for sha in shas)
        text = (
            f"Task {task_id} {titles.get(task_id)} is done, but its evidence {cited} is no longer "
            "on this branch (`ai-journal reconcile`)"
        )
        changes.add({"kind": "vanished", "id": task_id, "commits": shas, "text": text}, 90)


def _decisions(changes: Section, paths: git.RepoPaths, config: Config, found: Gathered) -> None:
    from journal import reconcile

    pending = [d for d in reconcile.pending(paths, config) if d.kind != "task"]
    for decision in pending[:DECISIONS_MAX]:
        text = f"To reconcile (`ai-journal reconcile`): {decision.question}"
        item = {"kind": "reconcile", "decision": decision.kind, "subject": decision.subject}
        changes.add({**item, "text": text}, 75)
    if len(pending) > DECISIONS_MAX:
        found.capped["reconcile"] = len(pending) - DECISIONS_MAX
