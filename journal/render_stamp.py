"""`render --all-days` with nothing changed since its last run, known on the standard library.

A render is a pure function of its inputs (design principle 4). For `render --all-days` they are:
the files under `.ai-journal/` (fragments, configuration, project state, template overrides), the
built-in templates and the renderer's own code, HEAD and its branch, the `origin` URL (web links),
`$TZ` and `$HOME`, and what the run itself keeps: the journals, `render-digests.json`,
`task-days.json` and `stale-journals.json`. Each run leaves a stamp of them (one per worktree, in
the local state): size, modification time and inode of every file and folder (a file added or
removed moves its folder's time), the inputs taken before the run read them and its own files
after it wrote them, each journal as it was when the bytes the run recorded were hashed. The next
`render --all-days` whose inputs all match ends there, with the answer the full run would give:
it would render nothing and write nothing.

A run that had something to say (a notice) leaves no stamp, so the next one says it again;
`--force` never reads the stamp; `AI_JOURNAL_RENDER_SKIP=0` turns the check off. This module
imports `os` and the stage stamp's `signature` alone: two git processes (`rev-parse`,
`remote get-url`) started side by side are the check's only other cost.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from journal.stage_stamp import signature, stamp_path

VERSION = "1"
STAMP_NAME = "render-stamp"
SWITCH = "AI_JOURNAL_RENDER_SKIP"
LOCAL_OUTPUTS = ("render-digests.json", "task-days.json", "stale-journals.json")
ENVIRONMENT = ("TZ", "HOME")
HISTORY_FILES = ("info/grafts", "shallow", "refs/replace")
_HEAD_QUESTION = (
    *("rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir", "--git-common-dir"),
    *("HEAD", "--symbolic-full-name", "HEAD"),
)
_URL_QUESTION = ("remote", "get-url", "origin")


class Where:
    """A worktree as `git rev-parse` names it, with HEAD and its ref (`HEAD` when detached)."""

    def __init__(self, toplevel: str, git_dir: str, common: str, head: str, ref: str) -> None:
        self.toplevel, self.git_dir, self.common = toplevel, git_dir, common
        self.head, self.ref = head, ref

    def stamp_path(self) -> str:
        return stamp_path(self.common, self.git_dir, STAMP_NAME)


def unchanged() -> bool:
    """True when the last `render --all-days` here left a stamp that everything still matches."""
    try:
        return _unchanged()
    except Exception:  # anything unexpected: the full render decides
        return False


def _unchanged() -> bool:
    if os.environ.get(SWITCH) == "0":
        return False
    where, url = asked()
    if where is None:
        return False
    header, inputs = _read(where.stamp_path())
    if header != _header(where, url):
        return False
    return all(signature(path) == sig for sig, path in inputs)


def asked(directory: str | None = None) -> tuple[Where | None, str]:
    """The worktree (None outside one, or on an unborn branch) and its `origin` URL ("" when it
    has none), from git run in `directory` (default: here)."""
    place = ("-C", directory) if directory is not None else ()
    try:
        questions = [(*place, *_HEAD_QUESTION), (*place, *_URL_QUESTION)]
        head_answer, url_answer = _git_answers(questions)
    except (OSError, AttributeError):  # no git to start, or no posix_spawn here: no stamp
        return None, ""
    lines = (head_answer or "").splitlines()
    where = Where(*lines) if len(lines) == 5 else None
    return where, (url_answer or "").strip()


# -- writing (at the end of a full run, under the state lock) --------------------------------------


class Inputs:
    """What a run is about to read, taken before it reads anything: the worktree with HEAD and
    the origin URL, and the signatures of the files it reads and never writes."""

    def __init__(self, where: Where | None, url: str, signed: list[tuple[str, str]]) -> None:
        self.where, self.url, self.signed = where, url, signed

    @classmethod
    def take(cls, toplevel: str, builtin_templates: str) -> Inputs:
        where, url = asked(toplevel)
        package = os.path.dirname(os.path.abspath(__file__))
        roots = [os.path.join(toplevel, ".ai-journal"), builtin_templates, package]
        signed = [(signature(path), path) for path in _tree(dict.fromkeys(roots))]
        if where is not None:  # what changes the history HEAD reaches without moving HEAD
            history = [os.path.join(where.common, *name.split("/")) for name in HISTORY_FILES]
            signed += [(signature(path), path) for path in history]
        return cls(where, url, signed)

    def same_place(self, after: tuple[Where | None, str], head: str | None) -> bool:
        """The worktree, HEAD, its ref and the URL are as they were before, and HEAD is the one
        the run rendered from."""
        where, url = after
        if self.where is None or where is None or url != self.url or where.head != head:
            return False
        return vars(self.where) == vars(where)


def save(
    where: Where,
    url: str,
    inputs: list[tuple[str, str]],
    journal_dir: str,
    rendered: Mapping[str, str | None],
) -> None:
    """The stamp of a run that read `inputs` and rendered the journals of `rendered` ({path: the
    signature the file had when the bytes the run recorded were hashed}, `render-digests.json`):
    such a journal signs as it was then, so a write since, even one before this stamp, moves it."""
    outputs: list[tuple[str, str]] = []
    for path in _tree([journal_dir]):
        sig = (rendered[path] or "unsigned") if path in rendered else signature(path)
        outputs.append((sig, path))
    local = os.path.join(where.common, "ai-journal")
    outputs += [(signature(p), p) for p in (os.path.join(local, n) for n in LOCAL_OUTPUTS)]
    body = "".join(f"{sig}\t{path}\n" for sig, path in [*inputs, *outputs])
    from pathlib import Path

    from journal.state import write_atomic

    # A cache: a crash leaves the old stamp or none, never a torn one.
    write_atomic(Path(where.stamp_path()), _header(where, url) + "=\n" + body, durable=False)


def remove(where: Where) -> None:
    """A run that must not be skipped next time (it failed, or had notices) leaves no stamp."""
    if os.path.lexists(where.stamp_path()):
        os.unlink(where.stamp_path())


# -- what is compared ----------------------------------------------------------------------------


def _tree(roots: Iterable[str]) -> list[str]:
    """Every folder and file under `roots` (the roots included), compiled bytecode left out."""
    found: list[str] = []
    stack = list(roots)
    while stack:
        folder = stack.pop()
        found.append(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            else:
                found.append(entry.path)
    return found


def _header(where: Where, url: str) -> str:
    env = "\x1f".join(os.environ.get(name, "") for name in ENVIRONMENT)
    fields = (VERSION, where.toplevel, where.head, where.ref, url, env)
    if any("\n" in field or "\t" in field for field in fields):
        return "unstampable\n"  # never equal to a header read back from a file
    names = ("v", "toplevel", "head", "ref", "url", "env")
    return "".join(f"{name}\t{value}\n" for name, value in zip(names, fields, strict=True))


def _read(path: str) -> tuple[str | None, list[tuple[str, str]]]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (FileNotFoundError, UnicodeDecodeError):
        return None, []
    header, separator, body = text.partition("=\n")
    if not separator or not text.endswith("\n"):
        return None, []
    pairs = [tuple(line.split("\t", 1)) for line in body.splitlines()]
    return header, [(pair[0], pair[1]) for pair in pairs if len(pair) == 2]


def _git_answers(questions: list[tuple[str, ...]]) -> list[str | None]:
    """The stdout of `git <question>` for each question, run side by side; None for one that
    failed. `posix_spawn` rather than `subprocess`, whose import costs more than both runs."""
    started: list[tuple[int, int]] = []
    try:
        for question in questions:
            started.append(_spawn_git(question))
    finally:
        answers = [_collect(pid, read_end) for pid, read_end in started]
    return answers


def _spawn_git(question: tuple[str, ...]) -> tuple[int, int]:
    """(pid, the read end of its stdout) of `git <question>`, stdin and stderr on /dev/null."""
    read_end, write_end = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, write_end, 1),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
    ]
    try:
        pid = os.posix_spawnp("git", ["git", *question], os.environ, file_actions=actions)
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    return pid, read_end


def _collect(pid: int, read_end: int) -> str | None:
    chunks = []
    try:
        while chunk := os.read(read_end, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    return b"".join(chunks).decode("utf-8", "replace")
