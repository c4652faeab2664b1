import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import fragment, fragment_fields, state
from journal.config import Config
from journal.errors import StateCorrupt
from journal.redact import Redactor
from journal.sources import rollout
from journal.sources.model import (
    FileChange,
    Message,
    PlanSnapshot,
    PlanStep,
    Session,
    TokenSnapshot,
    TokenUsage,
    ToolCall,
)
from testing.codex_home import CodexHome
from testing.git_repo import GitRepo

SCHEMA_KEYS = {
    "schema", "agent", "id", "title", "parent_id", "subagents", "started", "ended", "cwd",
    "model", "git", "prompts", "summary", "outcome", "commands", "files", "plans", "tokens",
    "commits", "active", "digest",
}  # fmt: skip
GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
SID = "019c8a59-e9dd-71f0-9ae3-4079fe9726a9"


def usage(total: int) -> TokenUsage:
    return TokenUsage(total * 3 // 4, total // 4, total // 4, total // 8, total)


def shell(n: int, ts: str, command: str, exit_code: int | None = 0, **extra: Any) -> ToolCall:
    done = None if extra.pop("pending", False) else ts
    return ToolCall(
        f"c{n}", "exec_command", "shell", ts, done, command, exit_code=exit_code, **extra
    )


def patch(n: int, ts: str, files: list[FileChange], workdir: str | None = None) -> ToolCall:
    return ToolCall(f"p{n}", "apply_patch", "patch", ts, ts, workdir=workdir, files=files)


def make_session(root: Path, home: Path) -> Session:
    """A realistic session: two activity spans, a secret in a prompt, a move, a pending-free log."""
    return Session(
        agent="codex",
        id=SID,
        source_path=str(home / ".codex" / "sessions" / "rollout.jsonl"),
        cwd=str(root),
        started="2026-02-23T11:54:34.123Z",
        ended="2026-02-23T13:10:00.000Z",
        git_branch="feature/Login_Page",
        git_commit="3f9c2a1d4b5e6f708192a3b4c5d6e7f8091a2b3c",
        model="gpt-5.3-codex",
        prompts=[
            Message("2026-02-23T11:54:35.000Z", f"Add /health; my token is {GITHUB_TOKEN}"),
            Message("2026-02-23T13:00:00.000Z", f"Now look at {root}/src/app.py and {home}/notes"),
        ],
        replies=[
            Message("2026-02-23T11:56:00.000Z", "Working on it", "commentary"),
            Message("2026-02-23T12:10:00.000Z", "Added GET /health.", "final_answer"),
            Message("2026-02-23T13:09:00.000Z", f"Done; see {root}/src/app.py.", "final_answer"),
            Message("2026-02-23T13:09:30.000Z", "(aside)", "commentary"),
        ],
        tool_calls=[
            shell(1, "2026-02-23T11:55:00.000Z", f"cd {root} && pytest -q", 0),
            patch(
                2,
                "2026-02-23T11:58:00.000Z",
                [
                    FileChange("app.py", "update"),
                    FileChange(str(root / "README.md"), "add"),
                    FileChange("old.py", "update", move_to="new.py"),
                ],
                workdir=str(root / "src"),
            ),
            shell(3, "2026-02-23T12:05:00.000Z", "export GITHUB_TOKEN=" + GITHUB_TOKEN, None),
            shell(4, "2026-02-23T13:01:00.000Z", "git status", 1, workdir=str(root)),
            ToolCall("m5", "mcp__github__get_issue", "mcp", "2026-02-23T13:02:00.000Z", "x"),
        ],
        plans=[
            PlanSnapshot(
                "2026-02-23T11:57:00.000Z",
                [PlanStep("Add route", "in_progress"), PlanStep(f"Edit {root}/x", "pending")],
                explanation=None,
            )
        ],
        tokens=usage(9000),
        token_snapshots=[
            TokenSnapshot("2026-02-23T11:56:00.000Z", usage(1000)),
            TokenSnapshot("2026-02-24T03:00:00.000Z", usage(4000)),
            TokenSnapshot("2026-02-24T06:00:00.000Z", usage(9000)),
        ],
        turns_completed=2,
    )


def make_child(root: Path) -> Session:
    return Session(
        agent="codex",
        id="019c8a5a-0000-7000-8000-000000000001",
        source_path="/x/child.jsonl",
        cwd=str(root),
        started="2026-02-23T12:00:00.000Z",
        ended="2026-02-23T13:30:00.000Z",
        parent_id=SID,
        source="subagent",
        prompts=[Message("2026-02-23T12:00:01.000Z", "review the patch (from the parent)")],
        tool_calls=[
            shell(1, "2026-02-23T12:01:00.000Z", "ruff check .", 0),
            patch(2, "2026-02-23T13:30:00.000Z", [FileChange("tests/t.py", "add")]),
        ],
        tokens=usage(500),
        token_snapshots=[TokenSnapshot("2026-02-23T12:02:00.000Z", usage(500))],
    )


@pytest.fixture
def ctx(repo: GitRepo, hermetic: Path) -> dict[str, Any]:
    repo.commit("first", {"src/app.py": "x\n"})
    return {
        "toplevel": repo.path,
        "worktrees": [repo.path],
        "config": Config(timezone="America/New_York", prompt_max_chars=60, summary_max_chars=40),
        "redactor": Redactor.from_config(Config()),
        "commits": [
            {"sha": "b" * 40, "patch_id": "p2", "strength": "time"},
            {"sha": "a" * 40, "patch_id": "p1", "strength": "explicit", "extra": 1},
            {"sha": "b" * 40, "patch_id": "p2", "strength": "files"},
        ],
    }


def build(session: Session, ctx: dict[str, Any], children: list[Session] | None = None) -> dict:
    return fragment.build(session, children=children or [], **ctx)


def test_build_gives_the_schema_1_document(ctx: dict[str, Any], hermetic: Path) -> None:
    root = ctx["toplevel"]
    doc = build(make_session(root, hermetic), ctx)
    assert set(doc) == SCHEMA_KEYS
    assert (doc["schema"], doc["agent"], doc["id"], doc["parent_id"]) == (1, "codex", SID, None)
    assert (doc["started"], doc["ended"]) == (
        "2026-02-23T11:54:34.123Z",
        "2026-02-24T06:00:00.000Z",
    )
    assert doc["cwd"] == "."
    assert doc["git"] == {
        "branch": "feature/Login_Page",
        "commit": "3f9c2a1d" + "4b5e6f708192a3b4c5d6e7f8091a2b3c",
    }
    assert doc["prompts"] == [
        {
            "ts": "2026-02-23T11:54:35.000Z",
            "text": "Add /health; my token is [REDACTED:github_token]",
        },
        {"ts": "2026-02-23T13:00:00.000Z", "text": "Now look at ./src/app.py and ~/notes"},
    ]
    assert doc["summary"] == "Done; see ./src/app.py."
    assert doc["outcome"] == "completed"
    assert doc["commands"] == [
        {"ts": "2026-02-23T11:55:00.000Z", "command": "cd . && pytest -q", "exit_code": 0},
        {
            "ts": "2026-02-23T12:05:00.000Z",
            "command": "export GITHUB_TOKEN=[REDACTED:github_token]",
            "exit_code": None,
        },
        {"ts": "2026-02-23T13:01:00.000Z", "command": "git status", "exit_code": 1},
    ]
    at = "2026-02-23T11:58:00.000Z"
    assert doc["files"] == [
        {"ts": at, "path": "src/app.py", "action": "update"},
        {"ts": at, "path": "README.md", "action": "add"},
        {"ts": at, "path": "src/new.py", "action": "move", "from": "src/old.py"},
    ]
    assert doc["plans"] == [
        {
            "ts": "2026-02-23T11:57:00.000Z",
            "explanation": None,
            "steps": [
                {"step": "Add route", "status": "in_progress"},
                {"step": "Edit ./x", "status": "pending"},
            ],
        }
    ]
    # New York: 11:56Z is Feb 23; 03:00Z and 06:00Z on Feb 24 are still Feb 23 and Feb 24 01:00.
    assert doc["tokens"] == {
        "input": 6750, "cached_input": 2250, "output": 2250, "reasoning_output": 1125,
        "total": 9000, "by_day": {"2026-02-23": 4000, "2026-02-24": 5000},
    }  # fmt: skip
    assert doc["commits"] == [
        {"sha": "a" * 40, "patch_id": "p1", "strength": "explicit"},
        {"sha": "b" * 40, "patch_id": "p2", "strength": "files"},
    ]
    assert doc["active"] == [
        ["2026-02-23T11:54:34.123Z", "2026-02-23T12:10:00.000Z"],
        ["2026-02-23T13:00:00.000Z", "2026-02-23T13:10:00.000Z"],
        ["2026-02-24T03:00:00.000Z", "2026-02-24T03:00:00.000Z"],
        ["2026-02-24T06:00:00.000Z", "2026-02-24T06:00:00.000Z"],
    ]
    assert doc["digest"] == state.digest(doc)


def test_sub_agents_are_folded_into_the_parent(ctx: dict[str, Any], hermetic: Path) -> None:
    root = ctx["toplevel"]
    child = make_child(root)
    doc = build(make_session(root, hermetic), ctx, [child])
    assert doc["subagents"] == [child.id]
    assert [c["command"] for c in doc["commands"]] == [
        "cd . && pytest -q", "ruff check .", "export GITHUB_TOKEN=[REDACTED:github_token]",
        "git status",
    ]  # fmt: skip
    assert doc["commands"][1]["subagent"] == child.id
    assert all("subagent" not in c for i, c in enumerate(doc["commands"]) if i != 1)
    assert doc["files"][-1] == {
        "ts": "2026-02-23T13:30:00.000Z", "path": "tests/t.py", "action": "add",
        "subagent": child.id,
    }  # fmt: skip
    assert doc["tokens"]["total"] == 9500
    assert doc["tokens"]["by_day"] == {"2026-02-23": 4500, "2026-02-24": 5000}
    assert "review the patch" not in json.dumps(doc)
    assert ["2026-02-23T13:00:00.000Z", "2026-02-23T13:30:00.000Z"] in doc["active"]


def test_prompts_and_summary_are_cut_on_a_character_boundary(
    ctx: dict[str, Any], hermetic: Path
) -> None:
    session = make_session(ctx["toplevel"], hermetic)
    session.prompts = [Message("2026-02-23T11:54:35.000Z", "é" * 100)]
    session.replies = [Message("2026-02-23T12:00:00.000Z", "word " * 50, "final_answer")]
    doc = build(session, ctx)
    assert doc["prompts"][0]["text"] == "é" * 59 + "…"
    assert len(doc["summary"]) <= 40  # too long a final message: the extractive summary, cut
    assert doc["summary"] == "Asked: " + "é" * 32 + "…"


def test_truncation_never_splits_a_redaction_marker() -> None:
    text = "x" * 20 + "[REDACTED:github_token] and more"
    for limit in range(21, 44):
        cut = fragment_fields.truncate(text, limit)
        assert len(cut) <= limit
        assert cut.endswith("…")
        assert not 20 < len(cut) - 1 < 43, cut  # the cut is before or after the marker
    assert fragment_fields.truncate("short", 10) == "short"


def test_summary_falls_back_to_the_last_reply(ctx: dict[str, Any], hermetic: Path) -> None:
    session = make_session(ctx["toplevel"], hermetic)
    session.replies = [Message("2026-02-23T12:00:00.000Z", "thinking aloud", "commentary")]
    assert build(session, ctx)["summary"] == "thinking aloud"
    session.replies = []  # no message at all: the extractive summary (journal.summary)
    assert build(session, ctx)["summary"].startswith("Asked: ")
    session.prompts, session.tool_calls = [], []
    assert build(session, ctx)["summary"] is None


def _outcome_session(**changes: Any) -> Session:
    session = Session(
        agent="codex",
        id=SID,
        source_path="x",
        prompts=[Message("2026-02-23T10:00:00Z", "go")],
        replies=[Message("2026-02-23T10:05:00Z", "done", "final_answer")],
        tool_calls=[shell(1, "2026-02-23T10:01:00Z", "ls")],
        turns_completed=1,
    )
    for key, value in changes.items():
        setattr(session, key, value)
    return session


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "completed"),
        ({"replies": [Message("2026-02-23T10:05:00Z", "done", None)]}, "completed"),
        ({"turns_aborted": 1, "replies": []}, "interrupted"),
        (
            {"tool_calls": [shell(1, "2026-02-23T10:06:00Z", "sleep 99", None, pending=True)]},
            "interrupted",
        ),
        (
            {"replies": [Message("2026-02-23T10:05:00Z", "let me check", "commentary")]},
            "in_progress",
        ),
        (
            {
                "prompts": [
                    Message("2026-02-23T10:00:00Z", "go"),
                    Message("2026-02-23T11:00:00Z", "more"),
                ]
            },
            "in_progress",
        ),
        (
            {
                "tool_calls": [shell(1, "2026-02-23T10:01:00Z", "ls", None, pending=True)],
                "replies": [Message("2026-02-23T10:05:00Z", "still going", "commentary")],
            },
            "in_progress",
        ),
    ],
)
def test_outcome(changes: dict[str, Any], expected: str) -> None:
    assert fragment_fields.outcome(_outcome_session(**changes)) == expected


