"""Agents' plans (Codex `update_plan`) → tasks in the project state, with origin `plan`.

A session fragment keeps every plan the session sent (`plans`, oldest first; a sub-agent's carry
`subagent`). Each thread's plans are replayed in order: `plan_match.match` says which step of a
plan continues which earlier step, and every step that continues none is a new task. The choices:

- id: `content_id("t", thread, text when first seen)`; a second step of the thread first seen with
  the same text, or an id held by a task of another origin, adds a counter ("2", "3", …).
- status: pending → open, in_progress → in_progress, completed → done (done without an evidence
  commit until the session is linked to one, which `view_status` shows as pending evidence); an
  unknown status reads as open. A step that leaves the plan before it was completed is dropped
  ("removed from the plan"); a completed one that leaves stays done (agents trim finished steps).
  A step that comes back is reopened. A move the status rules do not allow directly (done →
  in_progress) goes through open.
- at: the plan's time at second precision, but strictly after the task's previous record (a
  second plan within the same second, a reopen followed by the new status), so the log order
  never rests on a tie-break. branch: the session's (`git.branch`); commit: the session's
  strongest linked commit (then the smallest SHA), or null before it has one; by:
  `session:<thread>`, where the thread is the session or the sub-agent.
- milestone: when the task is created, the newest milestone open at the session's start (created
  by then and not yet closed); none if there is no such milestone. It is never moved afterwards.
- title: the step's latest text (origin.step keeps the first). evidence: the session in
  `sessions`; the session's linked commits in `commits` once the step was ever completed.

`apply` is a pure, idempotent merge of one fragment into the document. The records by
`session:<thread>` are derived again each time and replace the earlier derivation (so a commit
linked later fills in `commit`, and a rewritten one follows its link); every other record and
every task of another origin is left as it is. Applying a fragment twice changes nothing, and
applying the plans one by one gives the document that applying them all at once gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from journal import plan_match, tasks
from journal.fragment_fields import NEVER, stamp_time

PLAN_STATUS = {"pending": "open", "in_progress": "in_progress", "completed": "done"}
DROPPED_REASON = "removed from the plan"
REOPENED_REASON = "back in the plan"
_STRENGTH_RANK = {"explicit": 0, "files": 1, "time": 2}
_FINISHED = ("done", "dropped")

Taken = Callable[[str, str, str], bool]  # (id, thread, first text) -> held by another task


@dataclass(eq=False)
class DerivedTask:
    """What one thread's plans say about one step."""

    id: str
    thread: str
    first: str
    title: str
    order: tuple[int, int]  # (index of the plan that first had it, its place there)
    transitions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return str(self.transitions[-1]["status"]) if self.transitions else None

    @property
    def created(self) -> str:
        return str(self.transitions[0]["at"])

    @property
    def ever_done(self) -> bool:
        return any(record["status"] == "done" for record in self.transitions)


@dataclass(frozen=True)
class _Stamp:
    """What every record of one session carries besides its status and time."""

    branch: str | None
    commit: str | None


def second(stamp: str) -> str | None:
    """`stamp` at second precision in UTC with `Z`; None when it cannot be read."""
    moment = stamp_time(stamp)
    return None if moment == NEVER else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def linked_commits(fragment: dict[str, Any]) -> list[str]:
    """The session's linked commits, strongest link first, then by SHA."""
    links = [c for c in fragment.get("commits") or [] if isinstance(c.get("sha"), str)]
    links.sort(key=lambda c: (_STRENGTH_RANK.get(str(c.get("strength")), 9), c["sha"]))
    return list(dict.fromkeys(c["sha"] for c in links))


def derive(fragment: dict[str, Any], taken: Taken | None = None) -> list[DerivedTask]:
    """Every step of the fragment's plans as a task, in the order the steps first appeared."""
    links = linked_commits(fragment)
    stamp = _Stamp((fragment.get("git") or {}).get("branch"), links[0] if links else None)
    replays: dict[str, _Replay] = {}
    for index, plan in enumerate(fragment.get("plans") or []):
        if not isinstance(plan, dict) or second(str(plan.get("ts") or "")) is None:
            continue
        thread = str(plan.get("subagent") or fragment["id"])
        replay = replays.setdefault(thread, _Replay(thread, stamp, taken or _never_taken))
        replay.plan(plan, index)
    derived = [task for replay in replays.values() for task in replay.tasks]
    return sorted(derived, key=lambda task: task.order)


def _never_taken(task_id: str, thread: str, first: str) -> bool:
    return False


