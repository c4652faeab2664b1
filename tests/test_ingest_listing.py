"""Which logs a run looks at (`sources.listing`): quick passes stat only live logs and list only
folders whose mtime moved, and nothing an agent appends is lost to that: a session resumed after a
long pause in an old folder is read when its prompt reaches `history.jsonl`, at the next full pass,
or by `ingest(full=True)`."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import git, ingest, pipeline, state
from journal.config import Config
from journal.sources import cursors, listing
from testing.codex_home import CodexHome, Rollout
from testing.git_repo import GitRepo

START = datetime(2026, 2, 23, 10, 0, 0, tzinfo=UTC)
DAY_NS = 24 * 3600 * 1_000_000_000


def run(repo: GitRepo, config: Config | None = None, full: bool = False) -> ingest.IngestResult:
    return ingest.ingest(git.repo_paths(repo.path), config or Config(), full=full)


def local(repo: GitRepo) -> Path:
    return state.local_dir(repo.path / ".git")


def work(
    codex_home: CodexHome, cwd: Path, day: int, text: str = "Add a health endpoint"
) -> Rollout:
    log = codex_home.session(cwd, START + timedelta(days=day))
    return log.prompt(text, cwd=str(cwd)).shell("pytest -q", output="ok").reply("Done.")


def age(path: Path, days: float) -> None:
    """Make a log look last written `days` ago, as an old session's log is."""
    stamp = time.time_ns() - int(days * DAY_NS)
    os.utime(path, ns=(stamp, stamp))


def age_folders(codex_home: CodexHome) -> None:
    """Folders last changed long ago (a folder changed within the last seconds is listed again on
    every run, which would hide what a quick pass skips)."""
    for folder in [codex_home.root, *(p for p in codex_home.root.rglob("*") if p.is_dir())]:
        age(folder, 10)


def resume(log: Rollout, text: str, cwd: Path) -> None:
    """Codex appends to the old file; its folder's mtime does not move."""
    folder = log.path.parent
    before = folder.stat().st_mtime_ns
    log.prompt(text, cwd=str(cwd)).reply("Resumed.")
    assert folder.stat().st_mtime_ns == before


def last_full_pass_long_ago(repo: GitRepo) -> None:
    store = cursors.load(local(repo))
    store.scan["full_ns"] -= listing.FULL_PASS_NS
    cursors.save(local(repo), store)


def prompts(result: ingest.IngestResult, session_id: str) -> list[str]:
    return [p.text for p in result.load([session_id])[session_id].prompts]


def test_a_quick_pass_stats_only_live_logs(repo: GitRepo, codex_home: CodexHome) -> None:
    old = [work(codex_home, repo.path, day) for day in range(4)]
    for log in old:
        age(log.path, 10)
    live = work(codex_home, repo.path, 5)
    age_folders(codex_home)
    first = run(repo)
    assert first.files_scanned == 5
    live.prompt("And a test", cwd=str(repo.path))
    second = run(repo)
    assert (second.files_scanned, second.files_parsed) == (1, 1)
    assert prompts(second, live.id) == ["Add a health endpoint", "And a test"]
    assert sorted(second.index) == sorted(log.id for log in [*old, live])
    assert len(cursors.load(local(repo)).files) == 5  # the logs not looked at keep their cursors


