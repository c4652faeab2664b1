"""`ai-journal mcp` through a real MCP client session: the server is spawned as Codex spawns it
(`python -m journal.entry mcp` in the repository), initialised, its tools listed and each one
called, including the calls that must come back as tool errors."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from journal import cli, codex_config, mcp_server, mcp_tools, project_state, task_store
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

CLOCK = itertools.count(1771840800, 60)  # 2026-02-23T10:00:00Z, a minute a command
TOOLS = {"journal_context", "tasks_list", "next_task", "task_update", "recall", "session_show"}


def _cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> None:
    """One command, a minute after the one before (ready-queue order follows creation time)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(next(CLOCK)))
    assert cli.main(list(args)) == 0, args


@pytest.fixture
def worked(
    repo: GitRepo,
    codex_home: CodexHome,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, str]:
    """A repository with a past agent session that made its second commit, and a task graph:
    `health` in progress, `docs` waiting for it, `changelog` open."""
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    session = codex_home.session(repo.path, BASE_TIME + timedelta(minutes=3), commit=repo.head())
    session.prompt("Add a health endpoint to the app", cwd=str(repo.path))
    session.apply_patch(
        "*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+health\n*** End Patch\n"
    )
    session.shell("pytest -q", output="1 passed\n").reply("The app has a health endpoint.")
    repo.commit("Add the health endpoint", {"app.py": "health\n"}, when=session.clock)
    monkeypatch.chdir(repo.path)
    _cli(monkeypatch, "import")
    capsys.readouterr()
    ids = {}
    for key, title, extra in (
        ("health", "Serve the health endpoint", ()),
        ("docs", "Document the health endpoint", ("--depends-on", "{health}")),
        ("changelog", "Tidy the changelog", ()),
    ):
        _cli(monkeypatch, "task", "add", title, *(arg.format(**ids) for arg in extra))
        ids[key] = capsys.readouterr().out.split()[1]
    _cli(monkeypatch, "task", "start", ids["health"])
    capsys.readouterr()
    ids["session"] = session.id
    return ids


def _session(
    cwd: Path,
    errlog: Path,
    script: Callable[[ClientSession], Awaitable[None]],
    extra: tuple[str, ...] = (),
) -> None:
    args = ["-m", "journal.entry", "mcp", *extra]
    params = StdioServerParameters(command=sys.executable, args=args, env=dict(os.environ), cwd=cwd)

    async def main() -> None:
        with errlog.open("w", encoding="utf-8") as err:
            async with (
                stdio_client(params, errlog=err) as (read, write),
                ClientSession(read, write) as session,
            ):
                await script(session)

    anyio.run(main)


def _text(result: Any) -> str:
    return "".join(block.text for block in result.content)


