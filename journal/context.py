"""The context preamble a new agent session on this worktree starts from (`ai-journal context`).

`assemble` gathers four sections from the committed files, git and the local state: the project's
goals and current milestone; the tasks in progress and the ready queue (in this branch's view); the
last sessions on this branch (summary, unfinished plan steps, commands whose last run failed); and
what changed since this branch's last agent session (new commits, rewrites, branch switches,
ahead/behind upstream, tasks whose evidence vanished, pending reconciliations).

Every item carries a weight. To fit a byte budget (measured on the Markdown form, UTF-8), items are
dropped whole, the lowest weight first and, among equals, the one listed last; what was dropped is
counted in `omitted`, and so is what the section caps left out before budgeting. The same inputs
give the same output: no wall-clock time, stable order everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import git
from journal.config import Config

# Kind of item -> (singular, plural) for the "left out" line.
NOUNS: dict[str, tuple[str, str]] = {
    "goal": ("goal", "goals"),
    "milestone": ("milestone", "milestones"),
    "in_progress": ("task in progress", "tasks in progress"),
    "ready": ("ready task", "ready tasks"),
    "session": ("session", "sessions"),
    "commit": ("new commit", "new commits"),
    "rewrite": ("rewrite", "rewrites"),
    "switch": ("branch switch", "branch switches"),
    "upstream": ("upstream comparison", "upstream comparisons"),
    "vanished": ("task with vanished evidence", "tasks with vanished evidence"),
    "reconcile": ("pending reconciliation", "pending reconciliations"),
}


@dataclass
class Section:
    name: str  # "project" | "tasks" | "changes" | "sessions"
    title: str
    items: list[str | dict[str, Any]] = field(default_factory=list)
    weights: list[int] = field(default_factory=list, repr=False)

    def add(self, item: dict[str, Any], weight: int) -> None:
        self.items.append(item)
        self.weights.append(weight)


@dataclass
class Context:
    branch: str | None
    head: str | None
    sections: list[Section]
    omitted: list[str] = field(default_factory=list)
    budget: int | None = None
    capped: dict[str, int] = field(default_factory=dict, repr=False)  # kind -> left out by caps

    def to_markdown(self, level: int = 1) -> str:
        """The preamble as Markdown; `level` is the heading level of its title (2 inside a file
        that has its own title, such as AGENTS.md)."""
        mark = "#" * level
        where = f"`{self.branch}`" if self.branch else "a detached HEAD"
        at = f" at `{self.head[:7]}`" if self.head else ""
        lines = [f"{mark} Where the work stands", "", f"On {where}{at}, from `ai-journal context`."]
        for section in self.sections:
            if not section.items:
                continue
            lines += ["", f"{mark}# {section.title}", ""]
            lines += [_bullet(item) for item in section.items]
        if self.omitted:
            fit = f" to fit {self.budget} bytes" if self.budget is not None else ""
            lines += ["", f"Left out{fit}: {', '.join(self.omitted)}."]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "head": self.head,
            "budget": self.budget,
            "sections": [
                {"name": s.name, "title": s.title, "items": list(s.items)} for s in self.sections
            ],
            "omitted": list(self.omitted),
        }


def _bullet(item: str | dict[str, Any]) -> str:
    text = item if isinstance(item, str) else str(item.get("text", ""))
    first, *rest = text.splitlines() or [""]
    return "\n".join([f"- {first}", *(f"  {line}" for line in rest)])


def assemble(paths: git.RepoPaths, config: Config, *, budget: int | None = None) -> Context:
    """The context of this worktree, fitted to `budget` bytes of Markdown when given."""
    from journal import context_changes, context_sources

    gathered = context_sources.gather(paths, config)
    changes = context_changes.section(paths, config, gathered)
    sections = [gathered.project, gathered.tasks, changes, gathered.sessions]
    context = Context(gathered.branch, gathered.head, sections, capped=dict(gathered.capped))
    return fit(context, budget)


def fit(context: Context, budget: int | None) -> Context:
    """Drop whole items, least relevant first, until the Markdown fits `budget` bytes."""
    context.budget = budget
    dropped: dict[str, int] = {}
    context.omitted = _omitted(context.capped, dropped)
    if budget is None:
        return context
    order = sorted(
        (
            (weight, -si, -ii)
            for si, section in enumerate(context.sections)
            for ii, weight in enumerate(section.weights)
        ),
    )
    gone: set[tuple[int, int]] = set()
    originals = [(list(s.items), list(s.weights)) for s in context.sections]
    for _weight, neg_si, neg_ii in order:
        if _size(context) <= budget:
            break
        gone.add((-neg_si, -neg_ii))
        kind = _kind(originals[-neg_si][0][-neg_ii])
        dropped[kind] = dropped.get(kind, 0) + 1
        for si, section in enumerate(context.sections):
            items, weights = originals[si]
            keep = [ii for ii in range(len(items)) if (si, ii) not in gone]
            section.items = [items[ii] for ii in keep]
            section.weights = [weights[ii] for ii in keep]
        context.omitted = _omitted(context.capped, dropped)
    return context


def _size(context: Context) -> int:
    return len(context.to_markdown().encode("utf-8"))


def _kind(item: str | dict[str, Any]) -> str:
    return str(item.get("kind", "item")) if isinstance(item, dict) else "item"


def _omitted(capped: dict[str, int], dropped: dict[str, int]) -> list[str]:
    """ "3 sessions", "12 ready tasks", in the order of `NOUNS`."""
    counts = {kind: capped.get(kind, 0) + dropped.get(kind, 0) for kind in {*capped, *dropped}}
    order = [*NOUNS, *sorted(set(counts) - set(NOUNS))]
    return [_count(kind, counts[kind]) for kind in order if counts.get(kind)]


def _count(kind: str, count: int) -> str:
    one, many = NOUNS.get(kind, (kind, kind))
    return f"{count} {one if count == 1 else many}"


def write_agents_block(toplevel: Path, text: str) -> bool:
    """Put `text` between the context markers of `toplevel`/AGENTS.md (see `context_agents`);
    True when the file changed."""
    from journal import context_agents

    return context_agents.write_block(toplevel, text)
