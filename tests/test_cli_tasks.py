"""The task commands through real repositories: transitions, cycles, the ready queue, branch views
across a merge, evidence gating, evidence a reset or rebase took away, and refused files."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from journal import cli, project_state, task_store
from testing.git_repo import GitRepo

STATE = ".ai-journal/project_state.json"


@pytest.fixture
def here(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo.commit("base", {"README.md": "hello\n"})
    monkeypatch.chdir(repo.path)
    return repo


class Runner:
    """Runs the CLI, each command a minute after the previous one."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys, self.monkeypatch = capsys, monkeypatch
        self.clock = 1771837200  # 2026-02-23T09:00:00Z

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.clock += 60
        self.monkeypatch.setenv("SOURCE_DATE_EPOCH", str(self.clock))
        code = cli.main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, err
        return out

    def fails(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 1, out
        assert len(err.strip().splitlines()) == 1
        return err

    def add(self, *args: str) -> str:
        found = re.match(r"added (t-[0-9a-f]{6}) ", self.ok("task", "add", *args))
        assert found
        return found[1]

    def shown(self, *args: str) -> dict[str, dict[str, Any]]:
        listing = json.loads(self.ok("tasks", "--all", "--json", *args))
        return {t["id"]: t for t in listing["tasks"]}


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    return Runner(capsys, monkeypatch)


def commit_only(repo: GitRepo, message: str, files: dict[str, str]) -> str:
    """Commit `files` and nothing else (the state file stays out of it)."""
    repo.write(files)
    repo.git("add", "--", *files)
    repo.git("commit", "-q", "-m", message, env=repo.date_env(repo.tick()))
    return repo.head()


def test_lifecycle_and_the_trailer(here: GitRepo, run: Runner) -> None:
    task_id = run.add("Write", "the", "parser", "--label", "core")
    out = run.ok("task", "start", task_id[:5])
    assert out.splitlines()[-1] == f"Task: {task_id}"
    evidence = commit_only(here, f"Parser\n\nTask: {task_id}\n", {"parser.py": "x\n"})
    err = run.fails("task", "done", task_id)
    assert "no evidence commit reachable from HEAD" in err
    run.ok("task", "done", task_id, "--commit", "HEAD")
    task = run.shown()[task_id]
    assert task["status"] == "done"
    assert task["evidence"]["commits"] == [evidence]
    assert task["owner"] == "Ada Tester <ada@example.com>"
    assert [r["status"] for r in task["transitions"]] == ["open", "in_progress", "done"]
    assert task["transitions"][-1]["branch"] == "main"
    assert task["transitions"][-1]["commit"] == evidence
    assert task_id not in run.ok("tasks")  # done ones are hidden without --all
    assert task_id in run.ok("tasks", "--status", "done")
    assert "ai-journal: a task cannot go from done to in_progress" in run.fails(
        "task", "start", task_id
    )
    run.ok("task", "reopen", task_id)
    assert run.shown()[task_id]["status"] == "open"


def test_bad_ids_and_illegal_moves_are_one_line_errors(here: GitRepo, run: Runner) -> None:
    task_id = run.add("Something")
    before = (here.path / STATE).read_bytes()
    assert "no task 't-zzzzzz'" in run.fails("task", "start", "t-zzzzzz")
    assert "no milestone 'm-123456'" in run.fails("task", "add", "X", "--milestone", "m-123456")
    assert "no commit 'nope'" in run.fails("task", "done", task_id, "--commit", "nope")
    assert "--reason" in run.fails("task", "done", task_id, "--force")
    run.ok("task", "drop", task_id, "--reason", "not needed")
    assert "from dropped to blocked" in run.fails("task", "block", task_id)
    assert (here.path / STATE).read_bytes() != before  # the drop was written
    assert run.shown()[task_id]["transitions"][-1]["reason"] == "not needed"


def test_forced_done_is_recorded(here: GitRepo, run: Runner) -> None:
    task_id = run.add("Decide on a name")
    out = run.ok("task", "done", task_id, "--force", "--reason", "decided in a meeting")
    assert "done (forced)" in out
    record = run.shown()[task_id]["transitions"][-1]
    assert record["forced"] is True
    assert record["reason"] == "decided in a meeting"
    assert run.shown()[task_id]["pending_evidence"] is False


def test_a_dependency_cycle_is_refused_and_named(here: GitRepo, run: Runner) -> None:
    first = run.add("First")
    second = run.add("Second", "--depends-on", first)
    third = run.add("Third", "--depends-on", second)
    before = (here.path / STATE).read_bytes()
    err = run.fails("task", "edit", first, "--depends-on", third)
    assert f"{first} → {third} → {second} → {first}" in err
    assert "cycle" in run.fails("task", "edit", first, "--parent", first)
    assert (here.path / STATE).read_bytes() == before
    run.ok("task", "edit", third, "--no-depends-on", second, "--label", "x", "--title", "Third!")
    assert run.shown()[third]["depends_on"] == []
    assert run.shown()[third]["title"] == "Third!"


def test_next_orders_the_ready_queue(here: GitRepo, run: Runner) -> None:
    goal = run.ok("goals", "add", "Ship", "1.0").split()[1]
    later = run.ok("milestones", "add", "Later").split()[1]
    sooner = run.ok("milestones", "add", "Sooner", "--goal", goal).split()[1]
    unused = run.add("unused")
    run.ok("task", "edit", unused, "--title", "Unused")
    run.ok("task", "drop", unused)
    loose = run.add("No milestone")
    waiting = run.add("Waits", "--milestone", later, "--depends-on", loose)
    in_later = run.add("In later", "--milestone", later)
    in_sooner = run.add("In sooner", "--milestone", sooner)
    ids = [t["id"] for t in json.loads(run.ok("next", "--json"))]
    assert ids[:2] == [in_later, in_sooner]  # milestones in document order
    assert waiting not in ids
    assert ids[-1] == loose
    run.ok("task", "done", loose, "--force", "--reason", "trivial")
    ids = [t["id"] for t in json.loads(run.ok("next", "--json"))]
    assert ids[:2] == [waiting, in_later]  # same milestone: created first
    assert f"{sooner}  open    Sooner  (goal {goal})" in run.ok("milestones")
    run.ok("goals", "close", goal)
    assert f"{goal}  closed  Ship 1.0" in run.ok("goals")
    assert "already closed" in run.fails("goals", "close", goal)


def test_done_on_a_feature_branch_folds_into_main_when_merged(here: GitRepo, run: Runner) -> None:
    task_id = run.add("Feature")
    here.commit("track the task")
    here.git("checkout", "-q", "-b", "feature-x")
    here.commit("the feature", {"feature.py": "x\n"})
    run.ok("task", "done", task_id, "--commit", "HEAD")
    here.commit("task done")

    assert run.shown()[task_id]["status"] == "done"
    on_main = run.shown("--branch", "main")[task_id]
    assert (on_main["status"], on_main["done_on"]) == ("open", ["feature-x"])
    assert "done on feature-x" in run.ok("tasks", "--branch", "main")
    assert "no branch or commit named 'nope'" in run.fails("tasks", "--branch", "nope")

    here.git("checkout", "-q", "main")  # main's own document has no done transition yet
    here.commit("meanwhile on main", {"other.py": "y\n"})
    assert run.shown()[task_id]["status"] == "open"
    here.git("merge", "-q", "--no-ff", "-m", "merge feature-x", "feature-x")
    merged = run.shown()[task_id]
    assert (merged["status"], merged["done_on"], merged["pending_evidence"]) == ("done", [], False)


def test_evidence_lost_after_a_reset_is_flagged(here: GitRepo, run: Runner) -> None:
    task_id = run.add("Risky change")  # the state file stays untracked, so a reset keeps it
    evidence = commit_only(here, "risky", {"risky.py": "x\n"})
    run.ok("task", "done", task_id, "--commit", evidence)
    view = task_store.view_for(here.path)
    assert task_store.vanished_evidence(task_store.load_doc(here.path), view) == []

    here.git("reset", "-q", "--hard", "HEAD~1")
    task = run.shown()[task_id]
    assert (task["status"], task["pending_evidence"]) == ("done", True)
    assert "evidence pending" in run.ok("tasks", "--all")
    view = task_store.view_for(here.path)
    doc = task_store.load_doc(here.path)
    assert task_store.vanished_evidence(doc, view) == [(task_id, evidence)]


def test_evidence_dropped_by_a_rebase_is_flagged(here: GitRepo, run: Runner) -> None:
    task_id = run.add("Rebased away")
    evidence = commit_only(here, "evidence", {"e.py": "x\n"})
    run.ok("task", "done", task_id, "--commit", evidence)
    here.commit("record it")
    here.git("rebase", "-q", "--onto", f"{evidence}~1", evidence)
    doc = task_store.load_doc(here.path)
    assert task_store.vanished_evidence(doc, task_store.view_for(here.path)) == [
        (task_id, evidence)
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "1:2:"),
        ('{"schema": 99, "tasks": []}\n', "schema 99"),
        ('{"schema": 1, "tasks": {}}\n', "'tasks' must be a list"),
    ],
)
def test_a_corrupt_or_newer_file_is_left_untouched(
    here: GitRepo, run: Runner, content: str, message: str
) -> None:
    (here.path / ".ai-journal").mkdir()
    (here.path / STATE).write_text(content)
    assert message in run.fails("task", "add", "X")
    assert message in run.fails("tasks")
    assert (here.path / STATE).read_text() == content


def test_writes_carry_a_fresh_digest(here: GitRepo, run: Runner) -> None:
    run.add("One")
    doc = json.loads((here.path / STATE).read_text())
    assert not project_state.hand_edited(doc)
    doc["tasks"][0]["title"] = "Edited by hand"
    (here.path / STATE).write_text(json.dumps(doc))
    run.add("Two")
    again = json.loads((here.path / STATE).read_text())
    assert not project_state.hand_edited(again)
    assert [t["title"] for t in again["tasks"]] == ["Edited by hand", "Two"]
