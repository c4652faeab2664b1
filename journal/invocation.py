"""What git command is running the hook: the pre-commit stage cannot otherwise tell an amend.

git passes the pre-commit hook no arguments and no hint that the commit being made will replace
HEAD. On Linux the hook can read the calling `git commit`'s own arguments from /proc. Elsewhere, or
when the process tree looks unfamiliar, the answer is "no", and the amended commit's SHA is fixed
by the next render instead.
"""

from __future__ import annotations

import os

MAX_DEPTH = 6  # hook <- (pre-commit <- sh <-)? git commit; aliases add a level or two


def amending() -> bool:
    pid = os.getppid()
    for _ in range(MAX_DEPTH):
        args = _cmdline(pid)
        if args is None or pid <= 1:
            return False
        if _is_git_commit(args):
            return any(_means_amend(arg) for arg in args[args.index("commit") + 1 :])
        pid = _parent(pid)
    return False


def _cmdline(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
        stat = handle.read()
    return int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state letter


def _is_git_commit(args: list[str]) -> bool:
    return bool(args) and os.path.basename(args[0]) == "git" and "commit" in args[1:]


def _means_amend(arg: str) -> bool:
    """`--amend`, or an unambiguous abbreviation of it, as git's option parser accepts."""
    return arg.startswith("--am") and "--amend".startswith(arg)
