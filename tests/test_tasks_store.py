"""The task store: validation before every write, the file left alone when a write is refused,
views of unborn and named branches, and a cycle that a merge brought in being repairable."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from journal import cli, project_state, task_store, tasks
from journal.errors import JournalError
from testing.git_repo import GitRepo

STATE = ".ai-journal/project_state.json"


def task(task_id: str, **fields: Any) -> dict[str, Any]:
    record = {"at": "2026-02-23T09:00:00Z", "status": "open", "branch": None, "commit": None}
    record.update({"by": "journal", "reason": None, "forced": False})
    item = {"id": task_id, "title": task_id, "milestone": None, "parent": None, "depends_on": []}
    item.update({"labels": [], "transitions": [record], "created": record["at"]})
    item.update(fields)
    return item


def valid_doc() -> dict[str, Any]:
    doc = project_state.empty(None)
    doc["goals"] = [{"id": "g-000001", "title": "Goal", "created": "x", "closed": None}]
    doc["milestones"] = [{"id": "m-000001", "title": "M", "goal": "g-000001", "created": "x"}]
    doc["tasks"] = [task("t-000001", milestone="m-000001"), task("t-000002", parent="t-000001")]
    return doc


def broken(change: str) -> dict[str, Any]:
    doc = valid_doc()
    if change == "duplicate":
        doc["tasks"].append(copy.deepcopy(doc["tasks"][0]))
    elif change == "milestone":
        doc["tasks"][0]["milestone"] = "m-999999"
    elif change == "goal":
        doc["milestones"][0]["goal"] = "g-999999"
    elif change == "parent":
        doc["tasks"][1]["parent"] = "t-999999"
    elif change == "dependency":
        doc["tasks"][1]["depends_on"] = ["t-999999"]
    elif change == "status":
        doc["tasks"][1]["transitions"][0]["status"] = "finished"
    elif change == "cycle":
        doc["tasks"][0]["depends_on"] = ["t-000002"]
        doc["tasks"][1]["depends_on"] = ["t-000001"]
    elif change == "no id":
        del doc["goals"][0]["id"]
    return doc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("duplicate", "id t-000001 appears twice in 'tasks'"),
        ("milestone", "t-000001 refers to unknown milestone m-999999"),
        ("goal", "m-000001 refers to unknown goal g-999999"),
        ("parent", "t-000002 refers to unknown task t-999999"),
        ("dependency", "t-000002 depends on unknown task t-999999"),
        ("status", "t-000002 has a transition with an unknown status"),
        ("cycle", "cycle t-000001 → t-000002 → t-000001"),
        ("no id", "an entry of 'goals' has no id"),
    ],
)
def test_an_invalid_document_is_never_written(repo: GitRepo, change: str, message: str) -> None:
    task_store.save_doc(repo.path, valid_doc())
    before = (repo.path / STATE).read_bytes()
    with pytest.raises(JournalError, match=message):
        task_store.save_doc(repo.path, broken(change))
    assert (repo.path / STATE).read_bytes() == before


def test_saved_documents_round_trip_canonically(repo: GitRepo) -> None:
    assert task_store.load_doc(repo.path) == project_state.empty(None)
    path = task_store.save_doc(repo.path, valid_doc())
    loaded = task_store.load_doc(repo.path)
    assert path.read_text() == json.dumps(loaded, sort_keys=True, indent=2) + "\n"
    assert not project_state.hand_edited(loaded)
    assert list(repo.path.joinpath(".ai-journal").iterdir()) == [path]  # no temp file left


def test_find_accepts_unique_prefixes_only() -> None:
    doc = valid_doc()
    doc["tasks"].append(task("t-000100"))
    assert task_store.find(doc, "task", "t-0001")["id"] == "t-000100"
    with pytest.raises(JournalError, match=r"task 't-0000' is ambiguous \(t-000001, t-000002\)"):
        task_store.find(doc, "task", "t-0000")
    with pytest.raises(JournalError, match="no goal 'g'"):
        task_store.find(doc, "goal", "g")


def test_views_of_an_unborn_repository_and_of_another_branch(repo: GitRepo) -> None:
    unborn = task_store.view_for(repo.path)
    assert (unborn.branch, unborn.head) == ("main", None)
    first = repo.commit("one")
    repo.git("branch", "side")
    second = repo.commit("two")
    side = task_store.view_for(repo.path, "side")
    assert (side.branch, side.head) == ("side", first)
    assert side.reachable(first)
    assert not side.reachable(second)
    assert task_store.view_for(repo.path).reachable(second)


def test_a_cycle_a_merge_brought_in_is_named_and_repairable(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("base")
    monkeypatch.chdir(repo.path)
    doc = broken("cycle")
    doc["digest"] = "merged"
    (repo.path / ".ai-journal").mkdir()
    (repo.path / STATE).write_text(json.dumps(doc))
    assert cli.main(["task", "add", "Another"]) == 1
    assert "cycle t-000001 → t-000002 → t-000001" in capsys.readouterr().err
    assert cli.main(["task", "edit", "t-000002", "--no-depends-on", "t-000001"]) == 0
    assert tasks.find_cycle(task_store.load_doc(repo.path)) is None


def test_a_view_walks_history_once_and_only_when_asked(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = [repo.commit(f"c{i}") for i in range(5)]
    walks: list[str] = []
    real = task_store.git.reachable

    def counting(cwd: Any, rev: str = "HEAD", *args: Any, **kwargs: Any) -> set[str]:
        walks.append(rev)
        return real(cwd, rev, *args, **kwargs)

    monkeypatch.setattr(task_store.git, "reachable", counting)
    view = task_store.view_for(repo.path)
    assert walks == []
    assert all(view.reachable(sha) for sha in shas)
    assert not view.reachable("0" * 40)
    assert walks == [shas[-1]]
