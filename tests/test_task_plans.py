"""Agents' plans → tasks: matching steps across plans, status mapping, idempotent merging, and the
real Codex logs (whose plan arguments the sanitizer replaced)."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from journal import plan_match, project_state, task_plans, tasks
from journal.sources.rollout import read_file

SESSION = "019c8a59-e9dd-71f0-9ae3-4079fe9726a9"
SHA = "a" * 40


def _plan(minute: int, *steps: tuple[str, str], subagent: str | None = None) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "ts": f"2026-02-23T10:{minute:02d}:00.250Z",
        "explanation": None,
        "steps": [{"step": text, "status": status} for text, status in steps],
    }
    if subagent:
        plan["subagent"] = subagent
    return plan


def _fragment(*plans: dict[str, Any], commits: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "id": SESSION,
        "started": "2026-02-23T09:59:00.000Z",
        "git": {"branch": "feature-x", "commit": None},
        "plans": list(plans),
        "commits": [{"sha": c, "patch_id": None, "strength": "explicit"} for c in commits],
    }


def _doc() -> dict[str, Any]:
    return project_state.empty(None)


def _statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {t["title"]: tasks.current_status(t) for t in doc["tasks"]}


def test_statuses_map_and_ids_are_content_hashes() -> None:
    doc = _doc()
    fragment = _fragment(
        _plan(0, ("Add route", "in_progress"), ("Write test", "pending")),
        _plan(5, ("Add route", "completed"), ("Write test", "in_progress")),
    )
    changed = task_plans.apply(doc, fragment)

    route, test = doc["tasks"]
    assert changed == [route["id"], test["id"]]
    assert route["id"] == tasks.content_id("t", SESSION, "Add route")
    assert _statuses(doc) == {"Add route": "done", "Write test": "in_progress"}
    assert route["origin"] == {"kind": "plan", "session": SESSION, "step": "Add route"}
    assert route["owner"] == f"session:{SESSION}"
    assert [(r["at"], r["status"]) for r in route["transitions"]] == [
        ("2026-02-23T10:00:00Z", "in_progress"),
        ("2026-02-23T10:05:00Z", "done"),
    ]
    assert {r["branch"] for r in route["transitions"]} == {"feature-x"}
    assert {r["commit"] for r in route["transitions"]} == {None}
    assert route["evidence"] == {"commits": [], "files": [], "sessions": [SESSION]}


def test_reorder_rename_and_split_keep_their_tasks() -> None:
    doc = _doc()
    fragment = _fragment(
        _plan(0, ("Add route and test", "in_progress"), ("Update README", "pending")),
        # split: the route keeps the task, the test is new; the README step moves up
        _plan(
            1, ("Update README", "pending"), ("Add route", "completed"), ("Write test", "pending")
        ),
        # reworded in place (same length), and a typo fixed
        _plan(
            2,
            ("Update the README file", "in_progress"),
            ("Add route", "completed"),
            ("Write tset", "pending"),
        ),
        _plan(
            3,
            ("Update the README file", "completed"),
            ("Add route", "completed"),
            ("Write test", "completed"),
        ),
    )
    task_plans.apply(doc, fragment)

    assert [t["origin"]["step"] for t in doc["tasks"]] == [
        "Add route and test",
        "Update README",
        "Write test",
    ]
    assert _statuses(doc) == {
        "Add route": "done",
        "Update the README file": "done",
        "Write test": "done",
    }


def test_reworded_in_place_only_when_the_plan_kept_its_length() -> None:
    earlier = [plan_match.Earlier("Add /health route", 0), plan_match.Earlier("Run tests", 1)]
    kept = plan_match.match(earlier, ["Implement the health endpoint", "Run tests"], True)
    grown = plan_match.match(earlier, ["Implement the health endpoint", "Run tests", "x"], False)
    assert kept == {0: 0, 1: 1}
    assert grown == {1: 1}


def test_unrelated_step_at_the_same_place_is_a_new_task() -> None:
    earlier = [plan_match.Earlier("Write tests", 0)]
    assert plan_match.match(earlier, ["Update README"], True) == {}


def test_removed_step_is_dropped_and_reopened_when_it_comes_back() -> None:
    doc = _doc()
    fragment = _fragment(
        _plan(0, ("Inspect parser", "completed"), ("Fix tokenizer", "in_progress")),
        _plan(1, ("Fix tokenizer", "in_progress")),  # "Inspect parser" done and trimmed: stays done
        _plan(2, ("Benchmark", "pending")),  # the tokenizer step left unfinished: dropped
        _plan(3, ("Benchmark", "completed"), ("Fix tokenizer", "in_progress")),
    )
    task_plans.apply(doc, fragment)

    inspect, tokenizer, _bench = doc["tasks"]
    assert tasks.current_status(inspect) == "done"
    assert [(r["status"], r["reason"], r["at"][11:]) for r in tokenizer["transitions"]] == [
        ("in_progress", None, "10:00:00Z"),
        ("dropped", task_plans.DROPPED_REASON, "10:02:00Z"),
        ("open", task_plans.REOPENED_REASON, "10:03:00Z"),
        ("in_progress", None, "10:03:01Z"),  # a second later: the log keeps the order
    ]


def test_done_step_gets_the_sessions_commits_as_evidence() -> None:
    other = "b" * 40
    doc = _doc()
    fragment = _fragment(
        _plan(0, ("Ship it", "completed"), ("Later", "pending")), commits=[other, SHA]
    )
    fragment["commits"][0]["strength"] = "time"
    task_plans.apply(doc, fragment)

    ship, later = doc["tasks"]
    assert ship["evidence"]["commits"] == [SHA, other]
    assert later["evidence"]["commits"] == []
    assert {r["commit"] for t in doc["tasks"] for r in t["transitions"]} == {SHA}


def test_commit_linked_later_fills_in_the_records() -> None:
    doc = _doc()
    plans = (_plan(0, ("Ship it", "completed")),)
    task_plans.apply(doc, _fragment(*plans))
    assert task_plans.apply(doc, _fragment(*plans, commits=[SHA]))

    fresh = _doc()
    task_plans.apply(fresh, _fragment(*plans, commits=[SHA]))
    assert doc == fresh


def test_other_origins_and_other_records_are_left_alone() -> None:
    doc = _doc()
    fragment = _fragment(_plan(0, ("Ship it", "in_progress")))
    task_plans.apply(doc, fragment)
    (task,) = doc["tasks"]
    person = {
        "at": "2026-02-23T11:00:00Z",
        "status": "blocked",
        "branch": "main",
        "commit": None,
        "by": "Ada <ada@example.com>",
        "reason": None,
        "forced": False,
    }
    task["transitions"].append(person)
    foreign_id = tasks.content_id("t", SESSION, "Write docs")
    doc["tasks"].append({"id": foreign_id, "title": "Mine", "origin": {"kind": "cli"}})
    before = copy.deepcopy(doc["tasks"][1])

    task_plans.apply(
        doc,
        _fragment(
            fragment["plans"][0], _plan(5, ("Ship it", "completed"), ("Write docs", "pending"))
        ),
    )

    assert doc["tasks"][1] == before
    assert person in task["transitions"]
    docs_task = doc["tasks"][2]
    assert docs_task["id"] == tasks.content_id("t", SESSION, "Write docs", "2")
    assert docs_task["id"] != foreign_id


def test_milestone_open_at_the_session_start() -> None:
    doc = _doc()
    doc["milestones"] = [
        {
            "id": "m-old000",
            "title": "Old",
            "goal": None,
            "created": "2026-02-01T00:00:00Z",
            "closed": None,
        },
        {
            "id": "m-shut00",
            "title": "Shut",
            "goal": None,
            "created": "2026-02-10T00:00:00Z",
            "closed": "2026-02-20T00:00:00Z",
        },
        {
            "id": "m-later0",
            "title": "Later",
            "goal": None,
            "created": "2026-03-01T00:00:00Z",
            "closed": None,
        },
    ]
    task_plans.apply(doc, _fragment(_plan(0, ("Ship it", "pending"))))
    assert doc["tasks"][0]["milestone"] == "m-old000"
    assert task_plans.session_milestone(_doc(), "2026-02-23T10:00:00Z") is None


def test_subagent_plans_are_their_own_thread() -> None:
    child = "019c8a70-dda7-7f33-98ea-f30553347322"
    doc = _doc()
    task_plans.apply(
        doc,
        _fragment(
            _plan(0, ("Ship it", "in_progress")),
            _plan(1, ("Ship it", "completed"), subagent=child),
        ),
    )
    parent_task, child_task = doc["tasks"]
    assert child_task["id"] == tasks.content_id("t", child, "Ship it")
    assert child_task["owner"] == f"session:{child}"
    assert tasks.current_status(parent_task) == "in_progress"


def test_same_text_twice_in_one_plan_gives_two_tasks() -> None:
    doc = _doc()
    task_plans.apply(doc, _fragment(_plan(0, ("Run tests", "completed"), ("Run tests", "pending"))))
    first, second = doc["tasks"]
    assert first["id"] != second["id"]
    assert [tasks.current_status(t) for t in doc["tasks"]] == ["done", "open"]


def test_real_codex_logs_have_their_plan_arguments_redacted(fixtures_dir: Path) -> None:
    """The two real logs with `update_plan` calls: the calls are recognised, but the sanitizer
    replaced their arguments, so no snapshot (and no task) can come from them, and nothing fails."""
    doc = _doc()
    for name in ("12-40-23-019c8a4c", "12-54-34-019c8a59"):
        (path,) = (fixtures_dir / "codex").glob(f"*{name}*.jsonl")
        session = read_file(path)
        assert session is not None
        plan_calls = [c for c in session.tool_calls if c.kind == "plan"]
        assert len(plan_calls) == 2
        assert all(
            c.arguments and c.arguments.startswith("[REDACTED_ARGUMENTS") for c in plan_calls
        )
        fragment = {
            "id": session.id,
            "started": session.started,
            "git": {},
            "commits": [],
            "plans": [],
        }
        fragment["plans"] = [
            {"ts": p.ts, "steps": [s.__dict__ for s in p.steps]} for p in session.plans
        ]
        assert task_plans.apply(doc, fragment) == []
    assert doc["tasks"] == []


# -- idempotence --------------------------------------------------------------------------------

_TEXTS = ["Add route", "Add the route", "Write test", "Write tests", "Update README", "Run linters"]
_STEP = st.tuples(st.sampled_from(_TEXTS), st.sampled_from(["pending", "in_progress", "completed"]))
_PLANS = st.lists(st.lists(_STEP, min_size=0, max_size=4), min_size=1, max_size=6)


def _plans_of(raw: list[list[tuple[str, str]]], seconds: list[int]) -> list[dict[str, Any]]:
    plans, at = [], 0
    for index, steps in enumerate(raw):
        at += seconds[index % len(seconds)]
        plan = _plan(0, *steps)
        plan["ts"] = f"2026-02-23T10:{at // 60:02d}:{at % 60:02d}.{index:03d}Z"
        if index % 3 == 2:
            plan["subagent"] = "019c0000-0000-7000-8000-000000000002"
        plans.append(plan)
    return plans


@settings(max_examples=60, deadline=None)
@given(_PLANS, st.lists(st.integers(0, 2), min_size=1, max_size=4), st.booleans())
def test_incremental_equals_all_at_once(
    raw: list[list[tuple[str, str]]], seconds: list[int], linked: bool
) -> None:
    plans = _plans_of(raw, seconds)
    at_once = _doc()
    task_plans.apply(at_once, _fragment(*plans, commits=[SHA] if linked else []))
    snapshot = json.dumps(at_once, sort_keys=True)
    assert task_plans.apply(at_once, _fragment(*plans, commits=[SHA] if linked else [])) == []
    assert json.dumps(at_once, sort_keys=True) == snapshot

    stepwise = _doc()
    for count in range(1, len(plans) + 1):
        commits = [SHA] if linked and count == len(plans) else []
        task_plans.apply(stepwise, _fragment(*plans[:count], commits=commits))
    assert stepwise == at_once
    for task in at_once["tasks"]:
        stamps = [r["at"] for r in task["transitions"]]
        assert stamps == sorted(set(stamps))  # strictly increasing: no tie-break decides order
        statuses = [r["status"] for r in task["transitions"]]
        for before, after in itertools.pairwise(statuses):
            assert after in tasks.ALLOWED[before]


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="ab cdE1-.,", max_size=40),
    st.text(alphabet="ab cdE1-.,", max_size=40),
    st.sampled_from([plan_match.REWORDED, plan_match.SIMILAR, plan_match.RETURNING, 0.5, 0.95]),
)
def test_a_pair_is_skipped_only_when_its_similarity_is_under_the_bar(
    one: str, other: str, bar: float
) -> None:
    if plan_match.similarity(one, other) >= bar:
        assert plan_match._may_reach(plan_match._text(one), plan_match._text(other), bar)
