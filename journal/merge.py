"""The git merge driver registered for ai-journal's committed files.

For now it performs git's own three-way text merge (`git merge-file`), with the same exit status
git expects from a driver: 0 when clean, non-zero with conflict markers left in `ours`.
"""

from __future__ import annotations

from pathlib import Path

from journal import git


def merge_files(ancestor: Path, ours: Path, theirs: Path, path: str | None = None) -> int:
    """Merge `theirs` into `ours` in place; return the number of conflicts (0 when clean)."""
    label = path or ours.name
    return git.merge_file(
        ours, ancestor, theirs, labels=(f"ours:{label}", "base", f"theirs:{label}")
    )
