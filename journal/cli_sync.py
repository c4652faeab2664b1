"""`ai-journal sync`: the boxes people ticked or unticked in the committed journals become task
transitions (rules in `journal.task_sync`). Registered on the main group by `register`."""

from __future__ import annotations

import click

from journal import config as config_mod
from journal import git, state, task_store, task_sync


def register(group: click.Group) -> None:
    group.add_command(sync)


@click.command()
@click.option("--dry-run", is_flag=True, help="Show what would change without writing anything.")
def sync(dry_run: bool) -> int:
    """Record the task boxes ticked or unticked in the committed journals."""
    paths = git.repo_paths()
    config = config_mod.load(paths.toplevel)
    with state.locked(state.local_dir(paths.common_dir)):
        doc = task_store.load_doc(paths.toplevel)
        boxes = task_sync.committed_boxes(paths.toplevel, config.journal_dir)
        changes = task_sync.sync(doc, boxes, task_store.view_for(paths.toplevel))
        if changes and not dry_run:
            task_store.save_doc(paths.toplevel, doc)
    prefix = "would record" if dry_run else "recorded"
    for change in changes:
        click.echo(f"{prefix} {change.line()}")
    if not changes:
        click.echo("the journals' checklists agree with the tasks")
    return 0
