"""Tasks through the whole path with real git and native hooks: a session's plan becomes tasks at
the stage, a `Closes:` trailer closes one at the next stage, and a box ticked in a committed
journal becomes a transition with `ai-journal sync`."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from journal import cli, git, install, task_store, task_sync, tasks
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

JOURNAL = "docs/ai-journal/2026-02-23.md"


@pytest.fixture
def hooked(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    monkeypatch.chdir(repo.path)
    return repo


def _state(repo: GitRepo, rev: str = "HEAD") -> dict[str, Any]:
    return json.loads(repo.git("show", f"{rev}:.ai-journal/project_state.json"))


def _by_title(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["title"]: t for t in doc["tasks"]}


def _planned_session(repo: GitRepo, codex: CodexHome) -> str:
    """A session that plans two steps and finishes the first; its commit carries the tasks."""
    session = codex.session(repo.path, BASE_TIME + timedelta(minutes=5), commit=repo.head())
    session.prompt("Add a health endpoint", cwd=str(repo.path))
    session.plan([("Add /health route", "in_progress"), ("Write the test", "pending")])
    session.plan([("Add /health route", "completed"), ("Write the test", "pending")])
    session.reply("Route added.")
    return repo.commit(
        "Add health route", {"app.py": "y\n"}, when=session.clock + timedelta(minutes=1)
    )


def test_plan_becomes_tasks_at_the_stage(hooked: GitRepo, codex_home: CodexHome) -> None:
    sha = _planned_session(hooked, codex_home)
    assert ".ai-journal/project_state.json" in hooked.git("show", "--name-only", "--format=", sha)
    found = _by_title(_state(hooked))
    route, test = found["Add /health route"], found["Write the test"]
    assert tasks.current_status(route) == "done"
    assert tasks.current_status(test) == "open"
    assert route["origin"]["kind"] == "plan"
    assert {r["branch"] for r in route["transitions"]} == {"main"}
    journal = hooked.git("show", f"HEAD:{JOURNAL}")
    assert re.search(rf"^- \[ \] {test['id']} Write the test", journal, re.MULTILINE)

    # The next stage links the session to its commit: the done step gets it as evidence, and
    # the session's records name it. A stage after that, with nothing new, changes nothing.
    assert route["evidence"]["commits"] == []
    linked = hooked.commit("Unrelated", {"notes.txt": "n\n"}, when=BASE_TIME + timedelta(hours=5))
    route = _by_title(_state(hooked))["Add /health route"]
    assert route["evidence"]["commits"] == [sha]
    assert {r["commit"] for r in route["transitions"]} == {sha}
    hooked.commit("Quiet", {"notes.txt": "m\n"})
    assert _state(hooked)["tasks"] == _state(hooked, linked)["tasks"]


def test_closes_trailer_is_applied_at_the_next_stage(
    hooked: GitRepo, codex_home: CodexHome
) -> None:
    _planned_session(hooked, codex_home)
    test = _by_title(_state(hooked))["Write the test"]
    closing = hooked.commit(f"Write the test\n\nCloses: {test['id']}\nTask: t-000000")
    hooked.commit("Next", {"notes.txt": "n\n"})

    closed = next(t for t in _state(hooked)["tasks"] if t["id"] == test["id"])
    assert closed["evidence"]["commits"] == [closing]
    assert closed["transitions"][-1]["by"] == f"trailer:{closing}"
    assert tasks.current_status(closed) == "done"


def test_checklist_parsing() -> None:
    text = (
        "---\ndate: 2026-02-23\n---\nHand notes.\n<!-- ai-journal:begin -->\n## Tasks\n\n"
        "- [x] t-7f3a01 Add route · done\n  - 10:00 created as open\n"
        "- [ ] t-4d5e6f Write *the* test · open\n"
        "* [X] t-abcdef Upper case box\n"
        "- [ ] not a task\n- plain item t-123456\n<!-- ai-journal:end -->\n"
    )
    assert task_sync.checklist(text) == [
        ("t-7f3a01", True),
        ("t-4d5e6f", False),
        ("t-abcdef", True),
    ]


def _tick(repo: GitRepo, task_id: str, mark: str) -> str:
    path = repo.path / JOURNAL
    text = path.read_text()
    ticked, count = re.subn(rf"^- \[.\] {task_id} ", f"- [{mark}] {task_id} ", text, flags=re.M)
    assert count >= 1
    path.write_text(ticked)
    # An edit in a pull request: no hooks run.
    return repo.commit(f"Tick {task_id}", extra=("--no-verify",))


def test_ticked_box_round_trip(
    hooked: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    _planned_session(hooked, codex_home)
    test = _by_title(_state(hooked))["Write the test"]
    ticked_at = _tick(hooked, test["id"], "x")

    assert cli.main(["sync", "--dry-run"]) == 0
    assert f"would record {test['id']} Write the test: open → done" in capsys.readouterr().out
    assert tasks.current_status(_find(hooked, test["id"])) == "open"

    assert cli.main(["sync"]) == 0
    out = capsys.readouterr().out
    assert f"recorded {test['id']} Write the test: open → done (ticked in {JOURNAL})" in out
    record = _find(hooked, test["id"])["transitions"][-1]
    assert record["by"] == "journal"
    assert record["reason"] == f"ticked in {JOURNAL}"
    assert record["forced"] is True  # no evidence commit: recorded as forced, with the reason
    assert record["commit"] == ticked_at
    assert record["branch"] == "main"

    assert cli.main(["sync"]) == 0
    assert "agree" in capsys.readouterr().out


def test_tick_with_evidence_is_not_forced_and_untick_reopens(
    hooked: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    _planned_session(hooked, codex_home)
    test = _by_title(_state(hooked))["Write the test"]
    doc = task_store.load_doc(hooked.path)
    task = next(t for t in doc["tasks"] if t["id"] == test["id"])
    task["evidence"]["commits"] = [hooked.head()]
    task_store.save_doc(hooked.path, doc)
    hooked.commit("Evidence", extra=("--no-verify",))
    _tick(hooked, test["id"], "x")
    assert cli.main(["sync"]) == 0
    done = _find(hooked, test["id"])["transitions"][-1]
    assert (done["status"], done["forced"]) == ("done", False)

    hooked.commit("Synced", extra=("--no-verify",))
    _tick(hooked, test["id"], " ")
    assert cli.main(["sync"]) == 0
    reopened = _find(hooked, test["id"])["transitions"][-1]
    assert (reopened["status"], reopened["reason"]) == ("open", f"unticked in {JOURNAL}")
    assert "done → open" in capsys.readouterr().out


def test_journal_older_than_the_task_is_not_trusted(hooked: GitRepo, codex_home: CodexHome) -> None:
    _planned_session(hooked, codex_home)
    test = _by_title(_state(hooked))["Write the test"]
    _tick(hooked, test["id"], "x")
    doc = task_store.load_doc(hooked.path)
    task = next(t for t in doc["tasks"] if t["id"] == test["id"])
    later = {"at": "2030-01-01T00:00:00Z", "status": "blocked", "branch": "main", "commit": None}
    task["transitions"].append({**later, "by": "Ada", "reason": "waiting", "forced": False})
    boxes = task_sync.committed_boxes(hooked.path, "docs/ai-journal")
    assert task_sync.sync(doc, boxes, task_store.view_for(hooked.path)) == []


def _find(repo: GitRepo, task_id: str) -> dict[str, Any]:
    doc = task_store.load_doc(Path(repo.path))
    return next(t for t in doc["tasks"] if t["id"] == task_id)


def test_box_ticked_in_a_commit_with_hooks_is_taken_before_the_render(
    hooked: GitRepo, codex_home: CodexHome
) -> None:
    """The stage renders the commit's own day again; a box a person ticked in that journal is
    recorded first, so the render keeps it ticked instead of putting it back."""
    _planned_session(hooked, codex_home)
    test = _by_title(_state(hooked))["Write the test"]
    path = hooked.path / JOURNAL
    path.write_text(path.read_text().replace(f"- [ ] {test['id']}", f"- [x] {test['id']}"))
    sha = hooked.commit("Tick with hooks")

    assert f"- [x] {test['id']} Write the test" in hooked.git("show", f"{sha}:{JOURNAL}")
    record = next(t for t in _state(hooked)["tasks"] if t["id"] == test["id"])["transitions"][-1]
    assert (record["status"], record["by"], record["forced"]) == ("done", "journal", True)
    assert record["reason"] == f"ticked in {JOURNAL}"
