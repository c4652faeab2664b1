"""The git merge driver that `ai-journal init` registers for ai-journal's committed files.

Git calls it as `merge-driver %O %A %B %P` whenever both sides changed a file that `.gitattributes`
sends to it (merge, rebase and cherry-pick alike); the result goes into `%A`, and the exit status
says whether the merge is clean (0) or conflicted (non-zero, the file is left for the person).

- `.ai-journal/project_state.json`: a semantic three-way merge (`merge_state`). True conflicts are
  recorded inside the document, which stays valid JSON, and the driver exits 0; the next
  `ai-journal reconcile` resolves them. A side that is not a JSON object (broken by hand) falls
  back to git's text merge and exits 1, so git reports the conflict and nothing is lost.
- `docs/ai-journal/*.md`: hand-written text merged, the generated region and frontmatter kept from
  our side and re-derived later (`merge_journal`).
- Anything else: git's own text merge.

Where the driver is not configured (a fresh clone before `ai-journal init`; `doctor` reports it),
git silently falls back to its text merge, with the usual conflict markers.
"""

from __future__ import annotations

import sys
from pathlib import Path

from journal import git, merge_journal, merge_state


def merge_files(ancestor: Path, ours: Path, theirs: Path, path: str | None = None) -> int:
    """Merge `theirs` into `ours` in place; 0 when clean, 1 when git must report a conflict."""
    label = path or ours.name
    try:
        if path == merge_state.STATE_PATH:
            return merge_state.merge_state_file(ancestor, ours, theirs)
        if path is not None and path.endswith(".md"):
            return merge_journal.merge_journal_file(ancestor, ours, theirs, path, _common_dir())
    except merge_state.Unparseable as exc:
        print(f"ai-journal: {label}: {exc}; fell back to a text merge", file=sys.stderr)
        text_merge(ancestor, ours, theirs, label)
        return 1
    return text_merge(ancestor, ours, theirs, label)


def text_merge(ancestor: Path, ours: Path, theirs: Path, label: str) -> int:
    """Git's three-way text merge into `ours`: 0 when clean, 1 with conflict markers left."""
    conflicts = git.merge_file(
        ours, ancestor, theirs, labels=(f"ours:{label}", "base", f"theirs:{label}")
    )
    return 1 if conflicts else 0


def _common_dir() -> Path | None:
    """The repository's common git dir, seen from git's working directory (the top level)."""
    out = git.try_run(["rev-parse", "--path-format=absolute", "--git-common-dir"])
    return Path(out.strip()) if out and out.strip() else None