def test_active_spans_split_on_gaps_over_thirty_minutes() -> None:
    stamps = ["2026-02-23T10:00:00Z", "2026-02-23T10:30:00Z", "2026-02-23T11:00:01Z"]
    assert fragment_fields.active_spans(stamps) == [
        ["2026-02-23T10:00:00Z", "2026-02-23T10:30:00Z"],
        ["2026-02-23T11:00:01Z", "2026-02-23T11:00:01Z"],
    ]
    assert fragment_fields.active_spans([]) == []


@pytest.mark.parametrize(
    ("branch", "slug"),
    [
        ("main", "main"),
        ("feature/Login_Page", "feature-login-page"),
        ("user/ada/fix--bug#12", "user-ada-fix-bug-12"),
        (None, "detached"),
        ("HEAD", "detached"),
        ("///", "detached"),
        ("x" * 80, "x" * 40),
    ],
)
def test_filename(branch: str | None, slug: str) -> None:
    session = Session("codex", SID, "x", started="2026-02-23T11:54:34.123Z", git_branch=branch)
    assert fragment.filename(session) == f"20260223T115434Z_{slug}_019c8a59.json"


def test_filename_stamp_is_utc() -> None:
    session = Session("codex", SID, "x", started="2026-02-23T06:54:34-05:00", git_branch="main")
    assert fragment.filename(session).startswith("20260223T115434Z_")


