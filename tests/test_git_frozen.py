"""Answers the pre-commit stage shares inside `git.refs_frozen`: each equals what git says."""

from __future__ import annotations

import pytest

from journal import git
from testing.git_repo import GitRepo, record_processes

FOLDER = "docs/ai-journal"
BASE = {
    f"{FOLDER}/2026-02-23.md": "day one\n",
    f"{FOLDER}/2026-02-24.md": "day two\n" * 20,
    f"{FOLDER}-old/notes.md": "a sibling folder that only shares the prefix\n",
    "app.py": "print('hi')\n" * 20,
}


def _apply(repo: GitRepo, step: str) -> None:
    """One staged change: edit, add, delete, or a rename into, out of, or within the folder."""
    if step == "edit":
        repo.write({f"{FOLDER}/2026-02-23.md": "day one, edited\n"})
    elif step == "add":
        repo.write({f"{FOLDER}/2026-02-25.md": "day three\n", "new.py": "x\n"})
    elif step == "delete":
        repo.git("rm", "-q", f"{FOLDER}/2026-02-23.md")
    elif step == "rename-out":
        repo.git("mv", f"{FOLDER}/2026-02-24.md", "moved.md")
    elif step == "rename-in":
        repo.git("mv", "app.py", f"{FOLDER}/app.py")
    elif step == "rename-within":
        repo.git("mv", f"{FOLDER}/2026-02-24.md", f"{FOLDER}/2026-03-01.md")
    elif step == "sibling":
        repo.write({f"{FOLDER}-old/notes.md": "changed\n"})
    repo.git("add", "-A")


@pytest.mark.parametrize(
    "steps",
    [
        (),
        ("edit",),
        ("add", "delete"),
        ("rename-out",),
        ("rename-in", "edit"),
        ("rename-within", "sibling"),
        ("sibling",),
    ],
)
def test_staged_modified_from_the_stages_diff_equals_gits(repo: GitRepo, steps: tuple[str]) -> None:
    repo.commit("base", BASE)
    for step in steps:
        _apply(repo, step)
    expected = _in_both_and_changed(repo, FOLDER)
    assert git.staged_modified(repo.path, FOLDER) == expected
    with git.refs_frozen():
        git.staged(repo.path)
        assert git.staged_modified(repo.path, FOLDER) == expected
        assert git.staged_modified(repo.path, "app.py") == _in_both_and_changed(repo, "app.py")
        # The stage's own `git add` moves the index: the next answer is git's again.
        repo.write({f"{FOLDER}/2026-02-24.md": "rewritten by the stage\n"})
        git.stage(repo.path, [repo.path / FOLDER / "2026-02-24.md"])
        after = git.staged_modified(repo.path, FOLDER)
    assert after == _in_both_and_changed(repo, FOLDER)


def _in_both_and_changed(repo: GitRepo, folder: str) -> list[str]:
    """Every staged path under `folder` whose index and HEAD versions both exist and differ."""
    found = []
    for path in git.staged_paths(repo.path, folder):
        index = repo.git("ls-files", "-s", "--", path).split()
        ours = repo.git("ls-tree", "HEAD", "--", path).split()
        if index and ours and (index[0], index[1]) != (ours[0], ours[2]):
            found.append(path)
    return sorted(found)


def test_staged_modified_on_an_unborn_branch(repo: GitRepo) -> None:
    repo.write({f"{FOLDER}/2026-02-23.md": "one\n", "app.py": "x\n"})
    repo.git("add", "-A")
    with git.refs_frozen():
        git.staged(repo.path)
        assert git.staged_modified(repo.path, FOLDER) == []
    assert git.staged_modified(repo.path, FOLDER) == []


def test_staged_modified_from_the_stages_diff_runs_no_git(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("base", BASE)
    _apply(repo, "edit")
    calls = record_processes(monkeypatch)
    with git.refs_frozen():
        git.staged(repo.path)
        asked = len(calls)
        assert git.staged_modified(repo.path, FOLDER) == [f"{FOLDER}/2026-02-23.md"]
        assert git.staged_modified(repo.path, "./docs/*") == [f"{FOLDER}/2026-02-23.md"]
    assert len(calls) == asked + 1  # the glob asked git


@pytest.mark.parametrize("values", [(), ("refs/notes/x",), ("refs/notes/x", "refs/notes/y")])
def test_config_from_var_list_equals_config_get(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, values: tuple[str, ...]
) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    for value in values:
        repo.git("config", "--local", "--add", "notes.rewriteRef", value)
    repo.git("config", "--local", "branch.main.description", "a subsection")
    expected = git.config_get(repo.path, "notes.rewriteRef")
    assert expected == (values[-1] if values else None)
    calls = record_processes(monkeypatch)
    with git.refs_frozen():
        git.staged(repo.path)
        asked = len(calls)
        assert git.config_get_frozen(repo.path, "notes.rewriteRef") == expected
        assert git.config_get_frozen(repo.path, "NOTES.REWRITEREF") == expected
        assert len(calls) == asked  # read from the `git var -l` that `staged` ran
        assert git.config_get_frozen(repo.path, "branch.main.description") == "a subsection"
    assert git.config_get_frozen(repo.path, "notes.rewriteRef") == expected


def test_existing_commits_are_asked_once_per_run(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = repo.commit("first", {"a.txt": "1\n"})
    second = repo.commit("second", {"a.txt": "2\n"})
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    shas = [second, "0" * 40, first[:10], tree, first, second, "HEAD"]
    expected = git.existing_commits(repo.path, shas)
    assert expected == [second, first, first, second, second]
    calls = record_processes(monkeypatch)
    with git.refs_frozen():
        assert git.existing_commits(repo.path, shas) == expected
        assert git.existing_commits(repo.path, shas[:-1]) == expected[:-1]
        assert git.existing_commits(repo.path, [first, "0" * 40]) == [first]
    assert [args[1] for args in calls] == ["cat-file", "cat-file"]  # "HEAD" is no SHA: asked
