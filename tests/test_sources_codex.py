"""The current (G2) Codex format, written line by line as Codex writes it, read back into a Session."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson

from journal.sources import rollout
from journal.sources.model import FileChange, PlanStep, Session, TokenUsage
from testing.codex_home import CodexHome, Rollout

START = datetime(2026, 3, 2, 9, 15, 0, tzinfo=UTC)
CWD = "/home/dev/acme-api"
PATCH = "*** Begin Patch\n*** Update File: src/app.py\n@@\n-a\n+b\n*** End Patch\n"


def read(log: Rollout) -> Session:
    session = rollout.read_file(log.path)
    assert session is not None
    return session


def test_a_complete_session(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START, commit="3f" * 20, remote="git@example.com:a/b.git")
    log.prompt("Add a /health endpoint", cwd=CWD).reply("On it.", final=False)
    log.shell("pytest -q", exit_code=1, output="1 failed", style="json", workdir=CWD)
    log.shell("pytest -q", exit_code=0, output="ok", style="freeform")
    log.shell("rg health", exit_code=2, style="unified")
    log.apply_patch(PATCH).tokens(1000).reply("Added GET /health.")
    log.rename("Health endpoint")
    session = read(log)

    assert (session.id, session.agent, session.format) == (log.id, "codex", "g2")
    assert (session.cwd, session.model, session.source) == (CWD, "gpt-5.3-codex", "cli")
    assert (session.git_branch, session.git_commit) == ("main", "3f" * 20)
    assert session.git_remote == "git@example.com:a/b.git"
    assert session.started == "2026-03-02T09:15:00.000Z"
    assert session.ended is not None
    assert session.ended > session.started
    assert session.title == "Health endpoint"
    assert [p.text for p in session.prompts] == ["Add a /health endpoint"]
    assert [(r.text, r.phase) for r in session.replies] == [
        ("On it.", "commentary"),
        ("Added GET /health.", "final_answer"),
    ]
    shells = [c for c in session.tool_calls if c.kind == "shell"]
    assert [(c.name, c.command, c.exit_code, c.status) for c in shells] == [
        ("shell", "pytest -q", 1, "failed"),
        ("shell_command", "pytest -q", 0, "ok"),
        ("exec_command", "rg health", 2, "failed"),
    ]
    assert shells[0].workdir == CWD
    assert shells[0].output == "1 failed"
    (patch_call,) = [c for c in session.tool_calls if c.kind == "patch"]
    assert patch_call.files == [FileChange("src/app.py", "update")]
    assert patch_call.workdir == CWD  # no workdir of its own: the turn's cwd
    assert session.tokens == TokenUsage(750, 250, 250, 125, 1000)
    assert len(session.token_snapshots) == 1  # the duplicate token_count is not a new snapshot
    assert (session.turns_completed, session.turns_aborted) == (1, 0)  # "On it." ended no turn
    assert session.stats.lines == sum(1 for _ in log.path.open())
    assert session.stats.malformed == 0
    assert all(c.started <= (c.finished or "") for c in session.tool_calls)


def test_prompts_fall_back_to_response_items_without_events(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.line("response_item", {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "<permissions>"}]})  # fmt: skip
    for injected in (
        f"# AGENTS.md instructions for {CWD}\n\n<INSTRUCTIONS>x</INSTRUCTIONS>",
        "<environment_context>\n  <cwd>/x</cwd>\n</environment_context>",
        "<user_instructions>be brief</user_instructions>",
        '<skill name="pdf">...</skill>',
        "<user_shell_command>ls</user_shell_command>",
        "<turn_aborted>",
    ):
        log.item_user(injected)
    log.item_user("## My request for Codex:\nfix the cart total")
    log.item_user("and add a test")
    session = read(log)
    assert [p.text for p in session.prompts] == ["fix the cart total", "and add a test"]
    assert session.reader_state["prompts_from"] == "items"


def test_user_message_events_win_and_non_plain_kinds_are_skipped(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.item_user("typed text as a response item")
    log.user("<environment_context>…", kind="environment_context")
    log.user("why is the cart total wrong?", kind="plain")
    log.item_user("later item prompt")
    log.user("## My request for Codex: and the tax?")
    session = read(log)
    assert [p.text for p in session.prompts] == ["why is the cart total wrong?", "and the tax?"]


def test_agent_messages_only_when_no_assistant_items(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.user("hi").event("agent_message", message="hello", phase="final_answer")
    session = read(log)
    assert [(r.text, r.phase) for r in session.replies] == [("hello", "final_answer")]
    log.reply("item reply")  # an item arrives: items win, the event copy is not counted twice
    session = read(log)
    assert [r.text for r in session.replies] == ["item reply"]


def test_parallel_calls_missing_and_orphan_outputs(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    first = log.call("exec_command", {"cmd": "ls"})
    second = log.call("exec_command", {"cmd": "pwd"})
    never = log.call("exec_command", {"cmd": "sleep 100"})
    log.output(second, "Wall time: 0.1 seconds\nProcess exited with code 0\nOutput:\n/x\n")
    log.output(first, "Wall time: 0.1 seconds\nProcess exited with code 3\nOutput:\n")
    log.output("call_unknown", "stray")
    session = read(log)
    by_id = {c.call_id: c for c in session.tool_calls}
    assert (by_id[first].exit_code, by_id[second].exit_code, by_id[second].output) == (3, 0, "/x\n")
    assert by_id[never].finished is None
    assert by_id[never].status is None
    assert session.stats.orphan_outputs == 1


def test_unified_exec_gets_its_exit_code_from_write_stdin(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    start = log.exec_running("git commit -m 'Add health'", process_id=7, output="running hooks…\n")
    log.write_stdin(7, output="still going\n")
    log.write_stdin(7, exit_code=0, output="[main 1a2b3c4] Add health\n 1 file changed\n")
    session = read(log)
    commit = next(c for c in session.tool_calls if c.call_id == start)
    assert (commit.exit_code, commit.status) == (0, "ok")
    assert commit.output is not None
    assert "[main 1a2b3c4] Add health" in commit.output
    assert commit.output.startswith("running hooks…")
    polls = [c for c in session.tool_calls if c.name == "write_stdin"]
    assert [c.status for c in polls] == ["running", "ok"]
    assert polls[1].exit_code == 0
    assert session.reader_state["processes"] == {}


def test_extended_history_events_are_preferred(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    call = log.call("shell", {"command": ["bash", "-lc", "make"]})
    log.event("exec_command_end", call_id=call, command=["bash", "-lc", "make"], cwd=CWD, exit_code=2, aggregated_output="make: *** [all] Error 2\n", source="agent")  # fmt: skip
    log.output(call, json.dumps({"output": "", "metadata": {"exit_code": 0}}))
    log.event("exec_command_end", call_id="u1", command=["ls", "-la"], cwd=CWD, exit_code=0, aggregated_output="total 0\n", source="user_shell")  # fmt: skip
    patch_id = log.call("apply_patch", {"input": "not a patch"}, "ok")
    log.event("patch_apply_end", call_id=patch_id, success=True, changes={f"{CWD}/a.py": {"type": "add", "content": "x"}, f"{CWD}/b.py": {"type": "update", "unified_diff": "", "move_path": f"{CWD}/c.py"}})  # fmt: skip
    session = read(log)
    make, user, patch_call = session.tool_calls
    assert (make.exit_code, make.status, make.output) == (2, "failed", "make: *** [all] Error 2\n")
    assert (user.name, user.command, user.exit_code, user.workdir) == (
        "user_shell",
        "ls -la",
        0,
        CWD,
    )
    assert patch_call.files == [
        FileChange(f"{CWD}/a.py", "add"),
        FileChange(f"{CWD}/b.py", "move", move_to=f"{CWD}/c.py"),
    ]


def test_apply_patch_in_every_carrier(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    carriers = ["custom", "function", "argv", "heredoc", "shell_command"]
    ids = [log.patch_via(PATCH, carrier, workdir=f"{CWD}/sub") for carrier in carriers]
    session = read(log)
    calls = {c.call_id: c for c in session.tool_calls}
    for call_id in ids:
        assert calls[call_id].kind == "patch"
        assert calls[call_id].files == [FileChange("src/app.py", "update")]
        assert calls[call_id].status == "ok"
    assert [calls[i].exit_code for i in ids] == [None, 0, 0, 0, 0]  # plain text vs JSON output
    assert calls[ids[3]].workdir == f"{CWD}/sub"
    assert calls[ids[3]].command is not None
    assert calls[ids[3]].command.startswith("apply_patch <<'EOF'")


def test_mcp_in_three_naming_eras(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.mcp("github", "get_issue", {"number": 42})
    log.mcp("github", "get_issue", {"number": 43}, style="namespace")
    log.mcp("github", "get_issue", {"number": 44}, style="bare")
    log.call("list_mcp_resources", {"server": "docs"}, "[]")
    log.call("view_image", {"path": "a.png"}, "ok")
    session = read(log)
    mcp = [(c.kind, c.mcp_server, c.mcp_tool) for c in session.tool_calls]
    assert mcp == [("mcp", "github", "get_issue")] * 3 + [
        ("mcp", "docs", "list_mcp_resources"),
        ("other", None, None),
    ]
    assert session.tool_calls[1].arguments == '{"number": 43}'


def test_plans_are_full_snapshots_with_lenient_statuses(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.plan([("Add route", "in_progress"), ("Write test", "pending")], explanation="Start")
    log.call("update_plan", {"plan": [{"step": "Add route", "status": "Done"}, {"step": "Write test", "status": "in-progress", "model": "x"}, {"status": "pending"}]}, "Plan updated")  # fmt: skip
    log.call("update_plan", "{not json", "failed to parse function arguments")
    session = read(log)
    assert [p.explanation for p in session.plans] == ["Start", None]
    assert session.plans[1].steps == [
        PlanStep("Add route", "completed"),
        PlanStep("Write test", "in_progress"),
    ]
    assert [c.kind for c in session.tool_calls] == ["plan"] * 3
    assert session.tool_calls[2].status == "error"


def test_tokens_last_cumulative_total_and_distinct_snapshots(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.event("token_count", info=None, rate_limits={"primary": None})
    log.tokens(100).tokens(50)
    log.event("token_count", info={"total_token_usage": {"input_tokens": 200, "output_tokens": 10}})
    session = read(log)
    assert [s.usage.total for s in session.token_snapshots] == [100, 150, 210]
    assert session.tokens == TokenUsage(input=200, output=10, total=210)


def test_turns_aborted_and_rolled_back(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.prompt("one", cwd=CWD).reply("r1").prompt("two", cwd=CWD).reply("r2")
    log.prompt("three", cwd=CWD).abort()
    log.rollback(2)
    log.prompt("two, again", cwd=CWD).reply("r2'")
    session = read(log)
    assert [p.text for p in session.prompts] == ["one", "two, again"]
    assert [r.text for r in session.replies] == ["r1", "r2'"]
    assert (session.turns_completed, session.turns_aborted, session.turns_rolled_back) == (3, 1, 2)


def test_compacted_history_is_not_replayed(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.prompt("first", cwd=CWD).reply("done")
    log.compacted([
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "first"}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "done"}]},
        {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c_old"},
    ])  # fmt: skip
    log.prompt("second", cwd=CWD).reply("ok")
    session = read(log)
    assert [p.text for p in session.prompts] == ["first", "second"]
    assert [r.text for r in session.replies] == ["done", "ok"]
    assert session.tool_calls == []
    assert session.stats.unknown == 0


def test_lenient_lines_are_counted_never_fatal(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.raw("not json at all\n").raw("[1, 2]\n").raw('{"no": "shape"}\n').raw("\n   \n")
    log.line("inter_agent_communication", {"x": 1})
    log.line("event_msg", {"type": "brand_new_event"})
    log.line("response_item", {"type": "brand_new_item"})
    log.line("session_meta", {"id": "ffffffff-0000-0000-0000-000000000000", "cwd": "/other"})
    log.raw('{"timestamp":"2026-03-02T09:20:00Z","type":"event_msg","payload":{"type":"user_message","message":"crlf and no ms"}}\r\n')  # fmt: skip
    log.raw('{"timestamp":"2026-03-02T09:21:00.000Z","type":"event_msg","payload":{"type":"user')
    session = read(log)
    assert (session.stats.malformed, session.stats.unknown) == (3, 3)
    assert session.stats.truncated_tail is True
    assert (session.id, session.cwd) == (log.id, CWD)  # the first session_meta wins
    assert [(p.ts, p.text) for p in session.prompts] == [
        ("2026-03-02T09:20:00.000Z", "crlf and no ms")
    ]


def test_reasoning_is_never_stored(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    log.line("response_item", {"type": "reasoning", "summary": [{"type": "summary_text", "text": "thinking"}], "content": None, "encrypted_content": "gAAAA-SECRET-BLOB"})  # fmt: skip
    log.line("response_item", {"type": "compaction", "encrypted_content": "gAAAA-OTHER-BLOB"})
    session = read(log)
    blob = orjson.dumps(session)
    assert b"SECRET-BLOB" not in blob
    assert b"OTHER-BLOB" not in blob
    assert session.stats.unknown == 0


def test_sub_agent_sources_and_format_drift(codex_home: CodexHome) -> None:
    parent = codex_home.session(CWD, START)
    child = codex_home.session(CWD, START.replace(minute=20), parent_id=parent.id)
    review = codex_home.session(CWD, START.replace(minute=30), source={"subagent": "review"})
    legacy_parent = codex_home.session(CWD, START.replace(minute=40), source="exec")
    legacy_parent.line("turn_context", {"cwd": CWD, "approval_policy": "on-request", "sandbox_policy": {"mode": "workspace-write"}, "model": "gpt-5-codex"})  # fmt: skip
    legacy_parent.line("turn_context", {"cwd": "/tmp/elsewhere", "sandbox_policy": {"type": "read-only"}, "model": "gpt-5.3-codex", "turn_id": "t", "personality": "pragmatic"})  # fmt: skip
    assert (read(child).source, read(child).parent_id) == ("subagent", parent.id)
    assert (read(review).source, read(review).parent_id) == ("subagent", None)
    drifted = read(legacy_parent)
    assert (drifted.source, drifted.model, drifted.cwd) == ("exec", "gpt-5.3-codex", CWD)
    assert drifted.reader_state["cwds"] == [CWD, "/tmp/elsewhere"]


def test_a_two_megabyte_line(codex_home: CodexHome) -> None:
    log = codex_home.session(CWD, START)
    big = "x" * (2 * 1024 * 1024)
    log.line("response_item", {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": big}]})  # fmt: skip
    log.shell("echo", output=big)
    log.prompt("after the big line", cwd=CWD)
    session = read(log)
    assert [p.text for p in session.prompts] == ["after the big line"]
    assert len(session.tool_calls[0].output or "") < 4000
