"""Agent logs that are broken on purpose: each is read as far as it can be, says what it skipped in
one line, and loses nothing that could be read. (State files and odd repositories:
`test_bad_input_state.py`; what reaches the journal: `test_bad_input_journal.py`.)"""

from __future__ import annotations

import json
import os
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from journal import git, ingest, state
from journal.config import Config
from journal.errors import JournalError
from journal.sources import lines, rollout
from journal.sources.cache import fingerprint
from testing.codex_home import CodexHome, Rollout, iso
from testing.git_repo import GitRepo

START = datetime(2026, 2, 23, 10, 0, 0, tzinfo=UTC)


def _run(repo: GitRepo) -> ingest.IngestResult:
    return ingest.ingest(git.repo_paths(repo.path), Config())


def _session(codex: CodexHome, cwd: Path | str, minute: int = 0) -> Rollout:
    log = codex.session(cwd, START.replace(minute=minute))
    return log.prompt("Add a health endpoint", cwd=str(cwd))


def _event_line(log: Rollout, payload: dict[str, object]) -> bytes:
    record = {"timestamp": iso(log.clock), "type": "event_msg", "payload": payload}
    return (json.dumps(record) + "\n").encode()


def test_malformed_lines_are_skipped_counted_and_named_once(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    log = _session(codex_home, repo.path)
    for garbage in ("{not json", "[1, 2]", '"a string"', "{}", "\x00\x01"):
        log.raw(garbage + "\n")
    log.reply("Done.")
    result = _run(repo)
    session = result.sessions[log.id]
    assert [p.text for p in session.prompts] == ["Add a health endpoint"]
    assert session.replies[-1].text == "Done."
    assert result.malformed == 5
    assert [n for n in result.notices if "unreadable line" in n] == [
        "skipped 5 unreadable line(s) in Codex logs (not JSON, not the expected shape, or over the"
        " size limit); the rest of each log was read"
    ]
    assert _run(repo).notices == []  # said once, when the lines were read


def test_bytes_that_are_not_utf8_keep_the_rest_of_their_line(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    log = _session(codex_home, repo.path)
    with log.path.open("ab") as handle:
        line = _event_line(log, {"type": "user_message", "message": "caf\u00e9 MARK", "images": []})
        handle.write(line.replace(b"\\u00e9", b"\xe9\xff"))
    log.reply("Done.")
    result = _run(repo)
    texts = [p.text for p in result.sessions[log.id].prompts]
    assert texts == ["Add a health endpoint", "caf\ufffd\ufffd MARK"]
    assert result.malformed == 0


def test_a_50_mb_line_is_skipped_in_bounded_memory(
    repo: GitRepo, codex_home: CodexHome, tmp_path: Path
) -> None:
    log = _session(codex_home, repo.path)
    huge = _event_line(log, {"type": "agent_message", "message": "x" * (50 << 20)})
    with log.path.open("ab") as handle:
        handle.write(huge)
    log.reply("Done after the long line.")
    tracemalloc.start()
    try:
        result = _run(repo)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * lines.MAX_LINE + (4 << 20), f"peak {peak >> 20} MiB"
    assert result.sessions[log.id].replies[-1].text == "Done after the long line."
    assert result.malformed == 1
    assert any("1 unreadable line(s)" in n for n in result.notices)


def test_an_overlong_line_still_being_written_is_left_for_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b"y" * (lines.MAX_LINE + 10))
    seen: list[bytes] = []
    read = lines.feed_lines(path, 0, seen.append)
    assert seen == [b'{"a": 1}\n']
    assert read == lines.LinesRead(9, 9 + lines.MAX_LINE + 10, truncated_tail=True)
    with path.open("ab") as handle:
        handle.write(b"\n{}\n")
    seen.clear()
    read = lines.feed_lines(path, read.offset, seen.append)
    assert seen == [lines.OVERLONG, b"{}\n"]
    assert read.offset == path.stat().st_size


def test_a_log_truncated_while_it_is_read(
    repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut to half its size after its first line was read (past the reader's buffer): the run
    ends cleanly, and the next one reads the file again from the start."""
    log = _session(codex_home, repo.path)
    for index in range(40):
        log.shell(f"cat part{index}", output="z" * 60_000)
    log.reply("Done.")
    half = log.path.stat().st_size // 2
    real_feed = lines.feed_lines

    def truncating(path: Path, offset: int, feed, progress=None):  # type: ignore[no-untyped-def]
        def first_then_cut(line: bytes) -> None:
            if path == log.path and os.path.getsize(path) > half:
                os.truncate(path, half)
            feed(line)

        return real_feed(path, offset, first_then_cut, progress)

    monkeypatch.setattr(lines, "feed_lines", truncating)
    first = _run(repo)
    assert log.id in first.sessions
    monkeypatch.setattr(lines, "feed_lines", real_feed)
    second = _run(repo)
    clean = rollout.read_jsonl(log.path)[0]
    assert fingerprint(second.load([log.id])[log.id]) == fingerprint(clean)
    assert len(clean.tool_calls) < 40


def test_symlink_loops_in_codex_home(repo: GitRepo, codex_home: CodexHome) -> None:
    log = _session(codex_home, repo.path)
    log.reply("Done.")
    day = log.path.parent
    (day / "loop").symlink_to("..")  # a directory that contains itself
    (codex_home.root / "sessions" / "again").symlink_to(codex_home.root / "sessions")
    self_loop = day / "rollout-2026-02-23T10-00-00-0000aaaa-0000-0000-0000-000000000000.jsonl"
    self_loop.symlink_to(self_loop.name)
    elsewhere = codex_home.root.parent / "elsewhere"
    elsewhere.mkdir()
    moved = _session(CodexHome(elsewhere), repo.path, minute=30).reply("Also done.")
    (codex_home.root / "sessions" / "linked").symlink_to(elsewhere / "sessions")

    result = _run(repo)
    assert sorted(result.sessions) == sorted([log.id, moved.id])
    assert result.notices == [f"{self_loop}: a symbolic link that loops or leads nowhere; skipped"]


def test_a_codex_home_that_loops_is_one_line(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "looping-home"
    home.symlink_to(home.name)
    monkeypatch.setenv("CODEX_HOME", str(home))
    with pytest.raises(JournalError, match=r"CODEX_HOME=.* is not a directory"):
        _run(repo)


def test_a_session_whose_cwd_is_outside_the_repository_stays_out(
    repo: GitRepo, codex_home: CodexHome, tmp_path: Path
) -> None:
    outside = tmp_path / "other-project"
    outside.mkdir()
    _session(codex_home, outside).reply("Done there.")
    _session(codex_home, repo.path.parent, minute=5).reply("Done above.")
    inside = _session(codex_home, repo.path, minute=9).reply("Done here.")
    result = _run(repo)
    assert list(result.sessions) == [inside.id]
    assert result.notices == []
    again = _run(repo)
    assert (again.files_parsed, list(again.sessions)) == (0, [inside.id])


@pytest.mark.parametrize("bad_id", ["../../../escape", "a/b", "..", "x\ny"])
def test_session_ids_that_are_paths_never_name_a_file(
    repo: GitRepo, codex_home: CodexHome, bad_id: str
) -> None:
    log = codex_home.session(repo.path, START, session_id="6f0c4b55-1d2e-4a8b-9c3d-5e6f7a8b9c0d")
    text = log.path.read_text()
    log.path.write_text(
        text.replace(
            '"id": "6f0c4b55-1d2e-4a8b-9c3d-5e6f7a8b9c0d"', json.dumps({"id": bad_id})[1:-1], 1
        )
    )
    log.prompt("Hello", cwd=str(repo.path)).reply("Done.")
    result = _run(repo)
    assert list(result.sessions) == ["6f0c4b55-1d2e-4a8b-9c3d-5e6f7a8b9c0d"]
    assert result.malformed == 1
    local = state.local_dir(repo.path / ".git")
    names = sorted(p.name for p in (local / "sessions").iterdir())
    assert names == ["6f0c4b55-1d2e-4a8b-9c3d-5e6f7a8b9c0d.json"]
