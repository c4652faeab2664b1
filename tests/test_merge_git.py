"""The merge driver through real git: registered exactly as `ai-journal init` does, then exercised
by merge, rebase and cherry-pick on project_state.json, journals and session fragments.

In every operation here git's "ours" is main's side: a merge and a cherry-pick run on main, and a
rebase of `side` onto main replays side's commits on top of main.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from journal import git, install, merge_journal, state
from journal.render import BEGIN, END
from testing.git_repo import GitRepo

STATE = ".ai-journal/project_state.json"
JOURNAL = "docs/ai-journal/2026-02-23.md"
FRONT = "---\ndate: 2026-02-23\nschema: 1\n---\n"
MARKER = "<<<<<<<"
Edit = Callable[[dict[str, Any]], None]


def _doc(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": 1,
        "reconciled_head": None,
        "goals": [],
        "milestones": [],
        "tasks": tasks,
    }
    doc["digest"] = state.digest(doc)
    return doc


def _task(task_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": task_id, "title": f"task {task_id}", "status": "open", **fields}


def _journal(notes: str, generated: str, closing: str = "") -> str:
    return f"{FRONT}{notes}{BEGIN}\n{generated}{END}\n{closing}"


def _git(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **repo.date_env(repo.tick())}
    return subprocess.run(
        ["git", *args], cwd=repo.path, env=env, capture_output=True, text=True, check=False
    )


def _init(repo: GitRepo, files: dict[str, str]) -> None:
    install.init(git.repo_paths(repo.path), local=True)
    repo.commit("base", files)


def _edit_state(repo: GitRepo, edit: Edit) -> None:
    doc = json.loads((repo.path / STATE).read_text())
    edit(doc)
    doc["digest"] = state.digest(doc)
    repo.write({STATE: state.dumps_canonical(doc)})


def _branches(repo: GitRepo, main: dict[str, str], side: dict[str, str]) -> None:
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side work", side)
    repo.git("checkout", "-q", "main")
    repo.commit("main work", main)


def _apply(repo: GitRepo, operation: str) -> subprocess.CompletedProcess[str]:
    """Bring side's work to main's: merge side into main, cherry-pick it, or rebase side."""
    if operation == "merge":
        return _git(repo, "merge", "--no-edit", "side")
    if operation == "cherry-pick":
        return _git(repo, "cherry-pick", "side")
    repo.git("checkout", "-q", "side")
    return _git(repo, "rebase", "main")


def _state(repo: GitRepo) -> dict[str, Any]:
    text = (repo.path / STATE).read_text()
    assert MARKER not in text
    committed = repo.git("show", f"HEAD:{STATE}")
    assert committed == text
    doc: dict[str, Any] = json.loads(text)
    return doc


def _status(repo: GitRepo) -> str:
    return repo.git("status", "--porcelain", "--untracked-files=no")


OPERATIONS = ["merge", "rebase", "cherry-pick"]


def _state_branches(repo: GitRepo, base: list[dict[str, Any]], main: Edit, side: Edit) -> None:
    _init(repo, {STATE: state.dumps_canonical(_doc(base))})
    repo.git("checkout", "-q", "-b", "side")
    _edit_state(repo, side)
    repo.commit("side work")
    repo.git("checkout", "-q", "main")
    _edit_state(repo, main)
    repo.commit("main work")


# -- project_state.json ------------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
def test_fields_changed_on_both_branches_merge_cleanly(repo: GitRepo, operation: str) -> None:
    def main(doc: dict[str, Any]) -> None:
        doc["tasks"][0].update(status="done", labels=["api", "ui"])
        del doc["tasks"][1]  # untouched on side: stays deleted

    def side(doc: dict[str, Any]) -> None:
        doc["tasks"][0].update(title="Health endpoint", labels=["api", "db"])
        doc["tasks"].append(_task("t3"))

    _state_branches(repo, [_task("t1", labels=["api"]), _task("t2")], main, side)
    result = _apply(repo, operation)
    assert result.returncode == 0, result.stderr
    assert _status(repo) == ""
    doc = _state(repo)
    assert doc["tasks"] == [
        {
            "id": "t1",
            "title": "Health endpoint",
            "status": "done",
            "labels": ["api", "db", "ui"],
        },
        _task("t3"),
    ]
    assert "conflicts" not in doc
    assert doc["digest"] == state.digest(doc)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_true_conflict_is_recorded_and_the_operation_completes(
    repo: GitRepo, operation: str
) -> None:
    def main(doc: dict[str, Any]) -> None:
        doc["tasks"][0]["status"] = "done"

    def side(doc: dict[str, Any]) -> None:
        doc["tasks"][0]["status"] = "blocked"
        doc["tasks"][0]["depends_on"] = ["t2"]

    _state_branches(repo, [_task("t-7f3a"), _task("t2")], main, side)
    result = _apply(repo, operation)
    assert result.returncode == 0, result.stderr
    assert _status(repo) == ""
    doc = _state(repo)
    assert doc["tasks"][0] == _task("t-7f3a", status="done", depends_on=["t2"])
    assert doc["conflicts"] == [
        {"path": "tasks/t-7f3a/status", "base": "open", "ours": "done", "theirs": "blocked"}
    ]
    assert doc["digest"] == state.digest(doc)


def test_a_true_merge_makes_a_merge_commit(repo: GitRepo) -> None:
    _state_branches(
        repo,
        [_task("t1")],
        lambda d: d["tasks"][0].update(status="done"),
        lambda d: d["tasks"][0].update(status="blocked"),
    )
    assert _git(repo, "merge", "--no-edit", "side").returncode == 0
    assert len(repo.git("rev-parse", "HEAD^@").split()) == 2


@pytest.mark.parametrize("operation", OPERATIONS)
def test_deleted_on_one_branch_and_changed_on_the_other(repo: GitRepo, operation: str) -> None:
    _state_branches(
        repo,
        [_task("t1"), _task("t2")],
        lambda d: d["tasks"].pop(0),
        lambda d: d["tasks"][0].update(status="done"),
    )
    assert _apply(repo, operation).returncode == 0
    doc = _state(repo)
    assert doc["tasks"] == [_task("t1", status="done"), _task("t2")]
    assert doc["conflicts"] == [
        {"path": "tasks/t1", "base": _task("t1"), "theirs": _task("t1", status="done")}
    ]


def test_both_branches_adding_the_file(repo: GitRepo) -> None:
    _init(repo, {"README.md": "hello\n"})
    _branches(
        repo,
        main={STATE: state.dumps_canonical(_doc([_task("t1")]))},
        side={STATE: state.dumps_canonical(_doc([_task("t2")]))},
    )
    result = _git(repo, "merge", "--no-edit", "side")
    assert result.returncode == 0, result.stderr
    assert [t["id"] for t in _state(repo)["tasks"]] == ["t1", "t2"]


def test_a_rebase_of_several_commits_calls_the_driver_for_each(repo: GitRepo) -> None:
    _init(repo, {STATE: state.dumps_canonical(_doc([_task("t1"), _task("t2")]))})
    repo.git("checkout", "-q", "-b", "side")
    for task_id in ("t3", "t4"):
        _edit_state(repo, lambda d, i=task_id: d["tasks"].append(_task(i)))
        repo.commit(f"add {task_id}")
    _edit_state(repo, lambda d: d["tasks"][1].update(status="blocked"))
    repo.commit("block t2")
    repo.git("checkout", "-q", "main")
    _edit_state(
        repo, lambda d: (d["tasks"][0].update(status="done"), d["tasks"].append(_task("t9")))
    )
    repo.commit("main work")
    result = _apply(repo, "rebase")
    assert result.returncode == 0, result.stderr
    doc = _state(repo)
    assert [(t["id"], t["status"]) for t in doc["tasks"]] == [
        ("t1", "done"),
        ("t2", "blocked"),
        ("t3", "open"),
        ("t4", "open"),
        ("t9", "open"),
    ]
    for rev in ("HEAD~2", "HEAD~1"):
        assert MARKER not in repo.git("show", f"{rev}:{STATE}")
        json.loads(repo.git("show", f"{rev}:{STATE}"))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_hand_broken_json_falls_back_to_a_reported_text_conflict(
    repo: GitRepo, operation: str
) -> None:
    _state_branches(
        repo,
        [_task("t1")],
        lambda d: d["tasks"][0].update(status="done"),
        lambda d: d["tasks"][0].update(status="blocked"),
    )
    broken = (repo.path / STATE).read_text().replace('"tasks": [', '"tasks": [,')
    repo.commit("a hand edit gone wrong", {STATE: broken})
    result = _apply(repo, operation)
    assert result.returncode == 1
    assert "ours is not valid JSON" in result.stderr
    assert f"UU {STATE}" in _status(repo)
    text = (repo.path / STATE).read_text()
    assert f"{MARKER} ours:{STATE}" in text
    assert '"blocked"' in text
    assert '"tasks": [,' in text


def _unrelated_status_changes(repo: GitRepo) -> None:
    _state_branches(
        repo,
        [_task("t1"), _task("t2")],
        lambda d: d["tasks"][0].update(status="done"),
        lambda d: d["tasks"][1].update(status="blocked"),
    )


def test_without_the_driver_git_falls_back_to_its_text_merge(repo: GitRepo) -> None:
    """What `doctor` warns about: a fresh clone has the committed attribute but not the local
    config, so git merges the file as text and changes to nearby lines conflict."""
    _unrelated_status_changes(repo)
    repo.git("config", "--local", "--remove-section", "merge.ai-journal")
    result = _git(repo, "merge", "--no-edit", "side")
    assert result.returncode == 1
    assert f"CONFLICT (content): Merge conflict in {STATE}" in result.stdout
    assert MARKER in (repo.path / STATE).read_text()


def test_a_driver_name_without_a_command_makes_git_refuse_the_merge(repo: GitRepo) -> None:
    _unrelated_status_changes(repo)
    repo.git("config", "--local", "--unset", "merge.ai-journal.driver")
    result = _git(repo, "merge", "--no-edit", "side")
    assert result.returncode == 128
    assert "custom merge driver ai-journal lacks command line" in result.stderr


# -- journals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
def test_journal_notes_merge_and_the_region_is_recorded_as_stale(
    repo: GitRepo, operation: str
) -> None:
    base = _journal("Intro.\n\nPlan for today.\n", "## 09:00 base\n", "Outro.\n")
    _init(repo, {JOURNAL: base})
    _branches(
        repo,
        main={
            JOURNAL: _journal(
                "Intro, reworded.\n\nPlan for today.\n", "## 09:00 main\n", "Outro.\n"
            )
        },
        side={
            JOURNAL: _journal(
                "Intro.\n\nPlan for today.\n", "## 09:00 side\n", "Outro.\nSide note.\n"
            )
        },
    )
    result = _apply(repo, operation)
    assert result.returncode == 0, result.stderr
    assert _status(repo) == ""
    expected = _journal(
        "Intro, reworded.\n\nPlan for today.\n", "## 09:00 main\n", "Outro.\nSide note.\n"
    )
    assert (repo.path / JOURNAL).read_text() == expected
    assert repo.git("show", f"HEAD:{JOURNAL}") == expected
    common = git.repo_paths(repo.path).common_dir
    assert merge_journal.stale_journals(common) == [JOURNAL]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_conflicting_journal_notes_stop_with_markers_in_the_notes_only(
    repo: GitRepo, operation: str
) -> None:
    _init(repo, {JOURNAL: _journal("Plan: A.\n", "base\n")})
    _branches(
        repo,
        main={JOURNAL: _journal("Plan: B.\n", "main\n")},
        side={JOURNAL: _journal("Plan: C.\n", "side\n")},
    )
    result = _apply(repo, operation)
    assert result.returncode == 1
    assert f"UU {JOURNAL}" in _status(repo)
    parts = merge_journal.split((repo.path / JOURNAL).read_text())
    assert parts.before.startswith(f"{MARKER} ours:{JOURNAL}\nPlan: B.\n=======\nPlan: C.\n")
    assert parts.region == f"{BEGIN}\nmain\n{END}\n"
    assert parts.frontmatter == FRONT


def test_session_fragments_added_on_both_branches_merge_cleanly(repo: GitRepo) -> None:
    _init(repo, {".ai-journal/sessions/.keep": ""})
    main_fragment = ".ai-journal/sessions/20260223T090000Z_main_019c8a59.json"
    side_fragment = ".ai-journal/sessions/20260223T091500Z_side_7f3ae2d1.json"
    _branches(
        repo,
        main={main_fragment: '{"id": "019c8a59"}\n'},
        side={side_fragment: '{"id": "7f3ae2d1"}\n'},
    )
    result = _git(repo, "merge", "--no-edit", "side")
    assert result.returncode == 0, result.stderr
    assert (repo.path / main_fragment).is_file()
    assert (repo.path / side_fragment).is_file()


def test_a_merge_in_a_linked_worktree_records_in_the_common_dir(repo: GitRepo) -> None:
    _init(repo, {JOURNAL: _journal("Intro.\n", "base\n")})
    _branches(
        repo,
        main={JOURNAL: _journal("Intro.\n", "main\n")},
        side={JOURNAL: _journal("Intro.\n", "side\n", "Side note.\n")},
    )
    worktree = GitRepo(repo.path.parent / "linked", repo.clock)
    repo.git("worktree", "add", "-q", "-b", "linked", str(worktree.path), "main")
    result = _git(worktree, "merge", "--no-edit", "side")
    assert result.returncode == 0, result.stderr
    assert (worktree.path / JOURNAL).read_text() == _journal("Intro.\n", "main\n", "Side note.\n")
    assert merge_journal.stale_journals(repo.path / ".git") == [JOURNAL]
