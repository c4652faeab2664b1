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

from journal.git import CommitInfo, CommitPatch, FileStat

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


# --- patches of rewritten commits (journal.rewrite) ------------------------------------------------

PATCH_META = "meta "  # the line after `commit <sha>`: parents, then the author identity and time
Change = tuple[str, str, str]  # (path, "+" | "-" | "=", line); "=" marks a change without lines
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class _RawPatch:
    """One commit of `git log -p --format='commit %H%nmeta %P%x1f%an%x1f%ae%x1f%ad' --date=raw`."""

    def __init__(self, sha: str) -> None:
        self.sha = sha
        self.parents: tuple[str, ...] = ()
        self.author = ""  # name, email, epoch and zone: what pick, reword and squash keep
        self.changes: list[Change] = []

    def read_meta(self, meta: str) -> None:
        parents, _, self.author = meta.partition("\x1f")
        self.parents = tuple(parents.split())


def parse_patches(out: bytes, patch_ids: dict[str, str]) -> list[CommitPatch]:
    """Commits of a patch log with their added (`+`) and removed (`-`) lines per path; a file
    changed without any line (binary, mode, pure rename, empty file) gives one `=` change holding
    its extended header (which names the blobs)."""
    patches: list[_RawPatch] = []
    file = _FilePatch("")
    for raw in out.split(b"\n"):
        line = raw.decode("utf-8", errors="surrogateescape")
        if line.startswith("commit ") and _is_commit_header(line):
            file.close(patches)
            patches.append(_RawPatch(line[7:].split(" ", 1)[0]))
            file = _FilePatch("")
        elif patches and not patches[-1].author and line.startswith(PATCH_META):
            patches[-1].read_meta(line[len(PATCH_META) :])
        elif line.startswith("diff --git "):
            file.close(patches)
            file = _FilePatch(_header_path(line[len("diff --git ") :]))
        else:
            file.feed(line)
    file.close(patches)
    return [
        CommitPatch(p.sha, p.parents, p.author, tuple(p.changes), patch_ids.get(p.sha))
        for p in patches
    ]


def _is_commit_header(line: str) -> bool:
    sha = line[7:].split(" ", 1)[0]
    return len(sha) in (40, 64) and not sha.strip("0123456789abcdef")


class _FilePatch:
    def __init__(self, path: str) -> None:
        self.path = path
        self.in_hunk = False
        self.header: list[str] = []
        self.lines: list[Change] = []

    def feed(self, line: str) -> None:
        if not self.path:
            return
        if line.startswith("@@"):
            self.in_hunk = True
        elif self.in_hunk and line[:1] in ("+", "-"):
            self.lines.append((self.path, line[0], line[1:]))
        elif not self.in_hunk and line:
            if line.startswith(("rename to ", "copy to ")):
                self.path = c_unquote(line.split(" to ", 1)[1])
            if not line.startswith(("--- ", "+++ ")):
                self.header.append(line)

    def close(self, patches: list[_RawPatch]) -> None:
        if not self.path or not patches:
            return
        patches[-1].changes.extend(self.lines or [(self.path, "=", "\n".join(self.header))])


def _header_path(rest: str) -> str:
    """The new path of `diff --git a/<old> b/<new>` (renames are corrected by `rename to`)."""
    if rest.startswith('"'):
        end = _quoted_end(rest)
        rest = rest[end + 1 :].lstrip(" ")
        return c_unquote(rest)[2:] if rest.startswith('"') else rest[2:]
    half = (len(rest) - 1) // 2  # "a/<p> b/<p>": both halves have the same length
    return rest[half + 1 :][2:]


def _quoted_end(text: str) -> int:
    pos = 1
    while pos < len(text) and text[pos] != '"':
        pos += 2 if text[pos] == "\\" else 1
    return pos


def c_unquote(text: str) -> str:
    """A path as git prints it: C-quoted (with octal UTF-8 bytes) when it holds unusual bytes."""
    if not (text.startswith('"') and text.endswith('"') and len(text) >= 2):
        return text
    out = bytearray()
    body, pos = text[1:-1], 0
    while pos < len(body):
        char = body[pos]
        if char != "\\" or pos + 1 >= len(body):
            out += char.encode("utf-8", errors="surrogateescape")
            pos += 1
        elif body[pos + 1] in _C_ESCAPES:
            out.append(_C_ESCAPES[body[pos + 1]])
            pos += 2
        else:
            out.append(int(body[pos + 1 : pos + 4], 8))
            pos += 4
    return out.decode("utf-8", errors="surrogateescape")


def parse_batch_blobs(out: bytes, specs: list[str]) -> dict[str, bytes | None]:
    """`git cat-file --batch` output for `specs` (one answer each, in order) → {spec: content or
    None when missing or not a blob}."""
    found: dict[str, bytes | None] = {}
    pos = 0
    for spec in specs:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode("utf-8", errors="replace").split()
        pos = end + 1
        if len(header) == 3 and header[1] in ("blob", "commit", "tree", "tag"):
            size = int(header[2])
            found[spec] = out[pos : pos + size] if header[1] == "blob" else None
            pos += size + 1
        else:
            found[spec] = None
    return found