class _Replay:
    """One thread's plans, replayed in order."""

    def __init__(self, thread: str, stamp: _Stamp, taken: Taken) -> None:
        self.thread, self.stamp, self.taken = thread, stamp, taken
        self.tasks: list[DerivedTask] = []
        self.shown: list[DerivedTask] = []  # the previous plan's steps, in its order

    def plan(self, plan: dict[str, Any], number: int) -> None:
        at = str(second(str(plan["ts"])))
        steps = [
            (str(s["step"]).strip(), PLAN_STATUS.get(str(s.get("status")), "open"))
            for s in plan.get("steps") or []
            if isinstance(s, dict) and str(s.get("step") or "").strip()
        ]
        gone = [task for task in self.tasks if task not in self.shown]
        earlier = [plan_match.Earlier(t.title, i) for i, t in enumerate(self.shown)]
        earlier += [plan_match.Earlier(t.title, None) for t in gone]
        candidates = [*self.shown, *gone]
        kept_length = len(steps) == len(self.shown)
        pairs = plan_match.match(earlier, [text for text, _ in steps], kept_length)
        shown: list[DerivedTask] = []
        for index, (text, status) in enumerate(steps):
            found = candidates[pairs[index]] if index in pairs else None
            task = found or self._new(text, (number, index))
            task.title = text
            self._move(task, status, at)
            shown.append(task)
        for task in self.shown:
            if task not in shown and task.status not in _FINISHED:
                self._move(task, "dropped", at, DROPPED_REASON)
        self.shown = shown

    def _new(self, text: str, order: tuple[int, int]) -> DerivedTask:
        mine = {task.id for task in self.tasks}
        count = 1
        while True:
            parts = (self.thread, text) if count == 1 else (self.thread, text, str(count))
            task_id = tasks.content_id("t", *parts)
            if task_id not in mine and not self.taken(task_id, self.thread, text):
                break
            count += 1
        task = DerivedTask(task_id, self.thread, text, text, order)
        self.tasks.append(task)
        return task

    def _move(self, task: DerivedTask, status: str, at: str, reason: str | None = None) -> None:
        current = task.status
        if current == status:
            return
        path = [status]
        if current is not None and status not in tasks.ALLOWED[current]:
            path = ["open", status]
        for step in path:
            reopening = step == "open" and task.status in _FINISHED
            self._record(task, step, at, REOPENED_REASON if reopening else reason)

    def _record(self, task: DerivedTask, status: str, at: str, reason: str | None) -> None:
        if task.transitions and at <= task.transitions[-1]["at"]:
            at = _plus_second(task.transitions[-1]["at"])
        task.transitions.append(
            {
                "at": at,
                "status": status,
                "branch": self.stamp.branch,
                "commit": self.stamp.commit,
                "by": f"session:{self.thread}",
                "reason": reason,
                "forced": False,
            }
        )


def _plus_second(stamp: str) -> str:
    return (stamp_time(stamp) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- merging into the document ---------------------------------------------------------------


def apply(doc: dict[str, Any], fragment: dict[str, Any]) -> list[str]:
    """Merge the fragment's plans into `doc` (in place); the ids of the tasks added or changed."""
    by_id = {t.get("id"): t for t in tasks.tasks_of(doc)}

    def taken(task_id: str, thread: str, first: str) -> bool:
        held = by_id.get(task_id)
        return held is not None and not _from_plan(held, thread, first)

    derived = derive(fragment, taken)
    if not derived:
        return []
    milestone = session_milestone(doc, str(fragment.get("started") or ""))
    commits = linked_commits(fragment)
    changed: list[str] = []
    for step in derived:
        task = by_id.get(step.id)
        if task is None:
            task = _new_task(step, milestone)
            doc.setdefault("tasks", []).append(task)
            by_id[step.id] = task
        if _merge(task, step, commits if step.ever_done else [], fragment["id"]):
            changed.append(step.id)
    return changed


def apply_all(doc: dict[str, Any], fragments: Iterable[dict[str, Any]]) -> list[str]:
    """`apply` for each fragment, in the order given (start time, then id, as `fragment.load_all`
    returns them); the ids changed, without duplicates."""
    changed: dict[str, None] = {}
    for fragment in fragments:
        changed.update(dict.fromkeys(apply(doc, fragment)))
    return list(changed)


def _from_plan(task: dict[str, Any], thread: str, first: str) -> bool:
    origin = task.get("origin") or {}
    return bool(
        origin.get("kind") == "plan"
        and origin.get("session") == thread
        and origin.get("step") == first
    )


def session_milestone(doc: dict[str, Any], started: str) -> str | None:
    """The newest milestone open when the session started (created by then, not closed by then)."""
    moment = second(started) if started else None
    if moment is None:
        return None
    open_then = [
        (str(m.get("created") or ""), index, m["id"])
        for index, m in enumerate(doc.get("milestones") or [])
        if isinstance(m, dict)
        and isinstance(m.get("id"), str)
        and str(m.get("created") or "") <= moment
        and not (m.get("closed") and str(m["closed"]) <= moment)
    ]
    return max(open_then)[2] if open_then else None


def _new_task(step: DerivedTask, milestone: str | None) -> dict[str, Any]:
    return {
        "id": step.id,
        "title": step.title,
        "milestone": milestone,
        "parent": None,
        "depends_on": [],
        "owner": f"session:{step.thread}",
        "labels": [],
        "evidence": {"commits": [], "files": [], "sessions": []},
        "transitions": [],
        "created": step.created,
        "origin": {"kind": "plan", "session": step.thread, "step": step.first},
    }


def _merge(task: dict[str, Any], step: DerivedTask, commits: list[str], session: str) -> bool:
    changed = task.get("title") != step.title
    task["title"] = step.title
    own = f"session:{step.thread}"
    records = [r for r in task.get("transitions") or [] if isinstance(r, dict)]
    mine = [r for r in records if r.get("by") == own]
    if _as_set(mine) != _as_set(step.transitions):
        others = [r for r in records if r.get("by") != own]
        task["transitions"] = tasks.ordered_transitions({"transitions": others + step.transitions})
        changed = True
    changed |= add_evidence(task, "sessions", [session])
    return add_evidence(task, "commits", commits) or changed


def _as_set(records: list[dict[str, Any]]) -> set[str]:
    return {json.dumps(r, sort_keys=True) for r in records}


def add_evidence(task: dict[str, Any], kind: str, values: Iterable[str]) -> bool:
    """Add `values` to the task's `evidence[kind]`; a list that grows is kept sorted, so the same
    evidence gives the same list whatever order it arrived in. True when something was added."""
    evidence = task.setdefault("evidence", {})
    present = [v for v in evidence.get(kind) or [] if isinstance(v, str)]
    new = [v for v in dict.fromkeys(values) if v not in present]
    if new:
        evidence[kind] = sorted(present + new)
    return bool(new)
