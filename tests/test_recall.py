"""Recall through real git: ranking, the ancestry filter across rewrites and branches, incremental
indexing and rebuilding, the command line."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import (
    cli,
    git,
    pipeline,
    recall,
    recall_query,
    recall_semantic,
    recall_store,
    rewrite,
    rewrite_build,
    state,
)
from journal.config import Config
from journal.errors import JournalError
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

_FTS_SYNTAX = [
    '"',
    "'",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    ")",
    "(",
    "-",
    ":",
    "*",
    "^",
    "+",
    "title:",
    "{",
    "}",
    "parser",
    "NEAR/2",
    "\\",
    "\x00",
]


@pytest.fixture
def searchable(repo: GitRepo) -> GitRepo:
    repo.commit("Cache parser tables", {"a.py": "1\n"})
    recall.index_incremental(git.repo_paths(repo.path), Config())
    return repo


def _search(repo: GitRepo, query: str, **kw: object) -> list[recall.Hit]:
    return recall.search(git.repo_paths(repo.path), query, **kw)  # type: ignore[arg-type]


def _ids(hits: list[recall.Hit]) -> list[str]:
    return [hit.id for hit in hits]


def _refresh(repo: GitRepo, when: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in repo.date_env(when).items():
        monkeypatch.setenv(key, value)
    pipeline.refresh(git.repo_paths(repo.path), Config(), stage=False)


def test_commits_rank_by_bm25_with_the_subject_weighted(repo: GitRepo) -> None:
    repo.commit("Add a health endpoint", {"a.py": "1\n"})
    title = repo.commit("Cache parser tables", {"b.py": "2\n"})
    body = repo.commit("Tidy up", {"c.py": "3\n"}, extra=("-m", "The parser module was messy."))
    repo.commit("Unrelated work", {"d.py": "4\n"})

    hits = _search(repo, "parser")
    assert _ids(hits) == [title, body]
    assert hits[0].kind == "commit"
    assert hits[0].branch == "main"
    assert hits[0].day == "2026-02-23"
    assert hits[1].snippet == "The [parser] module was messy."


def test_the_index_is_incremental_and_cheap_when_nothing_moved(repo: GitRepo) -> None:
    repo.commit("First", {"a.py": "1\n"})
    paths = git.repo_paths(repo.path)
    assert recall.index_incremental(paths, Config()) == 1
    assert recall.index_incremental(paths, Config()) == 0
    repo.commit("Second", {"a.py": "2\n"})
    assert recall.index_incremental(paths, Config()) == 1
    assert recall.reindex(paths, Config()) == 2
    assert (paths.common_dir / "ai-journal" / recall_store.DB_NAME).is_file()


def test_an_unreadable_index_is_rebuilt(repo: GitRepo) -> None:
    sha = repo.commit("Teach the widget to spin", {"a.py": "1\n"})
    paths = git.repo_paths(repo.path)
    (state.local_dir(paths.common_dir) / recall_store.DB_NAME).write_bytes(b"not a database" * 100)
    assert _ids(_search(repo, "widget")) == [sha]


def test_an_amended_commit_is_served_and_its_old_version_never(repo: GitRepo) -> None:
    repo.commit("Base", {"a.py": "1\n"})
    old = repo.commit("Parser drops zorblax lines", {"b.py": "2\n"})
    assert _ids(_search(repo, "zorblax")) == [old]
    repo.git("commit", "-q", "--amend", "-m", "Parser skips comment lines")
    new = repo.head()
    assert _search(repo, "zorblax") == []
    assert _search(repo, "zorblax", all_branches=True) == []
    assert _ids(_search(repo, "comment")) == [new]


def test_branches_are_filtered_and_labelled(repo: GitRepo) -> None:
    repo.commit("Base", {"a.py": "1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    side = repo.commit("Frobnicate the gizmo", {"b.py": "2\n"})
    repo.git("checkout", "-q", "main")
    assert _search(repo, "gizmo") == []
    hits = _search(repo, "gizmo", all_branches=True)
    assert [(h.id, h.branch) for h in hits] == [(side, "feature")]
    repo.git("merge", "-q", "--ff-only", "feature")
    assert [(h.id, h.branch) for h in _search(repo, "gizmo")] == [(side, "main")]


def test_journals_and_tasks_are_documents_of_their_branch(repo: GitRepo) -> None:
    base = repo.commit("Base", {"a.py": "1\n"})
    journal = (
        f"---\ndate: 2026-02-23\ncommits: [{base}]\nschema: 1\n---\n"
        "<!-- ai-journal:begin -->\nWorked on the quasar pipeline.\n<!-- ai-journal:end -->\n"
        "Note: remember the flux capacitor.\n"
    )
    tasks = {
        "goals": [],
        "milestones": [],
        "tasks": [{"id": "t-abc123", "title": "Polish the flux capacitor", "evidence": {}}],
    }
    repo.git("checkout", "-q", "-b", "feature")
    repo.write({"docs/ai-journal/2026-02-23.md": journal})
    repo.write({".ai-journal/project_state.json": json.dumps(tasks)})

    hits = _search(repo, "flux capacitor")
    assert sorted((h.kind, h.id, h.branch) for h in hits) == [
        ("journal", "2026-02-23", "feature"),
        ("task", "t-abc123", "feature"),
    ]
    assert _ids(_search(repo, "quasar")) == ["2026-02-23"]
    repo.git("stash", "-q", "-u")
    repo.git("checkout", "-q", "main")
    # On main the work tree has neither file: the journal is still seen, as its commit is
    # reachable, the task (no evidence) only from every branch.
    assert [(h.kind, h.branch) for h in _search(repo, "flux")] == [("journal", "feature")]
    every = _search(repo, "polish", all_branches=True)
    assert [(h.kind, h.branch) for h in every] == [("task", "feature")]


# -- sessions through the pipeline ---------------------------------------------------------------


def _session(codex: CodexHome, repo: GitRepo, start: datetime, branch: str, prompt: str) -> None:
    rollout = codex.session(repo.path, start, branch=branch, commit=repo.head())
    rollout.prompt(prompt, cwd=str(repo.path))
    rollout.apply_patch("*** Begin Patch\n*** Add File: lexer.py\n+tokens = []\n*** End Patch\n")
    rollout.reply("Added a lexer that skips comments.")


def test_a_session_follows_its_commit_through_a_rewrite(
    repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("Base", {"a.py": "1\n"}, when=BASE_TIME)
    repo.git("checkout", "-q", "-b", "feature")
    start = BASE_TIME + timedelta(minutes=5)
    _session(codex_home, repo, start, "feature", "Write a lexer for the quux language")
    linked = repo.commit("Lexer", {"lexer.py": "tokens = []\n"}, when=start + timedelta(minutes=9))
    _refresh(repo, start + timedelta(minutes=10), monkeypatch)
    fragment = next((repo.path / ".ai-journal/sessions").glob("*.json"))
    assert linked in fragment.read_text()

    hits = _search(repo, "quux lexer")
    assert (hits[0].kind, hits[0].branch, hits[0].sha) == ("session", "feature", linked)
    assert sorted(h.kind for h in hits) == ["commit", "journal", "session"]
    for generated in (".ai-journal", "docs"):  # written by the refresh, never committed here
        shutil.rmtree(repo.path / generated, ignore_errors=True)
    repo.git("checkout", "-q", "main")
    assert _search(repo, "quux") == []  # the session's branch and commit are not reachable
    hits = _search(repo, "quux", all_branches=True)
    assert [(h.kind, h.branch) for h in hits] == [("session", "feature"), ("journal", "feature")]

    # The linked commit is amended with other content (a new patch-id) and merged: only the
    # rewrite store ties the session to the new commit.
    repo.git("checkout", "-q", "feature")
    repo.write({"lexer.py": "tokens = ['changed']\n"})
    repo.git("commit", "-q", "-a", "--amend", "--no-edit")
    amended = repo.head()
    local = state.local_dir(git.repo_paths(repo.path).common_dir)
    event = {"command": "amend", "source": "test", "pairs": [[linked, amended]]}
    rewrite.save(
        local, rewrite.record(rewrite.load(local), rewrite_build.from_event(repo.path, event))
    )
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    hits = _search(repo, "quux")
    assert (hits[0].kind, hits[0].branch, hits[0].sha) == ("session", "main", amended)
    # feature's journal of the day (its commits re-keyed the same way) is seen too, as feature's
    assert [(h.kind, h.branch) for h in hits][1:] == [("journal", "feature")]


def test_a_cherry_picked_commit_carries_its_sessions_by_patch_id(
    repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("Base", {"a.py": "1\n"}, when=BASE_TIME)
    repo.git("checkout", "-q", "-b", "feature")
    start = BASE_TIME + timedelta(minutes=5)
    _session(codex_home, repo, start, "feature", "Write a lexer for the quux language")
    linked = repo.commit("Lexer", {"lexer.py": "tokens = []\n"}, when=start + timedelta(minutes=9))
    _refresh(repo, start + timedelta(minutes=10), monkeypatch)
    assert _ids(_search(repo, "quux")) != []
    for generated in (".ai-journal", "docs"):
        shutil.rmtree(repo.path / generated, ignore_errors=True)
    repo.git("checkout", "-q", "main")
    repo.git("cherry-pick", linked)
    picked = repo.head()
    assert picked != linked
    hits = _search(repo, "quux")
    assert [(h.kind, h.branch) for h in hits] == [("session", "main")]


def test_the_command_line(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sha = repo.commit("Speed up the tokenizer", {"a.py": "1\n"})
    monkeypatch.chdir(repo.path)
    assert cli.main(["recall", "tokenizer", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(h["kind"], h["id"]) for h in out] == [("commit", sha)]
    assert cli.main(["recall", "--reindex"]) == 0
    assert capsys.readouterr().out == "indexed 1 documents\n"
    assert cli.main(["recall", "tokenizer", "--all-branches", "--limit", "1"]) == 0
    assert f"commit {sha[:12]} 2026-02-23 [main]  Speed up the tokenizer" in capsys.readouterr().out
    assert cli.main(["recall", "nothing-like-it"]) == 0
    assert capsys.readouterr().out == "no matches\n"


def test_the_refresh_keeps_the_index_up_to_date(
    repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("Base", {"a.py": "1\n"}, when=BASE_TIME)
    start = BASE_TIME + timedelta(minutes=5)
    _session(codex_home, repo, start, "main", "Write a lexer for the quux language")
    _refresh(repo, start + timedelta(minutes=10), monkeypatch)
    paths = git.repo_paths(repo.path)
    hits = recall.search(paths, "quux", refresh=False)
    assert hits[0].kind == "session"
    assert hits[0].title == "Write a lexer for the quux language"
    assert hits[0].snippet.startswith("Write a lexer for the [quux] language")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.text(max_size=60) | st.lists(st.sampled_from(_FTS_SYNTAX), max_size=8).map(" ".join)
)
def test_no_query_text_makes_the_search_fail(searchable: GitRepo, query: str) -> None:
    hits = recall.search(git.repo_paths(searchable.path), query, refresh=False)
    assert all(hit.kind == "commit" for hit in hits)


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = recall_query.fuse([["a", "b", "c"], ["c", "a", "d"]])
    assert [item for item, _ in fused] == ["a", "c", "b", "d"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_without_a_semantic_engine_hybrid_says_so(
    searchable: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(recall_semantic.MODEL_ENV, str(tmp_path))  # a folder without a model
    paths = git.repo_paths(searchable.path)
    assert [h.kind for h in recall.search(paths, "parser", engine="auto")] == ["commit"]
    with pytest.raises(JournalError, match="no semantic engine is installed"):
        recall.search(paths, "parser", engine="hybrid")
