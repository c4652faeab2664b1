"""Condensing older session fragments (`summarize.condense_after = N`).

Per branch (the branch a session started on), the N most recent sessions keep their whole
fragment; older ones are cut to their summary: `prompts`, `commands` and `files` become empty
lists and `condensed` records how many there were. Everything else stays, the links (`commits`,
`rewritten`) and the plans (tasks are derived from them) included, so a condensed fragment still
ties its session to its commits. A fragment edited by hand is left alone. Runs at every refresh
after the fragments and tasks are brought up to date; a fragment rebuilt whole (its session moved
on) is condensed again in the same run, so the result does not depend on the order of events.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journal import day, fragment, state
from journal.errors import StateCorrupt

CUT = ("prompts", "commands", "files")


def condense(folder: Path, keep: int, zone: ZoneInfo) -> tuple[list[Path], set[date]]:
    """Condense the fragments in `folder` beyond the `keep` newest per branch (0: none); the files
    written and the days their journals cover."""
    if keep <= 0 or not folder.is_dir():
        return [], set()
    by_branch: dict[str, list[tuple[str, str, Path, dict[str, Any]]]] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            doc = state.read_json(path)
        except StateCorrupt:
            continue
        if not isinstance(doc, dict) or doc.get("digest") != state.digest(doc):
            continue
        branch = str((doc.get("git") or {}).get("branch") or "")
        key = (str(doc.get("started") or ""), str(doc.get("id")), path, doc)
        by_branch.setdefault(branch, []).append(key)
    written: list[Path] = []
    days: set[date] = set()
    for entries in by_branch.values():
        for _, _, path, doc in sorted(entries, key=lambda e: (e[0], e[1]), reverse=True)[keep:]:
            short = condensed(doc)
            if short is not doc and state.write_atomic(path, fragment.dumps(short)):
                written.append(path)
                days |= day.fragment_days(doc, zone)
    return written, days


def condensed(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` cut to its summary, counts and links; `doc` itself when there is nothing to cut."""
    if not any(doc.get(key) for key in CUT):
        return doc
    counts = dict(doc.get("condensed") or {})
    for key in CUT:
        counts[key] = counts.get(key, 0) + len(doc.get(key) or [])
    return {**doc, **{key: [] for key in CUT}, "condensed": counts}
