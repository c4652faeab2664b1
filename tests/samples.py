"""Hand-written session fragments (schema 1) and commits for the journal tests.

The scenario: a small web service `acme/widgets` worked on with Codex on Monday 2026-02-23, journals
kept in Europe/Paris time (UTC+1 in February).
"""

from __future__ import annotations

import copy
from typing import Any

from journal.git import CommitInfo, FileStat

BASE = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
HEALTH = "3f9c2a1d5e6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
DOCS = "5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80"
CLI = "8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70812"
BUMP = "b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e"
NIGHT = "e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d"

HEALTH_SESSION = "019c8a59-e9dd-71f0-9ae3-4079fe9726a9"
CLI_SESSION = "019c8a70-dda7-7f33-98ea-f30553347322"
NIGHT_SESSION = "019c8bfe-ec25-79e0-97d7-bda6a9c575ff"


def _fragment(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "schema": 1,
        "agent": "codex",
        "title": None,
        "parent_id": None,
        "subagents": [],
        "cwd": ".",
        "model": "gpt-5.3-codex",
        "git": {"branch": "main", "commit": BASE},
        "prompts": [],
        "summary": None,
        "outcome": "completed",
        "commands": [],
        "files": [],
        "plans": [],
        "tokens": {"input": 0, "cached_input": 0, "output": 0, "reasoning_output": 0, "total": 0},
        "commits": [],
        "digest": "0123456789abcdef",
    }
    base.update(fields)
    base["active"] = [[base["started"], base["ended"]]]
    return base


def health_session() -> dict[str, Any]:
    return _fragment(
        id=HEALTH_SESSION,
        started="2026-02-23T08:54:34.123Z",
        ended="2026-02-23T09:40:02.001Z",
        prompts=[
            {
                "ts": "2026-02-23T08:54:40.500Z",
                "text": "Add a /health endpoint to the API that reports the build version, "
                "and a test for it.",
            },
            {"ts": "2026-02-23T09:35:10.000Z", "text": "Also mention it in the README."},
        ],
        summary="Added `GET /health` returning `{status, version}` with a test in "
        "tests/test_health.py; `pytest -q` passes (14 tests). README documents the endpoint.",
        commands=[
            {"ts": "2026-02-23T08:55:02.000Z", "command": 'rg -n "app.route" src', "exit_code": 0},
            {"ts": "2026-02-23T09:05:41.000Z", "command": "pytest -q", "exit_code": 1},
            {"ts": "2026-02-23T09:12:03.000Z", "command": "pytest -q", "exit_code": 0},
            {"ts": "2026-02-23T09:38:00.000Z", "command": "git status --short", "exit_code": 0},
        ],
        files=[
            {"ts": "2026-02-23T09:01:00.000Z", "path": "src/widgets/app.py", "action": "update"},
            {"ts": "2026-02-23T09:03:00.000Z", "path": "tests/test_health.py", "action": "add"},
            {"ts": "2026-02-23T09:10:00.000Z", "path": "tests/test_health.py", "action": "update"},
            {"ts": "2026-02-23T09:36:00.000Z", "path": "README.md", "action": "update"},
        ],
        plans=[
            {
                "ts": "2026-02-23T08:56:00.000Z",
                "explanation": "Small endpoint plus a test.",
                "steps": [
                    {"step": "Add the /health route", "status": "in_progress"},
                    {"step": "Write tests/test_health.py", "status": "pending"},
                    {"step": "Run the test suite", "status": "pending"},
                ],
            },
            {
                "ts": "2026-02-23T09:12:30.000Z",
                "explanation": "Small endpoint plus a test.",
                "steps": [
                    {"step": "Add the /health route", "status": "completed"},
                    {"step": "Write tests/test_health.py", "status": "completed"},
                    {"step": "Run the test suite", "status": "completed"},
                ],
            },
        ],
        tokens={
            "input": 61200,
            "cached_input": 40960,
            "output": 5113,
            "reasoning_output": 2048,
            "total": 48213,
            "by_day": {"2026-02-23": 48213},
        },
        commits=[
            {"sha": DOCS, "patch_id": "p-docs", "strength": "files"},
            {"sha": HEALTH, "patch_id": "p-health", "strength": "explicit"},
        ],
    )


def cli_session() -> dict[str, Any]:
    return _fragment(
        id=CLI_SESSION,
        started="2026-02-23T12:10:00.000Z",
        ended="2026-02-23T13:05:30.000Z",
        outcome="interrupted",
        git={"branch": "fix/config-typos", "commit": HEALTH},
        prompts=[
            {
                "ts": "2026-02-23T12:10:05.000Z",
                "text": "Make the CLI print a friendlier error when config.toml has a typo",
            }
        ],
        summary=None,
        commands=[
            {
                "ts": "2026-02-23T12:20:00.000Z",
                "command": "python -m widgets --config tests/data/bad.toml",
                "exit_code": 2,
            },
            {
                "ts": "2026-02-23T12:40:00.000Z",
                "command": "pytest tests/test_cli.py -q",
                "exit_code": 0,
            },
            {"ts": "2026-02-23T13:05:30.000Z", "command": "pytest -q", "exit_code": None},
        ],
        files=[
            {"ts": "2026-02-23T12:30:00.000Z", "path": "src/widgets/cli.py", "action": "update"}
        ],
        plans=[
            {
                "ts": "2026-02-23T12:12:00.000Z",
                "explanation": None,
                "steps": [
                    {"step": "Find where config errors surface", "status": "completed"},
                    {"step": "Suggest the closest key", "status": "in_progress"},
                    {"step": "Cover it with a CLI test", "status": "pending"},
                ],
            }
        ],
        tokens={"total": 22950, "by_day": {"2026-02-23": 22950}},
        commits=[{"sha": CLI, "patch_id": "p-cli", "strength": "time"}],
    )


