"""Faults around writes and the lock: atomic writes, a busy lock (the hook steps aside and the next
run does the work, once), events appended whatever happens, and a state dir that cannot be written
(a full disk, a read-only file system, a file where the directory should be): one line, git goes on.

Tests run as root, which `chmod` does not stop. A full disk is the kernel's own ENOSPC, from
`/dev/full` (every write to it fails so) and from a 64 KiB tmpfs; a read-only state dir is a tmpfs
remounted read-only. Both mounts happen in a private mount namespace (`unshare -m`), so where the
machine does not allow that, those two tests are skipped and the in-process ones (ENOSPC and EROFS
raised by `os.write`/`os.replace`) still run.
"""

from __future__ import annotations

import errno
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from journal import deferred, events, git, hook, install, rewrite, state
from testing.codex_home import CodexHome
from testing.git_repo import GitRepo

PY = shlex.quote(sys.executable)


def _native(repo: GitRepo, stage: bool = False) -> GitRepo:
    if not stage:
        repo.write({".ai-journal/config.toml": "[journal]\nstage = false\n"})
        with (repo.path / ".git" / "info" / "exclude").open("a") as exclude:
            exclude.write(".ai-journal/\n")
    install.install_native(git.repo_paths(repo.path))
    return repo


def _local(repo: GitRepo) -> Path:
    return repo.path / ".git" / "ai-journal"


def _commit(repo: GitRepo, message: str, *extra: str, env: dict[str, str] | None = None) -> str:
    """`git commit` through the hooks; the lines our hooks wrote to stderr."""
    proc = subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", message, *extra],
        cwd=repo.path,
        env={**os.environ, **repo.date_env(repo.tick()), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return "".join(line for line in proc.stderr.splitlines(True) if line.startswith("ai-journal"))


@pytest.fixture
def held(repo: GitRepo) -> Iterator[Path]:
    """The state lock, held by the test process as another run would."""
    local = state.local_dir(git.repo_paths(repo.path).common_dir)
    with state.locked(local):
        yield local


QUICK = {state.HOOK_LOCK_TIMEOUT_ENV: "0.2"}


# -- atomic writes -------------------------------------------------------------------------------


def test_write_atomic_keeps_modes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "journal.md"
    old_mask = os.umask(0o022)
    try:
        assert state.write_atomic(target, "one\n")
    finally:
        os.umask(old_mask)
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o755)
    assert state.write_atomic(target, "two\n")
    assert target.stat().st_mode & 0o777 == 0o755
    assert not state.write_atomic(target, "two\n")
    assert sorted(p.name for p in target.parent.iterdir()) == ["journal.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "local" / "state.json"
    state.write_atomic(target, '{"old": true}\n')

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        state.write_atomic(target, '{"new": true}\n')
    assert target.read_text() == '{"old": true}\n'
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]


def test_the_lock_is_one_file_in_the_common_dir_shared_by_worktrees(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("base")
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "side")
    main_local = state.local_dir(git.repo_paths(repo.path).common_dir)
    other_local = state.local_dir(git.repo_paths(tmp_path / "wt").common_dir)
    assert main_local == other_local == repo.path / ".git" / "ai-journal"
    busy = pytest.raises(state.LockBusy, match=r"waited 0\.1 s")
    with state.locked(main_local), busy, state.locked(other_local, timeout=0.1):
        pass


# -- a busy lock ---------------------------------------------------------------------------------


def test_a_busy_lock_defers_the_rewrite_map_to_the_next_run(repo: GitRepo, held: Path) -> None:
    _native(repo)
    old = repo.commit("one", {"a.txt": "a\n"})
    err = _commit(repo, "one, amended", "--amend", env=QUICK)
    new = repo.head()
    assert err == "ai-journal: amend recorded; " + hook.BUSY + "\n"
    (event,) = [e for e in events.read_events(held) if e["hook"] == "post-rewrite"]
    assert event["pairs"] == [[old, new]]
    assert len(deferred.waiting(held)) == 1
    assert rewrite.load(held) == []


def test_the_next_hook_applies_deferred_maps_first_and_once(repo: GitRepo) -> None:
    _native(repo)
    local = state.local_dir(git.repo_paths(repo.path).common_dir)
    first = repo.commit("one", {"a.txt": "a\n"})
    with state.locked(local):
        _commit(repo, "one, amended", "--amend", env=QUICK)
    amended = repo.head()
    err = _commit(repo, "one, amended twice", "--amend")
    assert "amend rewrote 1 commit (1 remapped) (deferred)" in err
    maps = rewrite.load(local)
    assert [m.pairs() for m in maps] == [
        {first: (amended, rewrite.Kind.REWRITTEN)},
        {amended: (repo.head(), rewrite.Kind.REWRITTEN)},
    ]
    assert deferred.waiting(local) == []
    assert deferred.apply(local) == []
    assert len(rewrite.load(local)) == 2


