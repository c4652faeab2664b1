"""The task rules as pure functions: ids, derived status, branch views, ready queue, cycles."""

from __future__ import annotations

import re
from typing import Any

import pytest

from journal import tasks
from journal.errors import JournalError

FEATURE_HEAD = "f" * 40
MAIN_HEAD = "a" * 40
EVIDENCE = "e" * 40


def make_task(
    task_id: str, *records: tuple[str, str, str | None, str | None], **fields: Any
) -> dict[str, Any]:
    """A task whose transitions are (at, status, branch, commit) tuples."""
    task: dict[str, Any] = {
        "id": task_id,
        "title": task_id,
        "milestone": None,
        "parent": None,
        "depends_on": [],
        "labels": [],
        "evidence": {"commits": [], "files": [], "sessions": []},
        "transitions": [],
        "created": records[0][0] if records else "2026-02-23T09:00:00Z",
    }
    task.update(fields)
    for at, status, branch, commit in records:
        task["transitions"].append(
            {
                "at": at,
                "status": status,
                "branch": branch,
                "commit": commit,
                "by": "journal",
                "reason": None,
                "forced": False,
            }
        )
    return task


def view(branch: str | None, *reachable: str) -> tasks.View:
    known = set(reachable)
    return tasks.View(branch, reachable[0] if reachable else None, known.__contains__)


def test_now_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1771837200")
    assert tasks.now() == "2026-02-23T09:00:00Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", tasks.now())


def test_new_id_is_prefixed_hex_and_avoids_taken_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["aaaaaa", "aaaaaa", "bbbbbb"])
    monkeypatch.setattr(tasks.secrets, "token_hex", lambda n: next(draws))
    assert tasks.new_id("t", {"t-aaaaaa"}) == "t-bbbbbb"
    monkeypatch.undo()
    assert re.fullmatch(r"g-[0-9a-f]{6}", tasks.new_id("g-", set()))


def test_content_id_is_deterministic_and_sensitive_to_every_part() -> None:
    first = tasks.content_id("t", "session-1", "Write the parser")
    assert first == tasks.content_id("t-", "session-1", "Write the parser")
    assert re.fullmatch(r"t-[0-9a-f]{6}", first)
    assert first != tasks.content_id("t", "session-2", "Write the parser")
    assert tasks.content_id("t", "ab", "c") != tasks.content_id("t", "a", "bc")


def test_current_status_follows_the_log_order_not_the_list_order() -> None:
    task = make_task(
        "t-1",
        ("2026-02-23T09:00:00Z", "open", None, None),
        ("2026-02-23T11:00:00Z", "done", None, None),
        ("2026-02-23T10:00:00Z", "in_progress", None, None),
    )
    assert tasks.current_status(task) == "done"
    assert tasks.current_status({"id": "t-2"}) == "open"


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("open", "in_progress", True),
        ("open", "done", True),
        ("in_progress", "open", True),
        ("blocked", "done", True),
        ("done", "open", True),
        ("dropped", "open", True),
        ("done", "in_progress", False),
        ("dropped", "done", False),
        ("open", "open", False),
        ("done", "dropped", False),
    ],
)
def test_transition_rules(start: str, target: str, allowed: bool) -> None:
    task = make_task("t-1", ("2026-02-23T09:00:00Z", start, None, None))
    kwargs: dict[str, Any] = {
        "at": "2026-02-23T10:00:00Z",
        "branch": "main",
        "commit": None,
        "by": "x",
    }
    if allowed:
        record = tasks.transition(task, target, **kwargs)
        assert task["transitions"][-1] is record
        assert record["status"] == target
        assert record["forced"] is False
    else:
        with pytest.raises(JournalError, match=f"from {start} to {target}"):
            tasks.transition(task, target, **kwargs)
        assert len(task["transitions"]) == 1


def test_first_transition_is_the_creation_and_unknown_statuses_are_refused() -> None:
    task: dict[str, Any] = {"id": "t-1"}
    tasks.transition(task, "in_progress", at="x", branch=None, commit=None, by="plan")
    assert tasks.current_status(task) == "in_progress"
    with pytest.raises(JournalError, match="unknown task status 'finished'"):
        tasks.transition(task, "finished", at="y", branch=None, commit=None, by="x")


def test_forced_needs_done_and_a_reason() -> None:
    task = make_task("t-1", ("2026-02-23T09:00:00Z", "open", None, None))
    with pytest.raises(JournalError, match="--reason"):
        tasks.transition(task, "done", at="x", branch=None, commit=None, by="x", forced=True)
    with pytest.raises(JournalError, match="--force applies to done"):
        tasks.transition(
            task, "dropped", at="x", branch=None, commit=None, by="x", forced=True, reason="r"
        )
    record = tasks.transition(
        task, "done", at="x", branch=None, commit=None, by="x", forced=True, reason="no code needed"
    )
    assert record["forced"] is True
    assert record["reason"] == "no code needed"


def test_transition_judged_from_the_given_current_status() -> None:
    task = make_task(
        "t-1",
        ("2026-02-23T09:00:00Z", "open", None, None),
        ("2026-02-23T10:00:00Z", "done", "feature-x", FEATURE_HEAD),
    )
    tasks.transition(
        task, "in_progress", at="z", branch="main", commit=MAIN_HEAD, by="x", current="open"
    )
    with pytest.raises(JournalError, match="from done to in_progress"):
        tasks.transition(
            task, "in_progress", at="z", branch="main", commit=MAIN_HEAD, by="x", current="done"
        )