def test_same_inputs_give_byte_identical_files(
    ctx: dict[str, Any], hermetic: Path, tmp_path: Path
) -> None:
    root = ctx["toplevel"]
    first = build(make_session(root, hermetic), ctx, [make_child(root)])
    again = Session.from_dict(json.loads(json.dumps(make_session(root, hermetic).to_dict())))
    second = build(again, {**ctx, "commits": list(reversed(ctx["commits"]))}, [make_child(root)])
    assert fragment.dumps(first) == fragment.dumps(second)
    name = fragment.filename(make_session(root, hermetic))
    one = fragment.write(tmp_path / "a", first, name)
    two = fragment.write(tmp_path / "b", second, name)
    assert one.path.read_bytes() == two.path.read_bytes()
    assert one.written
    assert not fragment.write(tmp_path / "a", second, name).written
    text = one.path.read_text()
    assert text.endswith("}\n")
    assert text == state.dumps_canonical(json.loads(text))


def test_no_absolute_path_reaches_the_fragment(
    ctx: dict[str, Any], hermetic: Path, tmp_path: Path
) -> None:
    root = ctx["toplevel"]
    text = fragment.dumps(build(make_session(root, hermetic), ctx, [make_child(root)]))
    assert str(tmp_path) not in text
    assert str(hermetic) not in text
    assert GITHUB_TOKEN not in text
    assert "rollout.jsonl" not in text  # the log's own path is local-only


