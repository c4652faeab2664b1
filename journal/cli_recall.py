"""`ai-journal recall QUERY`: search session prompts and summaries, commit messages, journals and
task titles, as seen from HEAD (`--all-branches`: from every local branch, each hit labelled)."""

from __future__ import annotations

import json

import click

from journal import config as config_mod
from journal import git, recall


def register(group: click.Group) -> None:
    group.add_command(recall_cmd)


@click.command(name="recall")
@click.argument("query", nargs=-1)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--all-branches", is_flag=True, help="Search every local branch; label each hit.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.option("--reindex", is_flag=True, help="Rebuild the local search index first.")
@click.option(
    "--engine",
    type=click.Choice(["auto", "fts", "hybrid"]),
    default="auto",
    show_default=True,
    help="fts: BM25 alone; hybrid: fused with embeddings (the `semantic` extra).",
)
def recall_cmd(
    query: tuple[str, ...],
    limit: int,
    all_branches: bool,
    as_json: bool,
    reindex: bool,
    engine: str,
) -> int:
    """Search what happened here: sessions, commits, journals and tasks."""
    paths = git.repo_paths()
    config = config_mod.load(paths.toplevel)
    text = " ".join(query)
    if reindex:
        count = recall.reindex(paths, config)
        click.echo(f"indexed {count} documents", err=bool(text) or as_json)
        if not text:
            return 0
    elif not text:
        raise click.UsageError("give a QUERY (or --reindex)")
    hits = recall.search(
        paths, text, limit=limit, all_branches=all_branches, refresh=not reindex, engine=engine
    )
    if as_json:
        click.echo(json.dumps([hit.to_json() for hit in hits], indent=2, ensure_ascii=False))
    else:
        _print(hits, all_branches)
    return 0


def _print(hits: list[recall.Hit], all_branches: bool) -> None:
    if not hits:
        click.echo("no matches")
        return
    for hit in hits:
        where = f" [{hit.branch or 'no branch'}]" if all_branches else ""
        short = hit.id[:12] if hit.kind in ("commit", "session") else hit.id
        click.echo(f"{hit.kind} {short} {hit.day or ''}{where}  {hit.title}")
        if hit.snippet and hit.snippet != hit.title:
            click.echo(f"    {hit.snippet}")
