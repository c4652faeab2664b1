"""`ai-journal check --range BASE..HEAD`: what a pull request brings, checked from git alone.

Everything is read from the repository's objects (no work tree, index, local state or agent log),
so a fresh clone in CI gives the same answer as the author's machine. HEAD below is the range's
head, not necessarily the checked-out commit.

- **Coverage.** Each commit of the range other than a merge, on its local day D (author date, in
  the `journal.timezone` of HEAD's config), is covered when its message ends with the trailer
  `AI-Journal: human-only` (git's own trailer rules), or D's journal at HEAD lists it under
  `commits:`, or it is HEAD itself and D's journal was committed with it (it shows "this commit
  (pending)"; the freshness check proves it), or D has no journal at HEAD and needs none: the rule
  the stage itself follows (`journals.has_agent_work`: no session active on D, no commit of D
  linked to a session, no task changed on D).
- **Reachable citations.** Every SHA a journal lists under `commits:`, every full-length SHA in a
  journal's hand-written text, and every `commits[].sha` and `rewritten[].successor` of a session
  fragment at HEAD names a commit reachable from HEAD, or is the `sha` of a fragment's
  `rewritten` record (a commit history replaced, kept on purpose).
- **Freshness** (`check_fresh`): the journals of the days of the range's commits (human-only ones
  left out: a colleague without ai-journal does not make a day's journal owe them an entry) and
  the journals the range's own commits changed equal a fresh render at HEAD.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from journal import config as config_mod
from journal import git, merge_journal, state
from journal.config import Config
from journal.errors import JournalError
from journal.local_time import local

TRAILER = "AI-Journal"
HUMAN_ONLY = "human-only"
FRAGMENT_DIR = f"{state.COMMITTED_DIRNAME}/sessions/"
CONFIG_FILE = f"{state.COMMITTED_DIRNAME}/config.toml"
_JOURNAL_NAME = re.compile(r"\d{4}-\d{2}-\d{2}\.md")
_FULL_SHA = re.compile(r"(?<![0-9a-f])[0-9a-f]{40}(?:[0-9a-f]{24})?(?![0-9a-f])")


class Finding(NamedTuple):
    path: str  # repository-relative; "" when the problem is a commit's, not a file's
    line: int
    column: int
    message: str


class RangeCommit(NamedTuple):
    sha: str
    authored: str
    subject: str
    human_only: bool
    journals: tuple[str, ...]  # day journals the commit changed


@dataclass
class Snapshot:
    """The ai-journal files of the range's head (and of its first parent, for the journals)."""

    toplevel: Path
    head: str
    parent: str | None
    merge: bool
    config: Config
    files: dict[str, bytes]  # path → content at head: `.ai-journal/**` and the journal folder
    before: dict[str, bytes | None]  # journal path → content at the first parent
    fragments: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)  # files that could not be read

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.timezone)

    def journal_path(self, when: date) -> str:
        return f"{self.config.journal_dir.strip('/')}/{when.isoformat()}.md"

    def journals(self) -> dict[str, str]:
        """Day journal path → text, for every journal at head."""
        folder = self.config.journal_dir
        return {
            path: data.decode("utf-8", errors="replace")
            for path, data in self.files.items()
            if _is_journal(path, folder)
        }

    def committed_with_head(self, path: str) -> bool:
        return path in self.files and self.before.get(path) != self.files[path]


def check(toplevel: Path, base: str, head: str) -> list[Finding]:
    """Every problem of `base..head` except secrets (see the module docstring)."""
    from journal import check_fresh

    snap = snapshot(toplevel, head)
    base_sha = _resolve(toplevel, base)
    commits = range_commits(toplevel, base_sha, snap.head, snap.config.journal_dir)
    days = checked_days(snap, commits)
    fresh = check_fresh.Renderer(snap)
    try:
        problems = list(snap.problems)
        problems += coverage(snap, commits, fresh.needs_journal)
        problems += unreachable(snap)
        problems += fresh.stale(days)
    finally:
        fresh.close()
    return problems


# -- reading the head --------------------------------------------------------------------------


