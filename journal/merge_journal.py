"""The merge of a daily journal (`docs/ai-journal/*.md`): hand notes merged, the rest re-derived.

A journal's frontmatter and generated region are a pure function of the session fragments and git
history, so merging their text would only produce noise: the driver keeps ours and records the
journal as stale in `<git-common-dir>/ai-journal/stale-journals.json`; the next pre-commit stage or
`ai-journal render` re-derives it from the merged fragments. (Rendering inside the driver is not
safe: the index is mid-merge and the fragments of the other side may not be in the work tree yet.)

What a person wrote before and after the region is merged three-way, each part on its own, with
`git merge-file`. When both sides changed the same lines, the conflict is written with git's usual
markers, confined to the hand-written text (the region and frontmatter never get markers), and the
driver exits 1 so git stops and the person decides: the words are theirs, every merge tool
understands the markers, and a silently doubled paragraph would be easy to miss and commit.

The file is split with the rules `render` applies: frontmatter is an opening `---` line up to the
next `---` or `...` line; the region is the last begin-marker line followed by an end-marker line;
a file with no such pair is all hand-written text.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from journal import git, state
from journal.errors import StateCorrupt
from journal.merge_state import Unparseable
from journal.render import BEGIN, END

STALE_FILE = "stale-journals.json"
STALE_LOCK_TIMEOUT_S = 5.0
_DAY_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.md")


class JournalParts(NamedTuple):
    frontmatter: str  # both rule lines included; "" when there is none
    before: str  # a person's text before the region
    region: str  # the two marker lines and what lies between; "" when there is no region
    after: str  # a person's text after the region

    @property
    def text(self) -> str:
        return self.frontmatter + self.before + self.region + self.after


EMPTY = JournalParts("", "", "", "")


def split(text: str) -> JournalParts:
    """The four parts of a journal; joining them gives `text` back byte for byte."""
    lines = text.splitlines(keepends=True)
    head = _frontmatter_length(lines)
    body = lines[head:]
    frontmatter = "".join(lines[:head])
    marks = [line.strip() for line in body]
    for begin in reversed([i for i, mark in enumerate(marks) if mark == BEGIN]):
        if END in marks[begin + 1 :]:
            end = marks.index(END, begin + 1)
            before, region, after = body[:begin], body[begin : end + 1], body[end + 1 :]
            return JournalParts(frontmatter, "".join(before), "".join(region), "".join(after))
    return JournalParts(frontmatter, "".join(body), "", "")


def merge_journal_file(
    ancestor: Path, ours: Path, theirs: Path, path: str, common_dir: Path | None
) -> int:
    """Merge into `ours` in place; 0 when the hand-written text merged cleanly, else 1. The journal
    is recorded as stale under `common_dir` (when known) either way. Raises `Unparseable` for a
    side that is not UTF-8 text."""
    base, mine, other = (_read(p, side) for p, side in _sides(ancestor, ours, theirs))
    labels = (f"ours:{path}", "base", f"theirs:{path}")
    before, before_conflicts = merge_text(base.before, mine.before, other.before, labels)
    after, after_conflicts = merge_text(base.after, mine.after, other.after, labels)
    region = mine.region or other.region
    if region and before and not before.endswith(("\n", "\r")):
        before += "\n"
    merged = JournalParts(mine.frontmatter or other.frontmatter, before, region, after)
    ours.write_bytes(merged.text.encode("utf-8"))
    if common_dir is not None:
        mark_stale(common_dir, path)
    return 1 if before_conflicts or after_conflicts else 0


def merge_text(base: str, ours: str, theirs: str, labels: tuple[str, str, str]) -> tuple[str, int]:
    """`git merge-file` on three strings: (the result, the number of conflicts)."""
    if theirs in (ours, base):
        return ours, 0
    if ours == base:
        return theirs, 0
    import tempfile  # only merges need it; the stage hook imports this module for its records

    with tempfile.TemporaryDirectory(prefix="ai-journal-merge-") as tmp:
        files = [Path(tmp) / name for name in ("ours", "base", "theirs")]
        for file, text in zip(files, (ours, base, theirs), strict=True):
            file.write_bytes(text.encode("utf-8"))
        conflicts = git.merge_file(files[0], files[1], files[2], labels)
        return files[0].read_bytes().decode("utf-8"), conflicts


# -- the stale record --------------------------------------------------------------------------


def stale_journals(common_dir: Path) -> list[str]:
    """Repo-relative paths of journals a merge left with our side's generated region, sorted.
    An unreadable record counts as empty (local state is rebuildable)."""
    try:
        doc = state.read_json(common_dir / state.LOCAL_DIRNAME / STALE_FILE, default={})
    except StateCorrupt:
        return []
    journals = doc.get("journals") if isinstance(doc, dict) else None
    return sorted({p for p in journals if isinstance(p, str)}) if isinstance(journals, list) else []


def stale_days(common_dir: Path, journal_dir: str) -> set[date]:
    """The days of the stale journals that live in `journal_dir` (`journal.dir` of the config)."""
    folder = PurePosixPath(journal_dir.strip("/"))
    days: set[date] = set()
    for entry in stale_journals(common_dir):
        path = PurePosixPath(entry)
        match = _DAY_NAME.fullmatch(path.name)
        if match and path.parent == folder:
            with contextlib.suppress(ValueError):
                days.add(date.fromisoformat(match.group(1)))
    return days


def mark_stale(common_dir: Path, path: str) -> None:
    """Add `path` to the record, under the state lock. Bookkeeping never fails a merge: when the
    lock is busy, one line on stderr says what to run instead."""
    local = state.local_dir(common_dir)
    try:
        with state.locked(local, timeout=STALE_LOCK_TIMEOUT_S):
            _write_stale(common_dir, {*stale_journals(common_dir), path})
    except state.LockBusy:
        print(f"ai-journal: {path} merged; run `ai-journal render` to refresh it", file=sys.stderr)


def clear_stale(common_dir: Path, done: Iterable[str]) -> None:
    """Drop re-rendered journals from the record. Call it under `state.locked`."""
    left = set(stale_journals(common_dir)) - set(done)
    _write_stale(common_dir, left)


def _write_stale(common_dir: Path, journals: set[str]) -> None:
    target = state.local_dir(common_dir) / STALE_FILE
    if journals:
        state.write_atomic(target, state.dumps_canonical({"journals": sorted(journals)}))
    else:
        target.unlink(missing_ok=True)


# -- reading -----------------------------------------------------------------------------------


def _sides(ancestor: Path, ours: Path, theirs: Path) -> list[tuple[Path, str]]:
    return [(ancestor, "the common ancestor"), (ours, "ours"), (theirs, "theirs")]


def _read(path: Path, side: str) -> JournalParts:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unparseable(f"{side} is not UTF-8 text") from exc
    return split(text) if text else EMPTY


def _frontmatter_length(lines: list[str]) -> int:
    """How many lines the frontmatter takes (0 without one): an opening rule with no closing one
    is a person's text, not frontmatter."""
    if not lines or lines[0].rstrip("\r\n") != "---":
        return 0
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n") in ("---", "..."):
            return index + 1
    return 0
