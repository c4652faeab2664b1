"""The fast path writes what `journal.events` would, without the json module."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal import fastpath
from testing.git_repo import GitRepo

scalars = st.none() | st.booleans() | st.integers() | st.text()


@given(st.dictionaries(st.text(), scalars))
def test_event_lines_are_the_json_module_s(event: dict[str, object]) -> None:
    line = (
        "{"
        + ",".join(f"{fastpath._json(k)}:{fastpath._json(event[k])}" for k in sorted(event))
        + "}"
    )
    assert line == json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(line) == event


def test_outside_a_sequencer_it_steps_aside(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    monkeypatch.chdir(repo.path)
    assert not fastpath.during_sequencer("post-commit", [])
    assert not fastpath.during_sequencer("post-merge", ["0"])
    (repo.path / ".git" / "REVERT_HEAD").write_text(repo.head() + "\n")
    assert not fastpath.during_sequencer("post-merge", ["0"])
    assert fastpath.during_sequencer("post-commit", [])
    assert not (repo.path / ".git" / "ai-journal" / "log").exists()
