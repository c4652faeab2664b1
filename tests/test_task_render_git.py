"""Tasks through real git and `ai-journal render`: a transition shows up in the next journal of
its day and in tasks.md, an unchanged state rewrites nothing, and a task done on another branch
folds to done when that branch is merged."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from journal import cli, git, install, merge_journal, pipeline, state
from journal.config import Config
from testing.git_repo import BASE_TIME, GitRepo

DAY = "docs/ai-journal/2026-02-23.md"
OVERVIEW = "docs/ai-journal/tasks.md"
STATE = ".ai-journal/project_state.json"


@pytest.fixture
def based(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    monkeypatch.chdir(repo.path)
    return repo


def _render(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert cli.main(["render", *args]) == 0
    return capsys.readouterr().out.splitlines()


def _refresh(repo: GitRepo) -> tuple[list[str], list[str]]:
    """(days rendered, files written) by one refresh, as the pre-commit stage runs it."""
    result = pipeline.refresh(git.repo_paths(repo.path), Config(), stage=False)
    written = sorted(str(p.relative_to(repo.path)) for p in result.written)
    return [d.isoformat() for d in result.days], written


def _move(status: str, minutes: int, commit: str, branch: str = "main") -> dict[str, Any]:
    at = (BASE_TIME + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    by = "Ada Tester <ada@example.com>"
    return {"at": at, "status": status, "branch": branch, "commit": commit, "by": by}


def _save(repo: GitRepo, task: dict[str, Any]) -> None:
    doc = {
        "schema": 1,
        "reconciled_head": None,
        "goals": [{"id": "g-1a2b3c", "title": "Ship it", "created": "2026-02-23T09:00:00Z"}],
        "milestones": [
            {"id": "m-4d5e6f", "title": "First cut", "goal": "g-1a2b3c", "created": "…"}
        ],
        "tasks": [task],
    }
    doc["digest"] = state.digest(doc)
    state.write_atomic(repo.path / STATE, state.dumps_canonical(doc))


def _task(transitions: list[dict[str, Any]], evidence: list[str]) -> dict[str, Any]:
    return {
        "id": "t-7f3a01",
        "title": "Say y",
        "milestone": "m-4d5e6f",
        "parent": None,
        "depends_on": [],
        "owner": None,
        "labels": [],
        "evidence": {"commits": evidence, "files": [], "sessions": []},
        "transitions": [{**t, "reason": None, "forced": False} for t in transitions],
        "created": transitions[0]["at"],
        "origin": {"kind": "cli"},
    }


def _read(repo: GitRepo, name: str) -> str:
    return (repo.path / name).read_text(encoding="utf-8")


def test_a_transition_shows_up_in_the_next_journal_and_in_tasks_md(
    based: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = based.head()
    opened = [_move("open", 10, base)]
    _save(based, _task(opened, []))
    _render(capsys)
    assert "- [ ] t-7f3a01 Say y · open · First cut" in _read(based, DAY)
    assert "| `t-7f3a01` | Say y | open |" in _read(based, OVERVIEW)

    fix = based.commit("Say y", {"app.py": "y\n"}, when=BASE_TIME + timedelta(minutes=30))
    _save(based, _task([*opened, _move("done", 31, fix)], [fix]))
    _render(capsys)
    journal = _read(based, DAY)
    assert "- [x] t-7f3a01 Say y · done · First cut" in journal
    assert "  - 09:31 open → done by Ada Tester" in journal
    assert f"  - evidence: `{fix[:7]}`" in journal
    assert "| `t-7f3a01` | Say y | done |" in _read(based, OVERVIEW)


def test_a_day_is_rendered_again_only_when_its_tasks_changed(based: GitRepo) -> None:
    base = based.head()
    opened = [_move("open", 10, base)]
    _save(based, _task(opened, []))
    assert _refresh(based) == (["2026-02-23"], [DAY, OVERVIEW])
    assert _refresh(based) == ([], [])
    later = _move("in_progress", 60 * 24 + 5, base)  # the next day
    _save(based, _task([*opened, later], []))
    next_day = "docs/ai-journal/2026-02-24.md"
    moved = (["2026-02-23", "2026-02-24"], [DAY, next_day, OVERVIEW])
    assert _refresh(based) == moved  # Monday's entry shows the new status too


def test_done_on_a_branch_folds_to_done_when_merged(
    based: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = based.head()
    based.git("switch", "-q", "-c", "feature-x")
    fix = based.commit("Say y", {"app.py": "y\n"}, when=BASE_TIME + timedelta(minutes=30))
    task = _task([_move("open", 10, base), _move("done", 31, fix, "feature-x")], [fix])
    based.git("switch", "-q", "main")
    _save(based, task)
    _render(capsys)
    assert "- [ ] t-7f3a01 Say y · open (done on feature-x)" in _read(based, DAY)
    assert "on `feature-x`" in _read(based, DAY)
    assert "class t-7f3a01 open" in _read(based, OVERVIEW)

    based.commit("tasks", when=BASE_TIME + timedelta(minutes=40))
    based.git("merge", "-q", "--no-ff", "-m", "Merge feature-x", "feature-x")
    assert _refresh(based) == (["2026-02-23"], [DAY, OVERVIEW])
    assert "- [x] t-7f3a01 Say y · done · First cut" in _read(based, DAY)
    assert "class t-7f3a01 done" in _read(based, OVERVIEW)


def test_render_all_writes_a_day_that_only_has_task_changes(
    based: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    _save(based, _task([_move("open", 60 * 24 * 3, based.head())], []))  # 2026-02-26
    _render(capsys)
    day = Path("docs/ai-journal/2026-02-26.md")
    assert (based.path / day).exists()
    (based.path / day).unlink()
    assert f"wrote {day}" in _render(capsys, "--all")
    assert json.loads(_read(based, STATE))["tasks"][0]["id"] == "t-7f3a01"


def test_the_commit_stage_carries_tasks_md_and_the_days_journal(based: GitRepo) -> None:
    install.install_native(git.repo_paths(based.path))
    _save(based, _task([_move("open", 10, based.head())], []))
    sha = based.commit("Plan the work", when=BASE_TIME + timedelta(minutes=11))
    files = based.git("show", "--name-only", "--format=", sha).split()
    assert {STATE, DAY, OVERVIEW} <= set(files)
    shown = based.git("show", f"{sha}:{OVERVIEW}")
    assert "| `t-7f3a01` | Say y | open |" in shown


def test_a_merged_tasks_md_is_derived_again_from_the_merged_state(based: GitRepo) -> None:
    paths = git.repo_paths(based.path)
    install.init(paths, local=True)  # .gitattributes and the merge driver
    install.install_native(paths)
    base = based.head()
    opened = [_move("open", 10, base)]
    _save(based, _task(opened, []))
    based.commit("Plan", when=BASE_TIME + timedelta(minutes=11))
    based.git("switch", "-q", "-c", "feature-x")
    started = [*opened, _move("in_progress", 20, base, "feature-x")]
    _save(based, _task(started, []))
    based.commit("Start", when=BASE_TIME + timedelta(minutes=21))
    based.git("switch", "-q", "main")
    renamed = _task(opened, []) | {"title": "Say y loudly"}
    _save(based, renamed)
    based.commit("Rename", when=BASE_TIME + timedelta(minutes=22))
    based.git("merge", "-q", "--no-edit", "feature-x", env=based.date_env())
    merged = _read(based, STATE)
    assert '"in_progress"' in merged
    assert "Say y loudly" in merged
    row = "| `t-7f3a01` | Say y loudly | in progress |"
    assert OVERVIEW in merge_journal.stale_journals(paths.common_dir)
    assert row not in _read(based, OVERVIEW)  # the merge kept one side's generated region

    _refresh(based)
    assert row in _read(based, OVERVIEW)
    assert OVERVIEW not in merge_journal.stale_journals(paths.common_dir)
