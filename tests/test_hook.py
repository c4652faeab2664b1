"""The git hooks through real git: native shims, the pre-commit framework's calling convention
(no arguments, `PRE_COMMIT_*` variables, no stdin), failures, and the sequencer fast path."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from journal import events, git, hook, install
from testing.git_repo import GitRepo

PY = shlex.quote(sys.executable)
HEAVY = {"pygit2", "jinja2", "mistune", "frontmatter", "yaml", "click", "rich"}


def _events(repo: GitRepo, kind: str | None = None) -> list[dict[str, Any]]:
    loaded = events.load(repo.path / ".git" / "ai-journal")
    assert loaded.malformed == 0
    return [e for e in loaded.events if kind is None or e["hook"] == kind]


def _native(repo: GitRepo, stage: bool = False) -> GitRepo:
    """Native shims; the pre-commit stage is switched off (untracked config) unless asked for, so
    that these tests see git's own commits only."""
    if not stage:
        repo.write({".ai-journal/config.toml": "[journal]\nstage = false\n"})
        with (repo.path / ".git" / "info" / "exclude").open("a") as exclude:
            exclude.write(".ai-journal/\n")
    install.install_native(git.repo_paths(repo.path))
    return repo


def _hook_script(repo: GitRepo, name: str, body: str) -> None:
    path = repo.path / ".git" / "hooks" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _like_precommit(repo: GitRepo, name: str, env: str = "") -> None:
    """A hook that calls ours the way pre-commit does: no arguments, data in variables, no stdin."""
    body = f"PRE_COMMIT=1 {env} {PY} -m journal.entry hook {name} </dev/null || true"
    _hook_script(repo, name, body)


# -- the native shims ---------------------------------------------------------------------------


def test_commit_records_sha_parents_branch_and_worktree(repo: GitRepo) -> None:
    _native(repo)
    root = repo.commit("root", {"a.txt": "a\n"})
    second = repo.commit("second", {"a.txt": "b\n"})
    assert [(e["sha"], e["parents"], e["branch"]) for e in _events(repo, "post-commit")] == [
        (root, 0, "main"),
        (second, 1, "main"),
    ]
    assert all(e["worktree"] == str(repo.path) for e in _events(repo))
    assert "sequencer" not in _events(repo)[0]


def test_checkout_records_old_new_and_the_branch_flag(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "a\n"})
    _native(repo)
    repo.git("checkout", "-q", "-b", "topic")
    second = repo.commit("two", {"a.txt": "b\n"})
    repo.git("checkout", "-q", "main")
    (repo.path / "a.txt").write_text("dirty\n")
    repo.git("checkout", "--", "a.txt")
    got = [
        (e["old"], e["new"], e["branch_checkout"], e["branch"])
        for e in _events(repo, "post-checkout")
    ]
    assert got == [
        (first, first, True, "topic"),
        (second, first, True, "main"),
        (first, first, False, "main"),
    ]


def test_merge_records_squash_flag_and_head(repo: GitRepo) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side", {"b.txt": "b\n"})
    repo.git("checkout", "-q", "main")
    _native(repo)
    repo.git("merge", "-q", "--ff-only", "side")
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.git("merge", "-q", "--squash", "side")
    merges = _events(repo, "post-merge")
    assert [(e["squash"], e["head"]) for e in merges] == [(False, side), (True, repo.head())]


def test_amend_records_the_pair_from_stdin(repo: GitRepo) -> None:
    _native(repo)
    old = repo.commit("one", {"a.txt": "a\n"})
    new = repo.commit("one, amended", {"a.txt": "b\n"}, extra=("--amend",))
    (rewrite,) = _events(repo, "post-rewrite")
    assert rewrite["command"] == "amend"
    assert rewrite["pairs"] == [[old, new]]
    assert rewrite["source"] == "stdin"


@dataclass
class Rebased:
    repo: GitRepo
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)


