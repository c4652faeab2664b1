"""The tools `ai-journal mcp` offers, apart from the protocol: a name, a description, a JSON schema
of the arguments and a function from arguments to a `ToolResult` (text for the model, a JSON
object for programs).

Each call works on the repository of the process's working directory, looked up afresh so a
branch switch between calls is seen. Task changes go through `task_ops` under
`task_store.editing`, with the CLI's own validation: `done` needs an evidence commit reachable
from HEAD, or `force` with a `reason`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal import config as config_mod
from journal import git, mcp_args, task_ops, task_store, tasks
from journal.errors import JournalError

ACTIONS = {
    "start": "in_progress",
    "done": "done",
    "block": "blocked",
    "drop": "dropped",
    "reopen": "open",
}
HIDDEN_BY_DEFAULT = ("done", "dropped")
TASK_FIELDS = ("id", "title", "milestone", "parent", "depends_on", "owner", "labels", "evidence")


@dataclass(frozen=True)
class ToolResult:
    text: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    handler: Callable[[Mapping[str, Any]], ToolResult]

    def call(self, args: Mapping[str, Any] | None) -> ToolResult:
        """Run the tool; bad arguments and user-fixable problems raise `JournalError`."""
        given = dict(args or {})
        mcp_args.check_names(given, self.input_schema)
        return self.handler(given)


def _shown(task: Mapping[str, Any], view: tasks.View) -> dict[str, Any]:
    """A task as an agent needs it: its fields and its status in this branch's view (the
    transition log stays in the state file)."""
    seen = tasks.view_status(task, view)
    shown = {name: task.get(name) for name in TASK_FIELDS}
    shown.update(status=seen.status, pending_evidence=seen.pending_evidence)
    shown["done_on"] = list(seen.done_on)
    return shown


def _task_line(shown: Mapping[str, Any]) -> str:
    notes = []
    if shown["pending_evidence"]:
        notes.append("evidence pending")
    if shown["done_on"]:
        notes.append("done on " + ", ".join(shown["done_on"]))
    if shown.get("depends_on"):
        notes.append("depends on " + ", ".join(shown["depends_on"]))
    suffix = f"  ({'; '.join(notes)})" if notes else ""
    return f"{shown['id']}  {shown['status']:<11}  {shown['title']}{suffix}"


def _listing(heading: str, shown: list[dict[str, Any]], empty: str) -> str:
    lines = [heading, *(_task_line(item) for item in shown)] if shown else [heading, empty]
    return "\n".join(lines) + "\n"


def _where(view: tasks.View) -> str:
    return f"on {view.branch or '(detached HEAD)'}"


def _ordered(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    rank = {m.get("id"): i for i, m in enumerate(doc.get("milestones") or [])}
    return sorted(
        tasks.tasks_of(doc),
        key=lambda t: (rank.get(t.get("milestone"), len(rank)), str(t.get("created")), t["id"]),
    )


# -- the tools ------------------------------------------------------------------------------------


def journal_context(args: Mapping[str, Any]) -> ToolResult:
    from journal import context

    budget = mcp_args.integer(args, "budget", None, 256, 1_000_000)
    paths = git.repo_paths()
    assembled = context.assemble(paths, config_mod.load(paths.toplevel), budget=budget)
    return ToolResult(assembled.to_markdown(), assembled.to_json())


def tasks_list(args: Mapping[str, Any]) -> ToolResult:
    status = mcp_args.choice(args, "status", tasks.STATUSES)
    show_all = mcp_args.flag(args, "all")
    top = git.repo_paths().toplevel
    view = task_store.view_for(top, mcp_args.text(args, "branch"))
    shown = [_shown(t, view) for t in _ordered(task_store.load_doc(top))]
    if status:
        shown = [t for t in shown if t["status"] == status]
    elif not show_all:
        shown = [t for t in shown if t["status"] not in HIDDEN_BY_DEFAULT]
    data = {"branch": view.branch, "head": view.head, "tasks": shown}
    empty = "no tasks to show (done and dropped ones need all: true)"
    return ToolResult(_listing(f"tasks {_where(view)}:", shown, empty), data)


def next_task(args: Mapping[str, Any]) -> ToolResult:
    limit = mcp_args.integer(args, "limit", 5, 1, 100) or 5
    top = git.repo_paths().toplevel
    view = task_store.view_for(top)
    ready = tasks.ready_queue(task_store.load_doc(top), view)
    shown = [_shown(t, view) for t in ready[:limit]]
    data = {"branch": view.branch, "head": view.head, "ready": len(ready), "tasks": shown}
    empty = "nothing is ready: no open task has all its dependencies done"
    heading = f"ready {_where(view)} ({len(ready)} in all, first {len(shown)}):"
    return ToolResult(_listing(heading, shown, empty), data)


def task_update(args: Mapping[str, Any]) -> ToolResult:
    ref = mcp_args.required_text(args, "id")
    action = mcp_args.required_choice(args, "action", tuple(ACTIONS))
    reason = mcp_args.text(args, "reason")
    forced = mcp_args.flag(args, "force")
    paths = git.repo_paths()
    shas = [_commit(paths.toplevel, rev) for rev in mcp_args.texts(args, "commits")]
    if shas and action != "done":
        raise JournalError("commits are evidence for done; pass them with action done")
    actor = task_ops.Actor.here(paths.toplevel)
    status = ACTIONS[action]
    with task_store.editing(paths) as doc:
        task = task_ops.set_status(
            doc, actor, ref, status, reason=reason, forced=forced, commits=shas
        )
        shown = _shown(task, actor.view)
    text = f"{shown['id']} {status}{' (forced)' if forced else ''}: {shown['title']}\n"
    if action == "start":
        text += f"link commits to it with this trailer in their message:\nTask: {shown['id']}\n"
    return ToolResult(text, {"action": action, "task": shown})


def _commit(top: Path, rev: str) -> str:
    sha = git.resolve_commit(top, rev)
    if sha is None:
        raise JournalError(f"no commit {rev!r} in this repository")
    return sha


def recall(args: Mapping[str, Any]) -> ToolResult:
    from journal import recall as recall_mod

    query = mcp_args.required_text(args, "query")
    limit = mcp_args.integer(args, "limit", 10, 1, 100) or 10
    every = mcp_args.flag(args, "all_branches")
    hits = recall_mod.search(git.repo_paths(), query, limit=limit, all_branches=every)
    found = [hit.to_json() for hit in hits]
    lines = [_hit_line(hit) for hit in found] or [f"nothing found for {query!r}"]
    return ToolResult("\n".join(lines) + "\n", {"query": query, "hits": found})


def _hit_line(hit: Mapping[str, Any]) -> str:
    where = " ".join(str(hit[k]) for k in ("day", "branch") if hit.get(k))
    head = f"[{hit['kind']}] {hit['id']}  {hit['title'] or ''}"
    snippet = " ".join(str(hit.get("snippet") or "").split())
    return f"{head}  ({where})\n    {snippet}" if where else f"{head}\n    {snippet}"


def session_show(args: Mapping[str, Any]) -> ToolResult:
    from journal import cli, overview

    text = overview.show_session(cli.Repo(), mcp_args.required_text(args, "id"))
    data = json.loads(text)
    if not isinstance(data, dict):
        raise JournalError("that session fragment is not a JSON object; fix or remove it")
    return ToolResult(text, data)


_STATUS = {"type": "string", "enum": list(tasks.STATUSES)}
TOOLS: tuple[Tool, ...] = (
    Tool(
        "journal_context",
        "What a new session on this work tree should know: goals, the ready queue and tasks in "
        "progress, the last sessions on this branch, and what changed since. Markdown within a "
        "byte budget, and the same as JSON.",
        mcp_args.schema({"budget": {"type": "integer", "minimum": 256, "maximum": 1_000_000}}),
        journal_context,
    ),
    Tool(
        "tasks_list",
        "The tasks with their status as seen from this branch (open, in progress and blocked by "
        "default).",
        mcp_args.schema(
            {
                "status": {**_STATUS, "description": "Only tasks with this status."},
                "all": {"type": "boolean", "description": "Include done and dropped tasks."},
                "branch": {"type": "string", "description": "See statuses from this branch."},
            }
        ),
        tasks_list,
    ),
    Tool(
        "next_task",
        "The ready queue: open tasks whose dependencies are all done, most urgent first.",
        mcp_args.schema({"limit": {"type": "integer", "minimum": 1, "maximum": 100}}),
        next_task,
    ),
    Tool(
        "task_update",
        "Move a task: start, done, block, drop or reopen. done needs an evidence commit "
        "reachable from HEAD (commits adds some), or force with a reason.",
        mcp_args.schema(
            {
                "id": {"type": "string", "description": "The task id or a prefix of it."},
                "action": {"type": "string", "enum": list(ACTIONS)},
                "reason": {"type": "string", "description": "Why; recorded with the move."},
                "commits": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Evidence commits for done (SHAs or revisions).",
                },
                "force": {"type": "boolean", "description": "done without evidence."},
            },
            required=("id", "action"),
        ),
        task_update,
    ),
    Tool(
        "recall",
        "Search past sessions, commit messages, journals and task titles of this branch's "
        "history (all_branches lifts the filter).",
        mcp_args.schema(
            {
                "query": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                "all_branches": {"type": "boolean"},
            },
            required=("query",),
        ),
        recall,
    ),
    Tool(
        "session_show",
        "The committed record of one agent session: prompts, commands, files, plans, commits.",
        mcp_args.schema(
            {"id": {"type": "string", "description": "The session id or a prefix of it."}},
            required=("id",),
        ),
        session_show,
    ),
)
BY_NAME = {tool.name: tool for tool in TOOLS}


def call(name: str, args: Mapping[str, Any] | None) -> ToolResult:
    tool = BY_NAME.get(name)
    if tool is None:
        raise JournalError(f"no tool {name!r}; the tools are {', '.join(BY_NAME)}")
    return tool.call(args)
