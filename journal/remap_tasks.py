"""A day's Tasks section through a rewrite that only renamed commits (`journal.remap_journal`).

The refresh moves the tasks' evidence and trailer authors to the successors
(`trailers.remap_evidence`), which moves the section's fingerprint (`journal.task_refresh`), so
the day would be rendered again. When the day's task entries, with the successors named by their
old SHAs again, hash to the fingerprint the view stored at its last render, the section changed
by the renaming only: the journal step renames it with the rest and stores the new fingerprint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from journal import task_refresh, task_render
from journal.remap_text import FULL_SHA, SHORT, Counts

if TYPE_CHECKING:
    from journal.run import Run


class TaskSections:
    def __init__(self, run: Run, renames: Mapping[str, str]) -> None:
        self.run = run
        self.back = {new: old for old, new in renames.items()}
        self.back_short = {new[:SHORT]: old[:SHORT] for new, old in self.back.items()}
        self._prints: task_refresh.DayPrints | None = None

    @property
    def prints(self) -> task_refresh.DayPrints:
        if self._prints is None:
            self._prints = task_refresh.DayPrints.of(self.run)
        return self._prints

    def counts(self, when: date) -> Counts | None:
        """How often the built-in templates write each renamed commit in the day's Tasks section;
        None when the section changed by more than the renaming."""
        key = when.isoformat()
        if key not in self.prints.stored and key not in self.prints.current:
            return Counter(), Counter()
        entries = self.run.board.day_tasks(when, self.run.tz, self.run.web)
        before = task_render.fingerprints({when: self._unrenamed(entries)}).get(key)
        if before is None or before != self.prints.stored.get(key):
            return None
        short: Counter[str] = Counter()
        full: Counter[str] = Counter()
        web = 1 if self.run.web else 0
        for entry in entries:
            actors = [entry.get("owner"), *(row.get("by") for row in entry["transitions"])]
            shas = [c["sha"] for c in entry["evidence"]["commits"]]  # `c.short | link(c.url)`
            shas += [a["id"] for a in actors if a and a.get("kind") == "trailer"]  # the same
            for old in (self.back[sha] for sha in shas if sha in self.back):
                short[old] += 1
                full[old] += web
        return +short, +full

    def keep(self, days: Iterable[date]) -> None:
        """Store the fingerprints of `days`, renamed in place, so they are not rendered again."""
        kept = {d.isoformat() for d in days} & self.prints.current.keys()
        if not kept:
            return
        stored = dict(self.prints.stored)
        stored.update({key: self.prints.current[key] for key in kept})
        prints = self.prints
        task_refresh.DayPrints(prints.local, prints.key, prints.stored, stored).save()

    def _unrenamed(self, value: Any) -> Any:
        """`value` with every successor's SHA (whole, in URLs, or short) turned back to its old."""
        if isinstance(value, dict):
            return {key: self._unrenamed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._unrenamed(item) for item in value]
        if not isinstance(value, str):
            return value
        text = FULL_SHA.sub(lambda m: self.back.get(m[0], m[0]), value)
        return self.back_short.get(text, text) if text == value else text
