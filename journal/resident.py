"""The resident stage: the pre-commit stage's work done by a warm process, not a cold one.

Most of what a live stage costs in a fresh interpreter is importing what it needs (about 300
modules: jinja2, sqlite3, the pipeline) before any work starts. The first stage that has real work
starts `journal.resident_server` for its repository, detached, and does its own work as before;
later stages connect to it over a Unix socket in the repository's local state. The server forks
one child per stage. The child takes the hook's standard streams (passed over the socket), working
directory, umask and environment, runs exactly what the hook would have run in process, and
sends back its exit status. Git, the shim and the pre-commit framework see the same output and
status as before.

This is the client's half, on the hook's hot path: `_socket` and nothing else. It answers None
whenever the server cannot take the stage (none running, stale code, no answer within
`ACCEPT_SECONDS`, any error), and the hook then runs in process as it always did.
`AI_JOURNAL_RESIDENT=0` turns it off.
"""

from __future__ import annotations

import os
import sys

SWITCH = "AI_JOURNAL_RESIDENT"  # "0": every stage runs in the hook's own process
PROTOCOL = b"ai-journal-resident 1"
ACCEPT_SECONDS = 5.0  # a server that has not forked by then is stuck: the stage runs here
SOCKET_PREFIX = "resident-"
FAILED_SUFFIX = ".failed"  # beside the socket: why no server could listen (delete it to retry)


def run(args: list[str]) -> int | None:
    """The stage's exit status from the resident server, or None: run it in process."""
    from journal import fastpath

    if os.environ.get(SWITCH) == "0" or "journal.profile" in sys.modules:
        return None
    if any(name in os.environ for name in fastpath.REDIRECTS):  # git sees another repository
        return None
    try:
        git_dir = fastpath._git_dir()
        if git_dir is None:
            return None
        return _ask(os.path.join(fastpath._common_dir(git_dir), "ai-journal"), args)
    except Exception:  # whatever went wrong, the stage runs in process
        return None


def socket_name() -> str:
    """One server per interpreter, package location and `PYTHONPATH`, so a pre-commit
    environment and the native shim's virtualenv never share one (an FNV-1a of the three, short
    enough for `sun_path`)."""
    package = os.path.dirname(os.path.abspath(__file__))
    key = f"{sys.executable}\0{package}\0{os.environ.get('PYTHONPATH', '')}"
    digest = 0xCBF29CE484222325
    for byte in os.fsencode(key):
        digest = ((digest ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{SOCKET_PREFIX}{digest:016x}.sock"


def _ask(folder: str, args: list[str]) -> int | None:
    import _socket

    name = socket_name()
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        if not _connect(conn, folder, name):
            if not os.path.exists(os.path.join(folder, name + FAILED_SUFFIX)):
                start_server(folder, name)
            return None
        if not _ours(conn, os.path.join(folder, name)):
            return None
        request = _request(args)
        fds = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))
        sent = conn.sendmsg([request], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        if sent < len(request):  # (an empty send to a server that already answered: EPIPE)
            conn.sendall(request[sent:])
        conn.settimeout(ACCEPT_SECONDS)
        accepted = _line(conn)
        if accepted == b"stale":  # it is leaving: a fresh one for the next stage
            start_server(folder, name)
        if accepted != b"forked":
            return None
        conn.settimeout(None)
        return _status(_line(conn))
    finally:
        conn.close()


def _connect(conn: object, folder: str, name: str) -> bool:
    """Connect by a name relative to the state folder (a repository's path can be longer than
    `sun_path` allows); False when no server listens there."""
    here = os.open(".", os.O_RDONLY)
    try:
        os.chdir(folder)
        conn.connect(name)  # type: ignore[attr-defined]
        return True
    except OSError:
        return False
    finally:
        os.fchdir(here)
        os.close(here)


def _ours(conn: object, path: str) -> bool:
    """The server is this user's: the hook hands it its environment and streams. The socket
    file's owner, and the server's uid where the system says it."""
    return os.stat(path).st_uid == os.getuid() and peer_is_this_user(conn)


def peer_is_this_user(conn: object) -> bool:
    """Whether the process at the other end of a Unix socket runs as this user; True where the
    system does not say (`SO_PEERCRED`, Linux), the socket's 0600 mode standing guard alone."""
    import _socket

    if not hasattr(_socket, "SO_PEERCRED"):
        return True
    creds = conn.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)  # type: ignore[attr-defined]
    return bool(int.from_bytes(creds[4:8], sys.byteorder) == os.getuid())  # pid, uid, gid


def _request(args: list[str]) -> bytes:
    """NUL-separated fields (none of them can hold a NUL), behind their total length."""
    umask = os.umask(0o022)
    os.umask(umask)
    fields = [
        PROTOCOL,
        os.fsencode(os.getcwd()),
        b"%d" % umask,
        (getattr(sys.stderr, "encoding", None) or "utf-8").encode(),
        (getattr(sys.stderr, "errors", None) or "backslashreplace").encode(),
        b"%d" % len(args),
        *(os.fsencode(arg) for arg in args),
        *(os.fsencode(key) + b"=" + os.fsencode(value) for key, value in os.environ.items()),
    ]
    body = b"\0".join(fields)
    return b"%d\n" % len(body) + body


def _line(conn: object) -> bytes:
    """One reply line, read a byte at a time (there are two short ones); b"" at end of file."""
    line = b""
    while not line.endswith(b"\n"):
        byte = conn.recv(1)  # type: ignore[attr-defined]
        if not byte:
            return b""
        line += byte
    return line[:-1]


def _status(reply: bytes) -> int | None:
    """The child's status; None when it failed before the hook ran (or was lost)."""
    if reply.startswith(b"status ") and reply[7:].isdigit():
        return int(reply[7:])
    return None


def start_server(folder: str, name: str) -> None:
    """Start the server detached, in a session of its own with its standard streams on
    /dev/null (git, pre-commit and prek wait for nothing of it), with the hook's environment
    less git's per-command variables."""
    import subprocess

    os.makedirs(folder, exist_ok=True)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.pop("AI_JOURNAL_PROFILE", None)
    code = "import sys; sys.path.append(sys.argv[1]); from journal import resident_server as s; s.main()"
    subprocess.Popen(
        [sys.executable, "-P", "-c", code, package_parent, folder, name],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
