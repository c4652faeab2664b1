"""The real (sanitized) Codex Desktop 0.104 rollouts. Counts were taken by reading the files.

The sanitizer replaced free text, tool arguments and outputs by `[REDACTED_* len=… sha=…]`, so
arguments are not JSON: commands, patch files and plan steps cannot be recovered from these files;
the calls themselves, their pairing and kinds can.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from journal.sources import rollout
from journal.sources.model import Session, TokenUsage


def load(fixtures_dir: Path, session_id: str) -> Session:
    (path,) = (fixtures_dir / "codex").glob(f"*{session_id}.jsonl")
    session = rollout.read_file(path)
    assert session is not None
    return session


def names(session: Session) -> Counter[str]:
    return Counter(call.name for call in session.tool_calls)


def test_long_session_with_compaction(fixtures_dir: Path) -> None:
    session = load(fixtures_dir, "019c8a59-e9dd-71f0-9ae3-4079fe9726a9")
    assert session.id == "019c8a59-e9dd-71f0-9ae3-4079fe9726a9"
    assert (session.started, session.ended) == (
        "2026-02-23T11:54:34.334Z",
        "2026-02-24T12:09:44.294Z",
    )
    assert (session.source, session.originator, session.cli_version) == (
        "vscode",
        "Codex Desktop",
        "0.104.0-alpha.1",
    )
    assert (session.git_branch, session.git_commit) == (
        "main",
        "7078dc6b1ce5dd75a54ad14563c663530b82963b",
    )
    assert (session.cwd, session.model) == ("/redacted/path/59b923df4d", "gpt-5.3-codex")
    assert (session.stats.lines, session.stats.malformed, session.stats.unknown) == (2722, 0, 0)
    # 38 user_message events; the compacted record's 21 user items are not prompts again
    assert len(session.prompts) == 38
    assert (
        len(session.replies) == 255
    )  # assistant items; the 255 agent_message copies are not added
    assert Counter(r.phase for r in session.replies) == {"commentary": 222, "final_answer": 33}
    assert len(session.tool_calls) == 365
    assert all(c.finished for c in session.tool_calls)
    assert Counter(c.kind for c in session.tool_calls) == {
        "shell": 212, "patch": 49, "mcp": 27, "plan": 2, "other": 75,
    }  # fmt: skip
    assert names(session)["write_stdin"] == 70
    assert names(session)["apply_patch"] == 49
    mcp = Counter((c.mcp_server, c.mcp_tool) for c in session.tool_calls if c.kind == "mcp")
    assert mcp == {
        ("supabase_right_aim_ops", "execute_sql"): 22,
        ("supabase_right_aim_ops", "list_tables"): 1,
        ("n8n-mcp", "n8n_health_check"): 1,
        ("associates-tools", "List_Budgets"): 1,
        (None, "list_mcp_resources"): 1,
        (None, "list_mcp_resource_templates"): 1,
    }
    assert session.plans == []  # both update_plan arguments are redacted
    assert session.turns_completed == 33
    assert session.turns_aborted == 0
    assert session.tokens == TokenUsage(33810485, 31621504, 133999, 42113, 33944484)
    assert len(session.token_snapshots) == 286  # 573 token_count lines, duplicates dropped
    assert session.stats.orphan_outputs == 0


def test_session_with_patches_and_plans(fixtures_dir: Path) -> None:
    session = load(fixtures_dir, "019c8a4c-ed82-79a1-aa28-7738fc5ab61a")
    assert session.stats.lines == 702
    assert (len(session.prompts), len(session.replies)) == (5, 43)
    assert names(session) == {
        "exec_command": 71,
        "apply_patch": 22,
        "write_stdin": 9,
        "update_plan": 2,
    }
    assert Counter(c.kind for c in session.tool_calls)["plan"] == 2
    assert session.tokens is not None
    assert session.tokens.total == 7240100
    assert len(session.token_snapshots) == 81
    assert session.turns_completed == 5


def test_one_turn_with_mcp_calls(fixtures_dir: Path) -> None:
    session = load(fixtures_dir, "019c8bfe-ec25-79e0-97d7-bda6a9c575ff")
    assert session.stats.lines == 63
    assert (len(session.prompts), len(session.replies), session.turns_completed) == (1, 6, 1)
    mcp = Counter((c.mcp_server, c.mcp_tool) for c in session.tool_calls if c.kind == "mcp")
    assert mcp == {
        ("cloud-associates", "execute_workflow"): 3,
        ("cloud-associates", "search_workflows"): 1,
    }
    assert session.tokens is not None
    assert session.tokens.total == 299496
    assert [s.usage.total for s in session.token_snapshots][-1] == 299496
    assert len(session.token_snapshots) == 6


def test_interrupted_session_keeps_the_call_without_output(fixtures_dir: Path) -> None:
    session = load(fixtures_dir, "019c8a70-dda7-7f33-98ea-f30553347322")
    assert session.stats.lines == 19
    (call,) = session.tool_calls
    assert (call.call_id, call.name, call.kind) == (
        "call_UtYwHmwWekzvq83m8Rb9K8jJ",
        "exec_command",
        "shell",
    )
    assert (call.finished, call.status, call.exit_code) == (None, None, None)
    assert call.arguments == "[REDACTED_ARGUMENTS len=456 sha=df6be51a]"  # not JSON: kept raw
    assert (session.turns_completed, len(session.prompts), len(session.replies)) == (0, 1, 1)
    assert session.ended == "2026-02-23T12:19:52.689Z"
    assert session.tokens is not None
    assert session.tokens.total == 34900
