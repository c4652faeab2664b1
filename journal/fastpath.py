"""post-commit and post-checkout on the standard library's bare minimum.

Both hooks only leave a line in the event log, and both fire often: post-commit once per replayed
commit during a rebase. This module does that without running git and without json, pathlib or
typing: it finds the git dir, reads HEAD, the branch ref and the new commit's loose object itself,
and writes the same event shape as `journal.events.append`. During a rebase, cherry-pick or revert
the event says so (the final post-rewrite is what counts). Anything unusual (packed objects, an
unknown ref storage, an environment that redirects git) makes it step aside: the full hook runs.

The native shim (`hooks/shim.sh`) writes the post-commit line itself in sh, byte for byte this
module's, and comes here only for what it cannot escape or check (`tests/test_shim_event.py`).
"""

from __future__ import annotations

import os
import time

MARKERS = ("rebase-merge", "rebase-apply", "sequencer", "CHERRY_PICK_HEAD", "REVERT_HEAD")
STAGES = ("post-commit", "post-checkout")
CHECKOUT_VARS = ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "PRE_COMMIT_CHECKOUT_TYPE")
# Variables that point git at other object stores or repositories: leave those cases to git itself.
REDIRECTS = ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR")


def record(stage: str, args: list[str]) -> bool:
    """Record the event and return True; False means: run the full hook instead."""
    try:
        return _record(stage, args)
    except Exception:  # the full hook reports problems properly
        return False


def _record(stage: str, args: list[str]) -> bool:
    git_dir = _git_dir()
    if stage not in STAGES or git_dir is None or any(v in os.environ for v in REDIRECTS):
        return False
    common = _common_dir(git_dir)
    marker = next((m for m in MARKERS if os.path.exists(os.path.join(git_dir, m))), None)
    branch, sha = _head(git_dir, common)
    data: dict[str, object] = {"sequencer": marker} if marker else {"branch": branch}
    if stage == "post-commit":
        data["sha"] = sha
        if not marker:
            data["parents"] = _parent_count(common, sha)
    else:
        values = args[:3] if len(args) >= 3 else [os.environ[name] for name in CHECKOUT_VARS]
        data.update(old=values[0], new=values[1], branch_checkout=values[2] == "1")
    _append(common, stage, data)
    return True


def _head(git_dir: str, common: str) -> tuple[str | None, str]:
    """(branch or None when detached, the commit HEAD points at)."""
    head = _read(os.path.join(git_dir, "HEAD")).strip()
    if not head.startswith("ref: refs/heads/"):
        return None, _sha(head)
    ref = head[len("ref: ") :]
    loose = os.path.join(common, *ref.split("/"))
    if os.path.isfile(loose):
        return ref[len("refs/heads/") :], _sha(_read(loose).strip())
    for line in _read(os.path.join(common, "packed-refs")).splitlines():
        if line.endswith(" " + ref):
            return ref[len("refs/heads/") :], _sha(line.split(" ", 1)[0])
    raise LookupError(ref)


def _parent_count(common: str, sha: str) -> int:
    """Parents of a freshly made commit, from its loose object (git writes new commits loose)."""
    import zlib

    with open(os.path.join(common, "objects", sha[:2], sha[2:]), "rb") as handle:
        raw = zlib.decompress(handle.read())
    header, _, body = raw.partition(b"\0")
    if not header.startswith(b"commit "):
        raise ValueError(sha)
    headers = body.split(b"\n\n", 1)[0].split(b"\n")
    return sum(1 for line in headers if line.startswith(b"parent "))


def _sha(text: str) -> str:
    if len(text) not in (40, 64) or text.strip("0123456789abcdef"):
        raise ValueError(text)
    return text


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _git_dir() -> str | None:
    """$GIT_DIR when git set it (linked worktrees), else `.git` in the hook's cwd (the top level)."""
    env = os.environ.get("GIT_DIR")
    if env:
        return os.path.abspath(env)
    dot_git = os.path.join(os.getcwd(), ".git")
    if os.path.isdir(dot_git):
        return dot_git
    if os.path.isfile(dot_git):
        line = _read(dot_git).splitlines()[0].strip()
        if line.startswith("gitdir: "):
            return os.path.normpath(os.path.join(os.getcwd(), line[len("gitdir: ") :]))
    return None


def _common_dir(git_dir: str) -> str:
    try:
        return os.path.normpath(
            os.path.join(git_dir, _read(os.path.join(git_dir, "commondir")).strip())
        )
    except FileNotFoundError:
        return git_dir


def _append(common_dir: str, stage: str, data: dict[str, object]) -> None:
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    top = os.path.realpath(os.getcwd())
    event = {"v": 1, "ts": stamp, "hook": stage, "worktree": top, **data}
    line = "{" + ",".join(f"{_json(k)}:{_json(event[k])}" for k in sorted(event)) + "}\n"
    local = os.path.join(common_dir, "ai-journal")
    os.makedirs(local, exist_ok=True)
    fd = os.open(os.path.join(local, "events.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    payload = line.encode("utf-8")
    try:
        if os.write(fd, payload) != len(payload):
            os.write(fd, b"\n")  # close the broken line; the full hook reports the full disk
            raise OSError("short write")
    finally:
        os.close(fd)


_SHORT = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}
_ESCAPES = {**{i: f"\\u{i:04x}" for i in range(32)}, **{ord(k): v for k, v in _SHORT.items()}}


def _json(value: object) -> str:
    """JSON for the few value types an event holds; `json` itself would cost 12 ms to import."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).translate(_ESCAPES) + '"'
