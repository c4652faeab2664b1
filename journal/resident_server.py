"""The resident stage's server (see `journal.resident`): one per repository and install, warm.

It imports what a live stage needs once, then forks one child per connection. The child becomes
the hook (its streams, directory, umask, environment and time zone) and runs `hook.main`, so every
stage starts from the same warm state and shares nothing with the next. The server itself never
reads or writes a repository: it accepts, forks and reaps.

It leaves when idle for `IDLE_SECONDS`, on SIGTERM, when its socket is removed or replaced, and
when its code or its interpreter's packages changed (a stage is then turned down as "stale" and
runs in process). When a hook's process goes away while its child runs (an interrupted commit),
the child's process group gets SIGINT, as the hook's would have (then SIGKILL if it lingers), so
no stage goes on writing to an index git has given up.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import os
import selectors
import signal
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import IO

from journal import resident_child
from journal.resident import FAILED_SUFFIX, SOCKET_PREFIX

IDLE_SECONDS = 15 * 60
TICK_SECONDS = 30
STOP_SECONDS = 2.0
# a live stage's modules that `journal.hook` imports only where they run
WARM_MODULES = (
    "journal.hook",
    "journal.config",
    "journal.pipeline",
    "journal.stage_stamp_write",
    "journal.commit_facts",
    "journal.check_secrets",
    "journal.clean_texts",
    "journal.recall_index",
    "journal.task_plans",
    "journal.task_sources",
    "journal.notes",
    "journal.render",
    "journal.render_stamp",
    "journal.journals",
    "journal.cli",
    "journal.cli_check",
    "journal._gitparse",
    "journal.recall_embed_store",
    "jinja2",
    "sqlite3",
    "filelock",
)


def main() -> None:
    folder, name = sys.argv[2], sys.argv[3]
    os.chdir(folder)
    signal.signal(signal.SIGTERM, _leave_now)
    with open(name + ".lock", "a+") as lock:
        if not _lock(lock):
            return  # another server for this socket is starting or running
        try:
            listener = _listen(name)
        except OSError as exc:  # a file system without sockets: no server is started again
            Path(name + FAILED_SUFFIX).write_text(f"{exc}\n", encoding="utf-8")
            return
        _warm()  # a hook that connects meanwhile waits for it (once: stages are minutes apart)
        Server(listener, name, code_signature()).serve()


def _warm() -> None:
    """The stage's modules, and what every stage would compute the same: the secret rules."""
    for module in WARM_MODULES:
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    with contextlib.suppress(Exception):
        from journal import redact_rules

        for rule in redact_rules.BUILTIN_RULES:
            rule.pattern  # noqa: B018 - compiled once, here, for every child


