"""The fast path writes what `journal.events` would, without the json module."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal import events, fastpath, hook
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


def _logged(repo: GitRepo) -> list[dict[str, object]]:
    return events.read_events(repo.path / ".git" / "ai-journal")


def test_commit_event_matches_the_full_hook(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo.commit("root", {"a.txt": "a\n"})
    second = repo.commit("second", {"a.txt": "b\n"})
    monkeypatch.chdir(repo.path)
    assert fastpath.record("post-commit", [])
    hook.main(["post-commit"])
    fast, full = _logged(repo)
    assert fast.pop("ts")
    assert full.pop("ts")
    assert fast == full
    assert (fast["sha"], fast["parents"], fast["branch"]) == (second, 1, "main")
    assert root != second


def test_branch_found_in_packed_refs(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = repo.commit("one", {"a.txt": "a\n"})
    repo.git("switch", "-q", "-c", "feature/x")
    repo.git("pack-refs", "--all")
    monkeypatch.chdir(repo.path)
    assert fastpath.record("post-checkout", [sha, sha, "1"])
    (event,) = _logged(repo)
    assert (event["branch"], event["old"], event["branch_checkout"]) == ("feature/x", sha, True)


def test_steps_aside_when_unsure(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    monkeypatch.chdir(repo.path)
    assert not fastpath.record("post-merge", ["0"])
    repo.git("gc", "-q")  # the commit now lives in a pack: its parents are git's to read
    assert not fastpath.record("post-commit", [])
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(repo.path / ".git" / "objects"))
    assert not fastpath.record("post-checkout", ["a", "b", "1"])
    assert _logged(repo) == []
    monkeypatch.delenv("GIT_OBJECT_DIRECTORY")
    (repo.path / ".git" / "REVERT_HEAD").write_text(repo.head() + "\n")
    assert fastpath.record("post-commit", [])
    (event,) = _logged(repo)
    assert (event["sequencer"], event["sha"]) == ("REVERT_HEAD", repo.head())


def test_merge_commit_has_two_parents(repo: GitRepo) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    repo.git("switch", "-q", "-c", "side")
    repo.commit("side", {"b.txt": "b\n"})
    repo.git("switch", "-q", "main")
    repo.commit("main", {"c.txt": "c\n"})
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side", env=repo.date_env(repo.tick()))
    assert fastpath._parent_count(str(repo.path / ".git"), repo.head()) == 2
