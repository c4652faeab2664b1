"""`.ai-journal/project_state.json`: the long-term state (goals, milestones, tasks) and the head it
was last reconciled against.

The file is small, hand-editable and committed. The first refresh of a repository creates it; a
file that does not parse is reported with file, line and column and left alone, and a document whose
`digest` no longer matches its content was edited by a person (`hand_edited`), whose words later
writers must keep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from journal import state
from journal.errors import JournalError

STATE_PATH = Path(state.COMMITTED_DIRNAME) / "project_state.json"
KEYS = ("goals", "milestones", "tasks")


def empty(head: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": state.SCHEMA_VERSION, "reconciled_head": head}
    doc.update({key: [] for key in KEYS})
    return doc


def load(toplevel: Path) -> dict[str, Any] | None:
    """The state document, None when absent; a broken or newer one raises with what to do."""
    path = toplevel / STATE_PATH
    doc = state.read_json(path)
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise JournalError(f"{path}: expected a JSON object; fix the file or remove it")
    schema = doc.get("schema")
    if not isinstance(schema, int) or schema > state.SCHEMA_VERSION:
        raise JournalError(
            f"{path}: schema {schema!r} is not one this version understands "
            f"(up to {state.SCHEMA_VERSION}); upgrade ai-journal"
        )
    return doc


def hand_edited(doc: dict[str, Any]) -> bool:
    return doc.get("digest") != state.digest(doc)


def ensure(toplevel: Path, head: str | None) -> Path | None:
    """Create the document when the repository has none; its path when it was written."""
    if load(toplevel) is not None:
        return None
    doc = empty(head)
    doc["digest"] = state.digest(doc)
    path = toplevel / STATE_PATH
    return path if state.write_atomic(path, state.dumps_canonical(doc)) else None
