"""The task graph's commands: `tasks`, `task add|start|done|block|drop|reopen|edit`, `next`,
`goals` and `milestones`. Registered on the main group by `register`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from journal import git, task_ops, task_store, tasks
from journal.errors import JournalError

HIDDEN_BY_DEFAULT = ("done", "dropped")


def register(group: click.Group) -> None:
    for command in (tasks_cmd, task, next_cmd, goals, milestones):
        group.add_command(command)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False))


def _shown(task: dict[str, Any], view: tasks.View) -> dict[str, Any]:
    seen = tasks.view_status(task, view)
    extra = {"status": seen.status, "pending_evidence": seen.pending_evidence}
    return {**task, **extra, "done_on": list(seen.done_on)}


def _line(shown: dict[str, Any]) -> str:
    notes = []
    if shown["pending_evidence"]:
        notes.append("evidence pending")
    if shown["done_on"]:
        notes.append("done on " + ", ".join(shown["done_on"]))
    if shown.get("milestone"):
        notes.append(str(shown["milestone"]))
    if shown.get("depends_on"):
        notes.append("depends on " + ", ".join(shown["depends_on"]))
    if shown.get("labels"):
        notes.append("#" + " #".join(shown["labels"]))
    suffix = f"  ({'; '.join(notes)})" if notes else ""
    return f"{shown['id']}  {shown['status']:<11}  {shown['title']}{suffix}"


def _ordered(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rank = {m.get("id"): i for i, m in enumerate(doc.get("milestones") or [])}
    return sorted(
        tasks.tasks_of(doc),
        key=lambda t: (rank.get(t.get("milestone"), len(rank)), str(t.get("created")), t["id"]),
    )


@click.command(name="tasks")
@click.option("--all", "show_all", is_flag=True, help="Include done and dropped tasks.")
@click.option("--status", type=click.Choice(tasks.STATUSES), help="Only tasks with this status.")
@click.option("--branch", default=None, help="Statuses as seen from this branch (default: HEAD).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def tasks_cmd(show_all: bool, status: str | None, branch: str | None, as_json: bool) -> None:
    """List tasks with their status on this branch (open and active ones by default)."""
    paths = git.repo_paths()
    doc = task_store.load_doc(paths.toplevel)
    view = task_store.view_for(paths.toplevel, branch)
    shown = [_shown(t, view) for t in _ordered(doc)]
    if status:
        shown = [t for t in shown if t["status"] == status]
    elif not show_all:
        shown = [t for t in shown if t["status"] not in HIDDEN_BY_DEFAULT]
    if as_json:
        _echo_json({"branch": view.branch, "head": view.head, "tasks": shown})
        return
    for item in shown:
        click.echo(_line(item))
    if not shown:
        click.echo("no tasks to show; add one with `ai-journal task add TITLE` or use --all")


@click.command(name="next")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def next_cmd(as_json: bool) -> None:
    """The ready queue: open tasks whose dependencies are all done, by milestone and age."""
    paths = git.repo_paths()
    view = task_store.view_for(paths.toplevel)
    ready = [_shown(t, view) for t in tasks.ready_queue(task_store.load_doc(paths.toplevel), view)]
    if as_json:
        _echo_json(ready)
        return
    for item in ready:
        click.echo(_line(item))
    if not ready:
        click.echo("nothing is ready: no open task has all its dependencies done")


@click.group()
def task() -> None:
    """Add, start, finish, block, drop, reopen and edit tasks."""


def _change(action: Any) -> dict[str, Any]:
    """Run `action(doc, actor)` on the locked document and save it; what the action returned."""
    paths = git.repo_paths()
    actor = task_ops.Actor.here(paths.toplevel)
    with task_store.editing(paths) as doc:
        result: dict[str, Any] = action(doc, actor)
    return result


def _title_of(words: Sequence[str]) -> str:
    return " ".join(words)


@task.command(name="add")
@click.argument("title", nargs=-1, required=True)
@click.option("--parent", default=None, help="The parent task's id.")
@click.option("--depends-on", multiple=True, help="A task this one waits for (repeatable).")
@click.option("--milestone", default=None, help="The milestone's id.")
@click.option("--label", multiple=True, help="A label (repeatable).")
@click.option("--owner", default=None, help="Who owns it: `Name <email>` or `session:<id>`.")
def task_add(
    title: tuple[str, ...],
    parent: str | None,
    depends_on: tuple[str, ...],
    milestone: str | None,
    label: tuple[str, ...],
    owner: str | None,
) -> None:
    """Add a task (open)."""
    created = _change(
        lambda doc, actor: task_ops.add_task(
            doc,
            actor,
            _title_of(title),
            parent=parent,
            depends_on=depends_on,
            milestone=milestone,
            labels=label,
            owner=owner,
        )
    )
    click.echo(f"added {created['id']} {created['title']}")


def _moved(item: dict[str, Any], status: str) -> None:
    click.echo(f"{item['id']} {status}: {item['title']}")


@task.command(name="start")
@click.argument("task_id")
def task_start(task_id: str) -> None:
    """Mark a task in progress and print the commit trailer that links commits to it."""
    item = _change(lambda doc, actor: task_ops.set_status(doc, actor, task_id, "in_progress"))
    _moved(item, "in_progress")
    click.echo("link commits to it with this trailer in their message:")
    click.echo(f"Task: {item['id']}")


@task.command(name="done")
@click.argument("task_id")
@click.option("--commit", "commits", multiple=True, help="An evidence commit (repeatable).")
@click.option("--force", is_flag=True, help="Done without reachable evidence (needs --reason).")
@click.option("--reason", default=None, help="Why (recorded with the transition).")
def task_done(task_id: str, commits: tuple[str, ...], force: bool, reason: str | None) -> None:
    """Mark a task done: it needs an evidence commit reachable from HEAD, or --force --reason."""
    top = git.repo_paths().toplevel
    shas = [_commit(top, rev) for rev in commits]
    item = _change(
        lambda doc, actor: task_ops.set_status(
            doc, actor, task_id, "done", reason=reason, forced=force, commits=shas
        )
    )
    _moved(item, "done" + (" (forced)" if force else ""))


def _commit(top: Any, rev: str) -> str:
    sha = git.resolve_commit(top, rev)
    if sha is None:
        raise JournalError(f"no commit {rev!r} in this repository")
    return sha


def _simple_move(name: str, status: str, summary: str) -> None:
    @task.command(name=name, help=summary)
    @click.argument("task_id")
    @click.option("--reason", default=None, help="Why (recorded with the transition).")
    def move(task_id: str, reason: str | None) -> None:
        item = _change(
            lambda doc, actor: task_ops.set_status(doc, actor, task_id, status, reason=reason)
        )
        _moved(item, status)


_simple_move("block", "blocked", "Mark a task blocked.")
_simple_move("drop", "dropped", "Drop a task (it stays in the graph).")
_simple_move("reopen", "open", "Reopen a done, dropped, blocked or started task.")


@task.command(name="edit")
@click.argument("task_id")
@click.option("--title", default=None)
@click.option("--milestone", default=None, help="A milestone id, or `none`.")
@click.option("--parent", default=None, help="A task id, or `none`.")
@click.option("--owner", default=None, help="`Name <email>`, `session:<id>`, or `none`.")
@click.option("--depends-on", multiple=True, help="Add a dependency (repeatable).")
@click.option("--no-depends-on", multiple=True, help="Remove a dependency (repeatable).")
@click.option("--label", multiple=True, help="Add a label (repeatable).")
@click.option("--no-label", multiple=True, help="Remove a label (repeatable).")
def task_edit(
    task_id: str,
    title: str | None,
    milestone: str | None,
    parent: str | None,
    owner: str | None,
    depends_on: tuple[str, ...],
    no_depends_on: tuple[str, ...],
    label: tuple[str, ...],
    no_label: tuple[str, ...],
) -> None:
    """Change a task's title, milestone, parent, owner, dependencies or labels."""
    edit = task_ops.Edit(
        title, milestone, parent, owner, depends_on, no_depends_on, label, no_label
    )
    item = _change(lambda doc, actor: task_ops.edit_task(doc, task_id, edit))
    click.echo(f"edited {item['id']} {item['title']}")