def _calls(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, tool, arguments) in the order the client makes them."""
    return [
        ("tasks", "tasks_list", {}),
        ("ready", "next_task", {}),
        ("no evidence", "task_update", {"id": ids["changelog"], "action": "done"}),
        ("force alone", "task_update", {"id": ids["changelog"], "action": "done", "force": True}),
        ("unknown task", "task_update", {"id": "t-zzzzzz", "action": "start"}),
        ("bad limit", "next_task", {"limit": "x"}),
        ("unknown argument", "tasks_list", {"colour": "red"}),
        ("unknown tool", "tasks_delete", {}),
        ("unknown session", "session_show", {"id": "zzzz"}),
        ("done", "task_update", {"id": ids["health"], "action": "done", "commits": ["HEAD"]}),
        ("ready after", "next_task", {}),
        ("done tasks", "tasks_list", {"status": "done"}),
        ("every task", "tasks_list", {"all": True}),
        ("unknown branch", "tasks_list", {"branch": "nope"}),
        ("session", "session_show", {"id": ids["session"][:8]}),
        ("context", "journal_context", {"budget": 4096}),
        ("recall", "recall", {"query": "health endpoint"}),
    ]


ERRORS = {
    "no evidence": "has no evidence commit reachable from HEAD",
    "force alone": "needs --reason",
    "unknown task": "no task 't-zzzzzz'",
    "bad limit": "argument 'limit' must be an integer",
    "unknown argument": "unknown argument 'colour'",
    "unknown tool": "no tool 'tasks_delete'",
    "unknown session": "no session fragment matches 'zzzz'",
    "unknown branch": "no branch or commit named 'nope'",
}


def test_a_client_session_calls_every_tool(
    worked: dict[str, str], tmp_path: Path, repo: GitRepo
) -> None:
    seen: dict[str, Any] = {}

    async def script(session: ClientSession) -> None:
        seen["init"] = await session.initialize()
        seen["ready_after_s"] = time.perf_counter() - spawned
        seen["tools"] = (await session.list_tools()).tools
        for label, name, args in _calls(worked):
            seen[label] = await session.call_tool(name, args)

    spawned = time.perf_counter()
    _session(repo.path, tmp_path / "server.err", script)
    assert seen["init"].server_info.name == "ai-journal"
    assert seen["ready_after_s"] < codex_config.STARTUP_TIMEOUT_SEC
    assert seen["init"].capabilities.tools is not None
    assert {tool.name for tool in seen["tools"]} == TOOLS
    assert all(t.input_schema["type"] == "object" and t.description for t in seen["tools"])
    for label, _, _ in _calls(worked):
        assert seen[label].is_error == (label in ERRORS), (label, _text(seen[label]))
    for label, message in ERRORS.items():
        text = _text(seen[label])
        assert text.startswith("ai-journal: "), (label, text)
        assert message in text, (label, text)
        assert "\n" not in text.strip()

    listed = seen["tasks"].structured_content
    assert listed["branch"] == "main"
    statuses = {t["id"]: t["status"] for t in listed["tasks"]}
    assert statuses == {
        worked["health"]: "in_progress",
        worked["docs"]: "open",
        worked["changelog"]: "open",
    }
    line = f"{worked['health']}  in_progress  Serve the health endpoint"
    assert line in _text(seen["tasks"])
    assert [t["id"] for t in seen["ready"].structured_content["tasks"]] == [worked["changelog"]]

    done = seen["done"].structured_content["task"]
    assert (done["id"], done["status"], done["pending_evidence"]) == (
        worked["health"],
        "done",
        False,
    )
    assert done["evidence"]["commits"] == [repo.head()]
    after = seen["ready after"].structured_content["tasks"]
    assert [t["id"] for t in after] == [worked["docs"], worked["changelog"]]

    assert [t["id"] for t in seen["done tasks"].structured_content["tasks"]] == [worked["health"]]
    assert len(seen["every task"].structured_content["tasks"]) == 3
    assert [t["id"] for t in seen["tasks"].structured_content["tasks"]] == [
        worked["health"],
        worked["docs"],
        worked["changelog"],
    ]

    fragment = seen["session"].structured_content
    assert fragment["id"] == worked["session"]
    assert fragment["summary"] == "The app has a health endpoint."
    assert json.loads(_text(seen["session"])) == fragment

    context = seen["context"]
    assert "Document the health endpoint" in _text(context)
    assert isinstance(context.structured_content, dict)

    hits = seen["recall"].structured_content["hits"]
    assert hits
    assert f"[{hits[0]['kind']}] {hits[0]['id']}" in _text(seen["recall"])
    assert "health" in (str(hits[0]["title"]) + str(hits[0]["snippet"])).lower()

    assert "Traceback" not in (tmp_path / "server.err").read_text(encoding="utf-8")
    stored = task_store.load_doc(repo.path)
    by_id = {t["id"]: t for t in stored["tasks"]}
    moves = by_id[worked["health"]]["transitions"]
    assert [m["status"] for m in moves] == ["open", "in_progress", "done"]
    assert moves[-1]["by"] == "Ada Tester <ada@example.com>"
    assert [m["status"] for m in by_id[worked["changelog"]]["transitions"]] == ["open"]


def test_repo_names_the_repository_to_serve(
    worked: dict[str, str], tmp_path: Path, repo: GitRepo
) -> None:
    seen: dict[str, Any] = {}

    async def script(session: ClientSession) -> None:
        await session.initialize()
        seen["next"] = await session.call_tool("next_task", {"limit": 1})

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _session(elsewhere, tmp_path / "server.err", script, ("--repo", str(repo.path)))
    assert seen["next"].structured_content["ready"] == 1
    assert seen["next"].structured_content["head"] == repo.head()


def test_without_the_mcp_package_the_command_says_how_to_install_it(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    monkeypatch.setitem(sys.modules, "mcp", None)  # how Python marks a module as not importable
    assert cli.main(["mcp"]) == 1
    assert capsys.readouterr().err == f"ai-journal: {mcp_server.INSTALL_HINT}\n"
    assert "pip install 'ai-journal[mcp]'" in mcp_server.INSTALL_HINT


def test_a_named_repository_must_be_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["mcp", "--repo", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"ai-journal: {tmp_path} is not inside a git work tree; run this from your repository\n"
    )


def test_the_cli_and_the_hooks_never_import_mcp() -> None:
    probe = "import sys, journal.cli, journal.hook; print('mcp' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out == "False\n"


def test_outside_a_repository_a_tool_answers_with_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text, data, failed = mcp_server.answer("tasks_list", {})
    assert (failed, data) == (True, None)
    assert (
        text
        == f"ai-journal: {tmp_path} is not inside a git work tree; run this from your repository"
    )


def test_a_broken_state_file_is_the_tools_one_line_error(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    monkeypatch.chdir(repo.path)
    state_file = repo.path / project_state.STATE_PATH
    state_file.parent.mkdir()
    state_file.write_text('{"schema": 1, "tasks": 3}')
    assert mcp_server.answer("next_task", {}) == (
        f"ai-journal: {state_file}: 'tasks' must be a list of objects; fix the file",
        None,
        True,
    )


def test_an_unexpected_error_becomes_a_tool_error_with_its_traceback_logged(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    monkeypatch.chdir(repo.path)
    broken = mcp_tools.Tool("explode", "", {"type": "object", "properties": {}}, _explode)
    monkeypatch.setitem(mcp_tools.BY_NAME, "explode", broken)
    text, data, failed = mcp_server.answer("explode", {})
    log = repo.path / ".git/ai-journal/log"
    assert (failed, data) == (True, None)
    assert text == f"ai-journal: unexpected error: RuntimeError('boom'); details in {log}"
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")


def _explode(args: Any) -> mcp_tools.ToolResult:
    raise RuntimeError("boom")
