"""The `ai-journal` command line: a thin layer over the library, and the one error boundary.

A `JournalError` becomes one line on stderr and exit 1; anything unexpected exits 3 with its
traceback in the local log (shown with `--debug`).
"""

from __future__ import annotations

import sys
import traceback
from datetime import date
from pathlib import Path
from typing import Any

import click

from journal import config as config_mod
from journal import git
from journal.errors import JournalError

EXIT_USER_ERROR = 1
EXIT_UNEXPECTED = 3


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        result = cli.main(args=args, prog_name="ai-journal", standalone_mode=False)
    except JournalError as exc:
        click.echo(f"ai-journal: {exc}", err=True)
        return EXIT_USER_ERROR
    except click.exceptions.Abort:
        click.echo("ai-journal: aborted", err=True)
        return EXIT_USER_ERROR
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except Exception as exc:
        return _unexpected(exc, debug="--debug" in args)
    return result if isinstance(result, int) else 0


def _unexpected(exc: BaseException, *, debug: bool) -> int:
    where = "the local log"
    try:
        from journal import log, state

        paths = git.repo_paths()
        where = str(log.record_exception(state.local_dir(paths.common_dir), exc))
    except Exception:  # the log itself may be what failed; the message below still goes out
        pass
    if debug:
        traceback.print_exception(exc)
    click.echo(
        f"ai-journal: unexpected error: {exc!r}; details in {where} (run with --debug)", err=True
    )
    return EXIT_UNEXPECTED


class Repo:
    """What every command needs: where the repository is and its config, loaded once."""

    def __init__(self) -> None:
        self.paths = git.repo_paths()
        self.config = config_mod.load(self.paths.toplevel)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(package_name="ai-journal")
def cli(debug: bool) -> None:
    """Git-anchored memory for AI coding agents."""


@cli.command()
@click.option(
    "--native", is_flag=True, help="Also install native git hooks instead of pre-commit's."
)
@click.option("--hook-repo", default=None, help="Repository URL or path for the pre-commit entry.")
@click.option(
    "--hook-rev", default=None, help="Revision of --hook-repo (default: its release tag or HEAD)."
)
@click.option(
    "--local",
    "local_hooks",
    is_flag=True,
    help="Use `repo: local` hooks calling ai-journal on PATH.",
)
@click.option(
    "--codex", is_flag=True, help="Print the MCP server entry for Codex's config.toml instead."
)
@click.option(
    "--write", is_flag=True, help="With --codex: add the entry to $CODEX_HOME/config.toml."
)
@click.option("--force", is_flag=True, help="With --codex --write: replace a different entry.")
def init(
    native: bool,
    hook_repo: str | None,
    hook_rev: str | None,
    local_hooks: bool,
    codex: bool,
    write: bool,
    force: bool,
) -> None:
    """Set up this repository: config, pre-commit entries, .gitattributes, local git config."""
    from journal import install

    if codex or write or force:
        from journal import codex_config

        if not codex:
            raise JournalError("--write and --force go with --codex")
        codex_report = codex_config.init_codex(write=write, force=force)
        for note in codex_report.notes:
            click.echo(f"note: {note}", err=True)
        for line in codex_report.lines:
            click.echo(line)
        return
    paths = git.repo_paths()
    report = install.init(paths, hook_repo=hook_repo, hook_rev=hook_rev, local=local_hooks)
    for line in report.lines():
        click.echo(line)
    if native:
        for path in install.install_native(paths):
            click.echo(f"installed {path}")


@cli.command(name="install")
@click.option("--native", is_flag=True, help="Write git hook shims instead of using pre-commit.")
def install_cmd(native: bool) -> None:
    """Install the git hooks (through pre-commit by default)."""
    from journal import install

    paths = git.repo_paths()
    installed = install.install_native(paths) if native else install.install_precommit(paths)
    for path in installed:
        click.echo(f"installed {path}")


@cli.command()
def uninstall() -> None:
    """Remove exactly the native hooks ai-journal installed (chained hooks are restored)."""
    from journal import install

    for path in install.uninstall(git.repo_paths()):
        click.echo(f"removed {path}")


