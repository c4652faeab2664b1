"""The session index: one summary per cached record, kept by ingest, healed from the cache files
when it is lost, corrupt or out of date, and what it buys: a run loads only the records it needs."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import git, ingest, state
from journal.config import Config
from journal.sources import cache, session_cache
from journal.sources.summary import SessionSummary, session_version, summarize
from testing.codex_home import CodexHome, Rollout
from testing.git_repo import GitRepo

START = datetime(2026, 2, 23, 10, 0, 0, tzinfo=UTC)
PARENT = "019c0000-0000-7000-8000-000000000001"


def run(repo: GitRepo, config: Config | None = None) -> ingest.IngestResult:
    return ingest.ingest(git.repo_paths(repo.path), config or Config())


def local(repo: GitRepo) -> Path:
    return state.local_dir(repo.path / ".git")


def work(codex_home: CodexHome, cwd: Path | str, minute: int = 0, **kw: str) -> Rollout:
    log = codex_home.session(cwd, START + timedelta(minutes=minute), **kw)
    return (
        log.prompt("Add a health endpoint", cwd=str(cwd))
        .shell("pytest -q", output="ok")
        .reply("Done.")
    )


def expected_index(repo: GitRepo) -> dict[str, SessionSummary]:
    return {sid: summarize(s) for sid, s in ingest.load_sessions(local(repo)).items()}


def record_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the ids of the session records read from the cache, in order."""
    seen: list[str] = []
    original = cache.read

    def counting(path: Path) -> object:
        seen.append(path.stem)
        return original(path)

    monkeypatch.setattr(cache, "read", counting)
    monkeypatch.setattr(session_cache, "read", counting)
    return seen


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return record_reads(monkeypatch)


def test_index_summarises_every_record(repo: GitRepo, codex_home: CodexHome) -> None:
    parent = work(codex_home, repo.path, session_id=PARENT)
    child = work(codex_home, repo.path, minute=5, parent_id=PARENT)
    moved = codex_home.session("/somewhere/else", START + timedelta(minutes=9))
    moved.prompt("look around", cwd="/somewhere/else").prompt("now here", cwd=str(repo.path))
    result = run(repo)

    assert result.index == expected_index(repo)
    assert (result.index[parent.id].subagents, result.index[child.id].parent_id) == (
        (child.id,),
        PARENT,
    )
    assert result.index[moved.id].cwds == ("/somewhere/else", str(repo.path))
    record = result.load([moved.id])[moved.id]
    assert result.index[moved.id].version == session_version(record)
    assert (result.index[moved.id].first_event, result.index[moved.id].last_event) == (
        record.timestamps()[0],
        record.timestamps()[-1],
    )
    saved = orjson.loads((local(repo) / cache.INDEX_FILE).read_bytes())
    assert sorted(saved["sessions"]) == sorted(result.index)


def test_a_run_with_nothing_new_loads_no_record(
    repo: GitRepo, codex_home: CodexHome, reads: list[str]
) -> None:
    first = work(codex_home, repo.path)
    second = work(codex_home, repo.path, minute=30)
    run(repo)
    reads.clear()
    result = run(repo)
    assert reads == []
    assert sorted(result.index) == sorted([first.id, second.id])
    assert list(result.load([first.id, "no-such-session"])) == [first.id]
    assert reads == [first.id]


def test_an_appended_session_is_the_only_record_loaded(
    repo: GitRepo, codex_home: CodexHome, reads: list[str]
) -> None:
    live = work(codex_home, repo.path)
    other = work(codex_home, repo.path, minute=30)
    before = run(repo).index
    reads.clear()
    live.prompt("Now add a test", cwd=str(repo.path))
    result = run(repo)
    assert reads == [live.id]
    assert result.index[other.id] == before[other.id]
    assert result.index[live.id].version != before[live.id].version
    parsed = result.load([live.id])[live.id]
    assert result.load([live.id])[live.id] is parsed  # kept from the run, not read again
    assert [p.text for p in parsed.prompts][-1] == "Now add a test"
    assert reads == [live.id]


