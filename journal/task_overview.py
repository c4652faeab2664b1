"""`tasks.md` in `journal.dir`: the whole task graph, grouped by milestone under their goals, as a
Mermaid flowchart (GitHub renders ```mermaid blocks) plus one table per milestone, with statuses
in the view of the branch being rendered.

The file is a generated region between the journal markers; text a person writes around it is
kept. It exists only once the state has a goal, a milestone or a task, and it is byte-identical
for the same state and view. In the flowchart every node is a task (its id is the task id), an
arrow goes from a task to each task that depends on it, a dotted arrow from a task to each
subtask, and each node has the class of its status (`pending_evidence` for a done task whose
evidence is not reachable yet). Labels are reduced to letters, digits and plain punctuation;
anything else is written as a Mermaid entity (`#34;`), so no title can end a label or the block.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journal import render, task_render
from journal.config import Config
from journal.errors import JournalError
from journal.state import write_atomic
from journal.tasks import STATUSES, View, tasks_of
from journal.web import WebLinks

if TYPE_CHECKING:
    import jinja2

OVERVIEW_NAME = "tasks.md"
TEMPLATE = "tasks.md.j2"
CONTEXT_SCHEMA = 1
LABEL_LIMIT = 60
_MINTED = re.compile(r"[a-z]-[0-9a-f]{4,16}")
_PLAIN = set(" -_.,/!?'+=*@$~^:")
CLASS_STYLES = {
    "open": "fill:#ffffff,stroke:#6e7781,color:#1f2328",
    "in_progress": "fill:#ddf4ff,stroke:#0969da,color:#1f2328",
    "blocked": "fill:#ffebe9,stroke:#cf222e,color:#1f2328",
    "done": "fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
    "pending_evidence": "fill:#dafbe1,stroke:#1a7f37,color:#1f2328,stroke-dasharray:4 4",
    "dropped": "fill:#f6f8fa,stroke:#8c959f,color:#6e7781",
}


def has_graph(doc: Mapping[str, Any]) -> bool:
    return any(doc.get(key) for key in ("goals", "milestones", "tasks"))


def overview_context(doc: Mapping[str, Any], view: View, web: WebLinks | None) -> dict[str, Any]:
    """The template context of `tasks.md` (plain JSON data, like a day's context)."""
    milestones = task_render.by_id(doc.get("milestones"))
    entries = [task_render.task_entry(t, view, web, milestones) for t in tasks_of(doc)]
    groups = _groups(doc, entries)
    counts = {s: sum(1 for e in entries if e["status"] == s) for s in STATUSES}
    return {
        "schema": CONTEXT_SCHEMA,
        "branch": view.branch,
        "counts": {status: n for status, n in counts.items() if n},
        "goals": groups,
        "mermaid": mermaid(groups, entries),
    }


def render_overview(context: dict[str, Any], env: jinja2.Environment) -> str:
    import jinja2

    try:
        return str(env.get_template(TEMPLATE).render(context))
    except jinja2.TemplateSyntaxError as exc:
        raise JournalError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise JournalError(f"template {TEMPLATE}: {exc.message}") from exc


def write_overview(
    toplevel: Path,
    config: Config,
    doc: Mapping[str, Any],
    view: View,
    web: WebLinks | None,
    env: jinja2.Environment,
) -> render.RenderResult | None:
    """Write `tasks.md` when the state has a graph; None when it has none (nothing written)."""
    if not has_graph(doc):
        return None
    return write_context(overview_path(toplevel, config), overview_context(doc, view, web), env)


def overview_path(toplevel: Path, config: Config) -> Path:
    return toplevel / config.journal_dir / OVERVIEW_NAME


def write_context(
    path: Path, context: dict[str, Any], env: jinja2.Environment
) -> render.RenderResult:
    """Render `tasks.md` from its `overview_context` into `path`, the text around the region kept."""
    region = render_overview(context, env)
    text = render.replace_region(render.read_existing(path), region)
    return render.RenderResult(path, write_atomic(path, text))


# --- grouping ---------------------------------------------------------------------------------


def _groups(doc: Mapping[str, Any], entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Goals in document order, each with its milestones in document order, each with its tasks
    (subtasks right after their parent, `depth` deeper). Milestones without a known goal come in a
    group whose goal is null; tasks without a known milestone last, in a milestone that is null."""
    goals = [g for g in doc.get("goals") or [] if isinstance(g, dict)]
    milestones = [m for m in doc.get("milestones") or [] if isinstance(m, dict)]
    goal_ids = {g.get("id") for g in goals}

    def section(milestone: Mapping[str, Any]) -> dict[str, Any]:
        mine = [e for e in entries if _milestone_of(e) == milestone.get("id")]
        return _heading(milestone) | {"tasks": _tree(mine)}

    groups: list[dict[str, Any]] = [
        {
            "goal": _heading(goal),
            "milestones": [section(m) for m in milestones if m.get("goal") == goal.get("id")],
        }
        for goal in goals
    ]
    orphans = [section(m) for m in milestones if m.get("goal") not in goal_ids]
    loose = _tree([e for e in entries if _milestone_of(e) is None])
    if loose:
        orphans.append({"id": None, "title": None, "closed": None, "tasks": loose})
    if orphans:
        groups.append({"goal": None, "milestones": orphans})
    return groups


def _milestone_of(entry: Mapping[str, Any]) -> object:
    return entry["milestone"]["id"] if entry["milestone"] else None


def _heading(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": item.get("id"), "title": item.get("title"), "closed": item.get("closed")}


def _tree(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Depth-first: each root in order, then its subtasks; a parent outside the group makes a
    root. A hand-made parent cycle cannot loop: every task is placed once."""
    ids = {e["id"] for e in entries}
    placed: set[str] = set()
    ordered: list[dict[str, Any]] = []

    def place(entry: dict[str, Any], depth: int) -> None:
        if entry["id"] in placed:
            return
        placed.add(entry["id"])
        ordered.append(entry | {"depth": depth})
        for child in entries:
            if child["parent"] == entry["id"]:
                place(child, depth + 1)

    for entry in entries:
        if entry["parent"] not in ids:
            place(entry, 0)
    for entry in entries:  # members of a parent cycle with no root
        place(entry, 0)
    return ordered


# --- Mermaid ----------------------------------------------------------------------------------


def mermaid_text(text: object, limit: int = LABEL_LIMIT) -> str:
    """Text safe inside a quoted Mermaid label: one line, plain characters kept, the rest as
    numeric entities (quotes, brackets, pipes, backticks, `<`, `#`, `;`, …)."""
    flat = render.excerpt(" ".join(str(text or "").split()), limit)
    return "".join(c if c.isalnum() or c in _PLAIN else f"#{ord(c)};" for c in flat)


def mermaid(groups: list[dict[str, Any]], entries: list[dict[str, Any]]) -> str:
    """The flowchart: goals and milestones as nested subgraphs, tasks as nodes, then the edges
    and the status classes."""
    lines = ["flowchart TD"]
    for group in groups:
        lines += _goal_lines(group)
    known = {e["id"] for e in entries}
    for entry in entries:
        lines += [
            f"  {node_id(dep)} --> {node_id(entry['id'])}"
            for dep in entry["depends_on"]
            if dep in known
        ]
    for entry in entries:
        if entry["parent"] in known:
            lines.append(f"  {node_id(entry['parent'])} -.-> {node_id(entry['id'])}")
    lines += [f"  classDef {name} {style}" for name, style in CLASS_STYLES.items()]
    for name in CLASS_STYLES:
        members = [node_id(e["id"]) for e in entries if _node_class(e) == name]
        if members:
            lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines)


def _goal_lines(group: dict[str, Any]) -> list[str]:
    inner = [
        line
        for m in group["milestones"]
        for line in _milestone_lines(m, nested=bool(group["goal"]))
    ]
    goal = group["goal"]
    if goal is None or not inner:
        return inner
    label = mermaid_text(f"Goal: {goal['title']}")
    return [f'  subgraph {node_id(goal["id"])}["{label}"]', *inner, "  end"]


def _milestone_lines(milestone: dict[str, Any], nested: bool) -> list[str]:
    pad = "    " if nested else "  "
    if milestone["id"] is None:  # tasks without a milestone stand outside any subgraph
        return [f"{pad}{_node(e)}" for e in milestone["tasks"]]
    if not milestone["tasks"]:
        return []
    label = mermaid_text(f"Milestone: {milestone['title']}")
    nodes = [f"{pad}  {_node(e)}" for e in milestone["tasks"]]
    return [f'{pad}subgraph {node_id(milestone["id"])}["{label}"]', *nodes, f"{pad}end"]


def _node(entry: dict[str, Any]) -> str:
    label = mermaid_text(entry["id"] + " " + entry["title"])
    return f'{node_id(entry["id"])}["{label}"]'


def node_id(item_id: object) -> str:
    """The id itself when it has the minted shape (`t-7f3a01`); a hand-made id that Mermaid could
    misread (a keyword, spaces, quotes) becomes a stable hashed stand-in."""
    text = str(item_id)
    if _MINTED.fullmatch(text):
        return text
    return "id-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _node_class(entry: dict[str, Any]) -> str:
    return "pending_evidence" if entry["pending_evidence"] else str(entry["status"])
