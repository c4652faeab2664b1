"""The pre-commit stage's fast path: decide "nothing to do" on the standard library alone.

A full stage run (`hook.pre_commit`) ends by writing a stamp (`journal.stage_stamp_write`): what it
read (every agent log and log directory, the config, the project state, the journals, the local
rewrite store, the other branches' refs, with size, mtime and inode), the commit it ran on, the
latest agent activity it knew of, and whether it left the repository quiet: nothing staged, our
files clean against HEAD, and no follow-up render owed to the commit it ran for. A later stage may
skip when all of that still holds and the commit being made cannot change a journal either: no
session was active within the link window before it, and its day has no journal (a day without
agent work gets none). Then the full run would write nothing.

HEAD may have moved by exactly one plain commit since (the one the stamped run was made for): a
single parent, the stamped HEAD, no task trailers. Anything else (a merge, a rebase, a reset, a
branch switch, an amend, a date git would parse some way this module does not) means: run in full.
This module imports `os` and `time` only; it must stay that light.
"""

from __future__ import annotations

import os
import time

from journal import fastpath

VERSION = "1"
STAMP_NAME = "stage-stamp"
SWITCH = "AI_JOURNAL_STAGE_SKIP"  # "0": every stage runs in full
TRAILER_KEYS = (b"task:", b"closes:")  # journal.trailers.KEYS, lower-cased
LOCAL_INPUTS = (
    "rewrites.json",
    "pruned.json",
    "stale-journals.json",
    "task-days.json",
    "deferred",
)


def skip() -> bool:
    """True when the stage can be skipped (and the stamp now names the current HEAD)."""
    try:
        return _skip()
    except Exception:  # anything unexpected: the full stage decides
        return False


def nothing_staged() -> bool:
    """True when the stamp says our files are clean and nothing since says otherwise: a secrets
    check of staged journal files has nothing to look at."""
    try:
        current = _current()
        return current is not None and current[1] == current[0]["head_now"]
    except Exception:
        return False


def _skip() -> bool:
    current = _current()
    if current is None:
        return False
    stamp, head = current
    times = pending_times()
    if times is None or _amending() or not _owes_nothing(stamp, *times):
        return False
    _write_head(stamp, head)
    return True


def _owes_nothing(stamp: dict[str, str], committed: float, authored: float) -> bool:
    """No session may be linked to a commit made at `committed` (it had no activity within the
    link window before it), and the commit's day has no journal to show it in."""
    window = int(stamp["window"]) * 60
    if committed - window - 2 <= float(stamp["latest_activity"]):
        return False
    return not os.path.exists(journal_file(stamp, authored))


def _current() -> tuple[dict[str, str], str] | None:
    """(the stamp, HEAD) when the stamp is valid for HEAD and its inputs have not moved."""
    if os.environ.get(SWITCH) == "0" or any(name in os.environ for name in fastpath.REDIRECTS):
        return None
    git_dir = fastpath._git_dir()
    if git_dir is None or any(os.path.exists(os.path.join(git_dir, m)) for m in fastpath.MARKERS):
        return None
    common = fastpath._common_dir(git_dir)
    stamp = read(stamp_path(common, git_dir))
    if stamp is None or stamp["quiet"] != "1" or not _same_environment(stamp):
        return None
    branch, head = fastpath._head(git_dir, common)
    if (branch or "") != stamp["branch"] or os.path.realpath(os.getcwd()) != stamp["toplevel"]:
        return None
    if head != stamp["head_now"]:
        # The commit made since the stamp: it must have owed nothing either (whatever its own
        # stage did: skipped, deferred, or not run at all).
        times = plain_child(common, head, stamp["head_now"])
        if times is None or not _owes_nothing(stamp, *times):
            return None
    if _changed(stamp) or ref_signatures(common, branch) != stamp["refs"]:
        return None
    return stamp, head


# -- the stamp file -------------------------------------------------------------------------------


def stamp_path(common: str, git_dir: str, stamp: str = STAMP_NAME) -> str:
    """One stamp per worktree, in the shared local state directory."""
    name = "" if os.path.samefile(git_dir, common) else "-" + os.path.basename(git_dir)
    return os.path.join(common, "ai-journal", stamp + name)


