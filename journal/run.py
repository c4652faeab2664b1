"""One refresh of one view (a worktree on one branch): what it knows and what it produced."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journal import attribution, git, invocation, remap, state, task_refresh, web
from journal.config import Config

FRAGMENT_DIR = Path(state.COMMITTED_DIRNAME) / "sessions"


@dataclass
class RefreshResult:
    written: list[Path] = field(default_factory=list)  # tracked files whose content changed
    staged: list[Path] = field(default_factory=list)
    days: list[date] = field(default_factory=list)
    sessions: int = 0  # fragments rebuilt
    notices: list[str] = field(default_factory=list)


@dataclass
class Run:
    paths: git.RepoPaths
    config: Config
    tz: ZoneInfo
    worktrees: list[Path]
    head: git.Head
    result: RefreshResult = field(default_factory=RefreshResult)
    hidden: set[str] = field(default_factory=set)  # HEAD while it is being amended
    plan: remap.Plan | None = None  # every stored rewrite, composed
    restored: dict[str, dict[str, Any]] = field(default_factory=dict)  # fragments a reset took

    @classmethod
    def start(cls, paths: git.RepoPaths, config: Config) -> Run:
        top = paths.toplevel
        return cls(paths, config, ZoneInfo(config.timezone), git.worktrees(top), git.head(top))

    @property
    def branch(self) -> str | None:
        return self.head.branch

    @functools.cached_property
    def view(self) -> attribution.View:
        window = self.config.link_window_minutes
        fragments = self.paths.toplevel / FRAGMENT_DIR
        return attribution.View(self.paths, self.worktrees, self.branch, window, fragments)

    @functools.cached_property
    def web(self) -> web.WebLinks | None:
        return web.web_links(git.origin_url(self.paths.toplevel), self.config.web_kind)

    @functools.cached_property
    def board(self) -> task_refresh.Board:
        """The task graph this run renders, loaded on first use (after any refresh step that
        updates it)."""
        return task_refresh.Board.load(self.paths.toplevel)

    def own_file(self, path: str) -> bool:
        """Files ai-journal itself writes: never evidence of an agent's work, never in diffstats."""
        return path.startswith(
            (f"{state.COMMITTED_DIRNAME}/", f"{self.config.journal_dir.strip('/')}/")
        )

    def commits(self, **query: Any) -> list[git.CommitInfo]:
        found = git.commits(self.paths.toplevel, **query)
        return [self.without_own_files(c) for c in found if c.sha not in self.hidden]

    def pending(self) -> git.CommitInfo:
        """The commit being made; an amend takes HEAD's parents and hides HEAD, which it replaces."""
        amend = bool(self.head.sha) and invocation.amending()
        if amend and self.head.sha:
            self.hidden.add(self.head.sha)
        return self.without_own_files(git.staged(self.paths.toplevel, amend=amend))

    def without_own_files(self, commit: git.CommitInfo) -> git.CommitInfo:
        return commit._replace(files=tuple(f for f in commit.files if not self.own_file(f.path)))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
