"""Commit notes under `refs/notes/ai-journal`: an id git itself carries across rewrites.

With `notes.rewriteRef = refs/notes/ai-journal` in the local config, git copies a commit's note to
its successor on amend and rebase (concatenating them on a squash), even when pre-commit drops the
post-rewrite map. Each commit ai-journal records gets the note `ai-journal-id: <its sha>`, written by
the next pre-commit stage (the post-commit hook runs no git). The notes are a cross-check of the
rewrite map, never its source: git copies them to the wrong commit in the quirks the map corrects
(a skipped commit, one dropped as already upstream), and a cherry-pick does not copy them.

`notes.stamp` in the config: "auto" (the default) stamps when the native hooks are installed (their
installation sets `notes.rewriteRef`), "on" always, "off" never.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from journal import git

REF = "refs/notes/ai-journal"
PREFIX = "ai-journal-id: "


def enabled(cwd: Path | str, setting: str) -> bool:
    if setting in ("on", "off"):
        return setting == "on"
    return git.config_get_frozen(cwd, "notes.rewriteRef") == REF


def configure(cwd: Path | str) -> None:
    """Let git carry our notes across amend and rebase (local config)."""
    git.config_set(cwd, "notes.rewriteRef", REF)


def stamp(cwd: Path | str, shas: Iterable[str]) -> list[str]:
    """Give each commit without one its id note; the commits stamped."""
    wanted = list(dict.fromkeys(shas))
    carried = ids(cwd, wanted)
    done = [sha for sha in wanted if not carried.get(sha)]
    if len(done) > _ONE_BY_ONE:
        _add_many(cwd, done)
    else:
        for sha in done:
            git.run(["notes", f"--ref={REF}", "add", "-m", f"{PREFIX}{sha}", sha], cwd)
    return done


_ONE_BY_ONE = 3  # more notes than this go in one `git fast-import` commit (a process per note
# costs seconds after a rebase of commits that had none)


def _add_many(cwd: Path | str, shas: list[str]) -> None:
    """One commit on the notes ref adding a note to each of `shas`; fast-import keeps the notes
    tree's fan-out and refuses to move the ref if someone else moved it meanwhile."""
    ident = git.run(["var", "GIT_COMMITTER_IDENT"], cwd).strip()
    parent = git.try_run(["rev-parse", "-q", "--verify", f"{REF}^{{commit}}"], cwd)
    lines = [f"commit {REF}", f"committer {ident}", "data 0"]
    lines += [f"from {parent.strip()}"] if parent and parent.strip() else []
    for sha in shas:
        note = f"{PREFIX}{sha}\n"
        lines += [f"N inline {sha}", f"data {len(note.encode())}", note]
    git.run(["fast-import", "--quiet"], cwd, stdin="\n".join(lines) + "\n")


def ids(cwd: Path | str, shas: Sequence[str]) -> dict[str, list[str]]:
    """{commit: the ids its note carries} (several after a squash), from one `git log`."""
    if not shas:
        return {}
    out = git.run(
        ["log", "--no-walk=unsorted", f"--notes={REF}", "--format=%H%x1f%N%x1e", *shas, "--"], cwd
    )
    found: dict[str, list[str]] = {}
    for record in out.split("\x1e"):
        sha, _, note = record.strip().partition("\x1f")
        if sha:
            found[sha] = [
                ln[len(PREFIX) :].strip() for ln in note.splitlines() if ln.startswith(PREFIX)
            ]
    return found


def disagreements(cwd: Path | str, pairs: dict[str, str | None]) -> list[str]:
    """Old commits the map sends somewhere other than where git carried their note."""
    news = sorted({new for new in pairs.values() if new})
    carried = {old: new for new, olds in ids(cwd, news).items() for old in olds}
    return sorted(old for old, new in pairs.items() if old in carried and carried[old] != new)
