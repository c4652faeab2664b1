"""Session ↔ commit attribution against real repositories, plus properties over generated histories."""

from __future__ import annotations

import hashlib
import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal import git
from journal.git import CommitInfo, FileStat
from journal.link import Link, link, links_by_commit, links_by_session
from journal.sources.model import FileChange, Message, Session, ToolCall
from testing.git_repo import BASE_TIME, GitRepo

WINDOW = 120


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def at(minutes: float) -> datetime:
    return BASE_TIME + timedelta(minutes=minutes)


def patch(when: datetime, *paths: str, workdir: Path | None = None) -> ToolCall:
    return ToolCall(
        call_id=f"p-{stamp(when)}-{paths}",
        name="apply_patch",
        kind="patch",
        started=stamp(when),
        finished=stamp(when + timedelta(seconds=1)),
        workdir=str(workdir) if workdir else None,
        exit_code=0,
        files=[FileChange(p, "update") for p in paths],
    )


def shell(when: datetime, command: str, output: str) -> ToolCall:
    return ToolCall(
        call_id=f"s-{stamp(when)}",
        name="exec_command",
        kind="shell",
        started=stamp(when),
        finished=stamp(when + timedelta(seconds=2)),
        command=command,
        exit_code=0,
        output=output,
    )


def session(
    sid: str, cwd: Path | None, start: datetime, *calls: ToolCall, parent: str | None = None
) -> Session:
    return Session(
        agent="codex",
        id=sid,
        source_path=f"/logs/{sid}.jsonl",
        cwd=str(cwd) if cwd else None,
        started=stamp(start),
        prompts=[Message(stamp(start), "do the thing")],
        tool_calls=list(calls),
        parent_id=parent,
    )


def commit_with_output(repo: GitRepo, message: str, files: dict[str, str], *extra: str) -> str:
    """Commit like an agent's shell call would, returning git's own output."""
    repo.write(files)
    repo.git("add", "-A")
    return repo.git("commit", "-m", message, *extra, env=repo.date_env(repo.tick()))


def run_link(repo: GitRepo, sessions: list[Session], **kwargs: object) -> list[Link]:
    commits = kwargs.pop("commits", None) or git.commits(repo.path, with_patch_ids=True)
    return link(
        sessions,
        commits,  # type: ignore[arg-type]
        toplevel=repo.path,
        worktrees=git.worktrees(repo.path),
        window_minutes=WINDOW,
        **kwargs,  # type: ignore[arg-type]
    )


def summary(links: list[Link]) -> set[tuple[str, str, str]]:
    return {(lk.sha, lk.session_id, lk.strength) for lk in links}


# --- explicit -------------------------------------------------------------------------------------


def test_explicit_from_the_commit_output(repo: GitRepo) -> None:
    output = commit_with_output(repo, "Add app", {"app.py": "x = 1\n"})
    sha = repo.head()
    assert f"(root-commit) {sha[:7]}]" in output
    agent = session(
        "s1", None, at(0), shell(at(0.5), "git add -A && git commit -m 'Add app'", output)
    )
    (found,) = run_link(repo, [agent])
    assert (found.sha, found.session_id, found.strength) == (sha, "s1", "explicit")
    assert found.patch_id == git.patch_ids(repo.path, [sha])[sha]
    assert sha[:7] in found.reason


def test_output_of_other_commands_announces_nothing(repo: GitRepo) -> None:
    output = commit_with_output(repo, "Add app", {"app.py": "x = 1\n"})
    agent = session("s1", None, at(0), shell(at(0.5), "cat notes.txt", output))
    assert run_link(repo, [agent]) == []


def test_an_announced_sha_must_be_a_prefix_of_the_commit(repo: GitRepo) -> None:
    sha = repo.commit("Add app", {"app.py": "x = 1\n"})
    wrong = sha[:6] + ("0" if sha[6] != "0" else "1")
    output = f"[main {wrong}] Add app\n 1 file changed"
    agent = session("s1", None, at(0), shell(at(0.5), "git commit -m 'Add app'", output))
    assert run_link(repo, [agent]) == []
    output = f"[main {sha[:6]}] Add app\n"  # six hex digits are not enough
    agent = session("s1", None, at(0), shell(at(0.5), "git commit -m 'Add app'", output))
    assert run_link(repo, [agent]) == []


