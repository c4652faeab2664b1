"""`ai-journal check`: the gates a commit or a pull request must pass.

`--secrets` scans the journal files, fragments and project state in the index (`--staged`: only
those the commit changes) with the redaction rules, and exits 1 naming file, line and kind of each
finding, never its text. `--range BASE..HEAD` runs the checks over what a pull request adds; the
range checks beyond secrets plug in at `range_problems`. `--format github` prints workflow
annotations instead of plain lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import click

from journal.cli import Repo, cli
from journal.config import Config
from journal.errors import JournalError


class Problem(NamedTuple):
    path: str
    line: int
    column: int
    message: str

    def text(self) -> str:
        if not self.path:  # a commit's problem, not a file's
            return self.message
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def github(self) -> str:
        if not self.path:
            return f"::error title=ai-journal::{self.message}"
        return f"::error file={self.path},line={self.line},col={self.column}::{self.message}"


ALLOW_HINT = (
    "remove them (`ai-journal prune --match REGEX`), or list the fingerprints of findings that are"
    " not secrets under [secrets] allow in .ai-journal/config.toml"
)


@cli.command()
@click.option("--secrets", "secrets", is_flag=True, help="Refuse journal files holding a secret.")
@click.option("--staged", is_flag=True, help="Only the files this commit changes.")
@click.option("--range", "rev_range", metavar="BASE..HEAD", help="Check what a range adds.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True
)
def check(secrets: bool, staged: bool, rev_range: str | None, fmt: str) -> int:
    """Refuse journals, fragments or state that still hold a secret (exit 1, naming file:line)."""
    repo = Repo()
    top = repo.paths.toplevel
    problems: list[Problem] = []
    if rev_range is not None:
        base, head = _split_range(rev_range)
        problems += range_problems(top, repo.config, base, head)
        secrets_found = secret_problems(top, repo.config, rev=head)
    else:  # --secrets is the one check of a commit (and what a bare `check` runs)
        from journal import clean_texts, state

        with clean_texts.kept(state.local_dir(repo.paths.common_dir)):
            secrets_found = secret_problems(top, repo.config, staged_only=staged)
    problems += secrets_found
    for problem in problems:
        click.echo(problem.github() if fmt == "github" else problem.text(), err=fmt == "text")
    if problems:
        hint = f"; secrets: {ALLOW_HINT}" if secrets_found else ""
        click.echo(f"ai-journal: {len(problems)} problem(s){hint}", err=True)
        return 1
    return 0


def secret_problems(
    toplevel: Path, config: Config, *, staged_only: bool = False, rev: str | None = None
) -> list[Problem]:
    from journal import check_secrets

    hits = check_secrets.scan(toplevel, config, staged_only=staged_only, rev=rev)
    return [
        Problem(h.path, h.line, h.column, f"{h.kind} (fingerprint {h.fingerprint})") for h in hits
    ]


def range_problems(toplevel: Path, config: Config, base: str, head: str) -> list[Problem]:
    """The pull-request checks of `base..head` other than secrets: coverage by journal entries,
    reachable citations, freshness (`journal/check_range.py`; the config is HEAD's own)."""
    from journal import check_range

    del config
    return [Problem(*finding) for finding in check_range.check(toplevel, base, head)]


def _split_range(rev_range: str) -> tuple[str, str]:
    base, sep, head = rev_range.partition("..")
    if not sep or not base or head.startswith("."):
        raise JournalError(f"--range {rev_range!r}: expected BASE..HEAD (two dots)")
    return base, head or "HEAD"
