"""Reading, validating and writing the task graph in `.ai-journal/project_state.json`, and the
branch views its statuses are seen through.

Every write validates the whole document first (unique ids, references that resolve, no cycle,
known statuses) and replaces the file atomically with a fresh digest. A file that does not parse
or comes from a newer version raises the usual errors and is never overwritten.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from journal import git, project_state, state, tasks
from journal.errors import JournalError

KINDS = {"goal": "goals", "milestone": "milestones", "task": "tasks"}


def view_for(repo: Path | str, branch: str | None = None) -> tasks.View:
    """The view from `branch` (default: the checked-out branch and HEAD), its reachability from one
    `git rev-list` walk (50,000 commits: about 0.5 s)."""
    if branch is None:
        current = git.head(repo)
        name, head = current.branch, current.sha
    else:
        name, head = branch, git.resolve_commit(repo, branch)
        if head is None:
            raise JournalError(f"no branch or commit named {branch!r}; see `git branch`")
    return tasks.View(name, head, _Reachable(repo, head))


class _Reachable:
    """`sha in ancestors(head)`, from one `git rev-list` made at the first question (a document
    without commits to ask about costs no walk)."""

    def __init__(self, repo: Path | str, head: str | None) -> None:
        self.repo, self.head = repo, head
        self.shas: frozenset[str] | None = None if head else frozenset()

    def __call__(self, sha: str) -> bool:
        if self.shas is None:
            self.shas = frozenset(git.reachable(self.repo, self.head or "HEAD"))
        return sha in self.shas


def load_doc(toplevel: Path) -> dict[str, Any]:
    """The state document (an empty one when absent); a broken or newer file raises."""
    doc = project_state.load(toplevel)
    if doc is None:
        return project_state.empty(None)
    for key in project_state.KEYS:
        items = doc.setdefault(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise JournalError(
                f"{toplevel / project_state.STATE_PATH}: {key!r} must be a list of objects; "
                "fix the file"
            )
    return doc


def save_doc(toplevel: Path, doc: dict[str, Any]) -> Path:
    """Validate `doc` and write it atomically with a fresh digest; its path."""
    validate(doc)
    doc["digest"] = state.digest(doc)
    path = toplevel / project_state.STATE_PATH
    state.write_atomic(path, state.dumps_canonical(doc))
    return path


@contextlib.contextmanager
def editing(paths: git.RepoPaths) -> Iterator[dict[str, Any]]:
    """Load the document under the state lock, let the caller change it, then save it (nothing is
    written when the caller raises)."""
    with state.locked(state.local_dir(paths.common_dir)):
        doc = load_doc(paths.toplevel)
        yield doc
        save_doc(paths.toplevel, doc)


def validate(doc: Mapping[str, Any]) -> None:
    """Raise a one-line `JournalError` for duplicate ids, dangling references, a dependency or
    parent cycle, or an unknown status."""
    ids = {key: _ids(doc, key) for key in KINDS.values()}
    for milestone in doc.get("milestones") or []:
        _check_ref(milestone, "goal", ids["goals"], "goal")
    for task in doc.get("tasks") or []:
        _check_ref(task, "milestone", ids["milestones"], "milestone")
        _check_ref(task, "parent", ids["tasks"], "task")
        for dep in task.get("depends_on") or []:
            if dep not in ids["tasks"]:
                raise JournalError(f"{task['id']} depends on unknown task {dep}")
        for record in task.get("transitions") or []:
            if not isinstance(record, dict) or record.get("status") not in tasks.STATUSES:
                raise JournalError(f"{task['id']} has a transition with an unknown status")
    cycle = tasks.find_cycle(doc)
    if cycle:
        raise JournalError(
            f"cycle {tasks.format_cycle(cycle)}; remove one edge "
            "(`ai-journal task edit ID --no-depends-on OTHER` or `--parent none`)"
        )


def _ids(doc: Mapping[str, Any], key: str) -> set[str]:
    seen: set[str] = set()
    for item in doc.get(key) or []:
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str) or not item_id:
            raise JournalError(f"an entry of {key!r} has no id; give it one or remove it")
        if item_id in seen:
            raise JournalError(f"id {item_id} appears twice in {key!r}; keep one")
        seen.add(item_id)
    return seen


def _check_ref(item: Mapping[str, Any], field: str, known: set[str], kind: str) -> None:
    value = item.get(field)
    if value is not None and value not in known:
        raise JournalError(f"{item['id']} refers to unknown {kind} {value}")


def find(doc: Mapping[str, Any], kind: str, ref: str) -> dict[str, Any]:
    """The goal, milestone or task `ref` names: its id or an unambiguous prefix of it."""
    items: Sequence[dict[str, Any]] = doc.get(KINDS[kind]) or []
    exact = [i for i in items if i.get("id") == ref]
    matches = exact or [i for i in items if str(i.get("id", "")).startswith(ref) and len(ref) >= 3]
    if len(matches) == 1:
        return matches[0]
    listing = "tasks --all" if kind == "task" else f"{KINDS[kind]}"
    if not matches:
        raise JournalError(f"no {kind} {ref!r}; see `ai-journal {listing}`")
    names = ", ".join(sorted(str(i["id"]) for i in matches))
    raise JournalError(f"{kind} {ref!r} is ambiguous ({names}); give more of the id")


def vanished_evidence(doc: Mapping[str, Any], view: tasks.View) -> list[tuple[str, str]]:
    """(task id, sha) for every evidence commit of a task that is done in `view` but none of
    whose evidence commits is reachable any more (a reset or rewrite took them away)."""
    found: list[tuple[str, str]] = []
    for task in tasks.tasks_of(doc):
        seen = tasks.view_status(task, view)
        if seen.status == "done" and seen.pending_evidence:
            found += [(str(task["id"]), sha) for sha in tasks.evidence_commits(task)]
    return found