def test_a_session_resumed_in_an_old_folder_wakes_by_its_history_line(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    old = work(codex_home, repo.path, 0)
    age(old.path, 10)
    age_folders(codex_home)
    run(repo)
    resume(old, "Pick this up again", repo.path)
    codex_home.history(old.id, START, "Pick this up again")
    result = run(repo)
    assert prompts(result, old.id)[-1] == "Pick this up again"
    old.prompt("And carry on", cwd=str(repo.path))  # woken: live for the next runs too
    age(old.path, 10)
    assert prompts(run(repo), old.id)[-1] == "And carry on"


def test_without_a_history_line_the_next_full_pass_reads_it(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    old = work(codex_home, repo.path, 0)
    age(old.path, 10)
    age_folders(codex_home)
    run(repo)
    resume(old, "Resumed by codex exec", repo.path)
    assert run(repo).files_parsed == 0  # a quick pass does not look at it: by design
    last_full_pass_long_ago(repo)
    result = run(repo)
    assert prompts(result, old.id)[-1] == "Resumed by codex exec"


def test_full_reads_every_change(repo: GitRepo, codex_home: CodexHome) -> None:
    old = work(codex_home, repo.path, 0)
    age(old.path, 10)
    age_folders(codex_home)
    run(repo)
    resume(old, "Resumed", repo.path)
    assert run(repo).files_parsed == 0
    result = run(repo, full=True)
    assert (result.files_scanned, prompts(result, old.id)[-1]) == (1, "Resumed")


def test_a_full_rebuild_reads_every_change(repo: GitRepo, codex_home: CodexHome) -> None:
    old = work(codex_home, repo.path, 0)
    age(old.path, 10)
    age_folders(codex_home)
    run(repo)
    resume(old, "Resumed", repo.path)
    # `render --all`: every fragment rebuilt from the logs, so every log must be looked at
    pipeline.refresh(git.repo_paths(repo.path), Config(), stage=False, everything=True)
    result = run(repo)
    assert (result.files_parsed, prompts(result, old.id)[-1]) == (0, "Resumed")


def test_new_folders_new_files_archives_and_deletions_are_listed(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    first = work(codex_home, repo.path, 0)
    age(first.path, 10)
    age_folders(codex_home)
    run(repo)
    later = work(codex_home, repo.path, 30)  # a new date folder
    same_day = codex_home.session(repo.path, START + timedelta(hours=2))  # a new file, old folder
    same_day.prompt("Another one", cwd=str(repo.path))
    age(later.path, 10)
    age(same_day.path, 10)
    result = run(repo)
    assert {later.id, same_day.id} <= result.changed
    codex_home.archive(first)  # moved: both folders' mtimes move
    result = run(repo)
    assert result.load([first.id])[first.id].source_path == str(first.path)
    assert str(first.path) in cursors.load(local(repo)).files
    later.path.unlink()
    run(repo)
    assert str(later.path) not in cursors.load(local(repo)).files
    assert later.id in run(repo).index  # the cache is the record: sessions are never dropped


def test_a_folder_changed_during_the_listing_is_listed_again(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    log = work(codex_home, repo.path, 0)
    run(repo)
    dirs = cursors.load(local(repo)).dirs
    assert dirs[str(log.path.parent)] == 0  # written a moment ago: its mtime cannot be trusted
    age(log.path.parent, 1)
    run(repo)
    assert (
        cursors.load(local(repo)).dirs[str(log.path.parent)] == log.path.parent.stat().st_mtime_ns
    )


def test_replaced_history_asks_for_a_full_pass(repo: GitRepo, codex_home: CodexHome) -> None:
    old = work(codex_home, repo.path, 0)
    codex_home.history(old.id, START, "Add a health endpoint")
    age(old.path, 10)
    age_folders(codex_home)
    run(repo)
    resume(old, "Resumed", repo.path)
    history = codex_home.root / "history.jsonl"
    data = history.read_bytes()
    history.unlink()
    history.write_bytes(data[: len(data) // 2])  # Codex trimmed it: a new file, shorter
    assert prompts(run(repo), old.id)[-1] == "Resumed"


OPERATIONS = ("append live", "resume old", "resume old + history", "new", "archive", "run full")


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=6))
def test_nothing_is_lost_and_a_full_pass_agrees_with_a_fresh_state(
    repo: GitRepo, steps: list[str]
) -> None:
    """After every run each log is read to its end, except an old log resumed without a history
    line, which is read by the next full pass (or when Codex moves it)."""
    with tempfile.TemporaryDirectory() as scratch:
        home = CodexHome(Path(scratch))
        config = Config(codex_home=scratch)
        old, live = work(home, repo.path, 0), work(home, repo.path, 1)
        age(old.path, 10)
        age_folders(home)
        shutil.rmtree(local(repo), ignore_errors=True)
        run(repo, config)
        logs, cold, pending = [old, live], True, False
        for number, step in enumerate(steps):
            text = f"step {number}"
            if step == "append live":
                live.prompt(text, cwd=str(repo.path))
            elif step.startswith("resume old"):
                old.prompt(text, cwd=str(repo.path))
                woken = step.endswith("history")
                if woken:
                    home.history(old.id, START, text)
                pending, cold = cold and not woken, cold and not woken
            elif step == "new":
                logs.append(work(home, repo.path, 2 + number, text))
                age(logs[-1].path, 10)
            elif step == "archive" and old.path.parent.name != "archived_sessions":
                home.archive(old)
                cold = pending = False  # moved: listed, and read if it grew (then it is live)
            if step == "run full":
                cold = cold and not pending
                pending = False
            result = run(repo, config, full=step == "run full")
            for log in logs if not pending else [log for log in logs if log is not old]:
                record = result.load([log.id])[log.id]
                assert record.reader_state["offset"] == log.path.stat().st_size, (step, log.id)
        settled = {sid: s.to_dict() for sid, s in run(repo, config, full=True).sessions.items()}
        shutil.rmtree(local(repo))
        fresh = {sid: s.to_dict() for sid, s in run(repo, config).sessions.items()}
        assert settled == fresh


def test_the_listing_state_is_kept_in_the_cursor_file(repo: GitRepo, codex_home: CodexHome) -> None:
    work(codex_home, repo.path, 0)
    run(repo)
    doc = orjson.loads((local(repo) / cursors.CURSORS_FILE).read_bytes())
    assert {"dirs", "scan", "generation", "files", "history", "version"} <= doc.keys()
    assert str(codex_home.root / "sessions") in doc["dirs"]