def running(folder: Path) -> list[int]:
    """The pids of the servers running for the repository whose local state is `folder` (one per
    install that served it): each holds its socket's lock, with its pid written in it."""
    pids = []
    for lock_path in sorted(folder.glob(f"{SOCKET_PREFIX}*.sock.lock")):
        with open(lock_path, "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                continue  # nobody holds it: no server
            except BlockingIOError:
                lock.seek(0)
                text = lock.read().strip()
        if text.isdigit():
            pids.append(int(text))
    return pids


def stop(folder: Path) -> list[int]:
    """SIGTERM to every server running for `folder`'s repository; their pids (for `uninstall`,
    and for tests and benchmarks that leave nothing running)."""
    stopped = []
    for pid in running(folder):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            stopped.append(pid)
    return stopped


def _leave_now(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _lock(lock: IO[str]) -> bool:
    """The socket's lock, with this pid in it; waiting a little for a server on its way out."""
    for _ in range(20):
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            time.sleep(0.1)
            continue
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        return True
    return False


def _listen(name: str) -> socket.socket:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)  # the socket is its owner's alone
    try:
        listener.bind(name)
    finally:
        os.umask(previous)
    listener.listen(16)
    return listener


def code_signature() -> tuple[tuple[str, int, int, int], ...]:
    """Size, mtime and inode of the package's modules and of every import directory: an edit or
    an upgrade of either makes this server's imports stale. (Templates are read by each child.)"""
    package = Path(__file__).parent
    places = [str(p) for p in sorted([*package.glob("*.py"), *package.glob("sources/*.py")])]
    signature = []
    for place in places + [p for p in sys.path if p]:
        with contextlib.suppress(OSError):
            info = os.stat(place)
            signature.append((place, info.st_size, info.st_mtime_ns, info.st_ino))
    return tuple(signature)


class Server:
    def __init__(self, listener: socket.socket, name: str, signature: object) -> None:
        self.listener, self.name, self.signature = listener, name, signature
        self.inode = os.stat(name).st_ino
        self.children: dict[int, socket.socket] = {}
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ)
        self.last_request = time.monotonic()

    def serve(self) -> None:
        try:
            while self._should_stay():
                for key, _ in self.selector.select(TICK_SECONDS):
                    if key.fileobj is self.listener:
                        self._accept()
                    else:
                        self._client_gone(key.data)
                self._reap()
        finally:
            self._leave()

    def _should_stay(self) -> bool:
        if self.children:
            return True
        try:
            if os.stat(self.name).st_ino != self.inode:
                return False
        except OSError:
            return False
        return time.monotonic() - self.last_request < IDLE_SECONDS

    def _accept(self) -> None:
        conn, _ = self.listener.accept()
        self.last_request = time.monotonic()
        try:
            request, fds = resident_child.receive(conn)
        except (OSError, ValueError):
            conn.close()
            return
        if code_signature() != self.signature:
            resident_child.close_all(fds)
            with contextlib.suppress(OSError):
                conn.sendall(b"stale\n")
            conn.close()
            self.inode = -1  # leave once the children are done
            return
        try:
            conn.sendall(b"forked\n")  # before the fork: the child's status must come second
            pid = os.fork()
        except OSError:
            resident_child.close_all(fds)
            with contextlib.suppress(OSError):
                conn.sendall(b"failed\n")
            conn.close()
            return
        if pid == 0:
            self._child(conn, request, fds)
        resident_child.close_all(fds)
        self.children[pid] = conn
        self.selector.register(conn, selectors.EVENT_READ, pid)

    def _child(self, conn: socket.socket, request: list[bytes], fds: list[int]) -> None:
        reply = b"failed\n"  # the hook did not run: the client runs it in process
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            with contextlib.suppress(OSError):  # a kqueue is not inherited across fork
                self.selector.close()
            self.listener.close()
            for other in self.children.values():
                other.close()
            os.setpgid(0, 0)
            args = resident_child.become(request, fds)
            command = resident_child.command(args)
            reply = b"status 0\n"  # from here on the command has run, in part at least
            reply = b"status %d\n" % command()
        except SystemExit as exc:
            reply = b"status %d\n" % (exc.code if isinstance(exc.code, int) else 1)
        except BaseException:
            with contextlib.suppress(BaseException):
                traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
                conn.sendall(reply)
            os._exit(0)

    def _client_gone(self, pid: int) -> None:
        """The hook's process closed its end: done, or interrupted. A child still running is
        interrupted with its git commands (its process group) as Ctrl-C would have done, and
        killed if it has not ended `STOP_SECONDS` later."""
        conn = self.children.pop(pid)
        self.selector.unregister(conn)
        conn.close()
        with contextlib.suppress(ChildProcessError):
            for signum in (signal.SIGINT, signal.SIGKILL):
                if os.waitpid(pid, os.WNOHANG)[0] != 0:
                    return
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signum)
                deadline = time.monotonic() + STOP_SECONDS
                while time.monotonic() < deadline and os.waitpid(pid, os.WNOHANG)[0] == 0:
                    time.sleep(0.01)
            os.waitpid(pid, 0)

    def _reap(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            conn = self.children.pop(pid)
            self.selector.unregister(conn)
            conn.close()

    def _leave(self) -> None:
        with contextlib.suppress(OSError):
            if self.inode == -1 or os.stat(self.name).st_ino == self.inode:
                os.unlink(self.name)
        self.listener.close()
