"""The `mcp` command: the stdio MCP server for agents such as Codex (`ai-journal init --codex`
prints the entry that starts it)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from journal import git
from journal.errors import JournalError


@click.command(name="mcp")
@click.option(
    "--repo",
    "repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Serve this repository (default: the one of the working directory).",
)
def mcp_cmd(repo: Path | None) -> None:
    """Serve the journal to an agent over stdio (Model Context Protocol)."""
    from journal import mcp_server

    if not mcp_server.available():
        raise JournalError(mcp_server.INSTALL_HINT)
    if repo is not None:
        if not repo.is_dir():
            raise JournalError(f"--repo {repo}: no such directory")
        git.repo_paths(repo)  # a named repository must be one; the working directory may not be
        os.chdir(repo)  # every tool call looks its repository up from the working directory
    mcp_server.serve()


def register(group: click.Group) -> None:
    group.add_command(mcp_cmd)
