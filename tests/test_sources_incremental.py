"""Incremental reading: a log written in pieces, ingested after each piece, gives exactly the record
of one full read."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import git, ingest, state
from journal.config import Config
from journal.sources import rollout
from journal.sources.model import Session
from testing.codex_home import CodexHome
from testing.git_repo import GitRepo

START = datetime(2026, 2, 23, 10, 0, 0, tzinfo=UTC)


def realistic_log(codex_home: CodexHome, cwd: Path) -> bytes:
    """A log exercising every stateful part of the reader, as bytes."""
    log = codex_home.session(cwd, START, session_id="019c1111-2222-7333-8444-555566667777")
    log.item_user("prompt seen as an item first — ünïcödé")
    log.event("agent_message", message="event reply before its item")
    log.prompt("Add a health endpoint", cwd=str(cwd)).reply("Starting.", final=False)
    running = log.exec_running("git commit -m 'Add health'", process_id=3, output="hooks…\n")
    log.write_stdin(3, output="still\n")
    log.write_stdin(3, exit_code=0, output="[main 1a2b3c4] Add health\n")
    log.patch_via(
        "*** Begin Patch\n*** Add File: a.py\n+x\n*** End Patch\n", "heredoc", workdir=str(cwd)
    )
    log.plan([("Add route", "completed"), ("Test", "in_progress")]).tokens(300).tokens(200)
    log.event("exec_command_end", call_id=running, exit_code=0, aggregated_output="done\n", command=["git", "commit"])  # fmt: skip
    log.raw("{malformed\n").line("mystery", {"x": 1})
    log.prompt("Oops, wrong idea", cwd=str(cwd)).abort().rollback(1)
    log.compacted([{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Add a health endpoint"}]}])  # fmt: skip
    log.mcp("github", "get_issue", {"n": 1}, style="namespace").call(
        "exec_command", {"cmd": "sleep 9"}
    )
    log.prompt("Finish up", cwd=str(cwd)).reply("All done.")
    data = log.path.read_bytes()
    log.path.unlink()
    return data


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cuts=st.lists(st.floats(min_value=0, max_value=1), max_size=5))
def test_appending_in_pieces_equals_one_full_read(
    repo: GitRepo, codex_home: CodexHome, cuts: list[float]
) -> None:
    data = realistic_log(codex_home, repo.path)
    offsets = sorted({int(c * len(data)) for c in cuts} | {len(data)})
    check_pieces(repo, data, offsets)


def test_real_fixture_appended_in_pieces(repo: GitRepo, fixtures_dir: Path) -> None:
    (source,) = (fixtures_dir / "codex").glob("*019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl")
    data = source.read_bytes().replace(b"/redacted/path/ea96e59ed9", str(repo.path).encode())
    offsets = [1, 2000, 2001, 9_999, 15_000, data.index(b"\n") + 1, len(data) - 1, len(data)]
    whole = check_pieces(repo, data, sorted(set(offsets)))
    assert (len(whole.prompts), len(whole.tool_calls), whole.tokens and whole.tokens.total) == (
        1,
        5,
        299496,
    )


def check_pieces(repo: GitRepo, data: bytes, offsets: list[int]) -> Session:
    """Write `data` in pieces ending at `offsets`, ingesting after each; compare with one read."""
    local = state.local_dir(repo.path / ".git")
    shutil.rmtree(local)
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        path = home / "sessions" / "2026" / "02" / "23" / "rollout-2026-02-23T10-00-00-x.jsonl"
        path.parent.mkdir(parents=True)
        config = Config(codex_home=scratch)
        done, total_read = 0, 0
        for offset in offsets:
            with path.open("ab") as handle:
                handle.write(data[done:offset])
            done = offset
            total_read += ingest.ingest(git.repo_paths(repo.path), config).bytes_read
        (pieced,) = ingest.ingest(git.repo_paths(repo.path), config).sessions.values()
        whole, _ = rollout.read_jsonl(path)
    assert pieced.to_dict() == whole.to_dict()
    assert total_read < len(data) + len(offsets) * 4096  # at most a partial line read twice per run
    return whole
