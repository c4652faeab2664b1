"""The changes people make to the task graph from the command line, as functions over the document.

Each function changes `doc` in place and raises a one-line `JournalError` for a bad id, an
illegal transition, a cycle or a `done` without evidence; the caller writes the document only
when nothing was raised (`task_store.editing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal import git, task_store, tasks
from journal.errors import JournalError

NONE_WORDS = ("", "none", "-")


@dataclass(frozen=True)
class Actor:
    """Who changes the graph, when, and from where (the transition's branch and commit)."""

    at: str
    by: str
    view: tasks.View

    @classmethod
    def here(cls, toplevel: Path) -> Actor:
        by = git.author_ident(toplevel) or "unknown"
        return cls(tasks.now(), by, task_store.view_for(toplevel))


def _all_ids(doc: dict[str, Any], key: str) -> set[str]:
    return {str(item.get("id")) for item in doc.get(key) or []}


def _title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise JournalError("a title cannot be empty")
    return cleaned


def add_goal(doc: dict[str, Any], actor: Actor, title: str) -> dict[str, Any]:
    goal: dict[str, Any] = {"id": tasks.new_id("g", _all_ids(doc, "goals")), "title": _title(title)}
    goal.update({"created": actor.at, "closed": None})
    doc.setdefault("goals", []).append(goal)
    return goal


def add_milestone(
    doc: dict[str, Any], actor: Actor, title: str, goal: str | None
) -> dict[str, Any]:
    goal_id = task_store.find(doc, "goal", goal)["id"] if goal else None
    milestone: dict[str, Any] = {
        "id": tasks.new_id("m", _all_ids(doc, "milestones")),
        "title": _title(title),
    }
    milestone.update({"goal": goal_id, "created": actor.at, "closed": None})
    doc.setdefault("milestones", []).append(milestone)
    return milestone


def close(doc: dict[str, Any], actor: Actor, kind: str, ref: str) -> dict[str, Any]:
    item = task_store.find(doc, kind, ref)
    if item.get("closed"):
        raise JournalError(f"{kind} {item['id']} is already closed")
    item["closed"] = actor.at
    return item


def add_task(
    doc: dict[str, Any],
    actor: Actor,
    title: str,
    *,
    parent: str | None = None,
    depends_on: Sequence[str] = (),
    milestone: str | None = None,
    labels: Sequence[str] = (),
    owner: str | None = None,
) -> dict[str, Any]:
    task: dict[str, Any] = {
        "id": tasks.new_id("t", _all_ids(doc, "tasks")),
        "title": _title(title),
        "milestone": task_store.find(doc, "milestone", milestone)["id"] if milestone else None,
        "parent": task_store.find(doc, "task", parent)["id"] if parent else None,
        "depends_on": _unique(task_store.find(doc, "task", d)["id"] for d in depends_on),
        "owner": owner or None,
        "labels": _unique(labels),
        "evidence": {"commits": [], "files": [], "sessions": []},
        "transitions": [],
        "created": actor.at,
        "origin": {"kind": "cli"},
    }
    _record(task, actor, "open")
    doc.setdefault("tasks", []).append(task)
    return task


def set_status(
    doc: dict[str, Any],
    actor: Actor,
    ref: str,
    status: str,
    *,
    reason: str | None = None,
    forced: bool = False,
    commits: Sequence[str] = (),
) -> dict[str, Any]:
    """Move a task to `status`, judged from the status the actor's branch sees. `done` needs an
    evidence commit reachable from HEAD (`commits` are added as evidence first) unless forced."""
    task = task_store.find(doc, "task", ref)
    evidence = task.setdefault("evidence", {}).setdefault("commits", [])
    evidence.extend(sha for sha in dict.fromkeys(commits) if sha not in evidence)
    reachable = any(actor.view.reachable(sha) for sha in evidence)
    if status == "done" and not forced and not reachable:
        raise JournalError(
            f"{task['id']} has no evidence commit reachable from HEAD; "
            "pass --commit SHA, or --force --reason WHY"
        )
    if status == "in_progress" and not task.get("owner"):
        task["owner"] = actor.by
    _record(task, actor, status, reason=reason, forced=forced)
    return task


def _record(
    task: dict[str, Any],
    actor: Actor,
    status: str,
    *,
    reason: str | None = None,
    forced: bool = False,
) -> None:
    current = tasks.view_status(task, actor.view).status
    tasks.transition(
        task,
        status,
        at=actor.at,
        branch=actor.view.branch,
        commit=actor.view.head,
        by=actor.by,
        reason=reason or None,
        forced=forced,
        current=current,
    )


@dataclass(frozen=True)
class Edit:
    title: str | None = None
    milestone: str | None = None  # an id, or "none" to clear
    parent: str | None = None  # an id, or "none" to clear
    owner: str | None = None  # or "none" to clear
    add_depends: tuple[str, ...] = ()
    remove_depends: tuple[str, ...] = ()
    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()


def edit_task(doc: dict[str, Any], ref: str, edit: Edit) -> dict[str, Any]:
    task = task_store.find(doc, "task", ref)
    if edit.title is not None:
        task["title"] = _title(edit.title)
    if edit.milestone is not None:
        task["milestone"] = _ref_or_none(doc, "milestone", edit.milestone)
    if edit.parent is not None:
        task["parent"] = _ref_or_none(doc, "task", edit.parent)
    if edit.owner is not None:
        task["owner"] = None if edit.owner.lower() in NONE_WORDS else edit.owner
    added = [task_store.find(doc, "task", d)["id"] for d in edit.add_depends]
    removed = {task_store.find(doc, "task", d)["id"] for d in edit.remove_depends}
    depends = [d for d in task.get("depends_on") or [] if d not in removed]
    task["depends_on"] = _unique([*depends, *added])
    labels = [x for x in task.get("labels") or [] if x not in set(edit.remove_labels)]
    task["labels"] = _unique([*labels, *edit.add_labels])
    cycle = tasks.find_cycle(doc)
    if cycle:
        raise JournalError(f"refused: that would make the cycle {tasks.format_cycle(cycle)}")
    return task


def _ref_or_none(doc: dict[str, Any], kind: str, ref: str) -> str | None:
    return None if ref.lower() in NONE_WORDS else str(task_store.find(doc, kind, ref)["id"])


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))
