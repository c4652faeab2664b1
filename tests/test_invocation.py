"""Telling an amend from the pre-commit stage, through real `git commit` processes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from journal import invocation
from testing.git_repo import GitRepo

PROBE = (
    "import journal.invocation as i, pathlib; pathlib.Path('{out}').write_text(str(i.amending()))"
)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [((), "False"), (("--amend",), "True"), (("--amen",), "True"), (("--no-edit",), "False")],
)
def test_pre_commit_hook_sees_the_amend(
    repo: GitRepo, tmp_path: Path, extra: tuple[str, ...], expected: str
) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    out = tmp_path / "answer"
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(f'#!/bin/sh\n{sys.executable} -c "{PROBE.format(out=out)}"\n')
    hook.chmod(0o755)
    repo.commit("two", {"a.txt": "b\n"}, extra=extra)
    assert out.read_text() == expected


def test_outside_git_it_is_no() -> None:
    assert invocation.amending() is False
    assert not invocation._means_amend("--a")
    assert not invocation._means_amend("--amendment")
