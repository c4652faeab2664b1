"""Rewrite maps through real git with the native hooks installed: one test per quirk of git 2.39
(the mechanics note, §7.15), each checking the map built from the recorded post-rewrite event and
the one `from_reflog` rebuilds without it."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from journal import rewrite_build
from journal.rewrite import Kind, RewriteMap, resolve, summary_line
from testing import history
from testing.git_repo import GitRepo

R, S, D, A, N = Kind.REWRITTEN, Kind.SQUASHED, Kind.DROPPED, Kind.ABSORBED, Kind.NOOP


@pytest.fixture
def hooked(repo: GitRepo) -> GitRepo:
    return history.with_native_hooks(repo)


def _event(repo: GitRepo) -> dict[str, Any]:
    found = history.rewrite_events(repo)
    assert found, "no post-rewrite event was recorded"
    return found[-1]


def _event_map(repo: GitRepo) -> RewriteMap:
    return rewrite_build.from_event(repo.path, _event(repo))


def _topic(repo: GitRepo, names: tuple[str, ...] = ("t1", "t2", "t3")) -> dict[str, str]:
    """main: base; topic: one commit per name (its own file); main moves on with `up`."""
    repo.commit("base", {"base.txt": "base\n"})
    repo.git("checkout", "-q", "-b", "topic")
    olds = history.commits(repo, names)
    repo.git("checkout", "-q", "main")
    repo.commit("up", {"up.txt": "up\n"})
    repo.git("checkout", "-q", "topic")
    return olds


def _new(repo: GitRepo, subject: str, branch: str = "topic") -> str:
    out = repo.git("log", "--format=%H %s", f"main..{branch}").splitlines()
    found = [line.split(" ", 1)[0] for line in out if line.split(" ", 1)[1] == subject]
    assert len(found) == 1, (subject, out)
    return found[0]


def _both(repo: GitRepo, old_tip: str, branch: str = "topic") -> RewriteMap:
    """The event's map, after checking that the reflog rebuilds the same one."""
    from_event = _event_map(repo)
    from_reflog = rewrite_build.from_reflog(repo.path, branch, old_tip)
    assert from_reflog is not None
    assert from_reflog.pairs() == from_event.pairs()
    assert from_reflog.grown == from_event.grown
    return from_event


# -- rebase -i: reorder, edit, squash, fixup, drop ------------------------------------------------


def test_reorder_squash_fixup_drop_and_edit_in_one_rebase(hooked: GitRepo) -> None:
    """The worked experiment m1: every kind of todo line at once, with a user amend at the stop."""
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    repo.commit("add shared", {"shared.txt": "shared\n"})
    repo.git("checkout", "-q", "-b", "topic")
    old = history.commits(repo, ("t1", "t2", "t3", "t4", "t5"))
    old["fx"] = repo.commit("fixup! t2", {"t2.txt": "t2\nfixed\n"})
    old_tip = repo.head()
    repo.git("checkout", "-q", "main")
    repo.commit("m1 upstream", {"up.txt": "up\n"})
    repo.git("checkout", "-q", "topic")
    todo = [("pick", old["t1"]), ("edit", old["t3"]), ("pick", old["t2"])]
    todo += [("fixup", old["fx"]), ("squash", old["t4"]), ("drop", old["t5"])]
    history.rebase(repo, "main", todo=todo)
    repo.commit("t3 (edited)", {"t3.txt": "t3\nedited\n"}, extra=("--amend",))
    repo.git("rebase", "--continue", env=history.rebase_env(repo))

    assert [e["command"] for e in history.rewrite_events(repo)] == ["rebase"]
    t1, t3, t2 = (_new(repo, s) for s in ("t1", "t3 (edited)", "t2"))
    rmap = _both(repo, old_tip)
    assert rmap.pairs() == {
        old["t1"]: (t1, R),
        old["t3"]: (t3, R),
        old["t2"]: (t2, S),
        old["fx"]: (t2, S),
        old["t4"]: (t2, S),
        old["t5"]: (None, D),
    }
    assert rmap.grown == {t3}  # the edit added a line no old commit brought
    assert summary_line(rmap) == "rebase rewrote 6 commits (2 remapped, 3 squashed, 1 dropped)"
    assert (rmap.old_tip, rmap.new_tip) == (old_tip, repo.head())