def _topic_rebased_onto_main(repo: GitRepo, backend: str = "--merge") -> Rebased:
    repo.commit("base", {"base.txt": "base\n"})
    repo.git("checkout", "-q", "-b", "topic")
    result = Rebased(repo)
    for name in ("t1", "t2", "t3"):
        result.old.append(repo.commit(name, {f"{name}.txt": f"{name}\n"}))
    repo.git("checkout", "-q", "main")
    repo.commit("upstream", {"up.txt": "up\n"})
    repo.git("checkout", "-q", "topic")
    repo.git("rebase", "-q", backend, "main", env=repo.date_env(repo.tick()))
    result.new = repo.git("rev-list", "--reverse", "main..topic").split()
    return result


def test_rebase_records_one_line_per_pick_and_the_map_from_stdin(repo: GitRepo) -> None:
    _native(repo)
    rebased = _topic_rebased_onto_main(repo)
    picks = [e for e in _events(repo, "post-commit") if "sequencer" in e]
    assert [e["sha"] for e in picks] == rebased.new
    assert {e["sequencer"] for e in picks} == {"rebase-merge"}
    assert all("branch" not in e for e in picks)
    (rewrite,) = _events(repo, "post-rewrite")
    assert rewrite["command"] == "rebase"
    assert rewrite["pairs"] == [list(p) for p in zip(rebased.old, rebased.new, strict=True)]
    assert rewrite["source"] == "stdin"


