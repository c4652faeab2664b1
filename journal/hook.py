"""What each git hook does: `ai-journal hook <stage> [git arguments]`.

Every hook exits 0, whatever happens (post-checkout's status would become checkout's, and the
pre-commit stage must never block a commit because of a bug of ours). A user-fixable problem prints
its one line; anything unexpected prints one line naming the local log, where its traceback goes.
The one exception: run natively, pre-commit refuses a commit whose staged journal files hold a
secret (`secrets.gate`) with status `REFUSED`, which the shim passes on to git.

This module is on the hot path of every git operation: it imports only the standard library and
the small modules below. Heavy work (the pre-commit stage's refresh) is imported where it runs.

Under the pre-commit framework hooks get no arguments and no stdin; the stage's data arrives in
`PRE_COMMIT_*` variables instead. Run natively, git passes it as arguments (and post-rewrite's
old→new map on stdin).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from journal import events, git, state
from journal.errors import JournalError

if TYPE_CHECKING:
    from journal.config import Config
    from journal.rewrite import RewriteMap

REBASE_MARKERS = ("rebase-merge", "rebase-apply")
REWRITE_FILES = ("rebase-merge/rewritten-list", "rebase-apply/rewritten")
AMEND_REFLOG_PREFIX = "commit (amend)"
CHECKOUT_VARS = ("FROM_REF", "TO_REF", "CHECKOUT_TYPE")  # PRE_COMMIT_<name>, in git's order
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
REFUSED = 65  # EX_DATAERR: the secret gate refused the commit (hooks/shim.sh knows this number)
GATE_HINT = (
    "remove them (`ai-journal prune --match REGEX`), list a finding that is no secret by its"
    " fingerprint under [secrets] allow, or switch the gate off with `secrets.gate = false`"
)
BUSY = "another ai-journal run holds the lock, the next run applies it"
# A full disk, a read-only or unwritable state dir: the user's problem to fix, and never git's.
STATE_WRITE_ERRORS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOTDIR,
        errno.EEXIST,
    }
)

Pairs = list[list[str]]
Handler = Callable[[git.RepoPaths, Path, list[str]], list[str]]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in HANDLERS:
        stages = "|".join(HANDLERS)
        print(f"ai-journal: usage: ai-journal hook <{stages}> [git arguments]", file=sys.stderr)
        return 2
    with state.hook_lock_wait():
        _run(argv[0], argv[1:])
    return 0


def _run(stage: str, args: list[str]) -> None:
    local: Path | None = None
    paths: git.RepoPaths | None = None
    try:
        paths = git.repo_paths()
        local = state.local_dir(paths.common_dir)
        for notice in HANDLERS[stage](paths, local, args):
            print(notice, file=sys.stderr)
    except state.LockBusy:
        print(f"ai-journal: {stage}: {_defer_stage(stage, paths, local)}", file=sys.stderr)
    except JournalError as exc:
        print(f"ai-journal: {_one_line(exc)}", file=sys.stderr)
    except OSError as exc:
        if exc.errno not in STATE_WRITE_ERRORS:
            _report_unexpected(stage, local, exc)
        else:
            print(f"ai-journal: {stage}: {_cannot_write(exc)}", file=sys.stderr)
    except Exception as exc:
        _report_unexpected(stage, local, exc)


def active_sequencer(paths: git.RepoPaths) -> str | None:
    """The name of the rebase, cherry-pick or revert state present in this worktree, if any."""
    return next((m for m in git.SEQUENCER_MARKERS if (paths.git_dir / m).exists()), None)


# -- stages --------------------------------------------------------------------------------------


def post_commit(paths: git.RepoPaths, local: Path, args: list[str]) -> list[str]:
    sha, parents = _head_commit()
    data = {"sha": sha, "parents": parents, **_position(paths)}
    events.append(local, "post-commit", paths.toplevel, data)
    return []


def post_checkout(paths: git.RepoPaths, local: Path, args: list[str]) -> list[str]:
    if len(args) >= 3:
        old, new, flag = args[:3]
    else:
        old, new, flag = (_env(f"PRE_COMMIT_{k}", "post-checkout") for k in CHECKOUT_VARS)
    data = {"old": old, "new": new, "branch_checkout": flag == "1", **_position(paths)}
    events.append(local, "post-checkout", paths.toplevel, data)
    return []


def _position(paths: git.RepoPaths) -> dict[str, object]:
    """The sequencer in progress (then the branch is meaningless), else the current branch."""
    sequencer = active_sequencer(paths)
    return {"sequencer": sequencer} if sequencer else {"branch": _branch()}


def post_merge(paths: git.RepoPaths, local: Path, args: list[str]) -> list[str]:
    flag = args[0] if args else _env("PRE_COMMIT_IS_SQUASH_MERGE", "post-merge")
    head = git.run(["rev-parse", "--verify", "HEAD"]).strip()
    events.append(local, "post-merge", paths.toplevel, {"squash": flag == "1", "head": head})
    return []


def post_rewrite(paths: git.RepoPaths, local: Path, args: list[str]) -> list[str]:
    command = args[0] if args else _env("PRE_COMMIT_REWRITE_COMMAND", "post-rewrite")
    if command not in ("amend", "rebase"):
        raise JournalError(f"post-rewrite: unknown command {command!r} (expected amend or rebase)")
    if command == "amend" and any((paths.git_dir / m).exists() for m in REBASE_MARKERS):
        return []  # a squash/fixup step or an amend at an edit stop: the final `rebase` map covers it
    pairs, source = rewrite_pairs(paths, command)
    data = {"command": command, "pairs": pairs, "source": source}
    event = events.append(local, "post-rewrite", paths.toplevel, data)
    return _store_rewrite(paths, local, event)


def _store_rewrite(paths: git.RepoPaths, local: Path, event: dict[str, object]) -> list[str]:
    """Classify the map, keep it in the local rewrite store and say what happened in one line.
    Tracked files wait for the next commit's stage or `ai-journal reconcile` (principle 3)."""
    from journal import deferred, rewrite, rewrite_build

    rmap = rewrite_build.from_event(paths.toplevel, event)
    try:
        with state.locked(local):
            earlier = deferred.apply(local)
            rewrite.save(local, rewrite.record(rewrite.load(local), rmap))
    except state.LockBusy:
        deferred.defer(local, rmap)
        return [f"ai-journal: {rmap.command} recorded; {BUSY}"]
    if not rmap.changed:
        return earlier
    return [
        *earlier,
        f"ai-journal: {rewrite.summary_line(rmap)}{_notes_check(paths, rmap)} — run 'ai-journal reconcile'",
    ]