def test_squash_and_fixup_steps_record_only_the_final_map(hooked: GitRepo) -> None:
    repo = hooked
    old = _topic(repo, ("t1", "t2"))
    old["fx"] = repo.commit("fixup! t1", {"t1.txt": "t1\nfixed\n"}, extra=())
    old_tip = repo.head()
    todo = [("pick", old["t1"]), ("fixup", old["fx"]), ("squash", old["t2"])]
    history.rebase(repo, "main", todo=todo)
    (event,) = history.rewrite_events(repo)  # no `amend` event for the intermediate steps
    assert event["command"] == "rebase"
    folded = repo.head()
    assert _both(repo, old_tip).pairs() == dict.fromkeys(old.values(), (folded, S))


def test_autosquash_folds_a_fixup_commit(hooked: GitRepo) -> None:
    repo = hooked
    old = _topic(repo, ("t1", "t2"))
    repo.write({"t1.txt": "t1\nfixed\n"})
    repo.git("add", "t1.txt")
    repo.git("commit", "-q", "--fixup", old["t1"], env=repo.date_env(repo.tick()))
    old["fx"] = repo.head()
    old_tip = repo.head()
    repo.git(
        "rebase",
        "-i",
        "--autosquash",
        "main",
        env={**history.rebase_env(repo), "GIT_SEQUENCE_EDITOR": "true"},
    )
    t1, t2 = _new(repo, "t1"), _new(repo, "t2")
    assert _both(repo, old_tip).pairs() == {
        old["t1"]: (t1, S),
        old["fx"]: (t1, S),
        old["t2"]: (t2, R),
    }


def test_edit_stop_amend_maps_the_original_to_the_amended_commit(hooked: GitRepo) -> None:
    repo = hooked
    old = _topic(repo, ("t1", "t2"))
    old_tip = repo.head()
    history.rebase(repo, "main", todo=[("edit", old["t1"]), ("pick", old["t2"])])
    repo.commit("t1, reworked", {"t1.txt": "t1 reworked\n"}, extra=("--amend",))
    repo.git("rebase", "--continue", env=history.rebase_env(repo))
    t1 = _new(repo, "t1, reworked")
    rmap = _both(repo, old_tip)
    assert rmap.pairs() == {old["t1"]: (t1, R), old["t2"]: (_new(repo, "t2"), R)}
    assert rmap.grown == {t1}


# -- commits git maps wrongly: --skip, already upstream -------------------------------------------