def test_a_refresh_applies_deferred_maps(repo: GitRepo) -> None:
    _native(repo)
    local = state.local_dir(git.repo_paths(repo.path).common_dir)
    repo.commit("one", {"a.txt": "a\n"})
    with state.locked(local):
        _commit(repo, "one, amended", "--amend", env=QUICK)
    proc = subprocess.run(
        [sys.executable, "-m", "journal.entry", "render"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "(deferred)" in proc.stderr + proc.stdout
    assert len(rewrite.load(local)) == 1
    assert deferred.waiting(local) == []


def test_an_unreadable_deferred_map_is_put_aside_with_one_line(tmp_path: Path) -> None:
    folder = tmp_path / deferred.DIRNAME
    folder.mkdir()
    (folder / "00000000000000000001-1-aa.json").write_text("{not json")
    (notice,) = deferred.apply(tmp_path)
    assert "00000000000000000001-1-aa.json: a deferred rewrite cannot be read" in notice
    assert [p.name for p in folder.iterdir()] == ["00000000000000000001-1-aa.broken"]


def _agent_session(repo: GitRepo, codex: CodexHome) -> None:
    session = codex.session(repo.path, repo.clock, commit=repo.head())
    session.prompt("Tidy the readme", cwd=str(repo.path)).reply("Done.")
    repo.clock = session.clock


def test_a_busy_lock_lets_the_commit_through_and_the_next_stage_catches_up(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    _native(repo, stage=True)
    _agent_session(repo, codex_home)
    local = state.local_dir(git.repo_paths(repo.path).common_dir)
    with state.locked(local):
        err = _commit(repo, "while busy", env=QUICK)
    missed = repo.head()
    assert err == (
        f"ai-journal: pre-commit: {hook.BUSY}; this commit goes ahead without its journal update\n"
    )
    assert repo.git("show", "--name-only", "--format=", missed).strip() == ""
    (event,) = [e for e in events.read_events(local) if e.get("deferred")]
    assert event["hook"] == "pre-commit"
    assert event["worktree"] == str(repo.path)

    assert _commit(repo, "after") == ""
    journal = repo.git("show", "HEAD:docs/ai-journal/2026-02-23.md")
    assert missed in journal
    assert "Tidy the readme" in journal


# -- a state dir that cannot be written ---------------------------------------------------------


def test_a_file_where_the_state_dir_should_be_is_one_line_and_git_goes_on(repo: GitRepo) -> None:
    _native(repo)
    repo.commit("base")
    shutil_rmtree(_local(repo))
    _local(repo).write_text("not a directory\n")
    lines = _commit(repo, "next").splitlines()
    assert [line.split(":")[1] for line in lines] == [" pre-commit", " post-commit"]
    for line in lines:
        assert f"cannot write {_local(repo)} (File exists); git is unaffected" in line
    assert repo.git("log", "-1", "--format=%s").strip() == "next"


def test_a_full_disk_under_the_event_log_is_one_line(repo: GitRepo) -> None:
    """`/dev/full`: every write fails with the kernel's ENOSPC."""
    _native(repo)
    repo.commit("base")
    log = events.events_path(_local(repo))
    log.unlink()
    log.symlink_to("/dev/full")
    err = _commit(repo, "next")
    assert err == (
        f"ai-journal: post-commit: cannot write {log} (No space left on device); git is "
        "unaffected, free space or fix the permissions, then run `ai-journal render`\n"
    )
    assert repo.git("log", "-1", "--format=%s").strip() == "next"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_the_stage_on_a_full_or_read_only_disk_is_one_line(
    repo: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    code: int,
) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    monkeypatch.chdir(repo.path)
    real_open = os.open

    def failing(path: str | os.PathLike[str], flags: int, mode: int = 0o777, **kw: object) -> int:
        if flags & os.O_CREAT:
            raise OSError(code, os.strerror(code), os.fspath(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", failing)
    assert hook.main(["pre-commit"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("ai-journal: pre-commit: cannot write ")
    assert os.strerror(code) in err
    monkeypatch.setattr(os, "open", real_open)
    assert repo.git("status", "--porcelain") == ""


def _namespace_mounts() -> bool:
    if sys.platform != "linux":
        return False
    probe = "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null"
    return subprocess.run(["unshare", "-m", "sh", "-c", probe], check=False).returncode == 0


needs_mounts = pytest.mark.skipif(
    not _namespace_mounts(), reason="needs a private mount namespace (unshare -m)"
)


@needs_mounts
@pytest.mark.parametrize(
    ("options", "reason"),
    [("size=64k", "No space left on device"), ("size=64k", "Read-only file system")],
)
def test_a_real_full_or_read_only_state_dir(
    repo: GitRepo, tmp_path: Path, options: str, reason: str
) -> None:
    """The state dir is a tmpfs, filled up or remounted read-only; `git commit` runs inside the
    same private mount namespace, with the stage on."""
    repo.commit("base", {"a.txt": "a\n"})
    _native(repo, stage=True)
    local = _local(repo)
    local.mkdir(exist_ok=True)
    setup = f"mount -t tmpfs -o {options} tmpfs {shlex.quote(str(local))}"
    if reason.startswith("No space"):
        filler = shlex.quote(str(local / "filler"))
        setup += f" && (head -c 1M /dev/zero > {filler} 2>/dev/null || true)"
    else:
        setup += f" && mount -o remount,ro {shlex.quote(str(local))}"
    stamp = repo.date_env(repo.tick())
    script = f"{setup} && git commit -q --allow-empty -m next"
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=repo.path,
        env={**os.environ, **stamp},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines, "a warning was expected"
    assert all(line.startswith("ai-journal: ") and reason in line for line in lines), lines
    assert len(lines) <= 2  # the stage and post-commit: one line each
    assert repo.git("log", "-1", "--format=%s").strip() == "next"


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
