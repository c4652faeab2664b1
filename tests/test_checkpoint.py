"""Checkpoints are written without fsync: a torn file reads as a view that never ran."""

from __future__ import annotations

import json

import pytest

from journal import checkpoint, state
from testing.git_repo import GitRepo


@pytest.mark.parametrize("torn", ["", '{"/w@main": {"tips": ['])
def test_a_torn_checkpoint_file_reads_as_never_run_and_is_rewritten(
    repo: GitRepo, torn: str
) -> None:
    local = state.local_dir(repo.path / ".git")
    (local / checkpoint.CHECKPOINTS_FILE).write_text(torn)
    assert checkpoint.load(local, "/w@main") == checkpoint.Checkpoint()
    assert checkpoint.last_run(local) is None
    checkpoint.save(local, "/w@main", checkpoint.Checkpoint(tips=["a" * 40], head="a" * 40))
    views = json.loads((local / checkpoint.CHECKPOINTS_FILE).read_text())
    assert list(views) == ["/w@main"]
    assert checkpoint.load(local, "/w@main").tips == ["a" * 40]
    assert checkpoint.last_run(local) is not None


def test_other_views_survive_a_save(repo: GitRepo) -> None:
    local = state.local_dir(repo.path / ".git")
    checkpoint.save(local, "/a@main", checkpoint.Checkpoint(tips=["a" * 40]))
    checkpoint.save(local, "/b@dev", checkpoint.Checkpoint(tips=["b" * 40]))
    assert checkpoint.load(local, "/a@main").tips == ["a" * 40]
    assert checkpoint.load(local, "/b@dev").tips == ["b" * 40]
