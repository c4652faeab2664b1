"""Freshness for `check --range`: a journal at the range's head is what a render there writes.

A journal is fresh when its frontmatter and generated region equal those of a render of its day
from the fragments, project state, config and templates at HEAD (read from git, never from the work
tree) and the history HEAD reaches; a person's text around the region is not compared.

Three inputs of a render are not in git, so each is tried the way it can have been:
- **The branch** a render ran on (it is named in `branches:` and decides the task view): the
  pull request's branch (`$GITHUB_HEAD_REF`), the checked-out branch when it points at HEAD, each
  branch the journal's frontmatter names, then none.
- **The pending entry.** A journal committed with HEAD was rendered by HEAD's own pre-commit stage,
  with HEAD as "this commit (pending)" and the task view of HEAD's parent; it is compared that way
  (and as a plain render, for a journal a person edited and committed without the stage).
- **The pending entry's sessions**, which the stage took from the agent logs: every choice of one
  strength and a set of sessions whose fragments show activity in the link window before HEAD
  (all sets up to four sessions; with more, single sessions, pairs and all of them).

A merge at the head keeps one side's generated region until the next commit's stage renders the
day again, so the journals a merge at HEAD changed are not compared.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journal import git, journals, merge_journal, render, task_refresh, task_store, tasks
from journal.check_range import Finding, Snapshot, front_list
from journal.errors import JournalError
from journal.local_time import event_stamps, local
from journal.run import Run

if TYPE_CHECKING:
    import jinja2

STRENGTHS = ("explicit", "files", "time")
COPIED = (".ai-journal/project_state.json", ".ai-journal/templates/")


@dataclass
class _Run(Run):
    """A refresh's view of the snapshot: HEAD is the range's head, git answers are shared."""

    answers: dict[str, list[git.CommitInfo]] = field(default_factory=dict)

    def commits(self, **query: Any) -> list[git.CommitInfo]:
        if query.get("rev", "HEAD") == "HEAD":
            query["rev"] = self.head.sha
        key = json.dumps(query, sort_keys=True, default=str)
        if key not in self.answers:
            self.answers[key] = git.commits(self.paths.toplevel, **query)
        return [self.without_own_files(c) for c in self.answers[key] if c.sha not in self.hidden]


class Renderer:
    """Renders days as the snapshot's head would; `close` removes its temporary files."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.paths = git.repo_paths(snap.toplevel)
        self._tmp = tempfile.TemporaryDirectory(prefix="ai-journal-check-")
        self.root = Path(self._tmp.name)
        for path, data in snap.files.items():
            if path.startswith(COPIED):
                (self.root / path).parent.mkdir(parents=True, exist_ok=True)
                (self.root / path).write_bytes(data)
        self.fragments = sorted(
            snap.fragments.values(), key=lambda f: (f.get("started") or "", f["id"])
        )
        self._env: jinja2.Environment | None = None
        self._doc: dict[str, Any] | None = None
        self._answers: dict[str, list[git.CommitInfo]] = {}
        self._runs: dict[tuple[str | None, bool], _Run] = {}
        self._reachable: dict[str, frozenset[str]] = {}

    def close(self) -> None:
        self._tmp.cleanup()

    # -- the checks ----------------------------------------------------------------------------

    def stale(self, days: set[date]) -> list[Finding]:
        found = []
        texts = self.snap.journals()
        for when in sorted(days):
            path = self.snap.journal_path(when)
            text = texts.get(path)
            with_head = self.snap.committed_with_head(path)
            if text is None or (with_head and self.snap.merge):
                continue
            line = self._mismatch(when, text, with_head)
            if line:
                message = (
                    f"stale: differs from a fresh render at {self.snap.head[:7]} from this line;"
                    f" run `ai-journal render --date {when.isoformat()}` and commit it"
                )
                found.append(Finding(path, line, 1, message))
        return found

    def needs_journal(self, when: date) -> str | None:
        """Why `when` needs a journal by the stage's own rule, or None when it needs none."""
        context = self.context(when, self.branches([])[0], pending=False, links=[])
        if not journals.has_agent_work(context):
            return None
        if context["sessions"]:
            ids = ", ".join(s["short_id"] for s in context["sessions"])
            return f"though sessions were active that day ({ids})"
        linked = [c["short"] for c in context["commits"] if c["sessions"]]
        if linked:
            return f"though commits of that day came from sessions ({', '.join(linked)})"
        return "though tasks changed that day"

    def _mismatch(self, when: date, text: str, with_head: bool) -> int:
        """0 when a render matches the journal, else the first line the likeliest render changes."""
        first: str | None = None
        for branch in self.branches(front_list(text, "branches")):
            for pending in (True, False) if with_head else (False,):
                for links in self._link_choices(when) if pending else [[]]:
                    fresh = self.render(when, text, branch, pending, links)
                    first = first if first is not None else fresh
                    if _generated(fresh) == _generated(text):
                        return 0
        return _first_difference(text, first or "")

    # -- rendering ------------------------------------------------------------------------------

    def render(
        self, when: date, text: str, branch: str | None, pending: bool, links: list[dict[str, str]]
    ) -> str:
        if self._env is None:
            self._env = render.environment(self.root)
        context = self.context(when, branch, pending=pending, links=links)
        return render.render_text(text, context, self._env)

    def context(
        self, when: date, branch: str | None, *, pending: bool, links: list[dict[str, str]]
    ) -> dict[str, Any]:
        run = self._run(branch, pending)
        commit = self._head_as_pending() if pending else None
        return journals.context_of(run, when, self.fragments, commit, links)

    def branches(self, named: list[str]) -> list[str | None]:
        """The branches a render may have run on, likeliest first (see the module docstring)."""
        checked_out = git.head(self.snap.toplevel)
        here = checked_out.branch if checked_out.sha == self.snap.head else None
        names = [os.environ.get("GITHUB_HEAD_REF"), here, *named]
        return [*dict.fromkeys(name for name in names if name), None]

    def _run(self, branch: str | None, pending: bool) -> _Run:
        key = (branch, pending)
        if key not in self._runs:
            snap = self.snap
            head = git.Head(snap.head, branch)
            run = _Run(self.paths, snap.config, snap.tz, [], head, answers=self._answers)
            if pending:
                run.hidden.add(snap.head)
            board = task_refresh.Board(self.root, self._state_doc())
            seen_from = snap.parent if pending else snap.head
            board.__dict__["view"] = tasks.View(branch, seen_from, self._reaches(seen_from))
            run.__dict__["board"] = board  # the snapshot's task view, not the checkout's
            self._runs[key] = run
        return self._runs[key]

    def _head_as_pending(self) -> git.CommitInfo:
        (head,) = self._run(None, False).commits(rev=self.snap.head, limit=1)
        return head._replace(sha="", subject="")

    def _state_doc(self) -> dict[str, Any]:
        if self._doc is None:
            try:
                self._doc = task_store.load_doc(self.root)
            except JournalError as exc:
                where = f"{self.snap.head[:7]}:"
                raise JournalError(str(exc).replace(f"{self.root}/", where)) from exc
        return self._doc

    def _reaches(self, rev: str | None) -> Any:
        def reachable(sha: str) -> bool:
            if rev is None:
                return False
            if rev not in self._reachable:
                self._reachable[rev] = frozenset(git.reachable(self.snap.toplevel, rev))
            return sha in self._reachable[rev]

        return reachable

    def _link_choices(self, when: date) -> Iterator[list[dict[str, str]]]:
        head = self._head_as_pending()
        yield []
        if local(head.authored or head.committed, self.snap.tz).date() != when:
            return
        near = _near(self.fragments, head.committed, self.snap.config.link_window_minutes)
        sizes = list(range(1, len(near) + 1)) if len(near) <= 4 else [1, 2, len(near)]
        for strength in STRENGTHS:
            for size in sizes:
                for chosen in itertools.combinations(near, size):
                    yield [{"session_id": sid, "strength": strength} for sid in chosen]


def _near(fragments: list[dict[str, Any]], committed: str, window_minutes: int) -> list[str]:
    """Ids of the sessions (and their sub-agent threads) active in the link window before a
    commit made at `committed`."""
    at = _moment(committed)
    low, high = at - timedelta(minutes=window_minutes), at + timedelta(seconds=1)
    ids: list[str] = []
    for doc in fragments:
        try:
            stamps = [_moment(s) for s in event_stamps(doc)]
        except (TypeError, ValueError):
            stamps = [at]  # unreadable times: let the render decide
        if stamps and min(stamps) <= high and max(stamps) >= low:
            ids += [doc["id"], *(str(c) for c in doc.get("subagents") or [])]
    return sorted(dict.fromkeys(ids))


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _generated(text: str) -> tuple[str, str]:
    parts = merge_journal.split(text)
    return parts.frontmatter, parts.region


def _first_difference(old: str, new: str) -> int:
    pairs = itertools.zip_longest(old.splitlines(), new.splitlines())
    return next((n for n, (a, b) in enumerate(pairs, start=1) if a != b), 1)