def test_detached_head_and_cherry_pick_outputs(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"}, when=at(-10))
    repo.git("switch", "-q", "--detach")
    detached = commit_with_output(repo, "On a detached head", {"b.txt": "b\n"})
    picked_sha = repo.head()
    assert detached.startswith(f"[detached HEAD {picked_sha[:7]}]")
    repo.git("switch", "-q", "main")
    picked = repo.git("cherry-pick", picked_sha, env=repo.date_env(repo.tick()))
    new_sha = repo.head()
    agent = session(
        "s1",
        None,
        at(0),
        shell(at(1), "git commit -m 'On a detached head'", detached),
        shell(at(3), "git -C . cherry-pick HEAD@{1}", picked),
    )
    commits = git.commits(repo.path, rev=picked_sha, limit=1) + git.commits(repo.path, limit=1)
    assert summary(run_link(repo, [agent], commits=commits)) == {
        (picked_sha, "s1", "explicit"),
        (new_sha, "s1", "explicit"),
    }


def test_amend_links_the_commit_that_exists(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"}, when=at(-10))
    first = commit_with_output(repo, "Add feature", {"f.py": "v1\n"})
    old = repo.head()
    second = commit_with_output(repo, "Add feature", {"f.py": "v2\n"}, "--amend")
    new = repo.head()
    assert old[:7] in first
    assert new[:7] in second
    agent = session(
        "s1",
        None,
        at(0),
        shell(at(1), "git commit -m 'Add feature'", first),
        shell(at(2), "git commit --amend --no-edit", second),
    )
    assert summary(run_link(repo, [agent])) == {(new, "s1", "explicit")}


def test_explicit_from_the_file_set(repo: GitRepo) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    agent = session(
        "s1", repo.path, at(2), patch(at(5), "src/app.py"), patch(at(8), "tests/test_app.py")
    )
    sha = repo.commit("Add app", {"src/app.py": "x\n", "tests/test_app.py": "t\n"}, when=at(20))
    (found,) = run_link(repo, [agent])
    assert (found.sha, found.strength) == (sha, "explicit")
    assert found.reason == "patched every file it changes (2)"


# --- files, time, window --------------------------------------------------------------------------


def test_files_only_when_the_commit_has_more(repo: GitRepo) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    agent = session("s1", repo.path, at(2), patch(at(5), "src/app.py"))
    sha = repo.commit("App and docs", {"src/app.py": "x\n", "docs/x.md": "d\n"}, when=at(20))
    assert summary(run_link(repo, [agent])) == {(sha, "s1", "files")}


def test_time_only_and_outside_the_window(repo: GitRepo) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    chatty = session("chatty", repo.path, at(30))  # a prompt, no edits
    stale = session("stale", repo.path, at(-200), patch(at(-190), "notes.md"))
    sha = repo.commit("Human change", {"other.txt": "o\n"}, when=at(60))
    found = run_link(repo, [chatty, stale])
    assert summary(found) == {(sha, "chatty", "time")}
    assert found[0].reason == "active in its worktree 30 min before it"


def test_strongest_class_wins_but_every_session_of_it_stays(repo: GitRepo) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    one = session("one", repo.path, at(2), patch(at(5), "a.py"))
    two = session("two", repo.path, at(3), patch(at(6), "b.py"))
    idle = session("idle", repo.path, at(4))
    sha = repo.commit("a, b and c", {"a.py": "a\n", "b.py": "b\n", "c.py": "c\n"}, when=at(10))
    assert summary(run_link(repo, [one, two, idle])) == {
        (sha, "one", "files"),
        (sha, "two", "files"),
    }


def test_a_session_starting_after_the_commit_links_only_explicitly(repo: GitRepo) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    sha = repo.commit("Early", {"a.py": "a\n"}, when=at(10))
    later = session("later", repo.path, at(11), patch(at(12), "a.py"))
    assert run_link(repo, [later]) == []
    log = f"[main {sha[:7]}] Early\n 1 file changed"
    resumed = session("resumed", repo.path, at(11), shell(at(12), "git commit -m Early", log))
    assert summary(run_link(repo, [resumed])) == {(sha, "resumed", "explicit")}


def test_an_edit_already_committed_is_not_credited_again(repo: GitRepo) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    agent = session("s1", repo.path, at(1), patch(at(2), "a.py"))
    first = repo.commit("Agent edit", {"a.py": "1\n"}, when=at(3))
    second = repo.commit("Human edit of the same file", {"a.py": "2\n"}, when=at(30))
    assert summary(run_link(repo, [agent])) == {(first, "s1", "explicit"), (second, "s1", "time")}


def test_merges_link_by_time_not_by_the_merged_files(repo: GitRepo) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    repo.git("switch", "-q", "-c", "side")
    side = repo.commit("side", {"side.py": "s\n"}, when=at(5))
    repo.git("switch", "-q", "main")
    main = repo.commit("main", {"main.py": "m\n"}, when=at(6))
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side", env=repo.date_env(at(40)))
    merge = repo.head()
    agent = session("s1", repo.path, at(1), patch(at(2), "side.py"))
    assert git.commits(repo.path, limit=1)[0].files == (FileStat("side.py", "A", 1, 0),)
    assert summary(run_link(repo, [agent])) == {
        (side, "s1", "explicit"),
        (main, "s1", "time"),
        (merge, "s1", "time"),
    }


# --- worktrees, paths, sub-agents, pending -------------------------------------------------------


def test_worktrees_keep_time_links_apart(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(0))
    tree = tmp_path / "feature-tree"
    repo.git("worktree", "add", "-q", "-b", "feature", str(tree))
    linked = GitRepo(tree, at(0))
    in_tree = session("in-tree", tree / "src", at(1))
    in_main = session("in-main", repo.path, at(1))
    feature = linked.commit("feature", {"f.py": "f\n"}, when=at(20))
    main = repo.commit("main", {"m.py": "m\n"}, when=at(21))
    commits = git.commits(repo.path, all_branches=True)
    assert {c.sha for c in commits} >= {feature, main}
    found = run_link(repo, [in_tree, in_main], commits=commits, commit_worktrees={feature: tree})
    assert summary(found) == {(feature, "in-tree", "time"), (main, "in-main", "time")}


def test_patch_paths_resolve_from_workdir_and_through_symlinks(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    alias = tmp_path / "alias"
    alias.symlink_to(repo.path)
    agent = session(
        "s1",
        alias,
        at(1),
        patch(at(2), "mod.py", workdir=alias / "pkg"),
        patch(at(3), str(repo.path / "pkg" / "other.py")),
        patch(at(4), "../outside.py"),  # outside the repository: ignored
    )
    sha = repo.commit("pkg", {"pkg/mod.py": "m\n", "pkg/other.py": "o\n"}, when=at(10))
    found = run_link(repo, [agent])
    assert summary(found) == {(sha, "s1", "explicit")}


def test_renames_count_the_old_and_new_path(repo: GitRepo) -> None:
    repo.commit("base", {"old.py": "1\n2\n3\n"}, when=at(-10))
    move = patch(at(2), "old.py")
    move.files = [FileChange("old.py", "move", move_to="new.py")]
    agent = session("s1", repo.path, at(1), move)
    repo.git("mv", "old.py", "new.py")
    sha = repo.commit("rename", when=at(5))
    assert git.commits(repo.path, limit=1)[0].files[0].old_path == "old.py"
    assert summary(run_link(repo, [agent])) == {(sha, "s1", "explicit")}


def test_sub_agents_link_through_their_own_evidence(repo: GitRepo) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    parent = session("parent", repo.path, at(-300))
    child = session("child", repo.path, at(1), patch(at(2), "a.py"), parent="parent")
    parent.subagents = ["child"]
    sha = repo.commit("a", {"a.py": "a\n"}, when=at(5))
    assert summary(run_link(repo, [parent, child])) == {(sha, "child", "explicit")}


def test_pending_commit(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("base", {"README.md": "r\n"}, when=at(-10))
    agent = session("s1", repo.path, at(1), patch(at(2), "a.py"))
    other = session("other", repo.path, at(3))
    repo.write({"a.py": "a\n"})
    repo.git("add", "a.py")
    monkeypatch.setenv("GIT_AUTHOR_DATE", stamp(at(10)))
    monkeypatch.setenv("GIT_COMMITTER_DATE", stamp(at(10)))
    pending = git.staged(repo.path)
    assert pending.committed == "2026-02-23T09:10:00Z"
    found = run_link(repo, [agent, other], commits=[pending])
    assert summary(found) == {("", "s1", "explicit")}
    assert links_by_session(found) == {
        "s1": [{"sha": "", "patch_id": None, "strength": "explicit"}]
    }


def test_grouping_helpers() -> None:
    links = [
        Link("b" * 40, "p2", "s2", "files", "patched x"),
        Link("a" * 40, "p1", "s2", "time", "active"),
        Link("b" * 40, "p2", "s1", "files", "patched y"),
    ]
    assert links_by_session(links) == {
        "s2": [
            {"sha": "a" * 40, "patch_id": "p1", "strength": "time"},
            {"sha": "b" * 40, "patch_id": "p2", "strength": "files"},
        ],
        "s1": [{"sha": "b" * 40, "patch_id": "p2", "strength": "files"}],
    }
    by_commit = links_by_commit(links)
    assert [lk.session_id for lk in by_commit["b" * 40]] == ["s1", "s2"]
    assert set(by_commit) == {"a" * 40, "b" * 40}
    assert by_commit["a" * 40] == [links[1]]


# --- properties -----------------------------------------------------------------------------------

MAIN = Path("/nonexistent-ai-journal/main")
OTHER = Path("/nonexistent-ai-journal/feature")
FILES = ("a.py", "src/b.py", "docs/c.md")

file_sets = st.frozensets(st.sampled_from(FILES), max_size=3)
commit_specs = st.lists(
    st.tuples(
        st.integers(0, 300),  # committer minute
        st.frozensets(st.sampled_from(FILES), min_size=1) | file_sets,
        st.booleans(),  # merge
        st.sampled_from([MAIN, OTHER]),
    ),
    max_size=5,
)
minute = st.integers(0, 300)
patched_files = st.frozensets(st.sampled_from(FILES), min_size=1)
event = st.one_of(
    st.tuples(st.just("prompt"), minute, st.none()),
    st.tuples(st.just("patch"), minute, st.tuples(patched_files, st.sampled_from([MAIN, OTHER]))),
    st.tuples(st.just("patch"), minute, st.tuples(patched_files, st.none())),
    st.tuples(st.just("announce"), minute, st.integers(0, 6)),
)
session_specs = st.lists(
    st.tuples(st.sampled_from([MAIN, OTHER, None]), minute, st.lists(event, max_size=6)),
    max_size=4,
)


def build_commits(
    specs: list[tuple[int, frozenset[str], bool, Path]], pending: bool
) -> list[CommitInfo]:
    commits = []
    for index, (minute, files, merge, _tree) in enumerate(specs):
        sha = "" if pending and index == 0 else hashlib.sha1(str(index).encode()).hexdigest()
        parents = ("1" * 40, "2" * 40) if merge else ("1" * 40,)
        stats = tuple(FileStat(f, "M", 1, 0) for f in sorted(files))
        when = stamp(at(minute)).replace(".000", "")
        commits.append(
            CommitInfo(
                sha,
                parents,
                f"subject {index}",
                "n",
                "e",
                when,
                when,
                stats,
                "p" + sha[:6] if sha else None,
            )
        )
    return commits


def build_sessions(
    specs: list[tuple[Path | None, int, list[tuple[str, int, object]]]], commits: list[CommitInfo]
) -> list[Session]:
    sessions = []
    for index, (cwd, start, events) in enumerate(specs):
        calls = []
        for number, (kind, minute, detail) in enumerate(events):
            when = at(minute)
            if kind == "patch":
                assert isinstance(detail, tuple)
                files, tree = detail
                calls.append(patch(when, *sorted(files), workdir=tree or cwd or MAIN))
            elif kind == "announce":
                assert isinstance(detail, int)
                target = commits[detail].sha if detail < len(commits) else "f00dfeed" * 5
                short = (target or "0badc0de")[: 7 + detail % 3]
                calls.append(shell(when, "git commit -qm x", f"[main {short}] subject {detail}"))
            else:
                calls.append(shell(when, "ls", "ok"))
            calls[-1].call_id = f"{index}-{number}"
        sessions.append(session(f"s{index}", cwd, at(start), *calls))
    return sessions


def run_property_link(
    sessions: list[Session], commits: list[CommitInfo], trees: dict[str, Path]
) -> list[Link]:
    return link(
        sessions,
        commits,
        toplevel=MAIN,
        worktrees=[MAIN, OTHER],
        commit_worktrees=trees,
        window_minutes=WINDOW,
    )


def minutes(stamp_text: str) -> float:
    moment = datetime.fromisoformat(stamp_text)
    return (moment - BASE_TIME).total_seconds() / 60


@settings(max_examples=200, deadline=None)
@given(commit_specs, session_specs, st.booleans(), st.randoms(use_true_random=False))
def test_link_properties(
    commit_spec: list[tuple[int, frozenset[str], bool, Path]],
    session_spec: list[tuple[Path | None, int, list[tuple[str, int, object]]]],
    pending: bool,
    shuffler: random.Random,
) -> None:
    commits = build_commits(commit_spec, pending)
    trees = {c.sha: spec[3] for c, spec in zip(commits, commit_spec, strict=True)}
    sessions = build_sessions(session_spec, commits)
    found = run_property_link(sessions, commits, trees)

    # Deterministic and independent of input order.
    assert found == run_property_link(sessions, commits, trees)
    shuffled_sessions, shuffled_commits = sessions[:], commits[:]
    shuffler.shuffle(shuffled_sessions)
    shuffler.shuffle(shuffled_commits)
    assert found == run_property_link(shuffled_sessions, shuffled_commits, trees)
    assert len({(lk.sha, lk.session_id) for lk in found}) == len(found)

    by_id = {s.id: s for s in sessions}
    by_sha = {c.sha: c for c in commits}
    for lk in found:
        sess, commit = by_id[lk.session_id], by_sha[lk.sha]
        tree = trees.get(commit.sha, MAIN)
        end = minutes(commit.committed) + 1 / 60
        start = minutes(commit.committed) - WINDOW
        activity = [minutes(t) for t in sess.timestamps()]
        patched = [
            (minutes(c.finished or c.started), f.path)
            for c in sess.tool_calls
            if c.kind == "patch" and Path(c.workdir or "") == tree
            for f in c.files
        ]
        touched = {f.path for f in commit.files}
        home = sess.cwd or next((c.workdir for c in sess.tool_calls if c.workdir), None)
        same_tree = home is not None and Path(home) == tree
        announced = any(
            commit.sha
            and c.command
            and "git commit" in c.command
            and commit.sha.startswith((c.output or "").split()[1].rstrip("]"))
            for c in sess.tool_calls
        )
        in_window = any(start <= t <= end for t in activity)
        patched_in_window = {p for t, p in patched if start <= t <= end} & touched
        # Every strength is backed by its evidence.
        if lk.strength == "explicit":
            covered = touched and touched <= {p for t, p in patched if t <= end}
            assert announced or (same_tree and covered and patched_in_window), lk
        elif lk.strength == "files":
            assert patched_in_window, lk
            assert len(commit.parents) <= 1, lk
        else:
            assert same_tree, lk
            assert in_window, lk
        # Nothing before the session's first activity links, unless announced.
        if lk.strength != "explicit" or not announced:
            assert min(activity) <= end, lk
    # One class per commit.
    for sha, group in itertools.groupby(found, key=lambda lk: lk.sha):
        assert len({lk.strength for lk in group}) == 1, sha