def snapshot(toplevel: Path, rev: str) -> Snapshot:
    head = _resolve(toplevel, rev)
    parents = git.run(["rev-list", "--parents", "-n", "1", head, "--"], toplevel).split()[1:]
    config = _config_at(toplevel, head)
    folder = config.journal_dir.strip("/")
    names = git.run(
        ["ls-tree", "-r", "-z", "--name-only", head, "--", state.COMMITTED_DIRNAME, folder],
        toplevel,
    )
    paths = sorted({name for name in names.split("\0") if name})
    journals = [p for p in paths if p.startswith(folder + "/") and p.endswith(".md")]
    wanted = [f"{head}:{p}" for p in paths]
    wanted += [f"{parents[0]}:{p}" for p in journals] if parents else []
    blobs = git.blobs(toplevel, wanted)
    files = {p: data for p in paths if (data := blobs.get(f"{head}:{p}")) is not None}
    before = {p: blobs.get(f"{parents[0]}:{p}") if parents else None for p in journals}
    parent = parents[0] if parents else None
    snap = Snapshot(toplevel, head, parent, len(parents) > 1, config, files, before)
    for path, data in files.items():
        if path.startswith(FRAGMENT_DIR) and path.endswith(".json"):
            doc = _fragment(path, data, snap.problems)
            if doc is not None:
                snap.fragments[path] = doc
    return snap