def test_write_keeps_a_hand_edited_fragment(
    ctx: dict[str, Any], hermetic: Path, tmp_path: Path
) -> None:
    doc = build(make_session(ctx["toplevel"], hermetic), ctx)
    folder = tmp_path / "sessions"
    result = fragment.write(folder, doc, "a.json")
    assert result == fragment.WriteResult(folder / "a.json", written=True, hand_edited=False)
    edited = result.path.read_text().replace("Added GET /health.", "Added the health check.")
    edited = edited.replace('"outcome": "completed"', '"outcome": "abandoned"')
    result.path.write_text(edited)
    again = fragment.write(folder, {**doc, "summary": "new facts"}, "a.json")
    assert again == fragment.WriteResult(folder / "a.json", written=False, hand_edited=True)
    assert result.path.read_text() == edited
    result.path.write_text("{ not json")
    assert fragment.write(folder, doc, "a.json").hand_edited


def test_write_reuses_the_name_a_session_already_has(
    ctx: dict[str, Any], hermetic: Path, tmp_path: Path
) -> None:
    doc = build(make_session(ctx["toplevel"], hermetic), ctx)
    folder = tmp_path / "sessions"
    other = {**doc, "id": "019c8a59-ffff-7000-8000-000000000000"}  # same id8, another session
    fragment.write(folder, other, "20260223T115434Z_main_019c8a59.json")
    fragment.write(folder, doc, "20260223T115434Z_feature-login_019c8a59.json")
    result = fragment.write(
        folder, {**doc, "summary": "later"}, "20260223T115434Z_feature-login-page_019c8a59.json"
    )
    assert result.path.name == "20260223T115434Z_feature-login_019c8a59.json"
    assert result.written
    assert sorted(p.name for p in folder.iterdir()) == [
        "20260223T115434Z_feature-login_019c8a59.json",
        "20260223T115434Z_main_019c8a59.json",
    ]


