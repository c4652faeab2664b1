from __future__ import annotations

import json

import pytest

from journal import project_state
from journal.errors import JournalError, StateCorrupt
from testing.git_repo import GitRepo


def test_created_once_with_the_head(repo: GitRepo) -> None:
    head = repo.commit("base", {"a.txt": "a\n"})
    path = project_state.ensure(repo.path, head)
    assert path == repo.path / ".ai-journal/project_state.json"
    doc = json.loads(path.read_text())
    assert doc["reconciled_head"] == head
    assert (doc["schema"], doc["goals"], doc["milestones"], doc["tasks"]) == (1, [], [], [])
    assert not project_state.hand_edited(doc)
    assert project_state.ensure(repo.path, "0" * 40) is None
    assert json.loads(path.read_text())["reconciled_head"] == head


def test_hand_edit_is_detected(repo: GitRepo) -> None:
    path = project_state.ensure(repo.path, None)
    assert path is not None
    doc = json.loads(path.read_text())
    doc["goals"].append({"title": "Ship the health endpoint"})
    path.write_text(json.dumps(doc))
    loaded = project_state.load(repo.path)
    assert loaded is not None
    assert project_state.hand_edited(loaded)


def test_corrupt_file_is_reported_and_kept(repo: GitRepo) -> None:
    path = repo.path / ".ai-journal/project_state.json"
    path.parent.mkdir()
    path.write_text('{\n  "schema": 1,\n  "goals": [,]\n}\n')
    with pytest.raises(StateCorrupt, match=r"project_state\.json:3:13"):
        project_state.ensure(repo.path, None)
    assert path.read_text() == '{\n  "schema": 1,\n  "goals": [,]\n}\n'


def test_newer_schema_is_refused(repo: GitRepo) -> None:
    path = repo.path / ".ai-journal/project_state.json"
    path.parent.mkdir()
    path.write_text('{"schema": 99}\n')
    with pytest.raises(JournalError, match="schema 99 is not one this version understands"):
        project_state.load(repo.path)
