"""The task graph in a refresh: the state and branch view a run renders tasks with, the day
journals whose task section moved since the view's last run, and `tasks.md`.

A day's journal is rendered again only when what its task section shows changed: each view keeps,
per local day with task changes, a fingerprint of that section (local state, `task-days.json`);
a day whose fingerprint moved (a transition added, merged in or lost, a title or evidence edited,
a status folded by a merge) is rendered at the next stage or `render`. A state without tasks
costs one read of `project_state.json`: no git walk, no template.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from journal import checkpoint, merge_journal, render, state, task_overview, task_render, task_store
from journal.tasks import View, tasks_of
from journal.web import WebLinks

if TYPE_CHECKING:
    from journal.run import Run

TASK_DAYS_FILE = "task-days.json"


@dataclass
class Board:
    """The state document of a run and, loaded on first use, the view of its checked-out branch."""

    toplevel: Path
    doc: dict[str, Any]
    _by_day: dict[date, list[dict[str, Any]]] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, toplevel: Path) -> Board:
        return cls(toplevel, task_store.load_doc(toplevel))

    @functools.cached_property
    def view(self) -> View:
        return task_store.view_for(self.toplevel)

    def day_tasks(self, when: date, tz: ZoneInfo, web: WebLinks | None) -> list[dict[str, Any]]:
        return self.by_day(tz, web).get(when, [])

    def fingerprints(self, tz: ZoneInfo, web: WebLinks | None) -> dict[str, str]:
        return task_render.fingerprints(self.by_day(tz, web))

    def by_day(self, tz: ZoneInfo, web: WebLinks | None) -> dict[date, list[dict[str, Any]]]:
        """Every day's task entries, computed once per run (a run has one zone and one host)."""
        if self._by_day is None:
            found = tasks_of(self.doc)
            self._by_day = task_render.tasks_by_day(self.doc, self.view, tz, web) if found else {}
        return self._by_day


@dataclass
class DayPrints:
    """The task fingerprints of one view: the stored ones and the current ones."""

    local: Path
    key: str
    stored: dict[str, str]
    current: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, run: Run) -> DayPrints:
        local = state.local_dir(run.paths.common_dir)
        key = checkpoint.view_key(run.paths.toplevel, run.branch)
        views = state.read_json(local / TASK_DAYS_FILE, default={}) or {}
        stored = views.get(key) if isinstance(views, dict) else None
        prints = cls(local, key, dict(stored) if isinstance(stored, dict) else {})
        prints.current = run.board.fingerprints(run.tz, run.web)
        return prints

    @property
    def moved(self) -> set[date]:
        return task_render.changed_days(self.stored, self.current)

    def save(self) -> None:
        """Remember the current fingerprints (call once the days they moved were rendered)."""
        path = self.local / TASK_DAYS_FILE
        views = state.read_json(path, default={}) or {}
        if not isinstance(views, dict):
            views = {}
        if views.get(self.key) == self.current or (not self.current and self.key not in views):
            return
        views[self.key] = self.current
        state.write_atomic(path, state.dumps_canonical(views))


def all_days(run: Run) -> set[date]:
    """Every local day with a task change (`render --all` renders them all)."""
    return task_render.transition_days(task_store.load_doc(run.paths.toplevel), run.tz)


def write_overview(run: Run, *, force: bool = False) -> None:
    """Write `tasks.md` when the state has a graph; a change counts as written (and is staged).
    Skipped, like a day's journal, when its inputs and the file are as its last render left them
    (`day_digest`), unless `force`."""
    from journal import day_digest

    board = run.board
    if not task_overview.has_graph(board.doc):
        return
    local = state.local_dir(run.paths.common_dir)
    path = task_overview.overview_path(run.paths.toplevel, run.config)
    context = task_overview.overview_context(board.doc, board.view, run.web)
    digests = day_digest.DayDigests.load(local, render.template_dirs(run.paths.toplevel))
    inputs = digests.of_day(context)
    if force or not digests.fresh(path, inputs):
        env = render.environment(run.paths.toplevel, cache_dir=local / "template-cache")
        result = task_overview.write_context(path, context, env)
        digests.record(path, inputs)
        digests.save()
        if result.changed:
            run.result.written.append(path)
    # A merge that kept one side's region recorded the file as stale; it is derived again now
    # (or was found to be what its inputs render).
    merge_journal.clear_stale(
        run.paths.common_dir, [path.relative_to(run.paths.toplevel).as_posix()]
    )