def _notes_check(paths: git.RepoPaths, rmap: RewriteMap) -> str:
    """Whether git's own copies of our id notes tell the same story as the map."""
    from journal import config as config_mod
    from journal import notes

    if not notes.enabled(paths.toplevel, config_mod.load(paths.toplevel).notes_stamp):
        return ""
    pairs = {r.old: r.new for r in rmap.rewrites}
    wrong = notes.disagreements(paths.toplevel, pairs)
    return f"; notes disagree on {len(wrong)}" if wrong else ""


def pre_commit(paths: git.RepoPaths, local: Path, args: list[str]) -> list[str]:
    """The `ai-journal-stage` hook: refresh fragments and journals and stage them into this commit."""
    if active_sequencer(paths):
        return []  # anything staged now would leak into the later picks
    with git.refs_frozen():  # HEAD cannot move before the hook ends: ask git once
        return _stage(paths)


def _stage(paths: git.RepoPaths) -> list[str]:
    from journal import config as config_mod

    config = config_mod.load(paths.toplevel)
    if not config.stage_journal:
        return secret_gate(paths, config, [])
    from journal import clean_texts, pipeline, stage_stamp_write

    logs = stage_stamp_write.begin(paths, config)  # signs the logs before the run reads them
    with clean_texts.kept(state.local_dir(paths.common_dir)):
        result = pipeline.refresh(paths, config, stage=True)
        stage_stamp_write.save(paths, config, logs, result)
        return secret_gate(paths, config, [_one_line(notice) for notice in result.notices])


