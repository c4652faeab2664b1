"""Commit trailers that name tasks: `Task: t-7f3a01` links the commit to the task as evidence,
`Closes: t-7f3a01` links it and records the task done at that commit.

What counts as a trailer is git's own decision (`git.trailers` reads `%(trailers)`, the parser
behind `git interpret-trailers --parse`): the message's last paragraph, when it is made of
`Key: value` lines; keys match case-insensitively and folded values are unfolded. A value may name
several tasks (`Task: t-7f3a01, t-4d5e6f`); anything else in it is ignored. A name that is no task
of the document is ignored and counted, for one warning line.

A `Closes` record is `done` at the commit's committer time, on the branch being refreshed, with
`commit` the trailer's commit and `by` `trailer:<sha>`. It is added once per commit, whatever the
task's status and whichever branch saw the commit first: a commit saying it closes a task is a
fact about that commit, and the log, merged from several sources, is not required to be a chain of
allowed moves. Applying the same commits again changes nothing.

A rebase keeps a commit's trailers, so its successor links the same tasks when it appears in a
view. `remap_evidence` moves what the old SHA left behind (evidence, records' `commit`, the
`trailer:<sha>` author) to the successor the rewrite store names, so a task does not keep both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import git, tasks
from journal.task_plans import add_evidence

KEYS = ("Task", "Closes")
_TASK_NAME = re.compile(r"(?<![\w-])t-[0-9a-f]{4,12}(?![\w-])")


@dataclass
class TrailerResult:
    changed: list[str] = field(default_factory=list)  # ids of the tasks that changed
    unknown: list[str] = field(default_factory=list)  # names that are no task, one per mention

    def notice(self) -> str | None:
        """One warning line about unknown task names, or None."""
        if not self.unknown:
            return None
        names = ", ".join(dict.fromkeys(self.unknown))
        count = len(self.unknown)
        plural = "trailers name" if count > 1 else "trailer names"
        return f"{count} commit {plural} no known task ({names}); ignored"


def named_tasks(value: str) -> list[str]:
    """The task ids a trailer value names, in order, without duplicates."""
    return list(dict.fromkeys(_TASK_NAME.findall(value.lower())))


def read(toplevel: Path, include: list[str], exclude: list[str]) -> list[git.CommitTrailers]:
    """The task trailers of the commits reachable from `include` and not from `exclude`."""
    return git.trailers(toplevel, KEYS, include, exclude)


def apply(
    doc: dict[str, Any], commits: Iterable[git.CommitTrailers], branch: str | None
) -> TrailerResult:
    """Link the commits' tasks (in place, oldest commit first); what changed and what is unknown."""
    by_id = {t.get("id"): t for t in tasks.tasks_of(doc)}
    result = TrailerResult()
    for commit in commits:
        for key, value in commit.trailers:
            closes = key.lower() == "closes"
            for name in named_tasks(value):
                task = by_id.get(name)
                if task is None:
                    result.unknown.append(name)
                elif _link(task, commit, branch, closes=closes) and name not in result.changed:
                    result.changed.append(name)
    return result


def _link(
    task: dict[str, Any], commit: git.CommitTrailers, branch: str | None, closes: bool
) -> bool:
    changed = add_evidence(task, "commits", [commit.sha])
    author = f"trailer:{commit.sha}"
    records = [r for r in task.get("transitions") or [] if isinstance(r, dict)]
    if closes and not any(r.get("by") == author and r.get("status") == "done" for r in records):
        record = {
            "at": _after_creation(records, commit.committed),
            "status": "done",
            "branch": branch,
            "commit": commit.sha,
            "by": author,
            "reason": None,
            "forced": False,
        }
        task["transitions"] = tasks.ordered_transitions({"transitions": [*records, record]})
        changed = True
    return changed


def _after_creation(records: list[dict[str, Any]], at: str) -> str:
    """`at`, or a second after the task's creation when the commit's clock says earlier (a commit
    naming a task was written after the task existed; clocks and pinned dates disagree)."""
    created = min((str(r.get("at")) for r in records if r.get("at")), default=None)
    return tasks.after(created, at) if created else at


def remap_evidence(doc: dict[str, Any], resolve: Callable[[str], str | None]) -> int:
    """Replace every rewritten SHA (evidence commits, records' `commit` and `trailer:<sha>`
    authors) by its successor, in place; how many references moved. `resolve` gives a SHA's
    successor, itself when untouched, None when the commit is gone without one (such evidence
    stays, so `reconcile` can flag it). Idempotent when `resolve` is."""
    moved = 0
    for task in tasks.tasks_of(doc):
        moved += _remap_commits(task, resolve) + _remap_records(task, resolve)
    return moved


def _successor(sha: Any, resolve: Callable[[str], str | None]) -> str | None:
    """The SHA `sha` moved to, or None when it did not move."""
    if not isinstance(sha, str):
        return None
    new = resolve(sha)
    return new if new and new != sha else None


def _remap_commits(task: dict[str, Any], resolve: Callable[[str], str | None]) -> int:
    evidence = task.get("evidence") or {}
    commits = evidence.get("commits") or []
    moves = [_successor(sha, resolve) for sha in commits]
    if not any(moves):
        return 0
    evidence["commits"] = sorted({new or old for old, new in zip(commits, moves, strict=True)})
    return sum(1 for new in moves if new)


def _remap_records(task: dict[str, Any], resolve: Callable[[str], str | None]) -> int:
    records = [r for r in task.get("transitions") or [] if isinstance(r, dict)]
    moved = 0
    for record in records:
        new = _successor(record.get("commit"), resolve)
        if new is None:
            continue
        if record.get("by") == f"trailer:{record['commit']}":
            record["by"] = f"trailer:{new}"
        record["commit"] = new
        moved += 1
    if moved:
        unique = {json.dumps(r, sort_keys=True): r for r in records}
        task["transitions"] = tasks.ordered_transitions({"transitions": list(unique.values())})
    return moved