def done_on_feature(evidence: list[str], forced: bool = False) -> dict[str, Any]:
    task = make_task(
        "t-1",
        ("2026-02-23T09:00:00Z", "open", "main", MAIN_HEAD),
        ("2026-02-23T10:00:00Z", "done", "feature-x", FEATURE_HEAD),
    )
    task["evidence"]["commits"] = evidence
    task["transitions"][-1]["forced"] = forced
    return task


def test_done_on_a_feature_branch_is_open_on_main_until_merged() -> None:
    task = done_on_feature([FEATURE_HEAD])
    assert tasks.view_status(task, view("feature-x", FEATURE_HEAD, MAIN_HEAD)) == tasks.ViewStatus(
        "done", False, ()
    )
    assert tasks.view_status(task, view("main", MAIN_HEAD)) == tasks.ViewStatus(
        "open", False, ("feature-x",)
    )
    merged = view("main", "m" * 40, MAIN_HEAD, FEATURE_HEAD)
    assert tasks.view_status(task, merged) == tasks.ViewStatus("done", False, ())


def test_done_without_reachable_evidence_is_pending() -> None:
    task = done_on_feature([EVIDENCE])
    assert tasks.view_status(task, view("feature-x", FEATURE_HEAD)) == tasks.ViewStatus(
        "done", True, ()
    )


def test_forced_done_needs_no_evidence_but_stays_on_its_branch() -> None:
    task = done_on_feature([], forced=True)
    assert tasks.view_status(task, view("feature-x", FEATURE_HEAD)).status == "done"
    assert not tasks.view_status(task, view("feature-x", FEATURE_HEAD)).pending_evidence
    assert tasks.view_status(task, view("main", MAIN_HEAD)).status == "open"


def test_done_folds_once_rebased_evidence_is_reachable() -> None:
    # the recorded commit was rewritten by a rebase; the evidence (re-derived) is on main now
    task = done_on_feature([EVIDENCE])
    assert tasks.view_status(task, view("main", "m" * 40, MAIN_HEAD, EVIDENCE)).status == "done"


def test_a_later_reopen_on_the_branch_clears_done_on() -> None:
    task = done_on_feature([FEATURE_HEAD])
    task["transitions"].append(
        {
            "at": "2026-02-23T11:00:00Z",
            "status": "open",
            "branch": "feature-x",
            "commit": FEATURE_HEAD,
            "by": "x",
            "reason": None,
            "forced": False,
        }
    )
    assert tasks.view_status(task, view("main", MAIN_HEAD)).done_on == ()


def test_ready_queue_orders_by_milestone_then_age_then_id() -> None:
    opened = ("2026-02-23T09:00:00Z", "open", None, None)
    later = ("2026-02-23T12:00:00Z", "open", None, None)
    doc = {
        "milestones": [{"id": "m-2"}, {"id": "m-1"}],
        "tasks": [
            make_task("t-none", opened),
            make_task("t-m1-late", later, milestone="m-1"),
            make_task("t-m1-b", opened, milestone="m-1"),
            make_task("t-m1-a", opened, milestone="m-1"),
            make_task("t-m2", later, milestone="m-2"),
            make_task("t-blocked-by-dep", opened, milestone="m-2", depends_on=["t-none"]),
            make_task("t-started", opened, ("2026-02-23T10:00:00Z", "in_progress", None, None)),
        ],
    }
    ids = [t["id"] for t in tasks.ready_queue(doc, view("main"))]
    assert ids == ["t-m2", "t-m1-a", "t-m1-b", "t-m1-late", "t-none"]
    doc["tasks"][0]["transitions"].append(
        {
            "at": "2026-02-23T13:00:00Z",
            "status": "done",
            "branch": None,
            "commit": None,
            "by": "x",
            "reason": None,
            "forced": True,
        }
    )
    ids = [t["id"] for t in tasks.ready_queue(doc, view("main"))]
    assert ids == ["t-blocked-by-dep", "t-m2", "t-m1-a", "t-m1-b", "t-m1-late"]


def test_find_cycle_names_the_loop() -> None:
    doc = {
        "tasks": [
            make_task("t-a", depends_on=["t-b"]),
            make_task("t-b", depends_on=["t-c"]),
            make_task("t-c", depends_on=["t-a"]),
            make_task("t-d", depends_on=["t-a"]),
        ]
    }
    cycle = tasks.find_cycle(doc)
    assert cycle == ["t-a", "t-b", "t-c", "t-a"]
    assert tasks.format_cycle(cycle) == "t-a → t-b → t-c → t-a"


def test_find_cycle_parent_and_dependency_graphs_apart() -> None:
    acyclic = {"tasks": [make_task("t-p", depends_on=["t-c"]), make_task("t-c", parent="t-p")]}
    assert tasks.find_cycle(acyclic) is None
    parents = {"tasks": [make_task("t-p", parent="t-c"), make_task("t-c", parent="t-p")]}
    assert tasks.find_cycle(parents) == ["t-p", "t-c", "t-p"]
    assert tasks.find_cycle({"tasks": [make_task("t-s", depends_on=["t-s"])]}) == ["t-s", "t-s"]


def test_moves_within_one_second_keep_their_order() -> None:
    task: dict[str, Any] = {"id": "t-1"}
    for status in ("open", "in_progress", "blocked", "done"):
        tasks.transition(task, status, at="2026-02-23T09:00:00Z", branch=None, commit=None, by="x")
    assert [r["at"][-3:] for r in task["transitions"]] == ["00Z", "01Z", "02Z", "03Z"]
    assert tasks.current_status(task) == "done"
    tasks.transition(task, "open", at="2026-02-23T10:00:00Z", branch=None, commit=None, by="x")
    assert task["transitions"][-1]["at"] == "2026-02-23T10:00:00Z"
