"""The native post-commit shim writes its event in sh, byte for byte what `journal.fastpath` writes.

Each commit here runs the shim (its Python is `/bin/false`, so a line can only come from the sh
path) and then, chained as the pre-existing hook, the Python fast path for the same commit: the log
holds pairs of lines that must agree on everything but the time.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from journal import install
from testing.git_repo import GitRepo

ROOT = Path(__file__).resolve().parents[1]
PYTHON_EVENT = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); from journal import fastpath; "
    "sys.exit(0 if fastpath.record('post-commit', []) else 3)"
)
TS = re.compile(r'"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"')


def _install(repo: GitRepo) -> Path:
    """The shim (sh path only) chaining the Python fast path; returns the event log."""
    hooks = repo.path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    shim = hooks / "post-commit"
    shim.write_text(install.shim_text("/bin/false"))
    prev = hooks / "post-commit.ai-journal-prev"
    prev.write_text(f"#!/bin/sh\nexec {sys.executable} -S -c {json.dumps(PYTHON_EVENT)}\n")
    for hook in (shim, prev):
        hook.chmod(0o755)
    return repo.path / ".git" / "ai-journal" / "events.jsonl"


def _pairs(log: Path) -> list[dict[str, object]]:
    """The events, checking that every sh line equals the Python line after it (time aside)."""
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) % 2 == 0, lines
    for shell, python in zip(lines[::2], lines[1::2], strict=True):
        assert TS.search(shell), shell
        assert TS.search(python), python
        assert TS.sub("", shell) == TS.sub("", python)
    return [json.loads(line) for line in lines[::2]]


def test_normal_detached_and_merge_commits(repo: GitRepo) -> None:
    log = _install(repo)
    root = repo.commit("root", {"a.txt": "a\n"})
    one = repo.commit("one", {"a.txt": "b\n"})
    repo.git("switch", "-q", "-c", "side")
    side = repo.commit("side", {"s.txt": "s\n"})
    repo.git("switch", "-q", "main")
    repo.commit("two", {"a.txt": "c\n"})
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    merge = repo.commit("merge")
    repo.git("switch", "-q", "--detach", one)
    detached = repo.commit("detached", {"d.txt": "d\n"})
    events = _pairs(log)
    picked = [(e["sha"], e["branch"], e["parents"]) for e in events]
    assert picked[:3] == [(root, "main", 0), (one, "main", 1), (side, "side", 1)]
    assert picked[4:] == [(merge, "main", 2), (detached, None, 1)]
    assert {e["worktree"] for e in events} == {str(repo.path)}


def test_commits_replayed_by_a_rebase_name_the_sequencer(repo: GitRepo) -> None:
    repo.commit("root", {"a.txt": "a\n"})
    repo.commit("one", {"b.txt": "b\n"})
    repo.commit("two", {"c.txt": "c\n"})
    log = _install(repo)
    repo.git("rebase", "-q", "--force-rebase", "HEAD~2")
    events = _pairs(log)
    assert [(e["sequencer"], "branch" in e, "parents" in e) for e in events] == [
        ("rebase-merge", False, False)
    ] * 2
    assert events[-1]["sha"] == repo.head()


def test_linked_worktree_and_a_path_with_a_space(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "with space" / "repo")
    repo.commit("root", {"a.txt": "a\n"})
    log = _install(repo)
    worktree = tmp_path / "with space" / "wt"
    repo.git("worktree", "add", "-q", "-b", "wt", str(worktree))
    wt = GitRepo(worktree.resolve())
    in_wt = wt.commit("in the worktree", {"w.txt": "w\n"})
    in_main = repo.commit("in main", {"m.txt": "m\n"})
    assert [(e["sha"], e["worktree"], e["branch"]) for e in _pairs(log)] == [
        (in_wt, str(wt.path), "wt"),
        (in_main, str(repo.path), "main"),
    ]


def test_names_sh_cannot_escape_are_left_to_python(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / 'na\u00efve "quoted"')
    log = _install(repo)
    repo.commit("root", {"a.txt": "a\n"})
    plain = GitRepo.init(tmp_path / "plain")
    plain_log = _install(plain)
    plain.commit("root", {"a.txt": "a\n"})
    plain.git("switch", "-q", "-c", 'say-"hi"')
    plain.commit("quoted branch", {"b.txt": "b\n"})
    # one line per commit: the Python fast path's (the shim's own Python is /bin/false)
    (event,) = (json.loads(line) for line in log.read_text(encoding="utf-8").splitlines())
    assert event["worktree"] == str(repo.path)
    lines = plain_log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert json.loads(lines[-1])["branch"] == 'say-"hi"'