@pytest.mark.parametrize("damage", ["missing", "not json", "another version", "wrong shape"])
def test_a_lost_or_broken_index_is_rebuilt(
    repo: GitRepo, codex_home: CodexHome, damage: str
) -> None:
    work(codex_home, repo.path)
    work(codex_home, repo.path, minute=30)
    before = run(repo).index
    path = local(repo) / cache.INDEX_FILE
    damaged = {
        "missing": None,
        "not json": b"{nope",
        "another version": b'{"version": 99, "sessions": {}}',
        "wrong shape": b'{"version": 1, "sessions": {"x": {"id": "x"}}}',
    }[damage]
    path.unlink()
    if damaged is not None:
        path.write_bytes(damaged)
    result = run(repo)
    assert (result.index, result.changed, result.bytes_read) == (before, set(), 0)
    assert orjson.loads(path.read_bytes())["version"] == cache.INDEX_VERSION
    assert ingest.cached(local(repo)).index == before


def test_cache_files_changed_behind_its_back(repo: GitRepo, codex_home: CodexHome) -> None:
    gone = work(codex_home, repo.path)
    edited = work(codex_home, repo.path, minute=30)
    run(repo)
    folder = local(repo) / cache.SESSIONS_DIR
    (folder / cache.file_name(gone.id)).unlink()
    record = cache.read(folder / cache.file_name(edited.id))
    assert record is not None
    record.ended = "2026-02-23T23:59:59.000Z"  # as an older version of the tool might leave it
    cache.store(local(repo), record)

    assert ingest.cached(local(repo)).index[edited.id].ended == "2026-02-23T23:59:59.000Z"
    assert gone.id not in ingest.cached(local(repo)).index
    result = run(repo)
    assert result.bytes_read == gone.path.stat().st_size  # the lost record is read again
    assert result.index == expected_index(repo)
    assert sorted(result.index) == sorted([gone.id, edited.id])


def test_the_read_only_view_writes_nothing(repo: GitRepo, codex_home: CodexHome) -> None:
    session = work(codex_home, repo.path)
    run(repo)
    (local(repo) / cache.INDEX_FILE).unlink()
    view = ingest.cached(local(repo))
    assert list(view.index) == [session.id]
    assert view.load([session.id])[session.id].id == session.id
    assert not (local(repo) / cache.INDEX_FILE).exists()


def test_the_sessions_mapping_loads_on_access(
    repo: GitRepo, codex_home: CodexHome, reads: list[str]
) -> None:
    first = work(codex_home, repo.path)
    second = work(codex_home, repo.path, minute=30)
    run(repo)
    reads.clear()
    sessions = run(repo).sessions
    assert (len(sessions), first.id in sessions, "nope" in sessions) == (2, True, False)
    assert reads == []
    assert sessions[second.id].id == second.id
    assert reads == [second.id]
    with pytest.raises(KeyError):
        sessions["nope"]


OPERATIONS = ("append", "new", "drop index", "corrupt index", "delete record", "rewrite record")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=6))
def test_the_index_always_matches_the_cache(repo: GitRepo, steps: list[str]) -> None:
    shutil.rmtree(local(repo))
    folder = local(repo) / cache.SESSIONS_DIR
    with tempfile.TemporaryDirectory() as scratch:
        home = CodexHome(Path(scratch))
        config = Config(codex_home=scratch)
        logs = [work(home, repo.path)]
        run(repo, config)
        for number, step in enumerate(steps):
            if step == "append":
                logs[-1].prompt(f"step {number}", cwd=str(repo.path))
            elif step == "new":
                logs.append(work(home, repo.path, minute=10 * len(logs)))
            elif step == "drop index":
                (local(repo) / cache.INDEX_FILE).unlink(missing_ok=True)
            elif step == "corrupt index":
                (local(repo) / cache.INDEX_FILE).write_bytes(b"[1, 2")
            elif step == "delete record":
                (folder / cache.file_name(logs[0].id)).unlink(missing_ok=True)
            else:
                os.utime(folder / cache.file_name(logs[-1].id), ns=(1, 1))
            result = run(repo, config)
            assert result.index == expected_index(repo)
            assert sorted(result.index) == sorted(log.id for log in logs)
            assert ingest.cached(local(repo)).index == result.index