def _config_at(toplevel: Path, head: str) -> Config:
    data = git.blobs(toplevel, [f"{head}:{CONFIG_FILE}"]).get(f"{head}:{CONFIG_FILE}")
    if data is None:
        return Config()
    origin = f"{CONFIG_FILE} at {head[:7]}"
    try:
        raw = tomllib.loads(data.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        raise JournalError(f"{origin}: {exc}; fix the TOML syntax") from exc
    return config_mod.from_mapping(raw, origin)


def _fragment(path: str, data: bytes, problems: list[Finding]) -> dict[str, Any] | None:
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        problems.append(Finding(path, 1, 1, "not UTF-8 text; fix or remove the fragment"))
        return None
    except json.JSONDecodeError as exc:
        problems.append(Finding(path, exc.lineno, exc.colno, f"not JSON ({exc.msg})"))
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        problems.append(Finding(path, 1, 1, "not a session fragment (no session id)"))
        return None
    return doc


def _resolve(toplevel: Path, rev: str) -> str:
    sha = git.resolve_commit(toplevel, rev)
    if sha is None:
        raise JournalError(f"no commit named {rev!r}; in CI, fetch the history (fetch-depth: 0)")
    return sha


# -- the range ---------------------------------------------------------------------------------


def range_commits(toplevel: Path, base: str, head: str, folder: str) -> list[RangeCommit]:
    """The non-merge commits of `base..head`, oldest first, each with the day journals (under
    `folder`) it changed, from one `git log`."""
    values = f"%(trailers:key={TRAILER},valueonly,unfold,separator=%x1d)"
    args = ["-c", "core.quotePath=false", "log", "--no-merges", "--reverse", "--name-only"]
    args += ["--no-show-signature", "--no-relative", f"--format=%x00%H%x1f%aI%x1f{values}%x1f%s"]
    out = git.run([*args, "--end-of-options", head, f"^{base}", "--"], toplevel)
    found = []
    for chunk in out.split("\0")[1:]:
        first, _, names = chunk.partition("\n")
        sha, authored, block, subject = first.split("\x1f", 3)
        marks = {value.strip().lower() for value in block.split("\x1d")}
        journals = tuple(n for n in names.splitlines() if _is_journal(n, folder))
        found.append(RangeCommit(sha, authored, subject, HUMAN_ONLY in marks, journals))
    return found


def commit_day(commit: RangeCommit, tz: ZoneInfo) -> date:
    return local(commit.authored, tz).date()


def checked_days(snap: Snapshot, commits: list[RangeCommit]) -> set[date]:
    """The days whose journal the range answers for: those of its commits but the human-only
    ones, and those of the journals its own (non-merge) commits wrote that are still at head."""
    days = {commit_day(c, snap.tz) for c in commits if not c.human_only}
    written = {path for c in commits for path in c.journals if path in snap.files}
    return days | {date.fromisoformat(Path(path).stem) for path in written}


def _is_journal(path: str, folder: str) -> bool:
    prefix = folder.strip("/") + "/"
    return path.startswith(prefix) and bool(_JOURNAL_NAME.fullmatch(path[len(prefix) :]))


# -- coverage ----------------------------------------------------------------------------------


def coverage(
    snap: Snapshot, commits: list[RangeCommit], needs_journal: Callable[[date], str | None]
) -> list[Finding]:
    """The commits of the range no journal covers (see the module docstring)."""
    journals = snap.journals()
    listed = {path: set(front_list(text, "commits")) for path, text in journals.items()}
    needs: dict[date, str | None] = {}
    found = []
    for commit in commits:
        if commit.human_only:
            continue
        when = commit_day(commit, snap.tz)
        path = snap.journal_path(when)
        name = f'commit {commit.sha[:7]} "{commit.subject}" ({when.isoformat()})'
        if path in journals:
            pending = commit.sha == snap.head and snap.committed_with_head(path)
            if commit.sha not in listed[path] and not pending:
                found.append(Finding(path, 1, 1, f"{name} is not listed in {path}{_HINT}"))
            continue
        if when not in needs:
            needs[when] = needs_journal(when)
        reason = needs[when]
        if reason:
            found.append(Finding("", 0, 0, f"{name} has no journal: {path} is missing, {reason}"))
    return found


_HINT = (
    "; run `ai-journal render --since BASE` and commit the journals, or end a commit made"
    f" without an agent with the trailer `{TRAILER}: {HUMAN_ONLY}`"
)


def front_list(text: str, key: str) -> list[str]:
    """A list of a journal's frontmatter (`commits`, `branches`); [] when absent or unreadable."""
    import yaml

    front = merge_journal.split(text).frontmatter
    body = "".join(front.splitlines(keepends=True)[1:-1])
    try:
        meta = yaml.safe_load(body) if body else None
    except yaml.YAMLError:
        return []
    items = meta.get(key) if isinstance(meta, dict) else None
    return [str(item) for item in items] if isinstance(items, list) else []


# -- citations ---------------------------------------------------------------------------------


def unreachable(snap: Snapshot) -> list[Finding]:
    """Citations of commits HEAD cannot reach that no `rewritten` record accounts for."""
    reachable = git.reachable(snap.toplevel, snap.head)
    replaced = {
        str(record.get("sha"))
        for doc in snap.fragments.values()
        for record in doc.get("rewritten") or []
        if isinstance(record, dict)
    }
    found = []
    for path, sha in citations(snap):
        if sha not in reachable and sha not in replaced:
            text = snap.files[path].decode("utf-8", errors="replace")
            line, column = _place(text, sha)
            message = (
                f"cites commit {sha[:7]}, which {snap.head[:7]} does not reach (history was"
                " rewritten?); run `ai-journal render` to carry it to its successor and commit,"
                " then `ai-journal reconcile` for what is left"
            )
            found.append(Finding(path, line, column, message))
    return found


def citations(snap: Snapshot) -> list[tuple[str, str]]:
    """(path, SHA) of every commit a journal or fragment at head cites, in file order."""
    found: list[tuple[str, str]] = []
    for path, text in sorted(snap.journals().items()):
        parts = merge_journal.split(text)
        shas = front_list(text, "commits") + _FULL_SHA.findall(parts.before + parts.after)
        found += [(path, sha) for sha in dict.fromkeys(shas)]
    for path, doc in sorted(snap.fragments.items()):
        links = [link.get("sha") for link in _dicts(doc.get("commits"))]
        links += [record.get("successor") for record in _dicts(doc.get("rewritten"))]
        found += [(path, sha) for sha in dict.fromkeys(links) if isinstance(sha, str) and sha]
    return found


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _place(text: str, needle: str) -> tuple[int, int]:
    at = max(text.find(needle), 0)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