def night_session() -> dict[str, Any]:
    """23:41 to 00:37 in Paris: two local days."""
    return _fragment(
        id=NIGHT_SESSION,
        started="2026-02-23T22:41:00.000Z",
        ended="2026-02-23T23:37:00.000Z",
        prompts=[
            {
                "ts": "2026-02-23T22:41:05.000Z",
                "text": "The nightly export job times out; find out why.",
            },
            {
                "ts": "2026-02-23T23:05:00.000Z",
                "text": "Batch the queries and add a regression test.",
            },
        ],
        summary="Batched the export queries (one per 500 rows); the job now finishes in 40 s.",
        commands=[
            {
                "ts": "2026-02-23T22:45:00.000Z",
                "command": "python -m widgets.export --dry-run",
                "exit_code": 1,
            },
            {
                "ts": "2026-02-23T22:58:00.000Z",
                "command": "pytest tests/test_export.py -q",
                "exit_code": 1,
            },
            {
                "ts": "2026-02-23T23:20:00.000Z",
                "command": "pytest tests/test_export.py -q",
                "exit_code": 0,
            },
        ],
        files=[
            {"ts": "2026-02-23T22:55:00.000Z", "path": "src/widgets/export.py", "action": "update"},
            {"ts": "2026-02-23T23:10:00.000Z", "path": "tests/test_export.py", "action": "add"},
        ],
        plans=[
            {
                "ts": "2026-02-23T22:50:00.000Z",
                "explanation": None,
                "steps": [
                    {"step": "Reproduce the timeout", "status": "completed"},
                    {"step": "Batch the queries", "status": "in_progress"},
                ],
            },
            {
                "ts": "2026-02-23T23:25:00.000Z",
                "explanation": None,
                "steps": [
                    {"step": "Reproduce the timeout", "status": "completed"},
                    {"step": "Batch the queries", "status": "completed"},
                    {"step": "Add a regression test", "status": "completed"},
                ],
            },
        ],
        tokens={"total": 35500, "by_day": {"2026-02-23": 20000, "2026-02-24": 15500}},
        commits=[{"sha": NIGHT, "patch_id": "p-night", "strength": "explicit"}],
    )


def commit(
    sha: str,
    subject: str,
    when: str,
    files: tuple[FileStat, ...],
    parents: tuple[str, ...] = (BASE,),
    patch_id: str | None = None,
) -> CommitInfo:
    return CommitInfo(
        sha=sha,
        parents=parents,
        subject=subject,
        author_name="Ada Tester",
        author_email="ada@example.com",
        authored=when,
        committed=when,
        files=files,
        patch_id=patch_id,
    )


def day_commits() -> list[CommitInfo]:
    return [
        commit(
            HEALTH,
            "Add /health endpoint",
            "2026-02-23T09:38:30Z",
            (
                FileStat("src/widgets/app.py", "M", 18, 2),
                FileStat("tests/test_health.py", "A", 25, 0),
            ),
            patch_id="p-health",
        ),
        commit(
            DOCS,
            "Document the health check",
            "2026-02-23T09:41:00Z",
            (FileStat("README.md", "M", 6, 0),),
            parents=(HEALTH,),
            patch_id="p-docs",
        ),
        commit(
            CLI,
            "Suggest the closest key on config typos",
            "2026-02-23T13:10:00Z",
            (FileStat("src/widgets/cli.py", "M", 12, 4),),
            parents=(DOCS,),
            patch_id="p-cli",
        ),
        commit(
            BUMP,
            "Release 0.4.1",
            "2026-02-23T15:00:00Z",
            (FileStat("pyproject.toml", "M", 1, 1), FileStat("assets/logo.png", "A", 0, 0)),
            parents=(CLI,),
            patch_id="p-bump",
        ),
    ]


def night_commit() -> CommitInfo:
    return commit(
        NIGHT,
        "Batch export queries",
        "2026-02-23T23:30:00Z",
        (
            FileStat("src/widgets/export.py", "M", 40, 22),
            FileStat("tests/test_export.py", "A", 31, 0),
        ),
        parents=(BUMP,),
        patch_id="p-night",
    )


def pending_commit() -> CommitInfo:
    return CommitInfo(
        sha="",
        parents=(BUMP,),
        subject="",
        author_name="Ada Tester",
        author_email="ada@example.com",
        authored="2026-02-23T16:20:00Z",
        committed="2026-02-23T16:20:00Z",
        files=(FileStat("src/widgets/app.py", "M", 4, 1),),
    )


def copy_of(data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(data)