def _list_plain(items: Sequence[dict[str, Any]], describe: Any, empty: str) -> None:
    for item in items:
        state = "closed" if item.get("closed") else "open"
        click.echo(f"{item['id']}  {state:<6}  {item.get('title', '')}{describe(item)}")
    if not items:
        click.echo(empty)


@click.group(invoke_without_command=True)
@click.pass_context
def goals(ctx: click.Context) -> None:
    """List goals, or add or close one."""
    if ctx.invoked_subcommand is None:
        doc = task_store.load_doc(git.repo_paths().toplevel)
        _list_plain(
            doc["goals"], lambda _: "", "no goals; add one with `ai-journal goals add TITLE`"
        )


@goals.command(name="add")
@click.argument("title", nargs=-1, required=True)
def goals_add(title: tuple[str, ...]) -> None:
    goal = _change(lambda doc, actor: task_ops.add_goal(doc, actor, _title_of(title)))
    click.echo(f"added {goal['id']} {goal['title']}")


@goals.command(name="close")
@click.argument("goal_id")
def goals_close(goal_id: str) -> None:
    goal = _change(lambda doc, actor: task_ops.close(doc, actor, "goal", goal_id))
    click.echo(f"closed {goal['id']} {goal['title']}")


@click.group(invoke_without_command=True)
@click.pass_context
def milestones(ctx: click.Context) -> None:
    """List milestones, or add or close one."""
    if ctx.invoked_subcommand is None:
        doc = task_store.load_doc(git.repo_paths().toplevel)
        empty = "no milestones; add one with `ai-journal milestones add TITLE`"
        _list_plain(
            doc["milestones"], lambda m: f"  (goal {m['goal']})" if m.get("goal") else "", empty
        )


@milestones.command(name="add")
@click.argument("title", nargs=-1, required=True)
@click.option("--goal", default=None, help="The goal's id.")
def milestones_add(title: tuple[str, ...], goal: str | None) -> None:
    made = _change(lambda doc, actor: task_ops.add_milestone(doc, actor, _title_of(title), goal))
    click.echo(f"added {made['id']} {made['title']}")


@milestones.command(name="close")
@click.argument("milestone_id")
def milestones_close(milestone_id: str) -> None:
    made = _change(lambda doc, actor: task_ops.close(doc, actor, "milestone", milestone_id))
    click.echo(f"closed {made['id']} {made['title']}")
