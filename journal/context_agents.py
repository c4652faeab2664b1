"""The generated context block in the repository's `AGENTS.md`, which Codex reads at the start of
every session.

The block sits between `BEGIN` and `END`; everything outside it is kept byte for byte, and text a
person wrote inside it is replaced at the next write. A file without the block gets it appended
(after one blank line), so that when the file is too long Codex cuts the block, not the person's
instructions. Codex reads at most 32 KiB of project docs (`project_doc_max_bytes`, shared by every
`AGENTS.md` from the repository root down to the working directory, the file crossing the limit
cut): the block's budget is what the rest of the root file leaves of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from journal import git, state
from journal.config import Config

FILENAME = "AGENTS.md"
BEGIN = "<!-- ai-journal:context:begin -->"
END = "<!-- ai-journal:context:end -->"
CODEX_PROJECT_DOC_MAX_BYTES = 32 * 1024
OVER_BUDGET = "<!-- context left out: the rest of AGENTS.md fills Codex's project-doc budget -->\n"


class Parts(NamedTuple):
    before: str
    inside: str | None  # None when the file has no block
    after: str


def split(text: str) -> Parts:
    """The text before the block, the block's body and the text after it."""
    start = text.find(BEGIN)
    end = text.find(END, start + len(BEGIN)) if start >= 0 else -1
    if start < 0 or end < 0:
        return Parts(text, None, "")
    body_start = start + len(BEGIN)
    body_start += 1 if text.startswith("\n", body_start) else 0
    tail = end + len(END)
    tail += 1 if text.startswith("\n", tail) else 0
    return Parts(text[:start], text[body_start:end], text[tail:])


def compose(existing: str | None, body: str) -> str:
    """`existing` with its block's body replaced by `body` (the block appended when absent)."""
    body = body if not body or body.endswith("\n") else body + "\n"
    block = f"{BEGIN}\n{body}{END}\n"
    if existing is None or not existing:
        return block
    parts = split(existing)
    if parts.inside is None:
        spacer = "" if existing.endswith("\n\n") else "\n" if existing.endswith("\n") else "\n\n"
        return existing + spacer + block
    return parts.before + block + parts.after


def room(toplevel: Path) -> int:
    """Bytes left for the block's body within Codex's project-doc budget."""
    used = len(compose(_read(toplevel / FILENAME), "").encode("utf-8"))
    return CODEX_PROJECT_DOC_MAX_BYTES - used


def write_block(toplevel: Path, text: str) -> bool:
    path = toplevel / FILENAME
    return state.write_atomic(path, compose(_read(path), text))


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None


class Written(NamedTuple):
    changed: bool
    size: int  # bytes of the block's body
    room: int
    omitted: list[str]


def refresh(paths: git.RepoPaths, config: Config, budget: int | None = None) -> Written:
    """Assemble the context within the smaller of `budget` (default `context.budget`) and the
    room AGENTS.md leaves, and write it into the block."""
    from journal import context

    space = room(paths.toplevel)
    limit = min(budget or config.context_budget, space)
    built = context.assemble(paths, config, budget=max(limit, 0))
    body = built.to_markdown(level=2)
    if len(body.encode("utf-8")) > limit:
        body = OVER_BUDGET
    changed = write_block(paths.toplevel, body)
    return Written(changed, len(body.encode("utf-8")), space, built.omitted)


def refresh_at_stage(paths: git.RepoPaths, config: Config) -> tuple[list[Path], list[str]]:
    """The stage's refresh of the block when `context.agents_md` is on: the file to stage (when
    it changed) and notices. A problem is a notice, never a failed commit."""
    from journal.errors import JournalError

    if not config.context_agents_md:
        return [], []
    path = paths.toplevel / FILENAME
    if path.exists() and not _staged_as_is(paths.toplevel):
        return [], [f"{FILENAME} has changes not staged (or is not tracked); context not refreshed"]
    try:
        written = refresh(paths, config)
    except JournalError as exc:
        return [], [f"{FILENAME} context not refreshed: {exc}"]
    return ([path] if written.changed else []), []


def _staged_as_is(toplevel: Path) -> bool:
    """AGENTS.md is tracked and the work tree's copy is the staged one: staging the refreshed
    block then stages nothing a person has not staged themselves."""
    tracked = git.try_run(["ls-files", "--", FILENAME], toplevel)
    same = git.try_run(["diff", "--quiet", "--", FILENAME], toplevel)
    return bool(tracked and tracked.strip()) and same is not None
