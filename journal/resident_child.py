"""A resident server's request and its child (see `journal.resident_server`): reading what a hook
sent (its command, directory, umask, stream encoding and environment, with its three standard
streams), taking the hook's place in the forked child, and the commands a child may run.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Callable

from journal.resident import PROTOCOL, peer_is_this_user

MAX_REQUEST = 4 << 20


def receive(conn: socket.socket) -> tuple[list[bytes], list[int]]:
    """The hook's request and its three streams; ValueError for anything else."""
    conn.settimeout(5)
    data, ancillary, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(3 * 4))
    fds = [
        int.from_bytes(payload[i : i + 4], sys.byteorder)
        for level, kind, payload in ancillary
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS
        for i in range(0, len(payload) - 3, 4)
    ]
    try:
        if not peer_is_this_user(conn):  # the socket is 0600 too
            raise ValueError("another user's process")
        head, _, body = data.partition(b"\n")
        size = int(head)
        if len(fds) != 3 or size > MAX_REQUEST:
            raise ValueError("a request without the hook's three streams")
        while len(body) < size:
            chunk = conn.recv(size - len(body))
            if not chunk:
                raise ValueError("a truncated request")
            body += chunk
        fields = body.split(b"\0")
        if fields[0] != PROTOCOL:
            raise ValueError("another protocol")
    except BaseException:
        close_all(fds)
        raise
    conn.settimeout(None)
    return fields, fds


def become(fields: list[bytes], fds: list[int]) -> list[str]:
    """Take the hook's place: its streams, directory, umask, environment and time zone."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    close_all(fds)
    cwd, umask, encoding, errors, count = fields[1:6]
    args = [os.fsdecode(arg) for arg in fields[6 : 6 + int(count)]]
    os.chdir(cwd)
    os.umask(int(umask))
    os.environ.clear()
    for item in fields[6 + int(count) :]:
        key, _, value = item.partition(b"=")
        os.environb[key] = value
    time.tzset()
    text = {"encoding": encoding.decode(), "errors": errors.decode(), "closefd": False}
    sys.stdin = open(0, **text)  # type: ignore[call-overload]  # noqa: SIM115
    sys.stdout = open(1, "w", **text)  # type: ignore[call-overload]  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, **text)  # type: ignore[call-overload]  # noqa: SIM115
    sys.argv = ["ai-journal", *args]
    return args


def command(args: list[str]) -> Callable[[], int]:
    """What the hook's process would have run past its fast paths: the pre-commit stage, or the
    secrets check the pre-commit framework runs after it. Nothing else is served."""
    if args[:2] == ["hook", "pre-commit"]:
        from journal.hook import main as hook_main

        return lambda: hook_main(args[1:])
    if args == ["check", "--secrets", "--staged"]:
        from journal.cli import main as cli_main

        return lambda: cli_main(args)
    raise ValueError(f"not served here: {args[:3]}")


def close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
