"""Random histories replayed through real git with the native hooks: commits, amends, upstream
commits and interactive rebases with random reorder, squash, fixup and drop. After every rewrite
the map built from the hook's event equals the one the reflog rebuilds, every old commit is
classified, every successor is on the branch, and resolving is idempotent.

Commits append lines to a few shared files, so the order of commits on one file is kept and only
the last commit of a file may be dropped (anything else would stop the rebase on a conflict)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import git, rewrite_build
from journal.rewrite import Kind, RewriteMap, resolver
from testing import history
from testing.git_repo import GitRepo

FILES = 3


@dataclass
class Replay:
    repo: GitRepo
    files_of: dict[str, set[int]] = field(default_factory=dict)  # topic commit -> files it touches
    lines: int = 0
    maps: list[RewriteMap] = field(default_factory=list)

    def topic(self) -> list[str]:
        return git.rev_range(self.repo.path, ["topic"], ["main"])

    def append(self, index: int) -> dict[str, str]:
        self.lines += 1
        path = self.repo.path / f"f{index}.txt"
        before = path.read_text() if path.exists() else ""
        return {f"f{index}.txt": f"{before}line {self.lines}\n"}


def _commit(run: Replay, index: int) -> None:
    sha = run.repo.commit(f"c{run.lines + 1}", run.append(index))
    run.files_of[sha] = {index}


def _amend(run: Replay, grow: bool) -> None:
    head = run.repo.head()
    if head not in run.files_of:
        return
    touched = run.files_of[head]
    files = run.append(min(touched)) if grow else None
    seen = len(history.rewrite_events(run.repo))
    run.files_of[run.repo.commit(f"amended {head[:7]}", files, extra=("--amend",))] = touched
    _check(run, head, seen)


def _upstream(run: Replay) -> None:
    run.repo.git("checkout", "-q", "main")
    run.lines += 1
    run.repo.commit(f"up {run.lines}", {f"up{run.lines}.txt": "up\n"})
    run.repo.git("checkout", "-q", "topic")


def _rebase(run: Replay, data: st.DataObject) -> None:
    olds = run.topic()
    if not olds:
        return
    last_of = {index: sha for sha in olds for index in run.files_of[sha]}  # oldest first
    order = _keep_file_order(olds, run, data)
    todo: list[tuple[str, str]] = []
    for sha in order:
        kept = any(command != "drop" for command, _ in todo)
        choices = ["pick"] + (["squash", "fixup"] if kept else [])
        choices += ["drop"] if all(last_of[i] == sha for i in run.files_of[sha]) else []
        todo.append((data.draw(st.sampled_from(choices)), sha))
    if all(command == "drop" for command, _ in todo):
        todo[0] = ("pick", todo[0][1])
    old_tip = run.repo.head()
    seen = len(history.rewrite_events(run.repo))
    history.rebase(run.repo, "main", todo=todo)
    for sha in run.topic():
        run.files_of.setdefault(sha, _files_changed(run, sha))
    _check(run, old_tip, seen)


def _keep_file_order(olds: list[str], run: Replay, data: st.DataObject) -> list[str]:
    """A random order of `olds` in which the commits of one file keep their order."""
    left, order = list(olds), []
    while left:
        ready = [
            sha
            for sha in left
            if not any(run.files_of[o] & run.files_of[sha] for o in left[: left.index(sha)])
        ]
        pick = data.draw(st.sampled_from(ready))
        order.append(pick)
        left.remove(pick)
    return order


def _files_changed(run: Replay, sha: str) -> set[int]:
    names = run.repo.git("show", "--format=", "--name-only", sha).split()
    return {int(name[1]) for name in names if name.startswith("f")}


def _check(run: Replay, old_tip: str, seen: int) -> None:
    """Compare the maps of the rewrite that just took topic away from `old_tip`; `seen` is the
    number of post-rewrite events recorded before it."""
    new_tip = history.tip(run.repo, "topic")
    reflog_map = rewrite_build.from_reflog(run.repo.path, "topic", old_tip)
    recorded = history.rewrite_events(run.repo)[seen:]
    if new_tip == old_tip:
        assert reflog_map is None
        return
    assert reflog_map is not None
    if not recorded:  # a rebase that only dropped commits rewrote none: git runs no hook
        assert {kind for _, kind in reflog_map.pairs().values()} == {Kind.DROPPED}
        run.maps.append(reflog_map)
        return
    event_map = rewrite_build.from_event(run.repo.path, recorded[-1])
    assert event_map.pairs() == reflog_map.pairs()
    assert event_map.grown == reflog_map.grown
    replaced = git.rev_range(run.repo.path, [old_tip], ["main", new_tip])
    assert set(replaced) <= set(event_map.pairs())  # every old commit is classified
    on_branch = set(git.rev_range(run.repo.path, [new_tip], []))
    assert {r.new for r in event_map.rewrites if r.new} <= on_branch
    run.maps.append(event_map)
    resolve = resolver(run.maps)
    for sha in [*replaced, *event_map.pairs()]:
        once = resolve(sha)
        assert once is None or resolve(once) == once
        assert once is None or once in on_branch


_step = st.one_of(
    st.tuples(st.just("commit"), st.integers(0, FILES - 1)),
    st.tuples(st.just("amend"), st.booleans()),
    st.tuples(st.just("upstream"), st.none()),
    st.tuples(st.just("rebase"), st.none()),
)


@settings(
    max_examples=int(os.environ.get("AI_JOURNAL_REWRITE_EXAMPLES", "40")),  # more by hand
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.integers(0, FILES - 1), min_size=1, max_size=4),
    st.lists(_step, min_size=1, max_size=6),
    st.data(),
)
def test_event_and_reflog_maps_agree_on_random_histories(
    first: list[int], steps: list[tuple[str, object]], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        repo = history.with_native_hooks(GitRepo.init(Path(scratch) / "repo"))
        repo.commit("base", {"base.txt": "base\n"})
        repo.git("checkout", "-q", "-b", "topic")
        run = Replay(repo)
        for index in first:
            _commit(run, index)
        for kind, arg in [*steps, ("rebase", None)]:
            if kind == "commit":
                _commit(run, int(arg))  # type: ignore[call-overload]
            elif kind == "amend":
                _amend(run, bool(arg))
            elif kind == "upstream":
                _upstream(run)
            else:
                _rebase(run, data)
