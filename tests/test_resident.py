"""The resident stage: commits made through real native hooks with a warm server carry what the
hook's own process would have written, its output and status reach git, and the server goes
away when it must (stale code, uninstall, an interrupted commit's stage)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from journal import git, install, resident, resident_server
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo
from tests.test_check_secrets import TOKEN
from tests.test_stage_stamp import Scenario, _play

PATCH = "*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+y\n*** End Patch\n"


def _local(repo: GitRepo) -> Path:
    return repo.path / ".git" / "ai-journal"


def _server_pid(repo: GitRepo) -> int | None:
    """The pid of the server listening for `repo`, once it listens."""
    local = _local(repo)
    if not (local / resident.socket_name()).exists():
        return None
    text = (local / (resident.socket_name() + ".lock")).read_text().strip()
    return int(text) if text else None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _wait_for_server(repo: GitRepo) -> int:
    _wait(lambda: _server_pid(repo) is not None)
    pid = _server_pid(repo)
    assert pid is not None
    return pid


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """The resident stage on; every server started for the listed state folders stopped after."""
    monkeypatch.delenv(resident.SWITCH)
    folders: list[Path] = []
    yield folders
    for folder in folders:
        for pid in resident_server.stop(folder):
            _wait(lambda pid=pid: not _alive(pid))


class Live:
    """A repository with native hooks and an agent session that patches app.py before each
    commit."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]) -> None:
        self.codex = CodexHome(root / "codex")
        monkeypatch.setenv("CODEX_HOME", str(self.codex.root))
        self.repo = GitRepo.init(root / "repo")
        self.repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
        install.install_native(git.repo_paths(self.repo.path))
        servers.append(_local(self.repo))
        self.minutes = 0

    def agent_works(self, text: str = "Done.") -> datetime:
        """A session patches app.py and the change is staged; when to commit it."""
        self.minutes += 10
        start = BASE_TIME + timedelta(minutes=self.minutes)
        session = self.codex.session(self.repo.path, start, commit=self.repo.head())
        session.prompt("Change the app", cwd=str(self.repo.path)).apply_patch(PATCH)
        session.reply(text)
        (self.repo.path / "app.py").write_text(f"{self.minutes}\n")
        self.repo.git("add", "-A")
        return start + timedelta(minutes=5)

    def agent_commit(self, text: str = "Done.", env: dict[str, str] | None = None) -> str:
        when = self.agent_works(text)
        proc = subprocess.run(
            ["git", "commit", "-q", "-m", f"change {self.minutes}"],
            cwd=self.repo.path,
            env={**os.environ, **self.repo.date_env(when), **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stderr

    def serve(self) -> int:
        """One agent commit (it starts the server); the server's pid once it listens."""
        self.agent_commit()
        return _wait_for_server(self.repo)

    def committed(self) -> list[str]:
        return self.repo.git("show", "--name-only", "--format=", "HEAD").split()


def test_a_warm_server_runs_the_stage_the_hook_process_imports_almost_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    live = Live(tmp_path, monkeypatch, servers)
    cold = live.agent_commit(env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "jinja2" in cold  # no server yet: the stage ran in the hook's process, and started one
    pid = _wait_for_server(live.repo)
    warm = live.agent_commit(env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "journal.resident" in warm
    assert "jinja2" not in warm
    assert "sqlite3" not in warm
    committed = live.committed()
    assert "app.py" in committed
    assert any(name.startswith("docs/ai-journal/") for name in committed)
    assert any(name.startswith(".ai-journal/sessions/") for name in committed)
    assert _server_pid(live.repo) == pid
    assert _alive(pid)


def test_the_server_imports_everything_a_live_stage_and_its_check_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    """A stage, and the secrets check after it, run after the server's imports import nothing
    more: each fork starts warm."""
    live = Live(tmp_path, monkeypatch, servers)
    live.agent_commit()
    when = live.agent_works()
    code = (
        "import importlib, sys\n"
        "from journal import resident_server\n"
        "for name in resident_server.WARM_MODULES:\n"
        "    importlib.import_module(name)\n"
        "before = set(sys.modules)\n"
        "from journal import cli, hook\n"
        "hook.main(['pre-commit'])\n"
        "cli.main(['check', '--secrets', '--staged'])\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-P", "-c", code],
        cwd=live.repo.path,
        env={**os.environ, **live.repo.date_env(when), resident.SWITCH: "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.split() == []
    staged = live.repo.git("diff", "--cached", "--name-only").split()
    assert any(name.startswith("docs/ai-journal/") for name in staged)


def test_the_same_commits_carry_the_same_files_with_and_without_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    """The same paths for both plays (they are in the journals): the second starts afresh."""
    trees, served = {}, {}
    for name, switch in (("resident", "1"), ("in-process", "0")):
        monkeypatch.setenv(resident.SWITCH, switch)
        scenario = Scenario(tmp_path / "run", True, monkeypatch)
        _play(scenario)
        trees[name] = scenario.trees
        served[name] = resident_server.stop(_local(scenario.repo))
        for pid in served[name]:
            _wait(lambda pid=pid: not _alive(pid))
    assert trees["resident"] == trees["in-process"]
    assert served["resident"]
    assert not served["in-process"]


def test_the_secret_gate_refuses_through_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    live = Live(tmp_path, monkeypatch, servers)
    live.serve()
    head = live.repo.head()
    fragment = next((live.repo.path / ".ai-journal/sessions").glob("*.json"))
    fragment.write_text(fragment.read_text().replace("Change the app", f"use {TOKEN} now"))
    live.repo.git("add", "-A")
    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "more", "--allow-empty"],
        cwd=live.repo.path,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert live.repo.head() == head
    assert "github_token" in proc.stderr
    assert TOKEN not in proc.stderr
    assert "jinja2" not in proc.stderr  # the server's child spoke on the hook's stderr


def test_stale_code_runs_in_process_and_a_fresh_server_takes_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    extra = tmp_path / "site"
    extra.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(extra))  # on the server's import path: its signature
    live = Live(tmp_path, monkeypatch, servers)
    first = live.serve()
    (extra / "upgraded.py").write_text("")  # a package installed beside ours
    stale = live.agent_commit(env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "jinja2" in stale  # turned down, so run in the hook's own process
    assert any(name.startswith("docs/ai-journal/") for name in live.committed())
    _wait(lambda: not _alive(first))
    assert _wait_for_server(live.repo) != first


def test_uninstall_stops_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    live = Live(tmp_path, monkeypatch, servers)
    pid = live.serve()
    install.uninstall(git.repo_paths(live.repo.path))
    _wait(lambda: not _alive(pid))
    assert not (_local(live.repo) / resident.socket_name()).exists()


def test_a_path_longer_than_a_socket_address_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    deep = tmp_path / ("a-long-directory-name-" * 6)
    live = Live(deep, monkeypatch, servers)
    assert len(str(_local(live.repo) / resident.socket_name())) > 108
    live.serve()
    warm = live.agent_commit(env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "jinja2" not in warm
    assert any(name.startswith("docs/ai-journal/") for name in live.committed())


def test_switched_off_no_server_is_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    live = Live(tmp_path, monkeypatch, servers)
    monkeypatch.setenv(resident.SWITCH, "0")
    live.agent_commit()
    live.agent_commit()
    time.sleep(0.5)
    assert not list(_local(live.repo).glob(resident.SOCKET_PREFIX + "*"))


def test_an_interrupted_commit_takes_its_stage_down_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    live = Live(tmp_path, monkeypatch, servers)
    server = live.serve()
    from journal import state

    (live.repo.path / "app.py").write_text("interrupted\n")
    live.repo.git("add", "-A")
    monkeypatch.setenv("AI_JOURNAL_HOOK_LOCK_TIMEOUT", "60")
    with state.locked(_local(live.repo)):  # the stage waits for the lock...
        commit = subprocess.Popen(
            ["git", "commit", "-q", "-m", "interrupted"],
            cwd=live.repo.path,
            start_new_session=True,
            stderr=subprocess.DEVNULL,
        )
        _wait(lambda: len(_children(server)) == 1)
        os.killpg(commit.pid, signal.SIGINT)  # ...when the user presses Ctrl-C
        commit.wait(timeout=20)
        _wait(lambda: not _children(server))
    assert not (live.repo.path / ".git" / "index.lock").exists()
    assert live.repo.git("log", "-1", "--format=%s").strip() != "interrupted"
    assert _alive(server)
    live.agent_commit()  # and the server goes on serving
    assert any(name.startswith("docs/ai-journal/") for name in live.committed())


def test_doctor_names_the_running_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    from journal import doctor

    live = Live(tmp_path, monkeypatch, servers)
    paths = git.repo_paths(live.repo.path)
    before = {check.name: check for check in doctor.checks(paths)}["resident stage"]
    assert before.ok
    assert "no server running" in before.detail
    pid = live.serve()
    after = {check.name: check for check in doctor.checks(paths)}["resident stage"]
    assert f"server pid {pid}," in after.detail
    monkeypatch.setenv(resident.SWITCH, "0")
    off = {check.name: check for check in doctor.checks(paths)}["resident stage"]
    assert off.detail.startswith("off")


def test_worktrees_committing_at_once_share_one_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    """Three worktrees commit at the same moment: one server forks a child for each, each child
    takes its own worktree's directory and index, and each commit carries its own journal."""
    live = Live(tmp_path / "main", monkeypatch, servers)
    server = live.serve()
    monkeypatch.setenv("AI_JOURNAL_HOOK_LOCK_TIMEOUT", "60")
    trees = [live.repo]
    for name in ("one", "two"):
        live.repo.git("worktree", "add", "-q", "-b", name, str(tmp_path / name))
        trees.append(GitRepo(tmp_path / name, live.repo.clock))
    when = BASE_TIME + timedelta(hours=1)
    for number, tree in enumerate(trees):
        session = live.codex.session(tree.path, when, commit=tree.head())
        session.prompt(f"Change the app, take {number}", cwd=str(tree.path)).apply_patch(PATCH)
        session.reply("Done.")
        (tree.path / "app.py").write_text(f"take {number}\n")
        tree.git("add", "-A")
    env = {**os.environ, **live.repo.date_env(when + timedelta(minutes=5))}
    env["PYTHONPROFILEIMPORTTIME"] = "1"
    commits = [
        subprocess.Popen(
            ["git", "commit", "-q", "-m", f"take {number}"],
            cwd=tree.path,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number, tree in enumerate(trees)
    ]
    outputs = [commit.communicate(timeout=120)[1] for commit in commits]
    assert [commit.returncode for commit in commits] == [0, 0, 0], outputs
    for tree, output in zip(trees, outputs, strict=True):
        assert "jinja2" not in output  # each stage ran in the server's child
        committed = tree.git("show", "--name-only", "--format=", "HEAD").split()
        assert "app.py" in committed
        assert any(name.startswith("docs/ai-journal/") for name in committed)
        assert tree.git("status", "--porcelain", "--", "docs", ".ai-journal") == ""
    assert _server_pid(live.repo) == server


def test_a_hook_talks_only_to_a_server_of_its_own_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    """The hook hands the server its environment: a socket another user owns, or a listener
    running as another user, is not used."""
    import _socket

    live = Live(tmp_path, monkeypatch, servers)
    live.serve()
    folder, name = str(_local(live.repo)), resident.socket_name()
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        assert resident._connect(conn, folder, name)
        path = os.path.join(folder, name)
        assert resident._ours(conn, path)
        uid = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: uid + 1)  # the hook runs as another user
        assert not resident._ours(conn, path)
    finally:
        conn.close()


def test_where_no_socket_can_be_made_no_server_is_started_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: list[Path]
) -> None:
    """A file system that refuses sockets (here: a directory in the socket's place) costs one
    server's start, not one per commit; doctor says why, and how to try again."""
    from journal import doctor

    live = Live(tmp_path, monkeypatch, servers)
    local = _local(live.repo)
    local.mkdir(parents=True, exist_ok=True)
    (local / resident.socket_name()).mkdir()
    live.agent_commit()
    failed = local / (resident.socket_name() + resident.FAILED_SUFFIX)
    _wait(failed.exists)
    os.utime(failed, (0, 0))
    second = live.agent_commit(env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert "jinja2" in second  # run in the hook's process
    assert any(name.startswith("docs/ai-journal/") for name in live.committed())
    time.sleep(1.0)
    assert failed.stat().st_mtime == 0  # no server was started to fail again
    assert resident_server.running(local) == []
    check = {c.name: c for c in doctor.checks(git.repo_paths(live.repo.path))}["resident stage"]
    assert "no server can listen" in check.detail
    assert str(failed) in check.fix
