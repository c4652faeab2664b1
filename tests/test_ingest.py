"""Incremental ingest against real git repositories and a fake but faithful CODEX_HOME."""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from journal import git, ingest, state
from journal.config import Config
from journal.errors import JournalError
from journal.sources import cursors
from testing.codex_home import CodexHome, Rollout
from testing.git_repo import GitRepo

START = datetime(2026, 2, 23, 10, 0, 0, tzinfo=UTC)


def run(repo: GitRepo, config: Config | None = None) -> ingest.IngestResult:
    return ingest.ingest(git.repo_paths(repo.path), config or Config())


def store(repo: GitRepo) -> cursors.CursorStore:
    return cursors.load(state.local_dir(repo.path / ".git"))


def busy_session(codex_home: CodexHome, cwd: Path | str, minute: int = 0) -> Rollout:
    log = codex_home.session(cwd, START.replace(minute=minute))
    log.prompt("Add a health endpoint", cwd=str(cwd)).shell("pytest -q", output="3 passed")
    return log.tokens(500).reply("Done.")


def test_sessions_of_this_repo_only_and_idempotent(repo: GitRepo, codex_home: CodexHome) -> None:
    mine = busy_session(codex_home, repo.path)
    nested = busy_session(codex_home, repo.path / "src" / "api", minute=5)
    busy_session(codex_home, "/somewhere/else", minute=10)
    first = run(repo)
    assert sorted(first.sessions) == sorted([mine.id, nested.id])
    assert first.changed == {mine.id, nested.id}
    assert (first.files_scanned, first.files_parsed) == (3, 3)
    assert first.bytes_read == sum(p.stat().st_size for p in codex_home.root.rglob("*.jsonl"))
    assert [p.text for p in first.sessions[mine.id].prompts] == ["Add a health endpoint"]

    second = run(repo)
    assert (second.files_parsed, second.bytes_read, second.changed) == (0, 0, set())
    assert sorted(second.sessions) == sorted(first.sessions)
    assert second.sessions[mine.id].to_dict() == first.sessions[mine.id].to_dict()
    assert ingest.load_sessions(state.local_dir(repo.path / ".git")).keys() == first.sessions.keys()
    foreign = [c for c in store(repo).files.values() if c.foreign]
    assert len(foreign) == 1


def test_a_live_file_is_read_from_where_it_stopped(repo: GitRepo, codex_home: CodexHome) -> None:
    log = busy_session(codex_home, repo.path)
    run(repo)
    size = log.path.stat().st_size
    log.prompt("Now add a test", cwd=str(repo.path)).shell(
        "git commit -m test", output="[main 1a2b3c4] test"
    )
    appended = log.path.stat().st_size - size
    result = run(repo)
    assert (result.files_parsed, result.bytes_read, result.changed) == (1, appended, {log.id})
    session = result.sessions[log.id]
    assert [p.text for p in session.prompts] == ["Add a health endpoint", "Now add a test"]
    assert session.tool_calls[-1].output == "[main 1a2b3c4] test"