def test_foreign_hook_is_chained_with_its_arguments_and_stdin(
    repo: GitRepo, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.txt"
    for name in ("post-rewrite", "post-checkout"):
        _hook_script(repo, name, f'echo "{name} $* [$(cat)]" >> {seen}')
    _native(repo)
    old = repo.commit("one", {"a.txt": "a\n"})
    new = repo.commit("amended", extra=("--amend",))
    repo.git("checkout", "-q", "-b", "topic")
    assert seen.read_text().splitlines() == [
        f"post-rewrite amend [{old} {new}]",
        f"post-checkout {new} {new} 1 []",
    ]
    assert _events(repo, "post-rewrite")[0]["pairs"] == [[old, new]]


def test_chained_hook_status_is_the_shims_status(repo: GitRepo) -> None:
    _hook_script(repo, "pre-commit", "echo refused by policy >&2; exit 1")
    _native(repo)
    repo.write({"a.txt": "a\n"})
    repo.git("add", "a.txt")
    proc = subprocess.run(
        ["git", "commit", "-qm", "x"], cwd=repo.path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "refused by policy" in proc.stderr
    assert repo.git("rev-list", "--all") == ""


# -- the pre-commit framework's calling convention -----------------------------------------------


def test_rebase_map_from_rewritten_list_without_stdin(repo: GitRepo) -> None:
    _like_precommit(repo, "post-rewrite", 'PRE_COMMIT_REWRITE_COMMAND="$1"')
    rebased = _topic_rebased_onto_main(repo)
    (rewrite,) = _events(repo, "post-rewrite")
    assert rewrite["source"] == "rebase-merge/rewritten-list"
    assert rewrite["pairs"] == [list(p) for p in zip(rebased.old, rebased.new, strict=True)]


def test_apply_backend_map_from_rebase_apply(repo: GitRepo) -> None:
    _like_precommit(repo, "post-rewrite", 'PRE_COMMIT_REWRITE_COMMAND="$1"')
    repo.commit("base", {"base.txt": "base\n"})
    repo.git("checkout", "-q", "-b", "topic")
    old = [repo.commit(n, {f"{n}.txt": n}) for n in ("t1", "t2")]
    repo.git("checkout", "-q", "main")
    repo.commit("upstream", {"up.txt": "up\n"})
    repo.git("rebase", "-q", "--apply", "main", "topic", env=repo.date_env(repo.tick()))
    (rewrite,) = _events(repo, "post-rewrite")
    assert rewrite["source"] == "rebase-apply/rewritten"
    new = repo.git("rev-list", "--reverse", "main..topic").split()
    assert rewrite["pairs"] == [list(p) for p in zip(old, new, strict=True)]


def test_amend_map_from_the_reflog_without_stdin(repo: GitRepo) -> None:
    _like_precommit(repo, "post-rewrite", 'PRE_COMMIT_REWRITE_COMMAND="$1"')
    old = repo.commit("one", {"a.txt": "a\n"})
    new = repo.commit("amended", {"a.txt": "b\n"}, extra=("--amend",))
    (rewrite,) = _events(repo, "post-rewrite")
    assert (rewrite["source"], rewrite["pairs"]) == ("reflog", [[old, new]])


def test_amend_inside_a_rebase_is_ignored(repo: GitRepo) -> None:
    _native(repo)
    repo.commit("base", {"base.txt": "base\n"})
    first = repo.commit("t1", {"t1.txt": "1\n"})
    repo.commit("t2", {"t2.txt": "2\n"})
    editor = "sed -i '1s/^pick/edit/'"
    repo.git("rebase", "-q", "-i", "HEAD~2", env={"GIT_SEQUENCE_EDITOR": editor})
    amended = repo.commit("t1 edited", {"t1.txt": "edited\n"}, extra=("--amend",))
    repo.git("rebase", "--continue", env={"GIT_EDITOR": "true"})
    (rewrite,) = _events(repo, "post-rewrite")  # the amend at the stop recorded nothing
    assert rewrite["command"] == "rebase"
    assert rewrite["pairs"][0] == [first, amended]


def test_checkout_and_merge_read_the_precommit_variables(repo: GitRepo) -> None:
    checkout_env = 'PRE_COMMIT_FROM_REF="$1" PRE_COMMIT_TO_REF="$2" PRE_COMMIT_CHECKOUT_TYPE="$3"'
    _like_precommit(repo, "post-checkout", checkout_env)
    _like_precommit(repo, "post-merge", 'PRE_COMMIT_IS_SQUASH_MERGE="$1"')
    first = repo.commit("one", {"a.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side", {"b.txt": "b\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "side")
    checkouts = [(e["old"], e["new"], e["branch_checkout"]) for e in _events(repo, "post-checkout")]
    assert checkouts == [(first, first, True), (side, first, True)]
    assert [(e["squash"], e["head"]) for e in _events(repo, "post-merge")] == [(True, first)]


def test_missing_stage_data_is_one_line_and_exit_0(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("one")
    monkeypatch.chdir(repo.path)
    assert hook.main(["post-checkout"]) == 0
    err = capsys.readouterr().err
    assert err == (
        "ai-journal: post-checkout: no git arguments and no $PRE_COMMIT_FROM_REF;"
        " run it from a git hook\n"
    )
    assert hook.main(["post-nothing"]) == 2
    assert "usage: ai-journal hook <pre-commit|post-commit|" in capsys.readouterr().err


# -- never break git ----------------------------------------------------------------------------


def test_internal_error_leaves_checkout_and_commit_working(repo: GitRepo) -> None:
    _native(repo)
    repo.commit("one", {"a.txt": "a\n"})
    local = repo.path / ".git" / "ai-journal"
    (local / "events.jsonl").unlink()
    (local / "events.jsonl").mkdir()  # every append now fails
    for command in (["checkout", "-b", "topic"], ["commit", "--allow-empty", "-m", "two"]):
        proc = subprocess.run(
            ["git", *command], cwd=repo.path, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
        (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("ai-journal")]
        assert line.startswith(f"ai-journal: post-{command[0]} hook failed (IsADirectoryError:")
        assert line.endswith(f"; see {local / 'log'}")
    assert repo.branch() == "topic"
    assert (local / "log").read_text().count("Traceback (most recent call last)") == 2


def test_hook_outside_a_repository_exits_0(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "journal.entry", "hook", "post-commit"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stderr.startswith("ai-journal: ")
    assert "not inside a git work tree" in proc.stderr
    assert proc.stderr.count("\n") == 1


# -- the sequencer fast path --------------------------------------------------------------------


# The fast path runs no git and builds no paths: not even these standard modules are loaded.
BARE_MINIMUM_EXCLUDES = {"journal.hook", "journal.git", "subprocess", "pathlib", "typing"}


def _modules(importtime_stderr: str) -> set[str]:
    lines = [ln for ln in importtime_stderr.splitlines() if ln.startswith("import time:")]
    return {ln.rsplit("|", 1)[-1].strip() for ln in lines[1:]}


def test_hooks_during_a_rebase_import_nothing_heavy(repo: GitRepo, tmp_path: Path) -> None:
    trace = tmp_path / "importtime.txt"
    _hook_script(
        repo, "post-commit", f"{PY} -X importtime -m journal.entry hook post-commit 2>>{trace}"
    )
    rebased = _topic_rebased_onto_main(repo)
    during_picks = _modules(trace.read_text())
    assert "journal.fastpath" in during_picks
    assert not {m.split(".")[0] for m in during_picks} & HEAVY
    assert [e["sha"] for e in _events(repo, "post-commit")][-3:] == rebased.new

    repo.git("rebase", "-q", "-i", "HEAD~2", env={"GIT_SEQUENCE_EDITOR": "sed -i '1s/^pick/edit/'"})
    assert (repo.path / ".git" / "rebase-merge").is_dir()
    head = repo.head()
    for args in (["post-commit"], ["post-checkout", head, head, "1"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "journal.entry", "hook", *args],
            cwd=repo.path,
            capture_output=True,
            text=True,
            check=True,
        )
        modules = _modules(proc.stderr)
        assert "journal.fastpath" in modules
        assert not ({m.split(".")[0] for m in modules} | modules) & (HEAVY | BARE_MINIMUM_EXCLUDES)
    *_, commit, checkout = _events(repo)
    assert (commit["hook"], commit["sequencer"], commit["sha"]) == (
        "post-commit",
        "rebase-merge",
        head,
    )
    assert (checkout["hook"], checkout["sequencer"]) == ("post-checkout", "rebase-merge")


def test_sequencer_is_found_through_the_worktree_git_dir(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    paths = git.repo_paths(tmp_path / "wt")
    assert hook.active_sequencer(paths) is None
    (paths.git_dir / "CHERRY_PICK_HEAD").write_text(repo.head() + "\n")
    assert hook.active_sequencer(paths) == "CHERRY_PICK_HEAD"
    assert hook.active_sequencer(git.repo_paths(repo.path)) is None
    env = {**os.environ, "GIT_DIR": str(paths.git_dir)}
    subprocess.run(
        [sys.executable, "-m", "journal.entry", "hook", "post-commit"],
        cwd=tmp_path / "wt",
        env=env,
        check=True,
    )
    (event,) = _events(repo, "post-commit")
    assert (event["sequencer"], event["worktree"]) == ("CHERRY_PICK_HEAD", str(tmp_path / "wt"))


# -- the pre-commit stage -------------------------------------------------------------------------


@dataclass
class FakePipeline:
    calls: list[tuple[Any, Any, bool]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    error: Exception | None = None

    def refresh(self, paths: git.RepoPaths, config: Any, *, stage: bool) -> Any:
        self.calls.append((paths, config, stage))
        if self.error:
            raise self.error
        return types.SimpleNamespace(staged=[], notices=self.notices)


@pytest.fixture
def pipeline(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> FakePipeline:
    from journal import pipeline as real_pipeline

    fake = FakePipeline()
    monkeypatch.setattr(real_pipeline, "refresh", fake.refresh)
    monkeypatch.chdir(repo.path)
    repo.commit("one", {"a.txt": "a\n"})
    return fake


def test_stage_refreshes_with_stage_true_and_prints_notices(
    repo: GitRepo, pipeline: FakePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.notices = ["ai-journal: 2 sessions linked", "second\nline dropped"]
    assert hook.main(["pre-commit"]) == 0
    ((paths, config, stage),) = pipeline.calls
    assert paths == git.repo_paths(repo.path)
    assert stage is True
    assert config.journal_dir == "docs/ai-journal"
    assert capsys.readouterr().err == "ai-journal: 2 sessions linked\nsecond\n"


def test_stage_does_nothing_during_a_sequencer_or_when_disabled(
    repo: GitRepo, pipeline: FakePipeline
) -> None:
    (repo.path / ".git" / "REVERT_HEAD").write_text(repo.head())
    assert hook.main(["pre-commit"]) == 0
    (repo.path / ".git" / "REVERT_HEAD").unlink()
    repo.write({".ai-journal/config.toml": "[journal]\nstage = false\n"})
    assert hook.main(["pre-commit"]) == 0
    assert pipeline.calls == []


def test_stage_errors_never_block(
    repo: GitRepo, pipeline: FakePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.error = KeyError("session")
    assert hook.main(["pre-commit"]) == 0
    log_path = repo.path / ".git" / "ai-journal" / "log"
    assert capsys.readouterr().err == (
        f"ai-journal: pre-commit hook failed (KeyError: 'session'); see {log_path}\n"
    )
    assert "KeyError: 'session'" in log_path.read_text()

    repo.write({".ai-journal/config.toml": "[journal\n"})
    assert hook.main(["pre-commit"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("ai-journal: ")
    assert "config.toml" in err
    assert "fix the TOML" in err
    assert err.count("\n") == 1
    assert len(pipeline.calls) == 1


def test_corrupt_config_never_blocks_a_native_commit(repo: GitRepo) -> None:
    _native(repo, stage=True)
    repo.write({".ai-journal/config.toml": "journal = [\n"})
    proc = subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", "x"],
        check=False,
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**os.environ, **repo.date_env()},
    )
    assert proc.returncode == 0
    assert proc.stderr.startswith("ai-journal: ")
    assert "fix the TOML syntax" in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert _events(repo, "post-commit")[0]["sha"] == repo.head()


def test_post_hooks_touch_neither_the_index_nor_the_work_tree(repo: GitRepo) -> None:
    first = repo.commit("one", {"a.txt": "a\n"})
    second = repo.commit("two", {"a.txt": "b\n"})
    repo.write({"a.txt": "unstaged edit\n", "new.txt": "untracked\n"})
    index = repo.path / ".git" / "index"
    status = ("--no-optional-locks", "status", "--porcelain")  # a plain status rewrites the index
    before = (index.read_bytes(), index.stat().st_mtime_ns, repo.git(*status))
    calls = [
        (["post-commit"], ""),
        (["post-checkout", first, second, "1"], ""),
        (["post-merge", "0"], ""),
        (["post-rewrite", "amend"], f"{first} {second}\n"),
    ]
    for args, stdin in calls:
        proc = subprocess.run(
            [sys.executable, "-m", "journal.entry", "hook", *args],
            cwd=repo.path,
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
        )
        if args[0] == "post-rewrite":  # a hand-fed pair: second does not hold first's change
            assert (
                proc.stderr
                == "ai-journal: amend rewrote 1 commit (1 dropped) — run 'ai-journal reconcile'\n"
            )
        else:
            assert proc.stderr == ""
    assert (
        index.read_bytes(),
        index.stat().st_mtime_ns,
        repo.git("status", "--porcelain"),
    ) == before
    assert [e["hook"] for e in _events(repo)] == [
        "post-commit",
        "post-checkout",
        "post-merge",
        "post-rewrite",
    ]
    assert _events(repo, "post-rewrite")[0]["pairs"] == [[first, second]]
