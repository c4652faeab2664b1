from pathlib import Path

import pytest

from journal import config, git, state
from journal.errors import JournalError, StateCorrupt
from testing.git_repo import GitRepo


def test_repo_paths_and_head(repo: GitRepo) -> None:
    sha = repo.commit("first", {"a.txt": "a\n"})
    paths = git.repo_paths(repo.path)
    assert paths.toplevel == repo.path
    assert paths.common_dir == repo.path / ".git"
    assert git.head(repo.path) == git.Head(sha, "main")
    assert not git.sequencer_active(paths)


def test_repo_paths_outside_git(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="not inside a git work tree"):
        git.repo_paths(tmp_path)


def test_corrupt_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{\n  "a": 1,\n  oops\n}\n')
    with pytest.raises(StateCorrupt) as info:
        state.read_json(path)
    assert (info.value.line, info.value.column) == (3, 3)
    assert path.read_text().count("oops") == 1


def test_write_atomic_is_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "x" / "f.json"
    assert state.write_atomic(target, state.dumps_canonical({"b": 1, "a": [1]}))
    assert target.read_text() == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'
    assert not state.write_atomic(target, state.dumps_canonical({"a": [1], "b": 1}))


def test_config_typo_is_named() -> None:
    with pytest.raises(JournalError, match=r"did you mean 'journal\.timezone'"):
        config.from_mapping({"journal": {"timezon": "UTC"}})
    assert config.from_mapping({"journal": {"timezone": "Europe/Paris"}}).timezone == "Europe/Paris"
    with pytest.raises(JournalError, match="must be a int"):
        config.from_mapping({"journal": {"max_commands": True}})
