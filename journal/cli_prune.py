"""`ai-journal prune` and `ai-journal reset --local` (the work is in `journal.prune`)."""

from __future__ import annotations

from pathlib import Path

import click

from journal.cli import Repo, cli
from journal.errors import JournalError


@cli.command()
@click.option("--session", "session_id", metavar="ID", help="Remove one session (id or prefix).")
@click.option("--match", "pattern", metavar="REGEX", help="Replace a text by [REDACTED:pruned].")
def prune(session_id: str | None, pattern: str | None) -> int:
    """Take a session or a text out of fragments, journals, state and the local caches."""
    from journal import prune as prune_mod

    if (session_id is None) == (pattern is None):
        raise JournalError("prune: give exactly one of --session ID or --match REGEX")
    repo = Repo()
    if session_id is not None:
        changed = prune_mod.prune_session(repo.paths, repo.config, session_id)
    else:
        assert pattern is not None
        changed = prune_mod.prune_text(repo.paths, repo.config, pattern)
    for path in changed:
        click.echo(f"changed {_shown(path, repo)}")
    if not changed:
        click.echo("nothing to prune")
    if pattern is not None:
        for path in prune_mod.still_mentioned(repo.paths, repo.config, pattern):
            click.echo(
                f"note: {_shown(path, repo)} still shows it, from commit messages;"
                " only rewriting those commits removes it",
                err=True,
            )
        click.echo(
            "note: add the pattern to redact.patterns so later sessions never write it", err=True
        )
    return 0


@cli.command()
@click.option("--local", "local", is_flag=True, help="Drop the caches the agent logs rebuild.")
def reset(local: bool) -> int:
    """Drop local caches (cursors, parsed sessions, session index); keep what logs cannot rebuild."""
    from journal import git
    from journal import prune as prune_mod

    if not local:
        raise JournalError("reset: only --local is supported (it drops rebuildable caches)")
    for path in prune_mod.reset_local(git.repo_paths().common_dir):
        click.echo(f"removed {path}")
    return 0


def _shown(path: Path, repo: Repo) -> str:
    try:
        return str(path.relative_to(repo.paths.toplevel))
    except ValueError:
        return str(path)