def _conflicting_topic(repo: GitRepo, skipped_at: int) -> tuple[dict[str, str], str]:
    """topic: t1, t2, t3 (own files), with the one at `skipped_at` rewriting shared.txt's line,
    which main rewrites too."""
    repo.commit("base", {"shared.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "topic")
    old = {}
    for index, name in enumerate(("t1", "t2", "t3")):
        files = {f"{name}.txt": f"{name}\n"}
        if index == skipped_at:
            files["shared.txt"] = "topic\n"
        old[name] = repo.commit(name, files)
    old_tip = repo.head()
    repo.git("checkout", "-q", "main")
    repo.commit("up", {"shared.txt": "main\n"})
    repo.git("checkout", "-q", "topic")
    return old, old_tip


@pytest.mark.parametrize("skipped_at", [0, 1])
def test_a_skipped_commit_is_dropped_not_mapped_to_the_head_of_the_moment(
    hooked: GitRepo, skipped_at: int
) -> None:
    repo = hooked
    old, old_tip = _conflicting_topic(repo, skipped_at)
    history.rebase(repo, "main", check=False)  # stops on the conflict
    repo.git("rebase", "--skip", env=history.rebase_env(repo))
    skipped = ("t1", "t2")[skipped_at]
    raw = dict(_event(repo)["pairs"])
    assert raw[old[skipped]] == (
        repo.git("rev-parse", "main").strip() if skipped_at == 0 else _new(repo, "t1")
    )
    rmap = _both(repo, old_tip)
    kept = [n for n in ("t1", "t2", "t3") if n != skipped]
    assert rmap.pairs() == {old[skipped]: (None, D)} | {old[n]: (_new(repo, n), R) for n in kept}
    assert rmap.get(old[skipped]).via == "git"  # type: ignore[union-attr]


@pytest.mark.parametrize("position", [0, 1])
def test_a_commit_dropped_as_already_upstream_is_absorbed(hooked: GitRepo, position: int) -> None:
    """Its change is a part of an upstream commit (so the patch-ids differ); git 2.39 maps it to
    the commit picked before it (or to onto)."""
    repo = hooked
    repo.commit("base", {"f.txt": "1\n2\n3\n"})
    repo.git("checkout", "-q", "-b", "topic")
    names = ["t1", "t3"]
    names.insert(position, "dup")
    old = {}
    for name in names:
        files = {"f.txt": "1\n2\nX\n3\n"} if name == "dup" else {f"{name}.txt": f"{name}\n"}
        old[name] = repo.commit(name, files)
    old_tip = repo.head()
    repo.git("checkout", "-q", "main")
    upstream = repo.commit("upstream has X and more", {"f.txt": "0\n1\n2\nX\n3\nY\n"})
    repo.git("checkout", "-q", "topic")
    history.rebase(repo, "main")
    claimed = dict(_event(repo)["pairs"])[old["dup"]]
    assert claimed == (upstream if position == 0 else _new(repo, "t1"))
    rmap = _both(repo, old_tip)
    assert rmap.pairs() == {
        old["dup"]: (None, A),
        old["t1"]: (_new(repo, "t1"), R),
        old["t3"]: (_new(repo, "t3"), R),
    }
    assert summary_line(rmap) == "rebase rewrote 3 commits (2 remapped, 1 already upstream)"


def test_a_commit_whose_patch_is_upstream_is_absorbed_though_git_does_not_list_it(
    hooked: GitRepo,
) -> None:
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    repo.git("checkout", "-q", "-b", "topic")
    old = history.commits(repo, ("t1", "t2"))
    old_tip = repo.head()
    repo.git("checkout", "-q", "main")
    repo.git("cherry-pick", old["t1"], env=repo.date_env(repo.tick()))
    repo.git("checkout", "-q", "topic")
    history.rebase(repo, "main")
    assert old["t1"] not in dict(_event(repo)["pairs"])
    assert _both(repo, old_tip).pairs() == {old["t1"]: (None, A), old["t2"]: (_new(repo, "t2"), R)}


def test_conflict_resolved_then_continue_keeps_the_commit(hooked: GitRepo) -> None:
    repo = hooked
    old, old_tip = _conflicting_topic(repo, 0)
    history.rebase(repo, "main", check=False)
    repo.write({"shared.txt": "main and topic\n"})
    repo.git("add", "shared.txt")
    repo.git("rebase", "--continue", env=history.rebase_env(repo))
    rmap = _both(repo, old_tip)
    t1 = _new(repo, "t1")
    assert rmap.pairs() == {old[n]: (_new(repo, n), R) for n in ("t1", "t2", "t3")}
    assert rmap.grown == {t1}  # the resolution is a person's work


# -- backends and options -------------------------------------------------------------------------


def test_apply_backend_runs_the_hook_before_the_branch_moves(hooked: GitRepo) -> None:
    repo = hooked
    old = _topic(repo)
    old_tip = repo.head()
    repo.git("rebase", "-q", "--apply", "main", env=history.rebase_env(repo))
    event = _event(repo)
    assert event["source"] == "stdin"
    rmap = _both(repo, old_tip)
    assert rmap.pairs() == {sha: (_new(repo, name), R) for name, sha in old.items()}
    assert (rmap.old_tip, rmap.new_tip) == (old_tip, repo.head())


def test_apply_backend_map_taken_inside_the_hook(repo: GitRepo, tmp_path: Path) -> None:
    """Inside post-rewrite of an `--apply` rebase HEAD is detached on the new commits and the
    branch is still old: the span of the rebase comes from HEAD's `(start)` entry and ORIG_HEAD."""
    seen = tmp_path / "seen.json"
    snippet = (
        "import json, sys; from journal import events, git, rewrite_build as b; "
        "local = git.repo_paths().common_dir / 'ai-journal'; "
        "m = b.from_event('.', events.read_events(local)[-1]); "
        "branch = git.run(['rev-parse', 'refs/heads/topic']).strip(); "
        "json.dump([m.pairs(), m.old_tip, m.new_tip, branch], open(sys.argv[1], 'w'))"
    )
    hook = repo.path / ".git" / "hooks" / "post-rewrite.ai-journal-prev"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(
        f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(snippet)} {seen}\n"
    )
    hook.chmod(0o755)
    history.with_native_hooks(repo)
    old = _topic(repo)
    old_tip = repo.head()
    repo.git("rebase", "-q", "--apply", "main", env=history.rebase_env(repo))
    pairs, seen_old_tip, seen_new_tip, branch_then = json.loads(seen.read_text())
    assert branch_then == old_tip  # the branch had not moved yet
    assert (seen_old_tip, seen_new_tip) == (old_tip, repo.head())
    assert pairs == {sha: [_new(repo, name), "rewritten"] for name, sha in old.items()}


def test_update_refs_moves_side_branches_after_the_hook(hooked: GitRepo) -> None:
    repo = hooked
    old = _topic(repo)
    repo.git("branch", "part", old["t1"])
    old_tip = repo.head()
    history.rebase(repo, "--update-refs", "main")
    rmap = _both(repo, old_tip)
    assert rmap.pairs() == {sha: (_new(repo, name), R) for name, sha in old.items()}
    assert resolve(rmap, old["t1"]) == history.tip(repo, "part")
    assert "rewritten during rebase" in repo.git("reflog", "show", "-1", "part")
    part = rewrite_build.from_reflog(repo.path, "part", old["t1"])  # its reflog has no (finish)
    assert part is not None
    assert part.pairs() == {old["t1"]: (_new(repo, "t1"), R)}


def test_autostash_is_reapplied_after_the_map_was_taken(hooked: GitRepo) -> None:
    repo = hooked
    old = _topic(repo)
    old_tip = repo.head()
    repo.write({"t1.txt": "t1\nwork in progress\n"})
    history.rebase(repo, "--autostash", "main")
    assert (repo.path / "t1.txt").read_text() == "t1\nwork in progress\n"
    assert _both(repo, old_tip).pairs() == {sha: (_new(repo, n), R) for n, sha in old.items()}


def test_rebase_abort_changes_nothing(hooked: GitRepo) -> None:
    repo = hooked
    old = _topic(repo)
    old_tip = repo.head()
    history.rebase(repo, "main", todo=[("edit", old["t1"]), ("pick", old["t2"])])
    repo.git("rebase", "--abort")
    assert history.rewrite_events(repo) == []
    assert repo.head() == old_tip
    assert not rewrite_build.diverged(repo.path, old_tip, history.tip(repo, "topic"))
    assert rewrite_build.from_reflog(repo.path, "topic", old_tip) is None


def test_pull_rebase_from_a_bare_remote(hooked: GitRepo, tmp_path: Path) -> None:
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    remote = tmp_path / "remote.git"
    repo.git("init", "-q", "--bare", "-b", "main", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    other = GitRepo(tmp_path / "other", repo.clock)
    repo.git("clone", "-q", str(remote), str(other.path))
    other.commit("theirs", {"theirs.txt": "theirs\n"})
    other.git("push", "-q", "origin", "main")
    old = history.commits(repo, ("l1", "l2"))
    old_tip = repo.head()
    repo.git("pull", "-q", "--rebase", "origin", "main", env=history.rebase_env(repo))
    assert "pull" in repo.git("reflog", "show", "-1", "main")
    rmap = _both(repo, old_tip, "main")
    new = dict(
        line.split(" ", 1)[::-1] for line in repo.git("log", "-2", "--format=%H %s").splitlines()
    )
    assert rmap.pairs() == {sha: (new[name], R) for name, sha in old.items()}
    reflog_map = rewrite_build.from_reflog(repo.path, "main", old_tip)
    assert reflog_map is not None
    assert reflog_map.command == "pull"


# -- amends -----------------------------------------------------------------------------------------


def test_amend_maps_the_commit_to_its_amended_self(hooked: GitRepo) -> None:
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    old = repo.commit("one", {"a.txt": "a\n"})
    new = repo.commit("one, amended", {"a.txt": "a\nb\n"}, extra=("--amend",))
    rmap = _both(repo, old, "main")
    assert rmap.pairs() == {old: (new, R)}
    assert rmap.grown == {new}
    assert summary_line(rmap) == "amend rewrote 1 commit (1 remapped)"


def test_noop_amend_maps_a_commit_to_itself(hooked: GitRepo) -> None:
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    old = repo.commit("one", {"a.txt": "a\n"})
    repo.git("commit", "-q", "--amend", "--no-edit", env=repo.date_env(repo.clock))
    assert repo.head() == old
    rmap = _event_map(repo)
    assert rmap.pairs() == {old: (old, N)}
    assert not rmap.changed
    assert summary_line(rmap) == "amend rewrote 1 commit (1 unchanged)"
    assert resolve(rmap, old) == old
    assert rewrite_build.from_reflog(repo.path, "main", old) is None  # nothing moved


def test_amend_from_a_subdirectory(hooked: GitRepo) -> None:
    repo = hooked
    repo.commit("base", {"sub/deep/a.txt": "a\n"})
    old = repo.commit("two", {"sub/deep/a.txt": "a\nb\n"})
    (repo.path / "sub" / "deep" / "a.txt").write_text("a\nb\nc\n")
    sub = repo.path / "sub" / "deep"
    subprocess_env = {**os.environ, **repo.date_env(repo.tick())}
    subprocess.run(
        ["git", "commit", "-qa", "--amend", "--no-edit"], cwd=sub, env=subprocess_env, check=True
    )
    new = repo.head()
    assert rewrite_build.from_event(sub, _event(repo)).pairs() == {old: (new, R)}
    assert _both(repo, old, "main").pairs() == {old: (new, R)}


def test_an_amend_of_a_rebased_commit_resolves_through_both(
    hooked: GitRepo, tmp_path: Path
) -> None:
    repo = hooked
    old = _topic(repo, ("t1", "t2"))
    old_tip = repo.head()
    history.rebase(repo, "main")
    rebased = rewrite_build.from_event(repo.path, _event(repo))
    rebased_tip = repo.head()
    amended = repo.commit("t2 again", {"t2.txt": "t2\nmore\n"}, extra=("--amend",))
    maps = [rebased, _event_map(repo)]
    assert resolve(maps, old["t2"]) == amended
    assert resolve(maps, rebased_tip) == amended
    assert resolve(maps, old["t1"]) == _new(repo, "t1")
    assert resolve(maps, amended) == amended
    composed = rewrite_build.from_reflog(repo.path, "topic", old_tip)  # no hook needed
    assert composed is not None
    assert composed.pairs()[old["t2"]] == (amended, R)
    assert composed.pairs()[rebased_tip] == (amended, R)
    assert composed.grown == {amended}


# -- new commits, not rewrites --------------------------------------------------------------------


def _diverging_side(repo: GitRepo) -> str:
    """main and side both rewrite shared.txt's line; returns main's tip."""
    repo.commit("base", {"shared.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side", {"shared.txt": "side\n", "side.txt": "side\n"})
    repo.git("checkout", "-q", "main")
    return repo.commit("main", {"shared.txt": "main\n"})


def test_conflicted_merge_then_commit_is_a_new_commit_not_a_rewrite(hooked: GitRepo) -> None:
    repo = hooked
    main_tip = _diverging_side(repo)
    repo.git("merge", "-q", "side", check=False)
    repo.write({"shared.txt": "main and side\n"})
    repo.git("add", "shared.txt")
    repo.git("commit", "-q", "--no-edit", env=repo.date_env(repo.tick()))
    assert len(repo.git("rev-list", "--parents", "-n1", "HEAD").split()) == 3
    assert history.rewrite_events(repo) == []
    assert not rewrite_build.diverged(repo.path, main_tip, repo.head())
    assert rewrite_build.from_reflog(repo.path, "main", main_tip) is None


def test_squash_merge_then_commit_is_a_new_commit_not_a_rewrite(hooked: GitRepo) -> None:
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    repo.git("checkout", "-q", "-b", "side")
    side_tip = repo.commit("side", {"side.txt": "side\n"})
    repo.git("checkout", "-q", "main")
    main_tip = repo.commit("main", {"main.txt": "main\n"})
    repo.git("merge", "-q", "--squash", "side")
    repo.git("commit", "-q", "-m", "squashed side", env=repo.date_env(repo.tick()))
    assert history.rewrite_events(repo) == []
    assert rewrite_build.from_reflog(repo.path, "main", main_tip) is None
    assert rewrite_build.from_reflog(repo.path, "side", side_tip) is None


# -- worktrees and moves without a hook ----------------------------------------------------------


def test_rebase_in_a_linked_worktree(hooked: GitRepo, tmp_path: Path) -> None:
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    linked = GitRepo(tmp_path / "linked", repo.clock)
    repo.git("worktree", "add", "-q", "-b", "topic", str(linked.path))
    old = history.commits(linked, ("t1", "t2"))
    old_tip = linked.head()
    repo.clock = linked.clock
    repo.commit("up", {"up.txt": "up\n"})
    linked.clock = repo.clock
    history.rebase(linked, "main", todo=[("pick", old["t2"]), ("drop", old["t1"])])
    (event,) = history.rewrite_events(repo)
    assert Path(event["worktree"]).resolve() == linked.path.resolve()
    rmap = _both(repo, old_tip)  # asked from the main worktree
    assert rmap.pairs() == {old["t2"]: (_new(repo, "t2"), R), old["t1"]: (None, D)}


def test_reset_and_recommit_without_a_hook_is_matched_by_content(hooked: GitRepo) -> None:
    """`reset --soft HEAD~1` + commit is an amend in effect; `reset --hard` drops a commit."""
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    kept = repo.commit("kept", {"kept.txt": "kept\n"})
    lost = repo.commit("lost", {"lost.txt": "lost\n"})
    old_tip = repo.head()
    repo.git("reset", "-q", "--hard", "HEAD~2")
    repo.commit("kept again", {"kept.txt": "kept\nmore\n"})
    assert history.rewrite_events(repo) == []
    rmap = rewrite_build.from_reflog(repo.path, "main", old_tip)
    assert rmap is not None
    assert rmap.command == "commit"
    assert rmap.pairs() == {kept: (repo.head(), R), lost: (None, D)}
    assert rmap.get(kept).via == "contained"  # type: ignore[union-attr]


def test_branch_force_moved_elsewhere(hooked: GitRepo) -> None:
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    old = history.commits(repo, ("t1",))
    repo.git("checkout", "-q", "-b", "other", "HEAD~1")
    picked = repo.git("cherry-pick", old["t1"], env=repo.date_env(repo.tick())) and repo.head()
    repo.git("branch", "-f", "main", "other")
    rmap = rewrite_build.from_reflog(repo.path, "main", old["t1"])
    assert rmap is not None
    assert rmap.command == "branch"
    assert rmap.pairs() == {old["t1"]: (picked, R)}
    assert rmap.get(old["t1"]).via == "patch-id"  # type: ignore[union-attr]


def test_resets_before_and_after_a_rebase_are_part_of_the_reflog_map(hooked: GitRepo) -> None:
    repo = hooked
    old = _topic(repo, ("t1", "t2", "t3", "t4"))
    old_tip = repo.head()
    repo.git("reset", "-q", "--hard", "HEAD~1")  # t4 goes before the rebase
    history.rebase(repo, "main")
    t1, t2 = _new(repo, "t1"), _new(repo, "t2")
    repo.git("reset", "-q", "--hard", "HEAD~1")  # the rebased t3 goes after it
    rmap = rewrite_build.from_reflog(repo.path, "topic", old_tip)
    assert rmap is not None
    assert rmap.command == "reset+rebase"
    assert {old: rmap.pairs()[old] for old in old.values()} == {
        old["t1"]: (t1, R),
        old["t2"]: (t2, R),
        old["t3"]: (None, D),
        old["t4"]: (None, D),
    }
    assert (rmap.old_tip, rmap.new_tip) == (old_tip, t2)


def test_an_event_naming_commits_that_no_longer_exist_is_still_read(hooked: GitRepo) -> None:
    repo = hooked
    repo.commit("base", {"base.txt": "base\n"})
    old = repo.commit("one", {"a.txt": "a\n"})
    gone = "0123456789abcdef0123456789abcdef01234567"
    event = {"command": "rebase", "source": "stdin", "pairs": [[gone, old], [old, gone]]}
    rmap = rewrite_build.from_event(repo.path, event)
    assert rmap.pairs() == {gone: (old, R), old: (gone, R)}  # nothing to refute git with
