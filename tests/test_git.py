"""git.py against real repositories: history, patch ids, the pending commit, and small queries."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from journal import git
from journal.errors import JournalError
from journal.git import FileStat
from testing.git_repo import GitRepo, record_processes

BINARY_V1 = b"\x00\x01\x02binary\xff"
BINARY_V2 = b"\x00\x01\x03binary\xfe"


def write_bytes(repo: GitRepo, name: str, data: bytes) -> None:
    (repo.path / name).write_bytes(data)


def git_patch_id(repo: GitRepo, sha: str) -> str | None:
    show = subprocess.run(["git", "show", sha], cwd=repo.path, capture_output=True, check=True)
    out = subprocess.run(
        ["git", "patch-id", "--stable"], input=show.stdout, capture_output=True, check=True
    ).stdout.decode()
    return out.split()[0] if out else None


@pytest.fixture
def history(repo: GitRepo) -> dict[str, str]:
    """root (unicode subject and path, binary) → rename+binary change+delete → side branch merge."""
    write_bytes(repo, "logo.bin", BINARY_V1)
    root = repo.commit(
        "Première version ✓",
        {"a.txt": "one\ntwo\nthree\nfour\n", "docs/é f.txt": "x\n"},
    )
    repo.git("mv", "a.txt", "c.txt")
    write_bytes(repo, "logo.bin", BINARY_V2)
    (repo.path / "docs" / "é f.txt").unlink()
    second = repo.commit("Rename a to c", {"c.txt": "one\ntwo\nthree\nfour\nfive\n"})
    repo.git("switch", "-q", "-c", "side")
    side = repo.commit("Side work", {"side.txt": "s\n"})
    repo.git("switch", "-q", "main")
    main2 = repo.commit("Main work", {"main.txt": "m1\nm2\n"})
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side", env=repo.date_env(repo.tick()))
    return {"root": root, "second": second, "side": side, "main2": main2, "merge": repo.head()}


def test_commits_root_rename_binary_unicode(repo: GitRepo, history: dict[str, str]) -> None:
    by_sha = {c.sha: c for c in git.commits(repo.path)}
    root, second = by_sha[history["root"]], by_sha[history["second"]]
    assert root.parents == ()
    assert root.subject == "Première version ✓"
    assert (root.author_name, root.author_email) == ("Ada Tester", "ada@example.com")
    assert root.authored == root.committed == "2026-02-23T09:01:00Z"
    assert root.files == (
        FileStat("a.txt", "A", 4, 0),
        FileStat("docs/é f.txt", "A", 1, 0),
        FileStat("logo.bin", "A", 0, 0),
    )
    assert second.parents == (history["root"],)
    assert set(second.files) == {
        FileStat("c.txt", "R", 1, 0, old_path="a.txt"),
        FileStat("docs/é f.txt", "D", 0, 1),
        FileStat("logo.bin", "M", 0, 0),
    }


def test_merge_files_are_against_the_first_parent(repo: GitRepo, history: dict[str, str]) -> None:
    merge = git.commits(repo.path, limit=1)[0]
    assert merge.sha == history["merge"]
    assert merge.parents == (history["main2"], history["side"])
    assert merge.subject == "Merge branch 'side'"
    assert merge.files == (FileStat("side.txt", "A", 1, 0),)


def test_order_range_and_limits(repo: GitRepo, history: dict[str, str]) -> None:
    shas = [c.sha for c in git.commits(repo.path)]
    assert shas == repo.git("log", "--format=%H").split()
    assert [c.sha for c in git.commits(repo.path, limit=2)] == shas[:2]
    ranged = git.commits(repo.path, rev=f"{history['second']}..{history['main2']}")
    assert [c.sha for c in ranged] == [history["main2"]]
    recent = git.commits(repo.path, since="2026-02-23T09:03:00Z", until="2026-02-23T09:04:30Z")
    assert [c.sha for c in recent] == [history["main2"], history["side"]]


def test_dates_in_other_offsets_become_utc(repo: GitRepo) -> None:
    repo.write({"f.txt": "f\n"})
    repo.git("add", "f.txt")
    env = {
        "GIT_AUTHOR_DATE": "2026-02-23T10:00:00+05:30",
        "GIT_COMMITTER_DATE": "Mon, 23 Feb 2026 01:00:00 -0800",
    }
    repo.git("commit", "-q", "-m", "offsets", env=env)
    (commit,) = git.commits(repo.path)
    assert (commit.authored, commit.committed) == ("2026-02-23T04:30:00Z", "2026-02-23T09:00:00Z")


def test_paths_are_repo_relative_from_a_subdirectory(repo: GitRepo) -> None:
    repo.git("config", "diff.relative", "true")  # must not leak into our output
    sha = repo.commit("nested", {"pkg/sub/mod.py": "x = 1\n", "top.txt": "t\n"})
    (commit,) = git.commits(repo.path / "pkg" / "sub")
    assert commit.sha == sha
    assert [f.path for f in commit.files] == ["pkg/sub/mod.py", "top.txt"]


def test_commits_in_a_linked_worktree(repo: GitRepo, tmp_path: Path) -> None:
    base = repo.commit("base", {"a.txt": "a\n"})
    tree = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "feature", str(tree))
    linked = GitRepo(tree, repo.clock)
    sha = linked.commit("feature work", {"b.txt": "b\n"})
    assert [c.sha for c in git.commits(tree)] == [sha, base]
    assert [c.sha for c in git.commits(repo.path)] == [base]
    assert [c.sha for c in git.commits(repo.path, all_branches=True)] == [sha, base]
    assert git.commits(repo.path, rev="feature")[0].files == (FileStat("b.txt", "A", 1, 0),)


def test_unborn_branch_has_no_commits_but_a_bad_revision_fails(repo: GitRepo) -> None:
    assert git.commits(repo.path) == []
    repo.commit("first", {"a.txt": "a\n"})
    with pytest.raises(JournalError, match="git log"):
        git.commits(repo.path, rev="no-such-branch")


def test_commits_runs_one_git_process(
    repo: GitRepo, history: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = record_processes(monkeypatch)
    monkeypatch.setattr(git, "_patch_ids", {})  # other tests made these very commits
    assert len(git.commits(repo.path)) == 5
    assert [args[:2] for args in calls] == [["git", "log"]]
    calls.clear()
    first = git.commits(repo.path, with_patch_ids=True)
    assert [args[1] for args in calls] == ["log", "log", "patch-id"]
    calls.clear()
    assert git.commits(repo.path, with_patch_ids=True) == first  # patch-ids are remembered
    assert [args[1] for args in calls] == ["log"]


def test_patch_ids_equal_git_patch_id_stable(repo: GitRepo, history: dict[str, str]) -> None:
    empty = repo.commit("nothing")
    found = git.commits(repo.path, with_patch_ids=True)
    for commit in found:
        assert commit.patch_id == git_patch_id(repo, commit.sha), commit.subject
    by_sha = {c.sha: c.patch_id for c in found}
    assert by_sha[history["merge"]] is None
    assert by_sha[empty] is None
    assert all(by_sha[history[k]] for k in ("root", "second", "side", "main2"))
    assert git.patch_ids(repo.path, []) == {}
    assert git.patch_ids(repo.path, [history["side"]]) == {history["side"]: by_sha[history["side"]]}


def test_cherry_picked_commit_keeps_its_patch_id(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "1\n2\n3\n"})
    repo.git("switch", "-q", "-c", "topic")
    picked = repo.commit("edit", {"a.txt": "1\nTWO\n3\n"})
    repo.git("switch", "-q", "main")
    repo.commit("other", {"b.txt": "b\n"})
    repo.git("cherry-pick", picked, env=repo.date_env(repo.tick()))
    ids = git.patch_ids(repo.path, [picked, repo.head()])
    assert ids[picked] == ids[repo.head()]


# --- the pending commit ---------------------------------------------------------------------------


def test_staged_on_an_unborn_branch(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write({"a.txt": "a\nb\n", "sub/ü.txt": "u\n"})
    repo.git("add", "-A")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-02-23T12:00:00+01:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "@1771848000 +0000")
    pending = git.staged(repo.path / "sub")
    assert pending.pending
    assert pending.parents == ()
    assert pending.files == (FileStat("a.txt", "A", 2, 0), FileStat("sub/ü.txt", "A", 1, 0))
    assert (pending.author_name, pending.author_email) == ("Ada Tester", "ada@example.com")
    assert (pending.authored, pending.committed) == ("2026-02-23T11:00:00Z", "2026-02-23T12:00:00Z")


def test_staged_ignores_unstaged_edits_and_sees_renames(repo: GitRepo) -> None:
    base = repo.commit("base", {"a.txt": "1\n2\n3\n4\n", "b.txt": "b\n"})
    repo.git("mv", "a.txt", "moved.txt")
    repo.write({"b.txt": "b changed but not staged\n"})
    pending = git.staged(repo.path)
    assert pending.parents == (base,)
    assert pending.files == (FileStat("moved.txt", "R", 0, 0, old_path="a.txt"),)


def test_staged_during_a_conflicted_merge_has_both_parents(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "base\n"})
    repo.git("switch", "-q", "-c", "side")
    side = repo.commit("side", {"a.txt": "side\n"})
    repo.git("switch", "-q", "main")
    main = repo.commit("main", {"a.txt": "main\n"})
    repo.git("merge", "side", check=False)
    repo.write({"a.txt": "resolved\n"})
    repo.git("add", "a.txt")
    with (repo.path / ".git" / "config").open("a") as config:
        config.write("[extra]\n\tflag\n")  # a key without a value, listed by `git var -l`
    pending = git.staged(repo.path)
    assert pending.parents == (main, side)
    assert pending.files == (FileStat("a.txt", "M", 1, 1),)


def test_staged_without_dates_uses_now(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    pending = git.staged(repo.path)
    assert pending.files == ()
    assert pending.authored.endswith("Z")
    assert pending.authored > "2026-01-01T00:00:00Z"  # the wall clock, not a pinned date


def test_staged_in_a_linked_worktree(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    tree = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "feature", str(tree))
    (tree / "new.txt").write_text("n\n")
    subprocess.run(["git", "add", "new.txt"], cwd=tree, check=True)
    assert git.staged(tree).files == (FileStat("new.txt", "A", 1, 0),)
    assert git.staged(repo.path).files == ()


def test_staged_inside_a_real_pre_commit_hook_uses_gits_index(repo: GitRepo) -> None:
    """`git commit <paths>` builds a temporary index and names it in GIT_INDEX_FILE."""
    repo.commit("base", {"a.txt": "a\n", "b.txt": "b\n"})
    report = repo.path.parent / "staged.json"
    script = (
        "import json, sys; from journal import git; p = git.staged('.'); "
        "json.dump({'files': [f.path for f in p.files], 'authored': p.authored}, "
        f"open({str(report)!r}, 'w'))"
    )
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -c {json.dumps(script)}\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    repo.write({"a.txt": "a2\n", "b.txt": "b2\n"})
    repo.git("add", "b.txt")
    when = repo.tick()
    repo.git("commit", "-q", "-m", "only a", "--", "a.txt", env=repo.date_env(when))
    seen = json.loads(report.read_text())
    assert seen == {"files": ["a.txt"], "authored": "2026-02-23T09:02:00Z"}
    assert [f.path for f in git.commits(repo.path, limit=1)[0].files] == ["a.txt"]


def test_relative_index_file_survives_another_cwd(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    (repo.path / "sub").mkdir()
    subprocess.run(["cp", ".git/index", "alt-index"], cwd=repo.path, check=True)
    repo.write({"only-in-alt.txt": "x\n"})
    repo.git("add", "only-in-alt.txt", env={"GIT_INDEX_FILE": "alt-index"})
    monkeypatch.chdir(repo.path)
    # With GIT_DIR set, git reads a relative index path against its own cwd (here: sub/).
    monkeypatch.setenv("GIT_DIR", str(repo.path / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", "alt-index")
    assert [f.path for f in git.staged(repo.path / "sub").files] == ["only-in-alt.txt"]
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert git.staged(repo.path / "sub").files == ()


# --- small queries -------------------------------------------------------------------------------


def test_reflog_shows_an_amend(repo: GitRepo) -> None:
    first = repo.commit("first", {"a.txt": "a\n"})
    before = repo.commit("second", {"b.txt": "b\n"})
    repo.git("commit", "-q", "--amend", "-m", "second, amended", env=repo.date_env(repo.tick()))
    after = repo.head()
    latest = git.reflog(repo.path, "HEAD", 1)
    assert latest == [git.ReflogEntry(before, after, "commit (amend): second, amended")]
    branch = git.reflog(repo.path, "refs/heads/main")
    assert [(e.old, e.new) for e in branch] == [(before, after), (first, before), ("0" * 40, first)]
    assert git.reflog(repo.path, "refs/heads/nothing") == []


def test_is_ancestor(repo: GitRepo) -> None:
    first = repo.commit("first", {"a.txt": "a\n"})
    second = repo.commit("second", {"a.txt": "b\n"})
    assert git.is_ancestor(repo.path, first, second)
    assert git.is_ancestor(repo.path, second, second)
    assert not git.is_ancestor(repo.path, second, first)
    with pytest.raises(JournalError, match="is-ancestor"):
        git.is_ancestor(repo.path, "0" * 40, second)


def test_origin_url(repo: GitRepo) -> None:
    assert git.origin_url(repo.path) is None
    repo.git("remote", "add", "origin", "git@github.com:acme/api.git")
    assert git.origin_url(repo.path) == "git@github.com:acme/api.git"


def test_stage(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    repo.write({"docs/day one.md": "d\n", "other.txt": "o\n"})
    git.stage(repo.path, [])
    assert git.staged(repo.path).files == ()
    git.stage(repo.path, [repo.path / "docs" / "day one.md"])
    assert [f.path for f in git.staged(repo.path).files] == ["docs/day one.md"]


def test_config_get_and_set_are_local(repo: GitRepo, hermetic: Path) -> None:
    assert git.config_get(repo.path, "notes.rewriteRef") is None
    git.config_set(repo.path, "notes.rewriteRef", "refs/notes/ai-journal")
    assert git.config_get(repo.path, "notes.rewriteRef") == "refs/notes/ai-journal"
    assert "refs/notes/ai-journal" in (repo.path / ".git" / "config").read_text()
    assert not (hermetic / ".gitconfig").exists()


def test_worktrees_lists_every_root_resolved(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("first", {"a.txt": "a\n"})
    tree = tmp_path / "tree with space"
    repo.git("worktree", "add", "-q", str(tree), "-b", "side")
    link = tmp_path / "link"
    link.symlink_to(repo.path)
    assert git.worktrees(link) == [repo.path.resolve(), tree.resolve()]


def test_existing_commits_keeps_only_commit_names(repo: GitRepo) -> None:
    first = repo.commit("first", {"a.txt": "a\n"})
    blob = repo.git("rev-parse", f"{first}:a.txt").strip()
    missing = "0" * 40
    assert git.existing_commits(repo.path, [missing, first, blob]) == [first]
    assert git.existing_commits(repo.path, []) == []


def test_staged_amend_compares_with_heads_parents(repo: GitRepo) -> None:
    root = repo.commit("root", {"a.txt": "a\n"})
    assert [f.path for f in git.staged(repo.path, amend=True).files] == ["a.txt"]
    assert git.staged(repo.path, amend=True).parents == ()
    repo.commit("second", {"b.txt": "b\n"})
    (repo.path / "c.txt").write_text("c\n")
    repo.git("add", "c.txt")
    amend = git.staged(repo.path, amend=True)
    assert [f.path for f in amend.files] == ["b.txt", "c.txt"]
    assert amend.parents == (root,)
    assert [f.path for f in git.staged(repo.path).files] == ["c.txt"]


def test_refs_frozen_asks_git_about_head_once_per_directory(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = repo.commit("first", {"a.txt": "1\n"})
    calls = record_processes(monkeypatch)
    with git.refs_frozen():
        assert git.head(repo.path) == git.Head(first, "main")
        assert git.head_sha(repo.path) == first
        with git.refs_frozen():  # nested: the same answers
            assert git.worktrees(repo.path) == git.worktrees(repo.path) == [repo.path.resolve()]
        asked = len(calls)
        second = repo.commit("second", {"a.txt": "2\n"})  # what a hook's run never sees
        del calls[asked:]
        assert git.head(repo.path).sha == first
        assert len(git.reachable(repo.path)) == 2  # git itself reads HEAD: it moved
        assert len(calls) == asked + 1  # only the rev-list
    assert git.head(repo.path) == git.Head(second, "main")
    assert git.head_sha(repo.path) == second
    assert [args[1] for args in calls[:asked]] == ["rev-parse", "symbolic-ref", "worktree"]


def test_head_sha_on_an_unborn_branch(repo: GitRepo) -> None:
    assert git.head_sha(repo.path) is None
    with git.refs_frozen():
        assert git.head_sha(repo.path) is None
