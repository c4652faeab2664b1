"""The cursor file and the session index with their change logs (`sources.changelog`): a run
appends what changed, a torn last line is ignored and cut off, the logs are folded back in when
they grow, a log that belongs to another base is not replayed, state written by an older version
keeps working without reading the agent logs again, and concurrent runs under the state lock
leave the state whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from journal import git, ingest, state
from journal.config import Config
from journal.sources import cache, changelog, cursors
from testing.codex_home import CodexHome, Rollout
from testing.git_repo import GitRepo
from tests.test_ingest_listing import START, work


def run(repo: GitRepo) -> ingest.IngestResult:
    return ingest.ingest(git.repo_paths(repo.path), Config())


def local(repo: GitRepo) -> Path:
    return state.local_dir(repo.path / ".git")


def sessions(result: ingest.IngestResult) -> dict[str, object]:
    return {sid: s.to_dict() for sid, s in result.sessions.items()}


def two_sessions(repo: GitRepo, codex_home: CodexHome) -> tuple[Rollout, Rollout]:
    first, live = work(codex_home, repo.path, 0), work(codex_home, repo.path, 1)
    run(repo)
    return first, live


def test_a_run_appends_only_what_changed(repo: GitRepo, codex_home: CodexHome) -> None:
    _, live = two_sessions(repo, codex_home)
    base = (local(repo) / cursors.CURSORS_FILE).read_bytes()
    index = (local(repo) / cache.INDEX_FILE).read_bytes()
    index_stamp = cache.index_stamp(local(repo))
    live.prompt("More", cwd=str(repo.path))
    run(repo)
    assert (local(repo) / cursors.CURSORS_FILE).read_bytes() == base
    assert (local(repo) / cache.INDEX_FILE).read_bytes() == index
    assert cache.index_stamp(local(repo)) != index_stamp  # watchers of the index see the change
    changed = [
        orjson.loads(line)
        for line in (local(repo) / cursors.CURSORS_LOG).read_bytes().splitlines()[1:]
    ]
    assert [c["f"] for c in changed if "f" in c] == [str(live.path)]
    summaries = (local(repo) / cache.INDEX_LOG).read_bytes().splitlines()[1:]
    assert [orjson.loads(line)["id"] for line in summaries] == [live.id]
    assert cursors.load(local(repo)).files[str(live.path)].size == live.path.stat().st_size


@pytest.mark.parametrize("name", [cursors.CURSORS_LOG, cache.INDEX_LOG])
@pytest.mark.parametrize("tail", [b'{"f": "/x", "c": {"pa', b"\x00" * 40])
def test_a_torn_last_line_is_ignored_and_nothing_is_lost(
    repo: GitRepo, codex_home: CodexHome, name: str, tail: bytes
) -> None:
    _, live = two_sessions(repo, codex_home)
    live.prompt("Before the crash", cwd=str(repo.path))
    run(repo)
    with (local(repo) / name).open("ab") as handle:
        handle.write(tail)  # a crash in the middle of the next append
    before = cursors.load(local(repo))
    assert before.files[str(live.path)].size == live.path.stat().st_size
    live.prompt("After the crash", cwd=str(repo.path))
    result = run(repo)
    assert [p.text for p in result.sessions[live.id].prompts][-1] == "After the crash"
    assert result.notices == []
    log = (local(repo) / name).read_bytes()
    assert tail not in log
    assert log.endswith(b"\n")
    assert [orjson.loads(line) for line in log.splitlines()]  # every line whole again
    again = run(repo)
    assert (again.bytes_read, again.changed) == (0, set())


def test_the_logs_are_compacted_when_they_outgrow_the_base(
    repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, live = two_sessions(repo, codex_home)
    monkeypatch.setattr(changelog, "COMPACT_MIN_BYTES", 0)  # compact as soon as a log outgrows
    generation = orjson.loads((local(repo) / cursors.CURSORS_FILE).read_bytes())["generation"]
    compacted = False
    for number in range(12):
        live.prompt(f"turn {number}", cwd=str(repo.path))
        result = run(repo)
        doc = orjson.loads((local(repo) / cursors.CURSORS_FILE).read_bytes())
        compacted = compacted or doc["generation"] != generation
        assert result.sessions[live.id].prompts[-1].text == f"turn {number}"
        assert doc["files"][str(live.path)]["size"] <= live.path.stat().st_size
    assert compacted
    loaded = cursors.load(local(repo))
    assert loaded.files[str(live.path)].size == live.path.stat().st_size
    log = local(repo) / cursors.CURSORS_LOG
    log_size = log.stat().st_size if log.exists() else 0  # none right after a compaction
    assert log_size <= changelog.COMPACT_FACTOR * loaded.base_bytes + 2048  # one run's lines
    assert run(repo).bytes_read == 0


def test_a_log_of_another_base_is_not_replayed(repo: GitRepo, codex_home: CodexHome) -> None:
    """An older version rewrites `cursors.json` whole, knowing nothing of the log beside it."""
    _, live = two_sessions(repo, codex_home)
    live.prompt("Read by the new version", cwd=str(repo.path))
    run(repo)
    old = orjson.loads((local(repo) / cursors.CURSORS_FILE).read_bytes())
    older = {"version": 1, "files": old["files"], "history": old["history"]}
    (local(repo) / cursors.CURSORS_FILE).write_bytes(orjson.dumps(older))
    loaded = cursors.load(local(repo))
    assert loaded.files[str(live.path)].size < live.path.stat().st_size  # the base's own word
    result = run(repo)
    assert [p.text for p in result.sessions[live.id].prompts][-1] == "Read by the new version"
    assert orjson.loads((local(repo) / cursors.CURSORS_FILE).read_bytes())["generation"]


def test_state_of_the_previous_format_keeps_working_without_a_re_read(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    first, live = two_sessions(repo, codex_home)
    expected = sessions(run(repo))
    downgrade(local(repo))
    live.prompt("After the upgrade", cwd=str(repo.path))
    appended = live.path.stat().st_size - cursors.load(local(repo)).files[str(live.path)].size
    result = run(repo)
    assert result.bytes_read == appended  # only the new bytes: the old state was understood
    assert result.changed == {live.id}
    assert result.sessions[first.id].to_dict() == expected[first.id]
    doc = orjson.loads((local(repo) / cursors.CURSORS_FILE).read_bytes())
    assert doc["generation"]
    assert doc["dirs"]
    index = orjson.loads((local(repo) / cache.INDEX_FILE).read_bytes())
    assert all(len(entry["file"]) == 3 for entry in index["sessions"].values())  # inodes added
    assert run(repo).bytes_read == 0


def downgrade(folder: Path) -> None:
    """The state as the previous release wrote it: no generations, no logs, no listing state,
    index entries stamped with size and mtime only."""
    loaded = orjson.loads((folder / cursors.CURSORS_FILE).read_bytes())
    for name in (cursors.CURSORS_LOG, cache.INDEX_LOG):
        (folder / name).unlink(missing_ok=True)
    replayed = cursors.load(folder)
    files = {key: vars(cursor) for key, cursor in replayed.files.items()}
    older = {"version": 1, "files": files, "history": loaded["history"]}
    (folder / cursors.CURSORS_FILE).write_bytes(orjson.dumps(older))
    index = cache.Index(folder)
    entries = {
        sid: {**vars(summary), "file": list(index.stamps[sid][:2])}
        for sid, summary in index.summaries.items()
    }
    doc = {"version": 1, "sessions": entries}
    (folder / cache.INDEX_FILE).write_bytes(orjson.dumps(doc))


CONCURRENT = """
import sys
from journal import config, git, ingest, state
paths = git.repo_paths(sys.argv[1])
for _ in range(int(sys.argv[2])):
    with state.locked(state.local_dir(paths.common_dir)):
        ingest.ingest(paths, config.load(paths.toplevel))
"""


def test_concurrent_runs_under_the_lock_leave_the_state_whole(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    _, live = two_sessions(repo, codex_home)
    env = {**os.environ, "CODEX_HOME": str(codex_home.root)}
    procs = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT, str(repo.path), "4"], env=env)
        for _ in range(3)
    ]
    for number in range(6):
        live.prompt(f"while they run {number}", cwd=str(repo.path))
        codex_home.history(live.id, START, f"while they run {number}")
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0, 0]
    for name in (cursors.CURSORS_LOG, cache.INDEX_LOG):
        path = local(repo) / name
        if path.exists():
            assert all(orjson.loads(line) for line in path.read_bytes().splitlines())
    result = run(repo)
    assert result.notices == []
    settled = sessions(result)
    for name in (cursors.CURSORS_FILE, cursors.CURSORS_LOG, cache.INDEX_FILE, cache.INDEX_LOG):
        (local(repo) / name).unlink(missing_ok=True)
    fresh = run(repo)
    assert fresh.bytes_read > 0
    assert sessions(fresh) == settled
    texts = [p.text for p in fresh.sessions[live.id].prompts]
    assert texts[-1] == "while they run 5"
