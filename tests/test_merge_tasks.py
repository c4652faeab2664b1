"""Merging the task graph: random concurrent edits on two branches from a common base, merged by
the state merge driver in both orders, keep every task and transition, agree on every derived
status, and stay valid JSON without conflict markers."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from journal import state, task_store, tasks
from journal.merge_state import merge_documents
from journal.project_state import empty

BASE_EPOCH = "2026-02-23T09:"
LABELS = ("api", "docs", "bug")

ops = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 0)),
    st.tuples(st.just("add_shared"), st.integers(0, 2)),
    st.tuples(st.just("move"), st.integers(0, 20), st.sampled_from(tasks.STATUSES)),
    st.tuples(st.just("dep"), st.integers(0, 20), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("label"), st.integers(0, 20), st.sampled_from(LABELS), st.booleans()),
    st.tuples(st.just("evidence"), st.integers(0, 20), st.integers(0, 3)),
    st.tuples(st.just("title"), st.integers(0, 20), st.sampled_from(("A", "B"))),
)
programs = st.lists(ops, max_size=12)


@dataclass
class Side:
    """One branch's editing session: its name, a clock shared in shape by both sides (so their
    transitions tie in time), and the fake commits it made."""

    name: str
    doc: dict[str, Any]
    step: int = 0
    commits: list[str] = field(default_factory=list)

    def tick(self) -> tuple[str, str]:
        self.step += 1
        sha = f"{self.name}{self.step:04d}".ljust(40, "0")
        self.commits.append(sha)
        return f"{BASE_EPOCH}{self.step:02d}:00Z", sha

    def task(self, index: int) -> dict[str, Any] | None:
        found = tasks.tasks_of(self.doc)
        return found[index % len(found)] if found else None

    def apply(self, op: tuple[Any, ...]) -> None:
        at, sha = self.tick()
        kind = op[0]
        if kind in ("add", "add_shared"):
            seed = ("shared", str(op[1])) if kind == "add_shared" else (self.name, str(self.step))
            task_id = tasks.content_id("t", *seed)
            if any(t["id"] == task_id for t in tasks.tasks_of(self.doc)):
                return
            task = {"id": task_id, "title": f"task {task_id}", "milestone": None, "parent": None}
            task.update({"depends_on": [], "owner": None, "labels": [], "created": at})
            task.update({"evidence": {"commits": [], "files": [], "sessions": []}})
            task.update({"transitions": [], "origin": {"kind": "cli"}})
            self.record(task, "open", at, sha)
            self.doc["tasks"].append(task)
            return
        task = self.task(op[1])
        if task is None:
            return
        if kind == "move" and op[2] in tasks.ALLOWED[tasks.current_status(task)]:
            self.record(task, op[2], at, sha)
        elif kind == "dep":
            other = self.task(op[2])
            assert other is not None
            deps = task["depends_on"]
            if op[3] and other["id"] not in deps and other is not task:
                deps.append(other["id"])
            elif not op[3] and other["id"] in deps:
                deps.remove(other["id"])
        elif kind == "label":
            labels = task["labels"]
            if op[3] and op[2] not in labels:
                labels.append(op[2])
            elif not op[3] and op[2] in labels:
                labels.remove(op[2])
        elif kind == "evidence":
            commits = task["evidence"]["commits"]
            chosen = self.commits[op[2] % len(self.commits)]
            if chosen not in commits:
                commits.append(chosen)
        elif kind == "title":
            task["title"] = op[2]

    def record(self, task: dict[str, Any], status: str, at: str, sha: str) -> None:
        forced = status == "done" and self.step % 2 == 0  # the others wait for evidence
        reason = "property test" if forced else None
        tasks.transition(
            task,
            status,
            at=at,
            branch=self.name,
            commit=sha,
            by=self.name,
            reason=reason,
            forced=forced,
        )


def build(program: list[tuple[Any, ...]], name: str, start: dict[str, Any], step: int = 0) -> Side:
    side = Side(name, copy.deepcopy(start), step)
    for op in program:
        side.apply(op)
    side.doc["digest"] = state.digest(side.doc)
    return side


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def views(*sides: Side) -> list[tasks.View]:
    everything = {sha for side in sides for sha in side.commits}
    found = [tasks.View(side.name, None, set(side.commits).__contains__) for side in sides]
    found.append(tasks.View("elsewhere", None, lambda _: False))
    found.append(tasks.View("merged", None, everything.__contains__))
    return found


def statuses(doc: dict[str, Any], view: tasks.View) -> dict[str, tasks.ViewStatus]:
    return {t["id"]: tasks.view_status(t, view) for t in tasks.tasks_of(doc)}


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in tasks.tasks_of(doc)}


@settings(max_examples=150, deadline=None)
@given(base_program=programs, ours_program=programs, theirs_program=programs)
def test_concurrent_task_edits_merge_the_same_either_way(
    base_program: list[tuple[Any, ...]],
    ours_program: list[tuple[Any, ...]],
    theirs_program: list[tuple[Any, ...]],
) -> None:
    base = build(base_program, "main", empty(None))
    ours = build(ours_program, "ours", base.doc, base.step)
    ours.commits += base.commits
    theirs = build(theirs_program, "theirs", base.doc, base.step)
    theirs.commits += base.commits

    one_way = merge_documents(base.doc, ours.doc, theirs.doc)
    other_way = merge_documents(base.doc, theirs.doc, ours.doc)

    for merged in (one_way, other_way):
        text = state.dumps_canonical(merged)
        assert json.loads(text) == merged
        assert not any(m in text for m in ("<<<<<<<", ">>>>>>>", "\n=======")), text
        for side in (base, ours, theirs):
            merged_tasks = by_id(merged)
            for task in tasks.tasks_of(side.doc):
                assert task["id"] in merged_tasks, "a task was lost"
                kept = {canonical(r) for r in merged_tasks[task["id"]]["transitions"]}
                assert {canonical(r) for r in task["transitions"]} <= kept, "a transition was lost"
        if tasks.find_cycle(merged) is None:
            task_store.validate(merged)

    assert list(by_id(one_way)) == list(by_id(other_way))
    for task_id, task in by_id(one_way).items():
        mirror = by_id(other_way)[task_id]
        assert task["transitions"] == mirror["transitions"]
        for key in ("depends_on", "labels"):
            assert sorted(task[key]) == sorted(mirror[key])
        assert sorted(task["evidence"]["commits"]) == sorted(mirror["evidence"]["commits"])
    for view in views(base, ours, theirs):
        assert statuses(one_way, view) == statuses(other_way, view)


def test_a_transition_on_each_side_at_the_same_second_merges_to_one_log() -> None:
    base = build([("add", 0)], "main", empty(None))
    ours = build([("move", 0, "in_progress")], "ours", base.doc, base.step)
    theirs = build([("move", 0, "blocked")], "theirs", base.doc, base.step)
    merged = merge_documents(base.doc, ours.doc, theirs.doc)
    (task,) = tasks.tasks_of(merged)
    assert [r["status"] for r in task["transitions"]] == ["open", "in_progress", "blocked"]
    assert merged == merge_documents(base.doc, theirs.doc, ours.doc)
    seen = tasks.view_status(task, tasks.View("ours", None, set(ours.commits).__contains__))
    assert seen.status == "in_progress"
