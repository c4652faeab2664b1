"""Session summaries: the extractive default, a configured command with its fallbacks (failure,
hang, no output) and its cache, and condensing older fragments with their links kept."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from journal import git, install, summary, summary_command, summary_condense
from journal.config import Config
from journal.fragment_fields import Scrub
from journal.redact import Redactor
from journal.sources.model import Message, Session, ToolCall
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


def _doc(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"prompts": [], "commands": [], "files": [], "outcome": "completed"}
    return {**doc, **fields}


def test_extractive_summary_names_request_answer_outcome_files_and_failures() -> None:
    doc = _doc(
        prompts=[{"ts": "t", "text": "Add a /health endpoint\nwith a test"}],
        files=[{"path": f"src/m{i}.py"} for i in range(7)] + [{"path": "src/m0.py"}],
        commands=[
            {"command": "pytest -q", "exit_code": 1},
            {"command": "ruff check .", "exit_code": 1},
            {"command": "ruff check .", "exit_code": 0},
            {"command": "make  lint", "exit_code": 2},
            {"command": "child", "exit_code": 9, "subagent": "c1"},
        ],
        outcome="in_progress",
    )
    text = summary.extractive(doc, "Added the route. Then I ran the tests.", 800)
    assert text == (
        "Asked: Add a /health endpoint. Answer: Added the route. Outcome: in progress. "
        "Files: src/m0.py, src/m1.py, src/m2.py, src/m3.py, src/m4.py (+2 more). "
        "Failing: `pytest -q` (exit 1), `make lint` (exit 2)."
    )
    assert summary.extractive(doc, None, 30) == "Asked: Add a /health endpoint…"
    assert summary.extractive(_doc(), None, 800) is None


def _session(tmp: Path, replies: list[Message], outcome_done: bool = True) -> Session:
    calls = [
        ToolCall("c1", "shell", "shell", "2026-02-23T10:01:00.000Z", "2026-02-23T10:01:02.000Z",
                 command=f"GITHUB_TOKEN={TOKEN} gh api user", exit_code=1),
    ]  # fmt: skip
    return Session(
        agent="codex",
        id="019c8a59-e9dd-71f0-9ae3-4079fe9726a9",
        source_path=str(tmp / "rollout.jsonl"),
        cwd=str(tmp),
        started="2026-02-23T10:00:00.000Z",
        prompts=[Message("2026-02-23T10:00:01.000Z", f"Use {TOKEN} to call the API")],
        replies=replies if outcome_done else [],
        tool_calls=calls,
    )


def _scrub(tmp: Path) -> Scrub:
    return Scrub(Redactor.from_config(Config()), tmp, [])


def test_the_final_message_is_the_summary_when_it_fits(tmp_path: Path) -> None:
    short = [Message("2026-02-23T10:02:00.000Z", "Called it.", "final_answer")]
    doc = _doc(prompts=[{"text": "Use the API"}])
    assert summary.choose(_session(tmp_path, short), doc, _scrub(tmp_path), 800) == "Called it."
    long = [Message("2026-02-23T10:02:00.000Z", "Called it. " + "More. " * 200, "final_answer")]
    chosen = summary.choose(_session(tmp_path, long), doc, _scrub(tmp_path), 800)
    assert chosen == "Asked: Use the API. Answer: Called it. Outcome: completed."


# -- the command -----------------------------------------------------------------------------------


def test_the_command_reads_the_redacted_transcript(tmp_path: Path) -> None:
    seen = tmp_path / "stdin.txt"
    out = summary_command.run(f"sh -c 'cat > {seen}; echo \"  Called the API.  \"'", "in", 10)
    assert out == "Called the API."
    transcript = summary_command.transcript(_session(tmp_path, []), _scrub(tmp_path))
    assert TOKEN not in transcript
    assert "USER: Use [REDACTED:" in transcript
    assert "(exit 1)" in transcript


@pytest.mark.parametrize(
    "command", ["sh -c 'exit 3'", "true", "sh -c 'echo \"   \"'", "no-such-command-here", "'"]
)
def test_a_failing_silent_or_missing_command_gives_none(command: str) -> None:
    assert summary_command.run(command, "transcript", 10) is None


def test_a_hanging_command_is_killed_at_the_timeout() -> None:
    started = time.monotonic()
    # The grandchild keeps the pipe open: only killing the whole group ends it.
    assert summary_command.run("sh -c 'sleep 30 & sleep 30'", "transcript", 1) is None
    assert time.monotonic() - started < 10


def test_summaries_run_once_per_version_and_only_when_allowed(tmp_path: Path) -> None:
    count = tmp_path / "runs"
    command = f"sh -c 'cat >/dev/null; echo run >> {count}; echo Summary {TOKEN}'"
    config = Config(summarize_command=command)
    done = _session(tmp_path, [Message("2026-02-23T10:02:00.000Z", "Done.", "final_answer")])
    running = _session(tmp_path, [], outcome_done=False)
    running.id = "019c8a59-0000-71f0-9ae3-4079fe9726a9"
    local = tmp_path / "local"
    local.mkdir()
    scrub = _scrub(tmp_path)
    versions = {done.id: "v1", running.id: "v1"}

    args = (local, config, [done, running], versions, scrub)
    assert summary_command.summaries(*args, may_run=False) == {}  # import, render: cache only
    assert not count.exists()
    found = summary_command.summaries(*args, may_run=True)
    assert found == {done.id: "Summary [REDACTED:github_token]"}  # a running session waits
    assert summary_command.summaries(*args, may_run=False) == found  # cached
    summary_command.summaries(*args, may_run=True)
    assert count.read_text() == "run\n"  # once per version
    versions[done.id] = "v2"
    summary_command.summaries(*args, may_run=True)
    assert count.read_text() == "run\nrun\n"


# -- through the stage ---------------------------------------------------------------------------


@pytest.fixture
def hooked(repo: GitRepo) -> GitRepo:
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    return repo


def _fragments(repo: GitRepo, rev: str = "HEAD") -> dict[str, dict[str, Any]]:
    names = repo.git("ls-tree", "-r", "--name-only", rev, ".ai-journal/sessions").split()
    return {name: json.loads(repo.git("show", f"{rev}:{name}")) for name in names}


def _configure(repo: GitRepo, toml: str) -> None:
    repo.commit("Config", {".ai-journal/config.toml": toml})


def _finished(codex: CodexHome, repo: GitRepo, prompt: str, minutes: float = 5) -> tuple[str, str]:
    session = codex.session(repo.path, repo.clock + timedelta(minutes=minutes), commit=repo.head())
    session.prompt(prompt, cwd=str(repo.path)).shell("make", exit_code=2).reply("Tried make.")
    sha = repo.commit(
        prompt, {"notes.txt": prompt + "\n"}, when=session.clock + timedelta(minutes=1)
    )
    return session.id, sha


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("sh -c 'cat >/dev/null; echo From the command.'", "From the command."),
        ("sh -c 'exit 1'", "Tried make."),
        ("sleep 20", "Tried make."),
        ("true", "Tried make."),
    ],
)
def test_the_stage_uses_the_command_or_falls_back(
    hooked: GitRepo, codex_home: CodexHome, command: str, expected: str
) -> None:
    toml = f'[summarize]\ncommand = "{command}"\ntimeout_seconds = 1\n'.replace("'", "\\u0027")
    _configure(hooked, toml)
    started = time.monotonic()
    sid, _sha = _finished(codex_home, hooked, "Build it")
    assert time.monotonic() - started < 20
    (doc,) = [d for d in _fragments(hooked).values() if d["id"] == sid]
    assert doc["summary"] == expected


def test_condensing_keeps_the_newest_per_branch_and_every_link(
    hooked: GitRepo, codex_home: CodexHome
) -> None:
    _configure(hooked, "[summarize]\ncondense_after = 1\n")
    old, first = _finished(codex_home, hooked, "First task")
    new, _second = _finished(codex_home, hooked, "Second task", minutes=200)
    hooked.commit("Later", {"later.txt": "l\n"}, when=hooked.clock + timedelta(hours=5))

    docs = {d["id"]: d for d in _fragments(hooked).values()}
    assert docs[old]["prompts"] == []
    assert docs[old]["commands"] == []
    assert docs[old]["condensed"] == {"prompts": 1, "commands": 1, "files": 0}
    assert [c["sha"] for c in docs[old]["commits"]] == [first]
    assert docs[old]["summary"] == "Tried make."
    assert docs[new]["prompts"]
    assert "condensed" not in docs[new]
    journal = hooked.git("show", "HEAD:docs/ai-journal/2026-02-23.md")
    assert first[:7] in journal
    assert summary_condense.condensed(docs[old]) is docs[old]  # idempotent
    assert hooked.git("status", "--porcelain") == ""