def read(path: str) -> dict[str, str] | None:
    """Header lines `key<TAB>value`, then `=` and one `signature<TAB>path` per input; the current
    HEAD lives in `<path>.head` (`<id> <sha>`), rewritten by every skip."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        with open(path + ".head", encoding="utf-8") as handle:
            head_id, _, head_now = handle.read().strip().partition(" ")
    except FileNotFoundError:
        return None
    header, _, inputs = text.partition("\n=\n")
    stamp = dict(line.split("\t", 1) for line in header.splitlines())
    if stamp.get("v") != VERSION or stamp.get("id") != head_id:
        return None
    stamp["inputs"], stamp["head_now"], stamp["path"] = inputs, head_now, path
    return stamp


def _write_head(stamp: dict[str, str], head: str) -> None:
    """Overwritten in place, not renamed over (a rename cost more than the rest of the check): a
    torn write leaves a line whose id does not match, and the next stage runs in full."""
    if head != stamp["head_now"]:
        with open(stamp["path"] + ".head", "w", encoding="utf-8") as handle:
            handle.write(f"{stamp['id']} {head}\n")


def _same_environment(stamp: dict[str, str]) -> bool:
    return (
        os.environ.get("CODEX_HOME", "") == stamp["codex_env"]
        and os.environ.get("HOME", "") == stamp["home_env"]
    )


def _changed(stamp: dict[str, str]) -> bool:
    for line in stamp["inputs"].splitlines():
        sig, _, path = line.partition("\t")
        if signature(path) != sig:
            return True
    return False


# -- what is compared -------------------------------------------------------------------------------


def signature(path: str) -> str:
    """Size, modification time and inode: a write, an append, a rename over it all change it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def ref_signatures(common: str, branch: str | None) -> str:
    """Every loose local branch but the current one, and packed-refs: a commit on another branch
    (another worktree's) may be linked to a session, so it moves the stamp."""
    own = os.path.join(common, "refs", "heads", *branch.split("/")) if branch else ""
    found = [f"packed-refs {signature(os.path.join(common, 'packed-refs'))}"]
    stack = [os.path.join(common, "refs", "heads")]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.path != own and not entry.name.endswith(".lock"):
                found.append(f"{entry.path} {signature(entry.path)}")
    return "|".join(sorted(found))


def plain_child(common: str, sha: str, parent: str) -> tuple[float, float] | None:
    """(committer, author) time of `sha` when it is a loose commit whose only parent is `parent`
    and whose message names no task; else None."""
    import zlib

    try:
        with open(os.path.join(common, "objects", sha[:2], sha[2:]), "rb") as handle:
            raw = zlib.decompress(handle.read())
    except FileNotFoundError:
        return None  # packed: not one just made
    kind, _, body = raw.partition(b"\0")
    head, _, message = body.partition(b"\n\n")
    fields = dict(line.split(b" ", 1) for line in head.split(b"\n") if b" " in line)
    parents = [ln[7:].decode() for ln in head.split(b"\n") if ln.startswith(b"parent ")]
    lines = (ln.strip().lower() for ln in message.split(b"\n"))
    if (
        not kind.startswith(b"commit ")
        or parents != [parent]
        or any(ln.startswith(TRAILER_KEYS) for ln in lines)
    ):
        return None
    return _ident_time(fields[b"committer"]), _ident_time(fields[b"author"])


def _ident_time(ident: bytes) -> float:
    """The epoch of `Name <email> 1700000000 +0000`."""
    return float(ident.rsplit(b" ", 2)[1])


# -- the commit being made ----------------------------------------------------------------------------


def pending_times() -> tuple[float, float] | None:
    """(committer, author) time of the commit being made: git's date variables, else now. None
    when a variable holds a form this parser does not know."""
    now = time.time()
    committed = _parse_date(os.environ.get("GIT_COMMITTER_DATE"), now)
    authored = _parse_date(os.environ.get("GIT_AUTHOR_DATE"), now)
    if committed is None or authored is None:
        return None
    return committed, authored


def _parse_date(value: str | None, now: float) -> float | None:
    """`@<epoch> <zone>`, `<epoch> <zone>`, or ISO 8601 with a zone (`Z`, `+HHMM`, `+HH:MM`)."""
    if value is None or not value.strip():
        return now
    text = value.strip()
    epoch, _, zone = text.lstrip("@").partition(" ")
    if epoch.isdigit() and _zone_seconds(zone) is not None:
        return float(epoch)
    if len(text) < 20 or text[10] not in "T " or text[4] + text[7] + text[13] + text[16] != "--::":
        return None
    offset = _zone_seconds(text[19:].lstrip())
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    clock = int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
    if offset is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return float(_days_from_civil(year, month, day) * 86400 + clock - offset)


def _zone_seconds(zone: str) -> int | None:
    if zone == "Z":
        return 0
    digits = zone[1:].replace(":", "")
    if zone[:1] not in ("+", "-") or len(digits) != 4 or not digits.isdigit():
        return None
    seconds = int(digits[:2]) * 3600 + int(digits[2:]) * 60
    return seconds if zone[0] == "+" else -seconds


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def journal_file(stamp: dict[str, str], authored: float) -> str:
    """The journal of the day a commit authored at `authored` belongs to."""
    if stamp["tz"] == "UTC":
        day = time.strftime("%Y-%m-%d", time.gmtime(authored))
    else:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        day = datetime.fromtimestamp(authored, ZoneInfo(stamp["tz"])).date().isoformat()
    return os.path.join(stamp["toplevel"], stamp["journal_dir"], day + ".md")


def _amending() -> bool:
    from journal import invocation

    return invocation.amending()