def test_load_all_sorts_and_reports_corrupt_files(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    assert fragment.load_all(folder) == []
    for name, started, sid in [("c", "2026-02-23T09:00:00Z", "b"), ("a", "2026-02-23T10:00:00Z", "a"),
                               ("b", "2026-02-23T09:00:00Z", "a")]:  # fmt: skip
        fragment.write(folder, {"id": sid, "started": started, "schema": 1}, f"{name}.json")
    loaded = fragment.load_all(folder)
    assert [(f["started"], f["id"]) for f in loaded] == [
        ("2026-02-23T09:00:00Z", "a"), ("2026-02-23T09:00:00Z", "b"), ("2026-02-23T10:00:00Z", "a"),
    ]  # fmt: skip
    (folder / "d.json").write_text('{\n  "id": "x",\n  oops\n}\n')
    with pytest.raises(StateCorrupt) as info:
        fragment.load_all(folder)
    assert (info.value.path, info.value.line, info.value.column) == (str(folder / "d.json"), 3, 3)
    (folder / "d.json").write_text("[1, 2]\n")
    with pytest.raises(StateCorrupt, match="not a session fragment"):
        fragment.load_all(folder)


def test_fragment_from_a_written_codex_log(
    repo: GitRepo, codex_home: CodexHome, hermetic: Path
) -> None:
    repo.commit("first", {"src/app.py": "x\n"})
    start = datetime(2026, 2, 23, 11, 54, 34, tzinfo=UTC)
    log = codex_home.session(repo.path, start, branch="feature/x")
    log.prompt(f"Fix {repo.path}/src/app.py; key sk-proj-{'Ab1' * 12}", cwd=str(repo.path))
    log.shell("pytest -q", exit_code=0, output="1 passed", workdir=str(repo.path))
    log.apply_patch("*** Begin Patch\n*** Update File: src/app.py\n@@\n-x\n+y\n*** End Patch\n")
    log.tokens(1200).reply("Fixed the app.")
    session = rollout.read_file(log.path)
    assert session is not None
    config = Config()
    doc = fragment.build(
        session, children=[], commits=[], config=config, toplevel=repo.path,
        worktrees=[repo.path], redactor=Redactor.from_config(config),
    )  # fmt: skip
    assert doc["prompts"][0]["text"] == "Fix ./src/app.py; key [REDACTED:openai_key]"
    assert doc["commands"][0]["command"] == "pytest -q"
    assert doc["files"][0]["path"] == "src/app.py"
    assert (doc["outcome"], doc["tokens"]["total"], doc["cwd"]) == ("completed", 1200, ".")
    assert fragment.filename(session) == f"20260223T115434Z_feature-x_{session.id8}.json"
    assert str(repo.path) not in fragment.dumps(doc)


def test_fragments_from_the_real_codex_fixtures(fixtures_dir: Path, repo: GitRepo) -> None:
    config = Config()
    redactor = Redactor.from_config(config)
    for path in sorted((fixtures_dir / "codex").glob("*.jsonl")):
        session = rollout.read_file(path)
        assert session is not None
        doc = fragment.build(
            session, children=[], commits=[], config=config, toplevel=repo.path,
            worktrees=[], redactor=redactor,
        )  # fmt: skip
        assert set(doc) == SCHEMA_KEYS
        assert doc["outcome"] in ("completed", "interrupted", "in_progress")
        text = fragment.dumps(doc)
        assert fragment.dumps(json.loads(text)) == text
        assert redactor.findings(text) == []
        assert all(len(p["text"]) <= config.prompt_max_chars for p in doc["prompts"])


# -- property ------------------------------------------------------------------------------------

SECRETS = [
    GITHUB_TOKEN,
    "sk-proj-" + "Zz9" * 15,
    "AKIA" + "Z" * 12 + "7777",
    "xoxb-1234567890-" + "abcDEF123" * 3,
    "-----BEGIN PRIVATE KEY-----\nMIIE" + "Qq8" * 20 + "\n-----END PRIVATE KEY-----",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(["{root}/src/a.py", "{root}", "{home}/x", *SECRETS]),
        ),
        max_size=6,
    ),
    st.lists(st.text(max_size=20), max_size=4),
)
def test_build_is_clean_for_any_text(
    ctx: dict[str, Any], hermetic: Path, tmp_path: Path, parts: list[str], outputs: list[str]
) -> None:
    root = ctx["toplevel"]
    text = " ".join(parts).replace("{root}", str(root)).replace("{home}", str(hermetic))
    session = make_session(root, hermetic)
    session.title = text
    session.prompts.append(Message("2026-02-23T13:05:00.000Z", text))
    session.replies.append(Message("2026-02-23T13:09:45.000Z", text, "final_answer"))
    session.tool_calls += [
        shell(10 + i, "2026-02-23T13:06:00.000Z", f"{text} {out}", output=f"{out} {text}")
        for i, out in enumerate(outputs or [""])
    ]
    session.plans.append(
        PlanSnapshot("2026-02-23T13:07:00.000Z", [PlanStep(text, "pending")], text)
    )
    dumped = fragment.dumps(build(session, ctx))
    assert json.loads(dumped)["schema"] == 1
    assert str(tmp_path) not in dumped
    for secret in SECRETS:
        assert secret not in dumped