@cli.command(name="import")
def import_cmd() -> None:
    """Back-fill every past agent session of this repository (idempotent)."""
    from journal import pipeline

    repo = Repo()
    with _progress("reading agent logs") as progress:
        result = pipeline.refresh(
            repo.paths, repo.config, stage=False, everything=True, progress=progress
        )
    _report(result, repo.paths.toplevel)


@cli.command()
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Render one day.")
@click.option("--since", "since_ref", help="Render every day with commits in REF..HEAD.")
@click.option("--all", "everything", is_flag=True, help="Re-read everything and render every day.")
@click.option(
    "--all-days",
    "all_days",
    is_flag=True,
    help="Render every day again from the fragments, without re-reading agent logs.",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --all-days: render days whose inputs and journal are unchanged too.",
)
@click.option(
    "--context", is_flag=True, help="Print the template context as JSON instead of writing."
)
def render(
    day: Any, since_ref: str | None, everything: bool, all_days: bool, force: bool, context: bool
) -> None:
    """Re-render journals from the session fragments and git history."""
    from journal import pipeline
    from journal import render as render_mod

    repo = Repo()
    when: date = day.date() if day else _today(repo.config)
    if context:
        click.echo(
            render_mod.context_json(pipeline.day_context(repo.paths, repo.config, when)), nl=False
        )
        return
    if everything:
        result = pipeline.refresh(repo.paths, repo.config, stage=False, everything=True)
    elif all_days:
        result = pipeline.render_all_days(repo.paths, repo.config, force=force)
    elif since_ref:
        result = pipeline.render_days(repo.paths, repo.config, _days_since(repo, since_ref))
    else:
        refreshed = pipeline.refresh(repo.paths, repo.config, stage=False)
        result = pipeline.render_days(repo.paths, repo.config, {when, *refreshed.days})
        result.notices[:0] = refreshed.notices  # what ingest skipped or reported is said too
        result.written[:0] = [p for p in refreshed.written if p not in result.written]
    _report(result, repo.paths.toplevel)


@cli.command()
@click.option("--yes", is_flag=True, help="Take the default answer to every decision.")
@click.option(
    "--dry-run", is_flag=True, help="Show what would be decided and changed; change nothing."
)
@click.option("--stage", is_flag=True, help="Stage the files that changed (git add).")
def reconcile(yes: bool, dry_run: bool, stage: bool) -> int:
    """Apply what rewrites and merges changed, and ask about what needs a person."""
    from journal import pipeline, state
    from journal import reconcile as rec

    repo = Repo()
    written = [] if dry_run else pipeline.refresh(repo.paths, repo.config, stage=False).written
    decisions = rec.pending(repo.paths, repo.config)
    if not decisions:
        click.echo("nothing to reconcile")
        return _reconciled(repo, written, stage)
    interactive = sys.stdin.isatty() and not yes
    if not (yes or interactive or dry_run):
        for decision in decisions:
            click.echo(f"- {decision.question}")
        click.echo("ai-journal: run `ai-journal reconcile` on a terminal, or with --yes", err=True)
        return EXIT_USER_ERROR
    answers = [(d, _answer(d, interactive and not dry_run)) for d in decisions]
    for decision, answer in answers:
        click.echo(f"{answer:>6}  {decision.question}")
    if dry_run:
        return 0
    with state.locked(state.local_dir(repo.paths.common_dir)):
        changed = rec.apply(repo.paths, answers)
    result = pipeline.refresh(repo.paths, repo.config, stage=False)
    days = rec.days_of(repo.paths, repo.config, changed, answers)
    rendered = pipeline.render_days(repo.paths, repo.config, days).written if days else []
    return _reconciled(repo, [*written, *changed, *result.written, *rendered], stage)


def _answer(decision: Any, ask: bool) -> str:
    if not ask:
        return str(decision.default)
    choice = click.Choice(list(decision.choices))
    return str(click.prompt(decision.question, type=choice, default=decision.default))


def _reconciled(repo: Repo, written: list[Path], stage: bool) -> int:
    files = sorted(set(written))
    for path in files:
        click.echo(f"wrote {Path(path).relative_to(repo.paths.toplevel)}")
    if stage and files:
        git.stage(repo.paths.toplevel, files)
        click.echo(f"staged {len(files)} file(s)")
    return 0