def secret_gate(paths: git.RepoPaths, config: Config, notices: list[str]) -> list[str]:
    """Natively, the pre-commit framework's `ai-journal-check` too: staged journal files holding
    a secret stop the commit. `SystemExit(REFUSED)` is the one way out of a hook that is not 0;
    `main` catches `Exception` only, so it passes, and the shim hands the status to git. Under
    the framework (`$PRE_COMMIT`) the separate hook does this job."""
    if not config.secrets_gate or os.environ.get("PRE_COMMIT"):
        return notices
    from journal import check_secrets

    hits = check_secrets.scan(paths.toplevel, config, staged_only=True)
    if not hits:
        return notices
    for line in [*notices, *(f"ai-journal: {hit.message()}" for hit in hits)]:
        print(line, file=sys.stderr)
    print(f"ai-journal: commit refused: {len(hits)} secret(s) staged; {GATE_HINT}", file=sys.stderr)
    raise SystemExit(REFUSED)


HANDLERS: dict[str, Handler] = {
    "pre-commit": pre_commit,
    "post-commit": post_commit,
    "post-checkout": post_checkout,
    "post-merge": post_merge,
    "post-rewrite": post_rewrite,
}


# -- the old→new map -----------------------------------------------------------------------------


def rewrite_pairs(paths: git.RepoPaths, command: str) -> tuple[Pairs, str]:
    """The rewrite map and where it came from: stdin (native hooks), else the rebase state file
    read now (it is git's own stdin source and still exists while post-rewrite runs), else the
    `commit (amend)` entry of HEAD's reflog."""
    pairs = _parse_pairs(_read_stdin())
    if pairs:
        return pairs, "stdin"
    if command == "rebase":
        for rel in REWRITE_FILES:
            try:
                text = (paths.git_dir / rel).read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:
                continue
            return _parse_pairs(text), rel
        return [], "none"
    pair = _amend_from_reflog(paths.git_dir / "logs" / "HEAD")
    return ([pair], "reflog") if pair else ([], "none")


def _read_stdin() -> str:
    # pre-commit never passes stdin; a terminal means someone ran the hook by hand.
    if os.environ.get("PRE_COMMIT") or sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.read()


def _parse_pairs(text: str) -> Pairs:
    pairs: Pairs = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and all(_SHA.fullmatch(f) for f in fields[:2]):
            pairs.append(fields[:2])
    return pairs


def _amend_from_reflog(reflog: Path) -> list[str] | None:
    """(old, new) of the newest HEAD reflog entry when it is an amend."""
    try:
        with reflog.open("rb") as handle:
            handle.seek(max(0, reflog.stat().st_size - 8192))
            tail = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = tail.rstrip("\n").splitlines()
    if not lines or "\t" not in lines[-1]:
        return None
    head, message = lines[-1].split("\t", 1)
    fields = head.split()
    if not message.startswith(AMEND_REFLOG_PREFIX) or len(fields) < 2:
        return None
    return fields[:2] if all(_SHA.fullmatch(f) for f in fields[:2]) else None


# -- small helpers -------------------------------------------------------------------------------


def _head_commit() -> tuple[str, int]:
    sha, *parents = git.run(["rev-list", "--parents", "-n", "1", "HEAD"]).split()
    return sha, len(parents)


def _branch() -> str | None:
    return (git.try_run(["symbolic-ref", "-q", "--short", "HEAD"]) or "").strip() or None


def _env(name: str, stage: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise JournalError(f"{stage}: no git arguments and no ${name}; run it from a git hook")
    return value


def _one_line(message: object) -> str:
    text = str(message).strip()
    return text.splitlines()[0] if text else type(message).__name__


def _defer_stage(stage: str, paths: git.RepoPaths | None, local: Path | None) -> str:
    """The stage's work waits for the next run (its commits are new to it, so their days are
    rendered then); the event log says the stage stepped aside."""
    if paths is not None and local is not None:
        with contextlib.suppress(OSError):
            events.append(local, stage, paths.toplevel, {"deferred": "lock busy"})
    return f"{BUSY}; this commit goes ahead without its journal update"


def _cannot_write(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return (
        f"cannot write{where} ({exc.strerror or exc}); git is unaffected, "
        "free space or fix the permissions, then run `ai-journal render`"
    )


def _report_unexpected(stage: str, local: Path | None, exc: Exception) -> None:
    from journal import log

    where = ""
    if local is not None:
        try:
            where = f"; see {log.record_exception(local, exc)}"
        except OSError:
            where = "; the local log could not be written"
    summary = f"{type(exc).__name__}: {_one_line(exc)}"
    print(f"ai-journal: {stage} hook failed ({summary}){where}", file=sys.stderr)
