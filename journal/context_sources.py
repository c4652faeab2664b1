"""The context's project, task and session sections, from the committed files of this worktree.

Weights (higher stays longer when a budget is tight): the task in progress 85, the current
milestone and the newest session 80, the ready queue from 70 down by 3 per place, goals from 55
down, older sessions 60, then 40 and down by 5 per place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from journal import fragment, git, task_store, tasks
from journal import summary as summary_mod
from journal.config import Config
from journal.context import Section
from journal.fragment_fields import stamp_time, truncate
from journal.run import FRAGMENT_DIR

READY_MAX = 10
SESSIONS_MAX = 5
STEPS_MAX = 8
FAILED_MAX = 5
SUMMARY_CHARS = 400
COMMAND_CHARS = 160


@dataclass
class Gathered:
    branch: str | None
    head: str | None
    view: tasks.View
    doc: dict[str, Any]
    sessions_here: list[dict[str, Any]]  # fragments of this branch, newest first
    project: Section = field(default_factory=lambda: Section("project", "Project"))
    tasks: Section = field(default_factory=lambda: Section("tasks", "Tasks"))
    sessions: Section = field(default_factory=lambda: Section("sessions", "Last sessions"))
    capped: dict[str, int] = field(default_factory=dict)

    @property
    def last(self) -> dict[str, Any] | None:
        """This branch's last agent session: what "since" is measured from."""
        return self.sessions_here[0] if self.sessions_here else None


def gather(paths: git.RepoPaths, config: Config) -> Gathered:
    head = git.head(paths.toplevel)
    view = task_store.view_for(paths.toplevel)
    doc = task_store.load_doc(paths.toplevel)
    docs = fragment.load_all(paths.toplevel / FRAGMENT_DIR)
    found = Gathered(head.branch, head.sha, view, doc, _sessions_of(docs, head.branch))
    _project(found)
    _tasks(found)
    _sessions(found, ZoneInfo(config.timezone))
    return found


# -- project and tasks ----------------------------------------------------------------------------


def _project(found: Gathered) -> None:
    milestones = [m for m in found.doc.get("milestones") or [] if not m.get("closed")]
    goals = [g for g in found.doc.get("goals") or [] if not g.get("closed")]
    if milestones:
        current = milestones[0]
        counts = _milestone_counts(found, str(current.get("id")))
        text = f"Current milestone: {current.get('title')} ({current.get('id')}), {counts}"
        found.project.add({"kind": "milestone", "id": current.get("id"), "text": text}, 80)
    for place, goal in enumerate(goals):
        text = f"Goal: {goal.get('title')} ({goal.get('id')})"
        found.project.add({"kind": "goal", "id": goal.get("id"), "text": text}, 55 - place)


def _milestone_counts(found: Gathered, milestone: str) -> str:
    members = [t for t in tasks.tasks_of(found.doc) if t.get("milestone") == milestone]
    done = sum(1 for t in members if tasks.view_status(t, found.view).status == "done")
    return f"{done} of {len(members)} tasks done"


def _tasks(found: Gathered) -> None:
    doing = [
        t
        for t in tasks.tasks_of(found.doc)
        if tasks.view_status(t, found.view).status == "in_progress"
    ]
    for task in doing:
        found.tasks.add(_task_item("in_progress", "In progress", task), 85)
    ready = tasks.ready_queue(found.doc, found.view)
    for place, task in enumerate(ready[:READY_MAX]):
        found.tasks.add(_task_item("ready", "Next", task), max(70 - 3 * place, 20))
    if len(ready) > READY_MAX:
        found.capped["ready"] = len(ready) - READY_MAX


def _task_item(kind: str, label: str, task: dict[str, Any]) -> dict[str, Any]:
    text = f"{label}: {task.get('id')} {task.get('title')}"
    deps = task.get("depends_on") or []
    if deps:
        text += f" (after {', '.join(deps)})"
    return {"kind": kind, "id": task.get("id"), "title": task.get("title"), "text": text}


# -- sessions -------------------------------------------------------------------------------------


def _sessions_of(docs: list[dict[str, Any]], branch: str | None) -> list[dict[str, Any]]:
    """Top-level sessions started on `branch` (every one in the work tree when none was), newest
    first by their last event."""
    top = [d for d in docs if not d.get("parent_id")]
    here = [d for d in top if (d.get("git") or {}).get("branch") == branch] or top
    return sorted(here, key=lambda d: (stamp_time(_last_event(d)), d["id"]), reverse=True)


def _last_event(doc: dict[str, Any]) -> str:
    return str(doc.get("ended") or doc.get("started") or "")


def _sessions(found: Gathered, zone: ZoneInfo) -> None:
    for place, doc in enumerate(found.sessions_here[:SESSIONS_MAX]):
        weight = 80 if place == 0 else 60 if place == 1 else 40 - 5 * place
        found.sessions.add(session_item(doc, zone), weight)
    if len(found.sessions_here) > SESSIONS_MAX:
        found.capped["session"] = len(found.sessions_here) - SESSIONS_MAX


def session_item(doc: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """One session as a context item: when, outcome, summary, unfinished steps, failed commands."""
    unfinished = unfinished_steps(doc)
    failed = summary_mod.failed_last(doc, COMMAND_CHARS)[-FAILED_MAX:]
    summary = " ".join(str(doc.get("summary") or "").split())
    when = _local(doc.get("started"), zone)
    head = f"{when} {doc.get('agent')} `{str(doc['id'])[:8]}` ({doc.get('outcome') or 'unknown'})"
    lines = [f"{head}: {truncate(summary, SUMMARY_CHARS)}" if summary else head]
    if unfinished:
        lines.append("unfinished: " + "; ".join(unfinished))
    if failed:
        lines.append(
            "failed last: " + "; ".join(f"`{f['command']}` (exit {f['exit_code']})" for f in failed)
        )
    return {
        "kind": "session",
        "id": doc["id"],
        "started": doc.get("started"),
        "ended": doc.get("ended"),
        "outcome": doc.get("outcome"),
        "summary": doc.get("summary"),
        "unfinished": unfinished,
        "failed": failed,
        "commits": [c.get("sha") for c in doc.get("commits") or []],
        "text": "\n".join(lines),
    }


def unfinished_steps(doc: dict[str, Any]) -> list[str]:
    """The steps of the session's own last plan that were not completed."""
    plans = [p for p in doc.get("plans") or [] if not p.get("subagent")]
    if not plans:
        return []
    steps = plans[-1].get("steps") or []
    left = [str(s.get("step")) for s in steps if s.get("status") != "completed"]
    return [truncate(" ".join(step.split()), COMMAND_CHARS) for step in left[:STEPS_MAX]]


def _local(stamp: object, zone: ZoneInfo) -> str:
    if not isinstance(stamp, str) or not stamp:
        return "????-??-?? ??:??"
    return stamp_time(stamp).astimezone(zone).strftime("%Y-%m-%d %H:%M")
