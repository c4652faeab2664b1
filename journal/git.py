"""The only module that runs git or imports pygit2.

The hot path (hooks with nothing to do) uses `git` subprocesses, which cost about 1 ms each; pygit2
costs about 60 ms to import and is loaded only by functions that need object access in bulk.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from journal.errors import JournalError

if TYPE_CHECKING:
    from journal.commit_facts import CommitFacts

SEQUENCER_MARKERS = ("rebase-merge", "rebase-apply", "sequencer", "CHERRY_PICK_HEAD", "REVERT_HEAD")
_T = TypeVar("_T")
# Inside `refs_frozen()`: answers about HEAD and the worktrees, per (question, directory).
_frozen: dict[tuple[str, str], object] | None = None
# sha -> `git patch-id --stable` (None: a merge or an empty commit). A commit's patch, and so its
# patch-id, is fixed by its SHA, so the answers hold for the whole process.
_patch_ids: dict[str, str | None] = {}
# Inside `facts_kept()`: the local store of what each commit's SHA fixes (its files, its patch-id).
_facts: CommitFacts | None = None


class RepoPaths(NamedTuple):
    toplevel: Path  # the current worktree's top directory
    git_dir: Path  # per-worktree git dir (rebase state lives here)
    common_dir: Path  # shared by all worktrees (local state lives under it)
    hooks_dir: Path  # honours core.hooksPath


class FileStat(NamedTuple):
    path: str  # repo-relative, the new path for a rename
    status: str  # "A" | "M" | "D" | "R" | "C" | "T"
    insertions: int  # 0 for binary files
    deletions: int
    old_path: str | None = None  # set for renames and copies


class CommitInfo(NamedTuple):
    """What the journal needs of one commit. A pending commit (being made at the pre-commit stage)
    has `sha == ""` and carries the staged changes."""

    sha: str
    parents: tuple[str, ...]
    subject: str
    author_name: str
    author_email: str
    authored: str  # ISO-8601 UTC with "Z"
    committed: str  # ISO-8601 UTC with "Z"
    files: tuple[FileStat, ...]
    patch_id: str | None = None  # `git patch-id --stable`; None for merges and empty commits

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def pending(self) -> bool:
        return not self.sha


class Head(NamedTuple):
    sha: str | None  # None on an unborn branch
    branch: str | None  # None when detached


def run(args: Sequence[str], cwd: Path | str | None = None, stdin: str | None = None) -> str:
    """Run `git args…` and return stdout; a failure becomes a `JournalError` naming the command."""
    out = run_bytes(args, cwd, stdin.encode() if stdin is not None else None)
    return out.decode("utf-8", errors="replace")


def run_bytes(
    args: Sequence[str], cwd: Path | str | None = None, stdin: bytes | None = None
) -> bytes:
    """`run` without decoding: patch text must reach `git patch-id` byte for byte."""
    proc = _spawn(args, cwd, stdin)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:]
        detail = message or [f"exit {proc.returncode}"]
        raise JournalError(f"git {' '.join(args[:3])} failed: {detail[0]}")
    return proc.stdout


def _spawn(
    args: Sequence[str], cwd: Path | str | None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=_env(cwd), input=stdin, capture_output=True, check=False
    )


def _env(cwd: Path | str | None) -> dict[str, str] | None:
    """The environment for a git child running in `cwd`: the hook's own, except that a relative
    GIT_INDEX_FILE (git passes `.git/index` to hooks) is made absolute, resolved by git from our own
    working directory, whenever the child runs elsewhere (with GIT_DIR set, git would read it
    against the child's cwd)."""
    index, here = os.environ.get("GIT_INDEX_FILE"), os.getcwd()
    if not index or os.path.isabs(index) or cwd is None or os.path.samefile(cwd, here):
        return None
    where = ["git", "rev-parse", "--path-format=absolute", "--git-path", "index"]
    found = subprocess.run(where, cwd=here, capture_output=True, text=True, check=False).stdout
    return {**os.environ, "GIT_INDEX_FILE": found.strip() or os.path.join(here, index)}


def try_run(args: Sequence[str], cwd: Path | str | None = None) -> str | None:
    """Like `run`, but None instead of an error (for questions whose answer may be 'no')."""
    try:
        return run(args, cwd)
    except JournalError:
        return None


def repo_paths(cwd: Path | str | None = None) -> RepoPaths:
    out = try_run(
        [
            "rev-parse",
            "--path-format=absolute",
            "--show-toplevel",
            "--git-dir",
            "--git-common-dir",
            "--git-path",
            "hooks",
        ],
        cwd,
    )
    if out is None:
        where = Path(cwd or os.getcwd())
        raise JournalError(f"{where} is not inside a git work tree; run this from your repository")
    top, git_dir, common, hooks = out.splitlines()[:4]
    return RepoPaths(Path(top), Path(git_dir), Path(common), Path(hooks))


def sequencer_active(paths: RepoPaths) -> bool:
    """True while a rebase, cherry-pick or revert sequence is in progress in this worktree."""
    return any((paths.git_dir / marker).exists() for marker in SEQUENCER_MARKERS)


@contextlib.contextmanager
def refs_frozen() -> Iterator[None]:
    """Within: HEAD, the branch and the worktree list are asked of git once per directory.

    For a run during which they cannot move, such as the pre-commit stage's (git holds the
    index lock and makes the commit only after the hook; the stage moves no ref but its notes).
    Outside it, every call asks git."""
    global _frozen
    outer = _frozen
    _frozen = {} if outer is None else outer
    try:
        yield
    finally:
        _frozen = outer


@contextlib.contextmanager
def facts_kept(local_dir: Path) -> Iterator[None]:
    """Within: the files and patch-ids of commits are kept in the local state under `local_dir`
    (`journal.commit_facts`), so each commit is diffed once, not on every run that lists it."""
    global _facts
    from journal.commit_facts import FILENAME, CommitFacts

    outer = _facts
    _facts = outer or CommitFacts(local_dir / FILENAME)
    try:
        yield
    finally:
        if outer is None and _facts is not None:
            _facts.close()
        _facts = outer


def _frozen_answer(question: str, cwd: Path | str | None, ask: Callable[[], _T]) -> _T:
    if _frozen is None:
        return ask()
    key = (question, os.fspath(cwd) if cwd is not None else os.getcwd())
    if key not in _frozen:
        _frozen[key] = ask()
    found: _T = _frozen[key]  # type: ignore[assignment]
    return found


def head(cwd: Path | str | None = None) -> Head:
    return _frozen_answer("head", cwd, lambda: _head(cwd))


def head_sha(cwd: Path | str | None = None) -> str | None:
    """HEAD's commit, None on an unborn branch (one process, none inside `refs_frozen`)."""
    if _frozen is not None:
        return head(cwd).sha
    sha = try_run(["rev-parse", "--verify", "-q", "HEAD"], cwd)
    return sha.strip() or None if sha else None


def _head(cwd: Path | str | None) -> Head:
    sha = try_run(["rev-parse", "--verify", "-q", "HEAD"], cwd)
    branch = try_run(["symbolic-ref", "-q", "--short", "HEAD"], cwd)
    return Head(sha.strip() if sha else None, branch.strip() if branch else None)


def worktrees(cwd: Path | str | None = None) -> list[Path]:
    """The real (symlink-resolved) top directories of every worktree of the repository."""
    return list(_frozen_answer("worktrees", cwd, lambda: _worktrees(cwd)))


def _worktrees(cwd: Path | str | None) -> list[Path]:
    from journal import _gitparse

    out = try_run(["worktree", "list", "--porcelain"], cwd) or ""
    return [Path(root).resolve() for root in _gitparse.parse_worktree_roots(out)]


# --- history -------------------------------------------------------------------------------------

# Renames on, paths repo-relative whatever the cwd or diff.relative say, no external diff drivers:
# the same answer in every repository and from every subdirectory.
_DIFF_ARGS = ("-z", "--raw", "--numstat", "-M", "--no-relative", "--no-ext-diff", "--no-textconv")


class ReflogEntry(NamedTuple):
    old: str
    new: str
    message: str


def commits(
    cwd: Path | str,
    rev: str = "HEAD",
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    *,
    all_branches: bool = False,
    with_patch_ids: bool = False,
    exclude: Sequence[str] = (),
    also: Sequence[str] = (),
) -> list[CommitInfo]:
    """Commits reachable from `rev` (a revision or a range), from every local branch with
    `all_branches` and from the commits `also` (which must exist), but not from `exclude`, newest
    first, from one `git log`.

    A merge's files are its changes against the first parent (what it brought into the branch). An
    unborn HEAD has no commits. `since`/`until` take anything `git log` accepts (committer dates).
    """
    from journal import _gitparse

    args = ["log", f"--format={_gitparse.LOG_FORMAT}", "-z"]
    args += [f"--since={since}"] if since else []
    args += [f"--until={until}"] if until else []
    args += [f"--max-count={limit}"] if limit is not None else []
    args += ["--branches"] if all_branches else []
    if _facts is None:  # the files with the commits, from the same process
        args += [*_DIFF_ARGS, "--root", "--diff-merges=first-parent"]
    args += ["--no-show-signature", "--no-color"]
    try:
        revs = [rev, *(f"^{sha}" for sha in exclude)]
        if also:  # any number of them, so through stdin rather than the command line
            out = run([*args, "--stdin", "--end-of-options", *revs, "--"], cwd, "\n".join(also))
        else:
            out = run([*args, "--end-of-options", *revs, "--"], cwd)
    except JournalError:
        if rev == "HEAD" and head_sha(cwd) is None:
            return []
        raise
    found = _gitparse.parse_log(out)
    if _facts is not None:
        found = _with_files(cwd, found, _facts)
    if not with_patch_ids:
        return found
    ids = patch_ids(cwd, [c.sha for c in found])
    return [c._replace(patch_id=ids.get(c.sha)) for c in found]


def _with_files(cwd: Path | str, found: list[CommitInfo], facts: CommitFacts) -> list[CommitInfo]:
    """`found` (listed without their files) with their files: from the store, and for the commits
    it does not know yet from one `git log --no-walk`, which the store then keeps."""
    from journal import _gitparse

    files = facts.files([c.sha for c in found])
    missing = [c.sha for c in found if c.sha not in files]
    if missing:
        args = ["log", "--no-walk=unsorted", "--stdin", f"--format={_gitparse.LOG_FORMAT}"]
        args += [*_DIFF_ARGS, "--root", "--diff-merges=first-parent", "--no-show-signature"]
        out = run([*args, "--no-color"], cwd, "".join(f"{sha}\n" for sha in missing))
        fresh = {c.sha: c.files for c in _gitparse.parse_log(out)}
        facts.add_files(fresh)
        files.update(fresh)
    return [c._replace(files=files.get(c.sha, ())) for c in found]


def patch_ids(cwd: Path | str, shas: Sequence[str]) -> dict[str, str]:
    """{sha: `git patch-id --stable`} for many commits through one `log -p | patch-id` pipeline
    (none for those this process asked about before).

    Merges and empty commits have no patch and are absent from the result.
    """
    from journal import _gitparse

    missing = [sha for sha in dict.fromkeys(shas) if sha not in _patch_ids]
    if missing and _facts is not None:
        _patch_ids.update(_facts.patch_ids(missing))
        missing = [sha for sha in missing if sha not in _patch_ids]
    if missing:
        log = ["log", "-p", "--no-walk=unsorted", "--stdin", "--format=commit %H", "--root", "-M"]
        log += ["--no-relative", "--no-ext-diff", "--no-textconv", "--no-color"]
        log += ["--no-show-signature"]
        patches = run_bytes(log, cwd, "".join(f"{sha}\n" for sha in missing).encode())
        out = run_bytes(["patch-id", "--stable"], cwd, patches)
        found = _gitparse.parse_patch_ids(out.decode("ascii", errors="replace"))
        _patch_ids.update((sha, found.get(sha)) for sha in missing)
        if _facts is not None:
            _facts.add_patch_ids({sha: found.get(sha) for sha in missing})
    return {sha: known for sha in shas if (known := _patch_ids[sha])}


def staged(cwd: Path | str, *, amend: bool = False) -> CommitInfo:
    """The commit being made, seen from the pre-commit stage: the index against HEAD (against
    HEAD's parents when it amends HEAD).

    The index is the one git tells the hook about (GIT_INDEX_FILE, e.g. the temporary index of
    `git commit <paths>`). Dates come from `git var`, which honours GIT_AUTHOR_DATE and
    GIT_COMMITTER_DATE as the commit itself will; the message is not known yet.
    """
    from journal import _gitparse

    base = _amend_base(cwd) if amend else []
    files = _gitparse.parse_changes(run(["diff", "--cached", *_DIFF_ARGS, *base], cwd))
    if not amend:
        _remember_staged(cwd, files)
    author, committer = _gitparse.parse_var_idents(_var_list(cwd))
    if author is None or committer is None:
        raise JournalError("git has no identity for this commit; set user.name and user.email")
    if amend:
        parents = run(["rev-parse", "HEAD^@"], cwd).split()
    else:
        merge = try_run(["rev-parse", "-q", "--verify", "MERGE_HEAD^{commit}"], cwd)
        parents = [head_sha(cwd) or "", merge or ""]
    return CommitInfo(
        sha="",
        parents=tuple(p.strip() for p in parents if p.strip()),
        subject="",
        author_name=author[0],
        author_email=author[1],
        authored=author[2],
        committed=committer[2],
        files=files,
    )


def _amend_base(cwd: Path | str) -> list[str]:
    """What an amend of HEAD is compared with: its first parent, or the empty tree for a root."""
    parent = try_run(["rev-parse", "-q", "--verify", "HEAD^1"], cwd)
    if parent:
        return [parent.strip()]
    return [run(["hash-object", "-t", "tree", "--stdin"], cwd, stdin="").strip()]


def is_ancestor(cwd: Path | str, ancestor: str, descendant: str) -> bool:
    proc = _spawn(["merge-base", "--is-ancestor", ancestor, descendant], cwd)
    if proc.returncode > 1:
        detail = proc.stderr.decode("utf-8", errors="replace").strip()
        raise JournalError(f"git merge-base --is-ancestor {ancestor} {descendant}: {detail}")
    return proc.returncode == 0


def reflog(cwd: Path | str, ref: str = "HEAD", limit: int | None = None) -> list[ReflogEntry]:
    """The reflog of `ref` (HEAD, or a full name such as refs/heads/main), newest first.

    Read from the log file itself, because `git log -g` cannot show an entry's old value.
    """
    from journal import _gitparse

    path = Path(
        run(["rev-parse", "--path-format=absolute", "--git-path", f"logs/{ref}"], cwd).strip()
    )
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    entries = [ReflogEntry(*fields) for fields in _gitparse.parse_reflog(text)]
    return entries[:limit] if limit is not None else entries


# --- repository odds and ends ---------------------------------------------------------------------


def origin_url(cwd: Path | str) -> str | None:
    url = try_run(["remote", "get-url", "origin"], cwd)
    return url.strip() or None if url else None


def stage(cwd: Path | str, files: Sequence[Path | str]) -> None:
    """`git add` the given files into the index git is using (a no-op for no files)."""
    if files:
        _forget_staged(cwd)
        run(["add", "--", *(str(f) for f in files)], cwd)


def config_get(cwd: Path | str, key: str) -> str | None:
    """The effective value of `key` (every config layer), or None when it is not set."""
    value = try_run(["config", "--get", key], cwd)
    return value.rstrip("\n") if value is not None else None


def config_set(cwd: Path | str, key: str, value: str) -> None:
    """Write `key` to the repository's own config (`.git/config`), never the user's."""
    run(["config", "--local", key, value], cwd)


def merge_file(ours: Path, base: Path, theirs: Path, labels: tuple[str, str, str]) -> int:
    """`git merge-file`: merge into `ours` in place; the number of conflicts, 0 when clean."""
    args = ["merge-file", "-L", labels[0], "-L", labels[1], "-L", labels[2]]
    proc = subprocess.run(["git", *args, str(ours), str(base), str(theirs)], check=False)
    if proc.returncode < 0:
        raise JournalError(f"git merge-file failed on {ours}")
    return proc.returncode


def tips(cwd: Path | str, head_sha: str | None) -> list[str]:
    """The commits every local branch and HEAD (`head_sha`) point at, sorted, without duplicates."""
    out = run(["for-each-ref", "--format=%(objectname)", "refs/heads"], cwd)
    return sorted(set(out.split()) | ({head_sha} if head_sha else set()))


def existing_commits(cwd: Path | str, shas: Sequence[str]) -> list[str]:
    """The subset of `shas` that still name commits here (one `git cat-file` call)."""
    from journal import _gitparse

    if not shas:
        return []
    if _frozen is not None and all(sha and not sha.strip(_HEXDIGITS) for sha in shas):
        return _existing_commits_frozen(cwd, shas)
    query = ["cat-file", f"--batch-check={_gitparse.BATCH_CHECK_FORMAT}"]
    return _gitparse.parse_commit_objects(run(query, cwd, stdin="\n".join(shas) + "\n"))


def reachable(
    cwd: Path | str, rev: str = "HEAD", since: str | None = None, *, all_refs: bool = False
) -> set[str]:
    """SHAs of the commits reachable from `rev` (or from any ref and HEAD, with `all_refs`),
    committed since `since`, from one `git rev-list`."""
    if head_sha(cwd) is None and (all_refs or rev == "HEAD"):
        return set()
    args = ["rev-list", *([f"--since={since}"] if since else [])]
    args += ["--all", "HEAD", "--"] if all_refs else ["--end-of-options", rev, "--"]
    return set(run(args, cwd).split())


# --- rewrites (journal.rewrite) -------------------------------------------------------------------

_PATCH_FORMAT = "--format=commit %H%nmeta %P%x1f%an%x1f%ae%x1f%ad"


class CommitPatch(NamedTuple):
    sha: str
    parents: tuple[str, ...]
    author: str  # name, email, epoch and zone: what pick, reword, edit and a squash's target keep
    changes: tuple[tuple[str, str, str], ...]  # (path, "+" | "-" | "=", line), see _gitparse
    patch_id: str | None  # `git patch-id --stable`; None for merges and empty commits


def commit_patches(cwd: Path | str, shas: Sequence[str]) -> list[CommitPatch]:
    """The patches of many commits from one `git log -p` (renames found), with their
    `git patch-id --stable` computed from that same output; merges have no changes."""
    from journal import _gitparse

    if not shas:
        return []
    log = ["log", "-p", "--no-walk=unsorted", "--stdin", _PATCH_FORMAT, "--date=raw", "--root"]
    log += ["-M", "--no-relative", "--no-ext-diff", "--no-textconv", "--no-color"]
    log += ["--no-show-signature"]
    out = run_bytes(log, cwd, "".join(f"{sha}\n" for sha in shas).encode())
    ids = run_bytes(["patch-id", "--stable"], cwd, out).decode("ascii", errors="replace")
    return _gitparse.parse_patches(out, _gitparse.parse_patch_ids(ids))


def rev_range(cwd: Path | str, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """Commits reachable from `include` but from none of `exclude`, parents before children."""
    args = ["rev-list", "--reverse", "--topo-order", *include, *(f"^{sha}" for sha in exclude)]
    return run([*args, "--"], cwd).split()


def merge_base(cwd: Path | str, one: str, other: str) -> str | None:
    found = try_run(["merge-base", one, other], cwd)
    return found.strip() or None if found else None


def blobs(cwd: Path | str, specs: Sequence[str]) -> dict[str, bytes | None]:
    """{`<commit>:<path>`: the file's bytes, or None when absent} from one `git cat-file --batch`."""
    from journal import _gitparse

    asked = [spec for spec in dict.fromkeys(specs) if "\n" not in spec]
    if not asked:
        return {}
    out = run_bytes(["cat-file", "--batch"], cwd, "".join(f"{s}\n" for s in asked).encode())
    return _gitparse.parse_batch_blobs(out, asked)


# --- the task graph (journal.task_store) ----------------------------------------------------------


def resolve_commit(cwd: Path | str, rev: str) -> str | None:
    """The full SHA of the commit `rev` names, None when it names none."""
    if rev.startswith("-"):
        return None
    found = try_run(["rev-parse", "--verify", "-q", "--end-of-options", f"{rev}^{{commit}}"], cwd)
    return found.strip() or None if found else None


def author_ident(cwd: Path | str) -> str | None:
    """`Name <email>` of whoever would author a commit here now; None without an identity."""
    from journal import _gitparse

    ident = _gitparse.parse_ident(try_run(["var", "GIT_AUTHOR_IDENT"], cwd) or "")
    return f"{ident[0]} <{ident[1]}>" if ident else None


# --- commit trailers (journal.trailers) -----------------------------------------------------------


class CommitTrailers(NamedTuple):
    sha: str
    committed: str  # committer time, ISO-8601 UTC with "Z"
    trailers: tuple[tuple[str, str], ...]  # (key as written, value), in message order


def trailers(
    cwd: Path | str, keys: Sequence[str], include: Sequence[str], exclude: Sequence[str] = ()
) -> list[CommitTrailers]:
    """The trailers named `keys` (matched case-insensitively, folded values unfolded, git's own
    rules for what counts as the trailer block) of the commits reachable from `include` but not
    from `exclude`, oldest first, from one `git log`. Commits without such a trailer are left out."""
    from datetime import UTC, datetime

    if not keys or not include:
        return []
    picked = ",".join(f"key={key}" for key in keys)
    spec = f"%(trailers:{picked},unfold,separator=%x1d,key_value_separator=%x1e)"
    args = ["log", "--reverse", f"--format=%x00%H%x1f%ct%x1f{spec}", "--no-show-signature"]
    out = run([*args, "--end-of-options", *include, *(f"^{sha}" for sha in exclude), "--"], cwd)
    found: list[CommitTrailers] = []
    for chunk in out.split("\0")[1:]:
        sha, stamp, block = chunk.rstrip("\n").split("\x1f", 2)
        pairs = tuple(
            (key.strip(), value.strip())
            for key, _, value in (item.partition("\x1e") for item in block.split("\x1d") if item)
        )
        if pairs:
            moment = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            found.append(CommitTrailers(sha, moment, pairs))
    return found


def last_changed(cwd: Path | str, folder: str, rev: str = "HEAD") -> dict[str, str]:
    """{path: committer time (ISO-8601 UTC, "Z") of the last commit other than a merge that changed
    it} for every file under `folder` in the history of `rev`, from one `git log`."""
    from datetime import UTC, datetime

    if head_sha(cwd) is None:
        return {}
    args = ["log", "--no-merges", "--format=%x00%ct", "--name-only", "--no-relative"]
    out = run([*args, "--end-of-options", rev, "--", folder], cwd)
    found: dict[str, str] = {}
    for chunk in out.split("\0")[1:]:
        stamp, *names = chunk.split("\n")
        moment = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for name in names:
            if name and name not in found:
                found[name] = moment
    return found


def staged_paths(cwd: Path | str, folder: str) -> list[str]:
    """Paths under `folder` whose staged content differs from HEAD's (all of them when unborn)."""
    base = (
        ["HEAD"]
        if head_sha(cwd)
        else [run(["hash-object", "-t", "tree", "--stdin"], cwd, "").strip()]
    )
    out = run(["diff", "--cached", "--name-only", "-z", "--no-relative", *base, "--", folder], cwd)
    return [name for name in out.split("\0") if name]


# --- recall (journal.recall) ----------------------------------------------------------------------


class CommitMessage(NamedTuple):
    sha: str
    branch: str  # the branch (or HEAD) git first reached it from: `%S` of `git log --source`
    authored: int  # author time, epoch seconds
    message: str  # the full message, trailing newlines removed


def commit_messages(cwd: Path | str, exclude: Sequence[str] = ()) -> list[CommitMessage]:
    """The full messages of the commits reachable from any local branch or HEAD but from none of
    `exclude` (SHAs that name no object here are ignored), newest first, each with the branch it
    was reached from, from one `git log`."""
    include = ["--branches", *(["HEAD"] if head_sha(cwd) else [])]
    args = ["log", "--source", "--format=%x00%H%x1f%S%x1f%at%x1f%B", "--no-show-signature"]
    args += ["--ignore-missing"]
    out = run([*args, *include, "--end-of-options", *(f"^{sha}" for sha in exclude), "--"], cwd)
    found: list[CommitMessage] = []
    for chunk in out.split("\0")[1:]:
        sha, source, stamp, message = chunk.split("\x1f", 3)
        found.append(CommitMessage(sha, source, int(stamp), message.rstrip("\n")))
    return found


def commit_times(cwd: Path | str, shas: Sequence[str]) -> dict[str, str]:
    """{sha: committer date (ISO 8601)} of the commits among `shas` that exist, from one `git log`."""
    present = existing_commits(cwd, shas)
    if not present:
        return {}
    out = run(["log", "--no-walk=unsorted", "--format=%H %cI", *present, "--"], cwd)
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


# --- answers shared by the pre-commit stage's steps (inside `refs_frozen`) ------------------------


def _var_list(cwd: Path | str) -> str:
    """`git var -l`: the identities and every config variable (all layers, in order)."""
    return _frozen_answer("var -l", cwd, lambda: run(["var", "-l"], cwd))


def config_get_frozen(cwd: Path | str, key: str) -> str | None:
    """`config_get`, read inside `refs_frozen` from the `git var -l` the stage runs anyway (the
    last value wins, as with `git config --get`); a key with a subsection asks git."""
    section, _, name = key.partition(".")
    if _frozen is None or not name or "." in name:
        return config_get(cwd, key)
    wanted = f"{section}.{name}".lower() + "="
    found = None
    for line in _var_list(cwd).splitlines():
        if line.startswith(wanted):
            found = line[len(wanted) :]
    return found


def _remember_staged(cwd: Path | str, files: Sequence[FileStat]) -> None:
    """What `staged` saw changed in place (in HEAD and in the index, other bytes or type): the
    index as it is until the stage adds to it. Renames and copies never involve such a path."""
    if _frozen is not None:
        changed = sorted(f.path for f in files if f.status in ("M", "T"))
        _frozen[("staged modified", os.fspath(cwd))] = changed


def _forget_staged(cwd: Path | str) -> None:
    if _frozen is not None:
        _frozen.pop(("staged modified", os.fspath(cwd)), None)


def staged_modified(cwd: Path | str, folder: str) -> list[str]:
    """Paths under `folder` that HEAD and the index both hold, with other content or type.
    Inside `refs_frozen`, answered from the diff `staged` ran while the index has not moved
    since (only `stage` moves it); else, or for a glob in `folder`, git is asked."""
    known = _frozen.get(("staged modified", os.fspath(cwd))) if _frozen is not None else None
    plain = folder and not any(c in folder for c in "*?[:\\") and folder == _normal(folder)
    if isinstance(known, list) and plain:
        return [name for name in known if name == folder or name.startswith(folder + "/")]
    if not head_sha(cwd):
        return []
    args = ["diff", "--cached", "--name-only", "-z", "--no-relative", "--no-renames"]
    out = run([*args, "--diff-filter=MT", "HEAD", "--", folder], cwd)
    return sorted(name for name in out.split("\0") if name)


def _normal(folder: str) -> str:
    return "/".join(part for part in folder.split("/") if part not in ("", ".", ".."))


_HEXDIGITS = "0123456789abcdef"


def _existing_commits_frozen(cwd: Path | str, shas: Sequence[str]) -> list[str]:
    """`existing_commits` inside `refs_frozen`: each name is asked of git once per run. A hook
    removes no object, and the only commits it creates (notes) are never asked about."""
    from journal import _gitparse

    key = ("commits exist", os.fspath(cwd))
    known: dict[str, str | None] = {}
    if _frozen is not None:
        known = _frozen.setdefault(key, known)  # type: ignore[assignment]
    missing = list(dict.fromkeys(sha for sha in shas if sha not in known))
    if missing:
        query = ["cat-file", f"--batch-check={_gitparse.BATCH_CHECK_FORMAT}"]
        lines = run(query, cwd, stdin="\n".join(missing) + "\n").splitlines()
        for sha, line in zip(missing, lines, strict=True):
            known[sha] = line.split()[0] if line.endswith(" commit") else None
    return [found for sha in shas if (found := known[sha])]
