"""A task graph for rendering tests: two goals, three milestones, subtasks, dependencies, every
status, a task done only on `feature-x`, one done without reachable evidence, and titles that
need escaping in Markdown and in Mermaid."""

from __future__ import annotations

from typing import Any

from journal.tasks import View
from tests import samples

FEATURE = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed"  # a commit only on feature-x
LOST = "dead0000dead0000dead0000dead0000dead0000"  # evidence no branch holds any more
ADA = "Ada Tester <ada@example.com>"
BEA = "Bea Baker <bea@example.com>"
ON_MAIN = frozenset({samples.BASE, samples.HEALTH, samples.DOCS, samples.CLI, samples.BUMP})
TRICKY_TITLE = 'Fix "quoted" [x] | pipes `tick` <b>#1; {brace} & end'


def main_view() -> View:
    return View("main", samples.BUMP, ON_MAIN.__contains__)


def feature_view() -> View:
    return View("feature-x", FEATURE, (ON_MAIN | {FEATURE}).__contains__)


def _move(at: str, status: str, by: str, **extra: Any) -> dict[str, Any]:
    record = {"at": at, "status": status, "branch": "main", "commit": samples.BASE, "by": by}
    return record | {"reason": None, "forced": False} | extra


def _task(task_id: str, title: str, moves: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    task = {
        "id": task_id,
        "title": title,
        "milestone": None,
        "parent": None,
        "depends_on": [],
        "owner": None,
        "labels": [],
        "evidence": {"commits": [], "files": [], "sessions": []},
        "transitions": moves,
        "created": moves[0]["at"],
        "origin": {"kind": "cli"},
    }
    return task | fields


def graph() -> dict[str, Any]:
    """Times are UTC; the journal reads them in Europe/Paris (UTC+1 in February)."""
    session = f"session:{samples.HEALTH_SESSION}"
    tasks = [
        _task(
            "t-7f3a01",
            "Add the /health endpoint",
            [
                _move("2026-02-23T08:14:00Z", "open", ADA),
                _move("2026-02-23T09:05:00Z", "in_progress", session),
                _move("2026-02-23T10:31:00Z", "done", f"trailer:{samples.HEALTH}"),
            ],
            milestone="m-4d5e6f",
            owner=ADA,
            evidence={
                "commits": [samples.HEALTH],
                "files": ["src/app.py", "tests/test a|b.py"],
                "sessions": [samples.HEALTH_SESSION],
            },
        ),
        _task(
            "t-7f3a02",
            "Cover /health with tests",
            [
                _move("2026-02-23T09:06:00Z", "open", session),
                _move("2026-02-23T23:30:00Z", "in_progress", session),  # Tuesday in Paris
            ],
            milestone="m-4d5e6f",
            parent="t-7f3a01",
            owner=session,
        ),
        _task(
            "t-8b4c11",
            TRICKY_TITLE,
            [
                _move("2026-02-22T17:00:00Z", "open", BEA),
                _move("2026-02-23T11:00:00Z", "blocked", BEA, reason="waits for /health"),
            ],
            milestone="m-4d5e6f",
            depends_on=["t-7f3a01"],
            owner=BEA,
        ),
        _task(
            "t-9c5d22",
            "Retry policy for the client",
            [
                _move("2026-02-22T10:00:00Z", "open", ADA),
                _move("2026-02-23T12:00:00Z", "done", ADA, branch="feature-x", commit=FEATURE),
            ],
            milestone="m-5e6f70",
            depends_on=["t-7f3a01", "t-8b4c11"],
            evidence={"commits": [FEATURE], "files": [], "sessions": []},
        ),
        _task(
            "t-a1b2c3",
            "Changelog entry",
            [
                _move("2026-02-22T10:05:00Z", "open", ADA),
                _move("2026-02-23T13:00:00Z", "done", "journal", commit=None),
            ],
            milestone="m-5e6f70",
            evidence={"commits": [LOST], "files": ["CHANGELOG.md"], "sessions": []},
        ),
        _task(
            "t-b2c3d4",
            "Rewrite the client in Rust",
            [
                _move("2026-02-20T09:00:00Z", "open", BEA),
                _move("2026-02-21T09:00:00Z", "dropped", BEA, reason="not worth it"),
            ],
            milestone="m-6f7081",
        ),
        _task(
            "t-c3d4e5",
            "Bump the version",
            [
                _move("2026-02-23T15:00:00Z", "open", ADA),
                _move(
                    "2026-02-23T15:10:00Z",
                    "done",
                    ADA,
                    forced=True,
                    reason="released from another machine",
                ),
            ],
        ),
        _task("t-d4e5f6", "Sketch the 2.0 roadmap", [_move("2026-02-21T08:00:00Z", "open", ADA)]),
    ]
    return {
        "schema": 1,
        "reconciled_head": samples.BASE,
        "goals": [
            _goal("g-1a2b3c", "Ship the public API"),
            _goal("g-2b3c4d", "Grow the community"),
        ],
        "milestones": [
            _milestone("m-4d5e6f", "Health checks", "g-1a2b3c"),
            _milestone("m-5e6f70", "Client | v1 [beta]", "g-1a2b3c"),
            _milestone("m-6f7081", "Rust port", None, closed="2026-02-21T09:00:00Z"),
        ],
        "tasks": tasks,
    }


def _goal(goal_id: str, title: str) -> dict[str, Any]:
    return {"id": goal_id, "title": title, "created": "2026-02-20T08:00:00Z", "closed": None}


def _milestone(
    milestone_id: str, title: str, goal: str | None, closed: str | None = None
) -> dict[str, Any]:
    created = "2026-02-20T08:00:00Z"
    return {"id": milestone_id, "title": title, "goal": goal, "created": created, "closed": closed}
