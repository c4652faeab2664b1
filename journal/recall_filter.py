"""Which recall documents a view may see: the ancestry filter.

Every document carries the commits it is anchored to (`Doc.keys`: SHA and patch-id) and the branch
it belongs to. By default a document is seen from HEAD when
* it is a commit reachable from HEAD, or
* it is anchored to a commit reachable from HEAD: itself, what the rewrite store says it became
  (the keys are re-keyed when the index learns of a rewrite), or a reachable commit with the same
  patch-id (a rebase or cherry-pick no hook saw); another branch's journal of a day needs all of
  the day's commits, or
* it is not a commit and belongs to the checked-out branch (a session started there, the journals
  and tasks of its work tree).
So an abandoned pre-rebase commit is never served, while a session whose commits were rebased
follows them. With `all_branches` the view is every local branch: commits reachable from one of
them, and every other document, each labelled with its branch.

Reachability comes from one `git rev-list` per HEAD (per set of branch tips with `all_branches`),
kept for the life of the process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from journal import git


@dataclass(frozen=True)
class Anchor:
    sha: str
    patch_id: str | None = None


@dataclass
class Candidate:
    """A ranked row from the index, before the filter."""

    kind: str
    branch: str | None
    sha: str | None
    keys: list[Anchor] = field(default_factory=list)


@dataclass
class View:
    """The commits one query may see, and how to name where a hit lives."""

    branch: str | None  # the checked-out branch (None when detached)
    alive: frozenset[str]  # reachable from HEAD, or from any branch with `all_branches`
    on_head: frozenset[str]  # reachable from HEAD
    all_branches: bool
    same_patch: Callable[[list[str]], set[str]]  # patch-ids -> SHAs of indexed commits having them

    def admits(self, doc: Candidate) -> bool:
        if doc.kind == "commit":
            return doc.sha in self.alive
        if self.all_branches or (doc.branch is not None and doc.branch == self.branch):
            return True
        if doc.kind == "journal":  # another branch's copy of a day: only once all of it is here
            return bool(doc.keys) and all(map(self._reaches, doc.keys))
        return any(map(self._reaches, doc.keys))

    def _reaches(self, key: Anchor) -> bool:
        return self._reached(key) is not None

    def _reached(self, key: Anchor) -> str | None:
        """The commit of the view `key` stands for: itself, or one with its patch-id."""
        if key.sha in self.alive:
            return key.sha
        if not key.patch_id:
            return None
        return min((s for s in self.same_patch([key.patch_id]) if s in self.alive), default=None)

    def label(self, doc: Candidate) -> str | None:
        """The branch a hit is shown with: the checked-out one for a commit or session HEAD
        reaches, else the document's own (journals and tasks are copies of one branch's files)."""
        if doc.kind in ("commit", "session") and self.branch and self.anchor(doc) in self.on_head:
            return self.branch
        return doc.branch

    def anchor(self, doc: Candidate) -> str | None:
        """The commit a hit points at: its own, else the first anchor the view reaches."""
        if doc.kind == "commit":
            return doc.sha
        reached = (self._reached(key) for key in doc.keys)
        return next((sha for sha in reached if sha), doc.sha)


_CACHE: dict[tuple[str, str], frozenset[str]] = {}
_CACHE_MAX = 8


def reachable(toplevel: Path, head: str | None, *, all_branches: bool) -> frozenset[str]:
    """The commits reachable from `head` (or from any local branch and HEAD), one walk per HEAD
    (per tip set) per process."""
    if head is None and not all_branches:
        return frozenset()
    tips = git.tips(toplevel, head) if all_branches else [head or ""]
    key = (str(toplevel), " ".join(tips))
    found = _CACHE.get(key)
    if found is None:
        found = frozenset(git.run(["rev-list", *tips, "--"], toplevel).split()) if tips else None
        found = found or frozenset()
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = found
    return found


def current_head(paths: git.RepoPaths) -> git.Head:
    """HEAD read from the files git keeps it in (a query runs no git process when the walk is
    cached); anything unusual (a reftable, a symbolic ref elsewhere) asks git."""
    try:
        text = (paths.git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if not text.startswith("ref: "):
            return git.Head(_full_sha(text), None)
        ref = text[len("ref: ") :]
        if not ref.startswith("refs/heads/"):
            raise LookupError(ref)
        branch = ref[len("refs/heads/") :]
        loose = paths.common_dir / ref
        if loose.is_file():
            return git.Head(_full_sha(loose.read_text(encoding="utf-8").strip()), branch)
        packed = paths.common_dir / "packed-refs"
        lines = packed.read_text(encoding="utf-8").splitlines() if packed.is_file() else []
        found = [line.split(" ", 1)[0] for line in lines if line.endswith(" " + ref)]
        return git.Head(_full_sha(found[0]) if found else None, branch)
    except (OSError, LookupError, ValueError):
        return git.head(paths.toplevel)


def _full_sha(text: str) -> str:
    if len(text) != 40 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(text)
    return text
