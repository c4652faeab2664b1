"""The commit facts store (`journal.commit_facts`) and `git.commits` / `git.patch_ids` through it:
the same answers as straight from git, each commit diffed once, and a damaged store costing time
only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from journal import commit_facts, git
from journal.git import FileStat
from testing.git_repo import GitRepo, record_processes


@pytest.fixture(autouse=True)
def no_patch_ids_in_memory() -> None:
    """The process keeps patch-ids by SHA, and pinned dates give every test the same SHAs."""
    git._patch_ids.clear()


@pytest.fixture
def history(repo: GitRepo) -> GitRepo:
    """A root commit, a rename, a path with a tab, a newline and non-ASCII, an empty commit, a
    binary change and a merge."""
    repo.commit("root ✓", {"a.txt": "one\ntwo\nthree\nfour\n", "b\tc\nd é.txt": "x\n"})
    repo.git("mv", "a.txt", "moved.txt")
    repo.commit("rename", {"moved.txt": "one\ntwo\nthree\nfour\nfive\n"})
    repo.git("commit", "-q", "--allow-empty", "-m", "empty", env=repo.date_env(repo.tick()))
    (repo.path / "logo.bin").write_bytes(b"\x00\x01binary\xff")
    repo.commit("binary")
    repo.git("switch", "-q", "-c", "side")
    repo.commit("side", {"side.txt": "s\n"})
    repo.git("switch", "-q", "main")
    repo.commit("main", {"main.txt": "m\n"})
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side", env=repo.date_env(repo.tick()))
    return repo


def test_commits_through_the_store_equal_those_straight_from_git(
    history: GitRepo, tmp_path: Path
) -> None:
    direct = git.commits(history.path, all_branches=True, with_patch_ids=True)
    git._patch_ids.clear()
    with git.facts_kept(tmp_path):
        first = git.commits(history.path, all_branches=True, with_patch_ids=True)
    git._patch_ids.clear()
    with git.facts_kept(tmp_path):
        second = git.commits(history.path, all_branches=True, with_patch_ids=True)
    assert first == direct
    assert second == direct
    by_subject = {c.subject: c for c in direct}
    assert by_subject["root ✓"].files == (
        FileStat("a.txt", "A", 4, 0),
        FileStat("b\tc\nd é.txt", "A", 1, 0),
    )
    assert by_subject["rename"].files == (FileStat("moved.txt", "R", 1, 0, old_path="a.txt"),)
    assert by_subject["empty"].files == ()
    assert by_subject["empty"].patch_id is None


def test_each_commit_is_diffed_once(
    history: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with git.facts_kept(tmp_path):
        git.commits(history.path, with_patch_ids=True)
    git._patch_ids.clear()
    calls = record_processes(monkeypatch)
    with git.facts_kept(tmp_path):
        again = git.commits(history.path, with_patch_ids=True)
    assert [args[1] for args in calls] == ["log"]  # the listing only: no diff, no patch-id
    assert "--numstat" not in calls[0]
    history.commit("one more", {"new.txt": "n\n"})
    calls.clear()
    with git.facts_kept(tmp_path):
        newer = git.commits(history.path, with_patch_ids=True)
    assert newer[1:] == again
    diffed = [args for args in calls if "--numstat" in args or "-p" in args]
    assert len(diffed) == 2  # files and patch of the new commit alone


def test_a_damaged_store_is_started_again(history: GitRepo, tmp_path: Path) -> None:
    store = tmp_path / commit_facts.FILENAME
    store.write_bytes(b"not a database, only bytes " * 100)
    direct = git.commits(history.path)
    with git.facts_kept(tmp_path):
        assert git.commits(history.path) == direct
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone()[0] == len(direct)


def test_a_store_of_another_schema_is_emptied(tmp_path: Path) -> None:
    store = tmp_path / commit_facts.FILENAME
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE files (sha TEXT PRIMARY KEY, stats TEXT NOT NULL)")
        db.execute("INSERT INTO files VALUES ('abc', 'garbage')")
        db.execute(f"PRAGMA user_version = {commit_facts.SCHEMA + 1}")
    db.close()
    facts = commit_facts.CommitFacts(store)
    assert facts.files(["abc"]) == {}
    facts.add_files({"abc": (FileStat("x", "M", 1, 2),)})
    assert facts.files(["abc"]) == {"abc": (FileStat("x", "M", 1, 2),)}
    facts.close()


def test_a_busy_store_is_skipped(tmp_path: Path) -> None:
    store = tmp_path / commit_facts.FILENAME
    facts = commit_facts.CommitFacts(store)
    facts.add_patch_ids({"abc": "123"})
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        facts.add_patch_ids({"def": "456"})  # cannot write: answers keep coming from git
        assert facts.patch_ids(["abc"]) == {}
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        facts.close()
    assert store.exists()
    reopened = commit_facts.CommitFacts(store)
    assert reopened.patch_ids(["abc", "def"]) == {"abc": "123"}
    reopened.close()


def test_many_shas_are_asked_in_chunks(tmp_path: Path) -> None:
    facts = commit_facts.CommitFacts(tmp_path / commit_facts.FILENAME)
    found = {f"{n:040x}": (None if n % 7 == 0 else f"{n:040x}") for n in range(1_234)}
    facts.add_patch_ids(found)
    assert facts.patch_ids(list(found)) == found
    facts.close()


def test_a_store_locked_while_opening_is_skipped_not_deleted(tmp_path: Path) -> None:
    store = tmp_path / commit_facts.FILENAME
    facts = commit_facts.CommitFacts(store)
    facts.add_patch_ids({"abc": "123"})
    facts.close()
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # even reading the schema version must wait
    try:
        busy = commit_facts.CommitFacts(store)
        assert busy.patch_ids(["abc"]) == {}
        busy.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    again = commit_facts.CommitFacts(store)
    assert again.patch_ids(["abc"]) == {"abc": "123"}
    again.close()


def test_an_unwritable_state_dir_costs_only_the_cache(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    facts = commit_facts.CommitFacts(missing / commit_facts.FILENAME)
    facts.add_files({"abc": ()})
    assert facts.files(["abc"]) == {}
    facts.close()