def test_a_line_still_being_written_is_picked_up_later(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    log = busy_session(codex_home, repo.path)
    line = json.dumps({"timestamp": "2026-02-23T10:30:00.000Z", "type": "event_msg", "payload": {"type": "user_message", "message": "half"}})  # fmt: skip
    log.raw(line[:40])
    first = run(repo).sessions[log.id]
    assert first.stats.truncated_tail
    assert [p.text for p in first.prompts] == ["Add a health endpoint"]
    log.raw(line[40:] + "\n")
    result = run(repo)
    assert result.bytes_read == len(line) + 1  # the partial line is read again, nothing else
    second = result.sessions[log.id]
    assert not second.stats.truncated_tail
    assert [p.text for p in second.prompts] == ["Add a health endpoint", "half"]
    assert second.stats.malformed == 0


def test_replaced_and_truncated_files_are_read_again(repo: GitRepo, codex_home: CodexHome) -> None:
    log = busy_session(codex_home, repo.path)
    run(repo)
    original = log.path.read_bytes()
    replacement = log.path.with_suffix(".tmp")
    replacement.write_bytes(original.replace(b"Add a health endpoint", b"Add a ready endpoint!"))
    os.replace(replacement, log.path)  # same size, new inode
    result = run(repo)
    assert result.bytes_read == len(original)
    assert [p.text for p in result.sessions[log.id].prompts] == ["Add a ready endpoint!"]
    cut = original[: original.index(b'"user_message"')]
    log.path.write_bytes(cut[: cut.rindex(b"\n") + 1])  # shrunk in place
    result = run(repo)
    assert result.bytes_read == log.path.stat().st_size
    shrunk = result.sessions[log.id]
    assert [p.text for p in shrunk.prompts] == ["Add a health endpoint"]  # from the response item
    assert (shrunk.reader_state["prompts_from"], shrunk.tool_calls) == ("items", [])
    assert result.changed == {log.id}


def test_foreign_files_are_not_parsed_again(repo: GitRepo, codex_home: CodexHome) -> None:
    other = busy_session(codex_home, "/somewhere/else")
    assert run(repo).sessions == {}
    size = other.path.stat().st_size
    other.prompt("more work elsewhere", cwd="/somewhere/else")
    result = run(repo)
    assert result.sessions == {}
    assert result.bytes_read == other.path.stat().st_size - size  # only the new bytes are scanned
    assert store(repo).files[str(other.path)].foreign
    other.prompt("now in the repo", cwd=str(repo.path))  # a turn_context with our cwd
    result = run(repo)
    assert result.bytes_read == other.path.stat().st_size
    assert [p.text for p in result.sessions[other.id].prompts][-1] == "now in the repo"
    assert not store(repo).files[str(other.path)].foreign


def test_a_session_that_moved_into_the_repo_belongs(repo: GitRepo, codex_home: CodexHome) -> None:
    moved = codex_home.session("/somewhere/else", START)
    moved.prompt("look around", cwd="/somewhere/else").prompt("now here", cwd=str(repo.path))
    elsewhere = busy_session(codex_home, "/somewhere/else", minute=30)
    result = run(repo)
    assert list(result.sessions) == [moved.id]
    assert result.sessions[moved.id].cwds == ["/somewhere/else", str(repo.path)]
    total = moved.path.stat().st_size + elsewhere.path.stat().st_size
    assert result.bytes_read == total + moved.path.stat().st_size  # glanced at, then parsed
    assert store(repo).files[str(elsewhere.path)].session_id == elsewhere.id


def test_worktrees_and_symlinks_belong(
    repo: GitRepo, codex_home: CodexHome, tmp_path: Path
) -> None:
    repo.commit("first", {"a.txt": "a\n"})
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", "-b", "side", str(linked))
    alias = tmp_path / "alias"
    alias.symlink_to(repo.path)
    in_worktree = busy_session(codex_home, linked / "pkg")
    via_symlink = busy_session(codex_home, alias / "src", minute=5)
    outside = busy_session(codex_home, tmp_path / "repo-sibling", minute=10)
    result = run(repo)
    assert set(result.sessions) == {in_worktree.id, via_symlink.id}
    assert outside.id not in result.sessions
    from_linked = ingest.ingest(git.repo_paths(linked), Config())  # same common dir, same answer
    assert set(from_linked.sessions) == {in_worktree.id, via_symlink.id}


@pytest.mark.parametrize("parent_first", [True, False])
def test_sub_agents_attach_in_either_order(
    repo: GitRepo, codex_home: CodexHome, parent_first: bool
) -> None:
    parent_id = "019c0000-0000-7000-8000-000000000001"
    if parent_first:
        parent = busy_session(codex_home, repo.path)
        parent_id = parent.id
        run(repo)
    child = codex_home.session(repo.path, START.replace(minute=30), parent_id=parent_id)
    child.prompt("review the diff", cwd=str(repo.path)).reply("looks fine")
    result = run(repo)
    assert result.sessions[child.id].parent_id == parent_id
    if not parent_first:
        assert parent_id not in result.sessions
        codex_home.session(repo.path, START, session_id=parent_id).prompt(
            "lead", cwd=str(repo.path)
        )
        result = run(repo)
    assert result.sessions[parent_id].subagents == [child.id]
    assert parent_id in result.changed
    assert run(repo).changed == set()


def test_archived_moved_and_compressed_logs(
    repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = busy_session(codex_home, repo.path)
    run(repo)
    codex_home.archive(moved)  # same inode: the cursor follows, nothing is re-read
    result = run(repo)
    assert (result.bytes_read, result.sessions[moved.id].source_path) == (0, str(moved.path))
    old = busy_session(codex_home, repo.path, minute=20)
    packed = codex_home.compress(codex_home.archive(old))
    both = busy_session(codex_home, repo.path, minute=40)
    codex_home.compress(codex_home.archive(both), keep_plain=True)  # the plain file hides the .zst

    monkeypatch.setitem(sys.modules, "zstandard", None)  # as if the optional module were missing
    result = run(repo)
    assert old.id not in result.sessions
    assert both.id in result.sessions
    assert result.notices == [
        "skipped 1 compressed Codex log(s) (.jsonl.zst): install the 'zstandard' package"
        " (pip install 'ai-journal[zstd]') to read them"
    ]
    monkeypatch.delitem(sys.modules, "zstandard")
    result = run(repo)
    assert (result.notices, result.bytes_read) == ([], packed.stat().st_size)
    session = result.sessions[old.id]
    assert [p.text for p in session.prompts] == ["Add a health endpoint"]
    assert session.source_path == str(packed)
    assert run(repo).bytes_read == 0


def test_history_prompts_for_logs_without_events(repo: GitRepo, codex_home: CodexHome) -> None:
    legacy = codex_home.legacy(START, cwd=repo.path)
    legacy.message("user", "item text").state()
    codex_home.history(legacy.id, START.replace(minute=1), "typed text", key="conversation_id")
    session = run(repo).sessions[legacy.id]
    assert [(p.ts, p.text) for p in session.prompts] == [("2026-02-23T10:01:00.000Z", "typed text")]
    codex_home.history(legacy.id, START.replace(minute=2), "second", key="session_id")
    result = run(repo)
    assert result.changed == {legacy.id}
    assert [p.text for p in result.sessions[legacy.id].prompts] == ["typed text", "second"]
    assert run(repo).changed == set()


def test_g0_files_deduplicated_at_ingest(repo: GitRepo, codex_home: CodexHome) -> None:
    g0 = codex_home.g0(START).prompt("start").shell(["ls"], str(repo.path))
    g0.save(file_id="11111111-1111-4111-8111-111111111111")
    g0.reply("done")
    g0.save(file_id="22222222-2222-4222-8222-222222222222", minutes_later=3)
    result = run(repo)
    (session,) = result.sessions.values()
    assert (session.format, session.id, len(session.replies)) == ("g0", g0.id, 1)
    assert (session.started, session.ended) == (
        "2026-02-23T10:00:00.000Z",
        "2026-02-23T10:03:00.000Z",
    )
    assert run(repo).files_parsed == 0


def test_counts_and_lost_state_are_rebuilt(repo: GitRepo, codex_home: CodexHome) -> None:
    log = busy_session(codex_home, repo.path)
    log.raw("{broken\n").line("mystery_kind", {"a": 1})
    result = run(repo)
    assert (result.malformed, result.unknown) == (1, 1)
    local = state.local_dir(repo.path / ".git")
    shutil.rmtree(local / "sessions")
    assert run(repo).sessions[log.id].stats.malformed == 1  # the cache came back from the log
    (local / cursors.CURSORS_FILE).write_text("{not json")
    result = run(repo)
    assert result.notices == [
        f"{local / cursors.CURSORS_FILE}: unreadable, re-reading every agent log",
        "skipped 1 unreadable line(s) in Codex logs (not JSON, not the expected shape, or over"
        " the size limit); the rest of each log was read",
    ]
    assert result.changed == set()  # same content as before
    assert orjson.loads((local / cursors.CURSORS_FILE).read_bytes())["version"] == 1


def test_progress_reports_bytes(repo: GitRepo, codex_home: CodexHome) -> None:
    log = busy_session(codex_home, repo.path)
    for part in range(40):
        log.shell(f"cat part{part}.log", output="x" * 100_000)
    seen: list[tuple[int, int]] = []
    ingest.ingest(
        git.repo_paths(repo.path), Config(), progress=lambda done, total: seen.append((done, total))
    )
    total = log.path.stat().st_size
    assert seen[-1] == (total, total)
    assert len(seen) >= 3
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_codex_home_resolution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hermetic: Path
) -> None:
    assert ingest.codex_home(Config()) is None  # no ~/.codex in the test home
    (hermetic / ".codex").mkdir()
    assert ingest.codex_home(Config()) == hermetic / ".codex"
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "env-home"))
    with pytest.raises(JournalError, match=r"CODEX_HOME=.* is not a directory"):
        ingest.codex_home(Config())
    (tmp_path / "env-home").mkdir()
    assert ingest.codex_home(Config()) == tmp_path / "env-home"
    configured = Config(codex_home=str(tmp_path / "configured"))
    with pytest.raises(JournalError, match=r"codex\.home"):
        ingest.codex_home(configured)
    (tmp_path / "configured").mkdir()
    assert ingest.codex_home(configured) == tmp_path / "configured"


def test_a_corrupt_archive_is_reported_and_skipped(repo: GitRepo, codex_home: CodexHome) -> None:
    good = busy_session(codex_home, repo.path)
    broken = codex_home.root / "archived_sessions" / "rollout-2026-01-01T00-00-00-x.jsonl.zst"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"definitely not zstd")
    result = run(repo)
    assert list(result.sessions) == [good.id]
    (notice,) = result.notices
    assert notice.startswith(f"{broken}: skipped, cannot be read (")