@cli.command()
def status() -> None:
    """Branch, last checkpoint, sessions not yet linked, and whether the journal is stale."""
    from journal import overview

    for line in overview.status_lines(Repo()):
        click.echo(line)


@cli.group(invoke_without_command=True)
@click.pass_context
def sessions(ctx: click.Context) -> None:
    """Agent sessions of this repository."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(sessions_list)


@sessions.command(name="list")
def sessions_list() -> None:
    """One line per session: start, agent, branch, id, first prompt."""
    from journal import overview

    for line in overview.session_lines(Repo()):
        click.echo(line)


@sessions.command(name="show")
@click.argument("session_id")
def sessions_show(session_id: str) -> None:
    """The committed fragment of one session (an id prefix is enough)."""
    from journal import overview

    click.echo(overview.show_session(Repo(), session_id), nl=False)


@cli.group()
def templates() -> None:
    """Built-in templates and repository overrides."""


@templates.command(name="list")
def templates_list() -> None:
    """Names of the built-in templates."""
    from journal import render as render_mod

    for name in render_mod.builtin_templates():
        click.echo(name)


@templates.command(name="export")
@click.argument("name")
def templates_export(name: str) -> None:
    """Copy a built-in template to .ai-journal/templates/NAME for editing."""
    from journal import render as render_mod

    click.echo(f"wrote {render_mod.export_template(git.repo_paths().toplevel, name)}")


@cli.command()
def doctor() -> int:
    """Check the installation; exit 1 when something needs fixing."""
    from journal import doctor as doctor_mod

    failed = 0
    for check in doctor_mod.checks(git.repo_paths()):
        mark = "✓" if check.ok else "✗"
        click.echo(f"{mark} {check.name}: {check.detail}")
        if not check.ok:
            failed += 1
            click.echo(f"    fix: {check.fix}")
    return 1 if failed else 0


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook(args: tuple[str, ...]) -> int:
    """What the git hooks call: `ai-journal hook <stage> [git args]`."""
    from journal.hook import main as hook_main

    return hook_main(list(args))


@cli.command(name="merge-driver")
@click.argument("ancestor", type=click.Path())
@click.argument("ours", type=click.Path())
@click.argument("theirs", type=click.Path())
@click.argument("path", required=False)
def merge_driver(ancestor: str, ours: str, theirs: str, path: str | None) -> int:
    """Three-way merge of ai-journal files (registered by `init` as a git merge driver)."""
    from journal import merge

    return merge.merge_files(Path(ancestor), Path(ours), Path(theirs), path)


def _today(cfg: config_mod.Config) -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(cfg.timezone)).date()


def _days_since(repo: Repo, ref: str) -> set[date]:
    from zoneinfo import ZoneInfo

    from journal import day as day_mod

    tz = ZoneInfo(repo.config.timezone)
    commits = git.commits(repo.paths.toplevel, rev=f"{ref}..HEAD")
    return {day_mod.commit_day(commit, tz) for commit in commits}


def _report(result: Any, toplevel: Path) -> None:
    for notice in result.notices:
        click.echo(f"note: {notice}", err=True)
    for path in result.written:
        click.echo(f"wrote {Path(path).relative_to(toplevel)}")
    if not result.written:
        click.echo("journals are up to date")


class _progress:
    """A rich progress bar on a terminal; silence otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return None
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        self._bar = Progress(TextColumn(self.label), BarColumn(), DownloadColumn(), transient=True)
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=None)
        return self._update

    def _update(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


from journal.cli_tasks import register as _register_task_commands  # noqa: E402

_register_task_commands(cli)


from journal import cli_check as _cli_check  # noqa: E402, F401  (registers `check`)
from journal.cli_sync import register as _register_sync  # noqa: E402

_register_sync(cli)
from journal import cli_prune as _cli_prune  # noqa: E402, F401  (registers `prune`, `reset`)
from journal.cli_mcp import register as _register_mcp  # noqa: E402

_register_mcp(cli)
from journal.cli_recall import register as _register_recall  # noqa: E402

_register_recall(cli)
from journal.cli_context import register as _register_context  # noqa: E402

_register_context(cli)
