"""Parsers for git's machine-readable output. This module never runs git; `journal.git` does.

The diff part of `git log -z --raw --numstat` (and of `git diff -z --raw --numstat`) is a stream of
NUL-terminated tokens: for every file one raw entry (`:<modes> <blobs> <status>` followed by one path,
or two for renames and copies), then for every file one numstat entry (`<ins>\t<del>\t<path>`, or
`<ins>\t<del>\t` followed by the old and the new path). Binary files count `-` for both numbers.
Paths come unquoted, so any byte but NUL is safe in them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from journal.git import CommitInfo, FileStat

RECORD = "\x1e"
FIELD = "\x1f"
# sha, parents, author name, author email, author epoch, committer epoch, subject (last: free text)
LOG_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%ct%x1f%s"
BATCH_CHECK_FORMAT = "%(objectname) %(objecttype)"
Ident = tuple[str, str, str]  # name, email, ISO UTC time
_IDENT = re.compile(r"^(?P<name>.*?) ?<(?P<email>[^>]*)> (?P<epoch>-?\d+) [+-]\d{4}$")


class _Tokens:
    """A cursor over NUL-separated tokens; lookahead is needed to tell a header from a diff entry."""

    def __init__(self, out: str) -> None:
        self.items = out.split("\0")
        if self.items and self.items[-1] in ("", "\n"):
            self.items.pop()
        self.pos = 0

    def peek(self) -> str | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self) -> str:
        item = self.items[self.pos]
        self.pos += 1
        return item


def iso_utc(epoch: str | int) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_log(out: str) -> list[CommitInfo]:
    tokens = _Tokens(out)
    commits: list[CommitInfo] = []
    while (token := tokens.peek()) is not None:
        token = tokens.take().lstrip("\n")
        if not token.startswith(RECORD):
            continue  # stray separator; headers are the only tokens that start a commit
        sha, parents, name, email, authored, committed, subject = token[1:].split(FIELD, 6)
        commits.append(
            CommitInfo(
                sha=sha,
                parents=tuple(parents.split()),
                subject=subject,
                author_name=name,
                author_email=email,
                authored=iso_utc(authored),
                committed=iso_utc(committed),
                files=_read_changes(tokens),
            )
        )
    return commits


def parse_changes(out: str) -> tuple[FileStat, ...]:
    """The files of `git diff -z --raw --numstat` (no commit headers)."""
    return _read_changes(_Tokens(out))


def _read_changes(tokens: _Tokens) -> tuple[FileStat, ...]:
    raw: list[tuple[str, str, str | None]] = []  # (status, path, old path)
    counts: dict[str, tuple[int, int]] = {}
    while (token := tokens.peek()) is not None and not token.lstrip("\n").startswith(RECORD):
        entry = tokens.take().lstrip("\n")
        if entry.startswith(":"):
            status = entry.rsplit(" ", 1)[-1][:1]
            if status in ("R", "C"):
                old = tokens.take()
                raw.append((status, tokens.take(), old))
            else:
                raw.append((status, tokens.take(), None))
        elif entry.count("\t") >= 2:
            insertions, deletions, path = entry.split("\t", 2)
            if not path:  # a rename: old and new path follow as tokens of their own
                tokens.take()
                path = tokens.take()
            counts[path] = (_count(insertions), _count(deletions))
    return tuple(
        FileStat(path, status, *counts.get(path, (0, 0)), old_path=old) for status, path, old in raw
    )


def _count(field: str) -> int:
    return int(field) if field.isdigit() else 0  # "-" marks a binary file


def parse_ident(line: str) -> Ident | None:
    """`git var GIT_AUTHOR_IDENT` output → (name, email, ISO UTC time); None if it is not one."""
    match = _IDENT.match(line.strip())
    if match is None:
        return None
    return match["name"], match["email"], iso_utc(match["epoch"])


def parse_var_idents(out: str) -> tuple[Ident | None, Ident | None]:
    """`git var -l` output → the author and the committer identity (each as `parse_ident` gives)."""
    lines = out.splitlines()
    idents = dict(line.split("=", 1) for line in lines if line.startswith("GIT_") and "=" in line)
    author = parse_ident(idents.get("GIT_AUTHOR_IDENT", ""))
    return author, parse_ident(idents.get("GIT_COMMITTER_IDENT", ""))


def parse_patch_ids(out: str) -> dict[str, str]:
    """`git patch-id --stable` output (`<patch id> <commit>` per line) → {commit: patch id}."""
    pairs = (line.split() for line in out.splitlines())
    return {fields[1]: fields[0] for fields in pairs if len(fields) == 2}


def parse_reflog(text: str) -> Iterator[tuple[str, str, str]]:
    """Lines of a reflog file (`<old> <new> <ident> <epoch> <tz>\t<message>`), newest first."""
    for line in reversed(text.splitlines()):
        head, _, message = line.partition("\t")
        fields = head.split(" ", 2)
        if len(fields) == 3:
            yield fields[0], fields[1], message


def parse_worktree_roots(out: str) -> list[str]:
    """`git worktree list --porcelain` output → the top directory of every worktree, as listed."""
    return [line[len("worktree ") :] for line in out.splitlines() if line.startswith("worktree ")]


def parse_commit_objects(out: str) -> list[str]:
    """`git cat-file --batch-check=<BATCH_CHECK_FORMAT>` output → the names that are commits."""
    return [line.split()[0] for line in out.splitlines() if line.endswith(" commit")]
