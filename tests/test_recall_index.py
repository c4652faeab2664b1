"""What the stage's share of recall indexing does and leaves to `ai-journal recall`: no walk of the
history, only the files the refresh wrote, commits from the stored tips; and `recall` still
answers completely."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from journal import git, pipeline, recall, recall_index, state
from journal import recall_store as store
from journal.config import Config
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

JOURNAL = "---\ndate: {day}\nschema: 1\n---\n{text}\n"


def _stage_index(repo: GitRepo, files: list[Path] | None = None) -> int:
    paths = git.repo_paths(repo.path)
    head = git.head(repo.path)
    written = recall_index.Written(head, git.tips(repo.path, head.sha), files or [])
    return recall.index_written(paths, Config(), written)


def _rows(repo: GitRepo, kind: str) -> list[tuple[str, str | None]]:
    conn = store.open_db(state.local_dir(git.repo_paths(repo.path).common_dir))
    try:
        query = "SELECT ref, sha FROM docs WHERE kind = ? ORDER BY ref"
        return [(row[0], row[1]) for row in conn.execute(query, (kind,))]
    finally:
        conn.close()


def _found(repo: GitRepo, query: str, *, refresh: bool) -> list[str]:
    hits = recall.search(git.repo_paths(repo.path), query, refresh=refresh, engine="fts")
    return [hit.id for hit in hits]


def test_the_stage_leaves_the_first_walk_to_recall_which_finds_everything(repo: GitRepo) -> None:
    old = repo.commit("Teach the widget to spin", {"a.py": "1\n"})
    repo.commit("Unrelated", {"b.py": "2\n"})
    assert _stage_index(repo) == 0
    assert _rows(repo, "commit") == []  # nothing walked: the history may be long
    assert _found(repo, "widget", refresh=False) == []
    assert _found(repo, "widget", refresh=True) == [old]
    assert len(_rows(repo, "commit")) == 2


def test_after_the_first_recall_the_stage_indexes_the_new_commits(repo: GitRepo) -> None:
    repo.commit("Base", {"a.py": "1\n"})
    assert _found(repo, "base", refresh=True) != []
    new = repo.commit("Make the gizmo faster", {"b.py": "2\n"})
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("Gizmo on the side", {"c.py": "3\n"})
    assert _stage_index(repo) == 2
    assert _found(repo, "gizmo", refresh=False) == [side, new]
    assert _stage_index(repo) == 0  # tips unchanged: nothing to do


def test_a_rewritten_history_is_indexed_from_the_new_tips(repo: GitRepo) -> None:
    repo.commit("Base", {"a.py": "1\n"})
    repo.commit("Polish the zorblax", {"b.py": "2\n"})
    assert _found(repo, "zorblax", refresh=True) != []
    repo.git("commit", "-q", "--amend", "-m", "Polish the quibbler")
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")  # the tip indexed last no longer exists
    assert _stage_index(repo) == 1
    assert _found(repo, "quibbler", refresh=False) == [repo.head()]
    assert _found(repo, "zorblax", refresh=False) == []  # no branch reaches it


def test_the_stage_reads_only_the_files_it_wrote(repo: GitRepo) -> None:
    repo.commit("Base", {"a.py": "1\n"})
    folder = repo.path / "docs/ai-journal"
    folder.mkdir(parents=True)
    written = folder / "2026-02-23.md"
    written.write_text(JOURNAL.format(day="2026-02-23", text="Tuned the quasar."))
    other = folder / "2026-02-24.md"
    other.write_text(JOURNAL.format(day="2026-02-24", text="Quasar again, by hand."))
    (repo.path / "notes.md").write_text("quasar notes outside the journal\n")
    assert _stage_index(repo, [written, repo.path / "notes.md"]) == 1
    assert _found(repo, "quasar", refresh=False) == ["2026-02-23"]
    assert sorted(_found(repo, "quasar", refresh=True)) == ["2026-02-23", "2026-02-24"]


def test_a_fragment_the_stage_indexed_still_wins_over_the_cached_session(
    repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("Base", {"a.py": "1\n"}, when=BASE_TIME)
    start = BASE_TIME + timedelta(minutes=5)
    rollout = codex_home.session(repo.path, start, branch="main", commit=repo.head())
    rollout.prompt("Write a lexer for the quux language", cwd=str(repo.path))
    rollout.apply_patch("*** Begin Patch\n*** Add File: lexer.py\n+tokens = []\n*** End Patch\n")
    rollout.reply("Added a lexer.")
    linked = repo.commit("Lexer", {"lexer.py": "tokens = []\n"}, when=start + timedelta(minutes=9))
    for key, value in repo.date_env(start + timedelta(minutes=10)).items():
        monkeypatch.setenv(key, value)
    pipeline.refresh(git.repo_paths(repo.path), Config(), stage=False)
    assert _rows(repo, "session") != []  # the fragment the refresh wrote, indexed at once
    assert _rows(repo, "commit") == []
    # `recall` reads the session cache, then that fragment again: the fragment's anchor stays.
    assert _found(repo, "quux", refresh=True)[0] == _rows(repo, "session")[0][0]
    assert [sha for _, sha in _rows(repo, "session")] == [linked]
