"""Commit trailers naming tasks, read with git's own trailer rules from real repositories: evidence,
`Closes` records, unknown names, idempotence, and the evidence remapped after a rebase."""

from __future__ import annotations

import json

from journal import git, project_state, rewrite_build, tasks, trailers
from journal.rewrite import resolver
from testing.git_repo import GitRepo

TASK = "t-7f3a01"
OTHER = "t-4d5e6f"


def _doc() -> dict[str, object]:
    doc = project_state.empty(None)
    for task_id in (TASK, OTHER):
        task: dict[str, object] = {"id": task_id, "title": task_id, "evidence": {}}
        tasks.transition(
            task, "in_progress", at="2026-02-23T08:00:00Z", branch="main", commit=None, by="Ada"
        )
        doc["tasks"].append(task)
    return doc


def _task(doc: dict[str, object], task_id: str) -> dict[str, object]:
    return next(t for t in tasks.tasks_of(doc) if t["id"] == task_id)


def test_git_decides_what_a_trailer_is(repo: GitRepo) -> None:
    base = repo.commit("base")
    in_body = repo.commit(f"Subject\n\nTask: {TASK} is mentioned in prose here.\nMore prose.")
    linked = repo.commit(
        f"Subject\n\nBody.\n\ntask: {TASK}, {OTHER}\nCloses: T-4D5E6F\nSigned-off-by: Ada <a@b>"
    )
    found = trailers.read(repo.path, ["HEAD"], [base])

    assert [c.sha for c in found] == [linked]
    assert in_body not in [c.sha for c in found]
    (commit,) = found
    assert commit.trailers == (("task", f"{TASK}, {OTHER}"), ("Closes", "T-4D5E6F"))
    assert commit.committed == "2026-02-23T09:03:00Z"


def test_task_links_evidence_and_closes_records_done(repo: GitRepo) -> None:
    repo.commit("base")
    git.run(["checkout", "-q", "-b", "feature-x"], repo.path)
    work = repo.commit(f"Work\n\nTask: {TASK}")
    close = repo.commit(f"Finish\n\nCloses: {OTHER}")
    doc = _doc()

    result = trailers.apply(doc, trailers.read(repo.path, ["HEAD"], []), "feature-x")

    assert result.changed == [TASK, OTHER]
    assert _task(doc, TASK)["evidence"] == {"commits": [work]}
    assert tasks.current_status(_task(doc, TASK)) == "in_progress"
    other = _task(doc, OTHER)
    assert other["evidence"] == {"commits": [close]}
    assert other["transitions"][-1] == {
        "at": "2026-02-23T09:03:00Z",
        "status": "done",
        "branch": "feature-x",
        "commit": close,
        "by": f"trailer:{close}",
        "reason": None,
        "forced": False,
    }
    on_main = tasks.View("main", None, lambda sha: False)
    assert tasks.view_status(other, on_main).done_on == ("feature-x",)


def test_applying_again_changes_nothing_and_unknown_names_are_counted(repo: GitRepo) -> None:
    repo.commit(f"One\n\nCloses: {TASK}\nTask: t-999999")
    repo.commit("Two\n\nTask: t-999999, t-888888\nCloses: #12")
    doc = _doc()
    found = trailers.read(repo.path, ["HEAD"], [])

    first = trailers.apply(doc, found, "main")
    snapshot = json.dumps(doc, sort_keys=True)
    again = trailers.apply(doc, found, "main")

    assert first.unknown == ["t-999999", "t-999999", "t-888888"]
    assert first.notice() == "3 commit trailers name no known task (t-999999, t-888888); ignored"
    assert again.changed == []
    assert json.dumps(doc, sort_keys=True) == snapshot


def test_closes_is_recorded_whatever_came_first(repo: GitRepo) -> None:
    """The record does not depend on the task's status when the commit is seen, so the state
    is the same whichever source was applied first."""
    close = repo.commit(f"Finish\n\nCloses: {TASK}")
    found = trailers.read(repo.path, ["HEAD"], [])
    person_done = {"at": "2026-02-23T10:00:00Z", "status": "done", "branch": "main"}
    person_done |= {"commit": None, "by": "Ada", "reason": None, "forced": False}

    trailer_first = _doc()
    trailers.apply(trailer_first, found, "main")
    _task(trailer_first, TASK)["transitions"].append(person_done)
    trailer_first["tasks"][0]["transitions"] = tasks.ordered_transitions(_task(trailer_first, TASK))

    person_first = _doc()
    _task(person_first, TASK)["transitions"].append(person_done)
    trailers.apply(person_first, found, "main")

    assert trailer_first == person_first
    assert f"trailer:{close}" in [r["by"] for r in _task(person_first, TASK)["transitions"]]


def test_rebase_keeps_trailers_and_evidence_follows_the_rewrite(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    git.run(["checkout", "-q", "-b", "feature-x"], repo.path)
    old = repo.commit(f"Finish\n\nCloses: {TASK}", {"b.txt": "b\n"})
    doc = _doc()
    trailers.apply(doc, trailers.read(repo.path, ["HEAD"], []), "feature-x")

    git.run(["checkout", "-q", "main"], repo.path)
    repo.commit("main moves", {"c.txt": "c\n"})
    git.run(["checkout", "-q", "feature-x"], repo.path)
    repo.git("rebase", "-q", "main", env=repo.date_env(repo.tick()))
    new = repo.head()
    rmap = rewrite_build.from_reflog(repo.path, "feature-x", old)
    assert rmap is not None
    assert rmap.pairs()[old][0] == new

    assert trailers.remap_evidence(doc, resolver([rmap])) == 2  # evidence and the record
    assert trailers.remap_evidence(doc, resolver([rmap])) == 0
    # The rebased commit carries the same trailer: seen again, it adds nothing.
    again = trailers.apply(doc, trailers.read(repo.path, ["HEAD"], []), "feature-x")
    task = _task(doc, TASK)
    assert again.changed == []
    assert task["evidence"] == {"commits": [new]}
    assert [r["by"] for r in task["transitions"]] == ["Ada", f"trailer:{new}"]
    assert task["transitions"][-1]["commit"] == new
    view = tasks.View("main", None, {new}.__contains__)
    assert tasks.view_status(task, view).status == "done"


def test_a_dropped_commit_stays_as_evidence() -> None:
    doc = _doc()
    _task(doc, TASK)["evidence"] = {"commits": ["c" * 40]}
    assert trailers.remap_evidence(doc, lambda sha: None) == 0
    assert _task(doc, TASK)["evidence"] == {"commits": ["c" * 40]}


def test_a_closing_commit_dated_before_the_task_still_closes_it(repo: GitRepo) -> None:
    repo.commit("base")
    close = repo.commit(f"Finish\n\nCloses: {TASK}")  # 09:02, the task was made at 10:00
    doc = project_state.empty(None)
    task: dict[str, object] = {"id": TASK, "title": TASK, "evidence": {}}
    tasks.transition(task, "open", at="2026-02-23T10:00:00Z", branch="main", commit=None, by="Ada")
    doc["tasks"].append(task)

    trailers.apply(doc, trailers.read(repo.path, ["HEAD"], []), "main")

    assert tasks.current_status(task) == "done"
    assert task["transitions"][-1]["at"] == "2026-02-23T10:00:01Z"
    assert task["transitions"][-1]["commit"] == close
