"""`ai-journal context`: what a new agent session on this worktree should know, printed or kept in
the generated block of `AGENTS.md`. Registered on the main group by `register`."""

from __future__ import annotations

import json

import click

from journal import config as config_mod
from journal import context, context_agents, git


def register(group: click.Group) -> None:
    group.add_command(context_cmd)


@click.command(name="context")
@click.option(
    "--budget", type=click.IntRange(min=1), help="Bytes to fit (default: context.budget)."
)
@click.option(
    "--format", "output", type=click.Choice(["md", "json"]), default="md", show_default=True
)
@click.option(
    "--write",
    is_flag=True,
    help="Write it into the generated block of AGENTS.md instead of printing it.",
)
def context_cmd(budget: int | None, output: str, write: bool) -> int:
    """Goals, tasks, the last sessions and what changed since, within a byte budget."""
    paths = git.repo_paths()
    config = config_mod.load(paths.toplevel)
    if write:
        done = context_agents.refresh(paths, config, budget)
        verb = "updated" if done.changed else "unchanged:"
        left = f"; left out {', '.join(done.omitted)}" if done.omitted else ""
        click.echo(f"{context_agents.FILENAME} {verb} context block of {done.size} bytes{left}")
        if done.room < 0:
            click.echo(
                f"ai-journal: {context_agents.FILENAME} is over Codex's 32 KiB project-doc budget "
                "by itself; shorten it or raise project_doc_max_bytes",
                err=True,
            )
        return 0
    built = context.assemble(paths, config, budget=budget or config.context_budget)
    if output == "json":
        click.echo(json.dumps(built.to_json(), sort_keys=True, indent=2, ensure_ascii=False))
    else:
        click.echo(built.to_markdown(), nl=False)
    return 0
