"""The task graph's rules: ids, statuses derived from the transition log, branch views, the ready
queue and cycle detection. Pure functions over the `project_state.json` document; no I/O here.

A task's status is never stored. It is the status of the last record in its append-only
`transitions` list, ordered by (`at`, canonical JSON), the same order the merge driver keeps, so a
merge never has a status to fight over.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from journal.errors import JournalError

STATUSES: tuple[str, ...] = ("open", "in_progress", "blocked", "done", "dropped")
ALLOWED: Mapping[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "blocked", "done", "dropped"}),
    "in_progress": frozenset({"open", "blocked", "done", "dropped"}),
    "blocked": frozenset({"open", "in_progress", "dropped", "done"}),
    "done": frozenset({"open"}),
    "dropped": frozenset({"open"}),
}
ID_HEX = 6
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> str:
    """The current UTC time, second precision, `Z`; `SOURCE_DATE_EPOCH` pins it when set."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(pinned), UTC) if pinned else datetime.now(UTC)
    return moment.strftime(TIME_FORMAT)


def _prefixed(prefix: str, hex_part: str) -> str:
    return f"{prefix.rstrip('-')}-{hex_part}"


def new_id(prefix: str, taken: Collection[str]) -> str:
    """A random id (`t-7f3a01` for prefix `t` or `t-`) that is not in `taken`."""
    while True:
        candidate = _prefixed(prefix, secrets.token_hex(ID_HEX // 2))
        if candidate not in taken:
            return candidate


def content_id(prefix: str, *parts: str) -> str:
    """A deterministic id from `parts` (e.g. session id and step text): same parts, same id."""
    hashed = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return _prefixed(prefix, hashed[:ID_HEX])


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def ordered_transitions(task: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The transitions in log order: by `at`, then canonical JSON (the merge driver's order)."""
    records = [r for r in task.get("transitions") or [] if isinstance(r, dict)]
    return sorted(records, key=lambda r: (str(r.get("at") or ""), _canonical(r)))


def current_status(task: Mapping[str, Any]) -> str:
    """The status of the task's last transition, ignoring branches; `open` when it has none."""
    records = ordered_transitions(task)
    return str(records[-1]["status"]) if records else "open"


@dataclass(frozen=True)
class View:
    """Where statuses are looked at: a branch and its head; `reachable(sha)` says whether a
    commit is an ancestor of (or equal to) that head."""

    branch: str | None
    head: str | None
    reachable: Callable[[str], bool]


@dataclass(frozen=True)
class ViewStatus:
    status: str
    pending_evidence: bool
    done_on: tuple[str, ...]


def evidence_commits(task: Mapping[str, Any]) -> list[str]:
    evidence = task.get("evidence") or {}
    return [c for c in evidence.get("commits") or [] if isinstance(c, str)]


def _counts(record: Mapping[str, Any], view: View) -> bool:
    commit, branch = record.get("commit"), record.get("branch")
    if commit is None:
        return True
    if branch is not None and branch == view.branch:
        return True
    return isinstance(commit, str) and view.reachable(commit)


def view_status(task: Mapping[str, Any], view: View) -> ViewStatus:
    """The task's status as seen from `view` (see the module docstring of the rules in design.md).

    A transition counts when it was recorded without a commit, on the view's branch, or at a commit
    reachable from the view's head. An unforced `done` also counts once one of the task's evidence
    commits is reachable (a rebased branch merged elsewhere still folds to done), and it is
    `pending_evidence` while it counts but no evidence commit is reachable yet. A `done` that does
    not count leaves the earlier status and names its branch in `done_on`.
    """
    evidence_here = any(view.reachable(sha) for sha in evidence_commits(task))
    status, pending = "open", False
    elsewhere: dict[str, str] = {}
    for record in ordered_transitions(task):
        value = str(record.get("status"))
        forced = record.get("forced") is True
        counts = _counts(record, view) or (value == "done" and not forced and evidence_here)
        if counts:
            status, pending = value, value == "done" and not forced and not evidence_here
        elif isinstance(record.get("branch"), str):
            elsewhere[record["branch"]] = value
    done_on = (
        () if status == "done" else tuple(sorted(b for b, s in elsewhere.items() if s == "done"))
    )
    return ViewStatus(status, pending, done_on)


def tasks_of(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [t for t in doc.get("tasks") or [] if isinstance(t, dict)]


def ready_queue(doc: Mapping[str, Any], view: View) -> list[dict[str, Any]]:
    """Open tasks whose dependencies are all done in `view`: by milestone order in the document
    (no milestone last), then creation time, then id."""
    tasks = tasks_of(doc)
    statuses = {t.get("id"): view_status(t, view).status for t in tasks}
    milestone_rank = {
        m.get("id"): index
        for index, m in enumerate(doc.get("milestones") or [])
        if isinstance(m, dict)
    }
    ready = [
        t
        for t in tasks
        if statuses[t.get("id")] == "open"
        and all(statuses.get(dep) == "done" for dep in t.get("depends_on") or [])
    ]

    def order(task: dict[str, Any]) -> tuple[int, str, str]:
        rank = milestone_rank.get(task.get("milestone"), len(milestone_rank))
        return rank, str(task.get("created") or ""), str(task.get("id") or "")

    return sorted(ready, key=order)


def find_cycle(doc: Mapping[str, Any]) -> list[str] | None:
    """A cycle among `depends_on` edges, else among `parent` edges, as `[a, b, a]`; None when the
    graph is acyclic. The two relations are checked apart: a parent depending on its own subtask
    is normal, not a cycle."""
    tasks = [t for t in tasks_of(doc) if isinstance(t.get("id"), str)]
    depends = {t["id"]: [d for d in t.get("depends_on") or [] if isinstance(d, str)] for t in tasks}
    parents = {t["id"]: [t["parent"]] if isinstance(t.get("parent"), str) else [] for t in tasks}
    return _cycle_in(depends) or _cycle_in(parents)


def _cycle_in(edges: Mapping[str, list[str]]) -> list[str] | None:
    done: set[str] = set()
    for start in edges:
        found = _walk(start, edges, [], done)
        if found:
            return found
    return None


def _walk(
    node: str, edges: Mapping[str, list[str]], path: list[str], done: set[str]
) -> list[str] | None:
    if node in path:
        return [*path[path.index(node) :], node]
    if node in done:
        return None
    path.append(node)
    for target in edges.get(node, []):
        found = _walk(target, edges, path, done)
        if found:
            return found
    path.pop()
    done.add(node)
    return None


def _after_last(records: list[dict[str, Any]], at: str) -> str:
    """`at`, or one second after the task's latest transition when `at` is not later: two moves
    within one second must still sort in the order they were made."""
    stamps = [str(r.get("at")) for r in records if isinstance(r, dict) and r.get("at")]
    return after(max(stamps), at) if stamps else at


def after(earlier: str, at: str) -> str:
    """`at` when it sorts after `earlier`, else one second after `earlier` (a time that cannot be
    read leaves `at` as it is)."""
    if at > earlier:
        return at
    try:
        moment = datetime.strptime(earlier, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return at
    return (moment + timedelta(seconds=1)).strftime(TIME_FORMAT)


def format_cycle(cycle: Iterable[str]) -> str:
    return " → ".join(cycle)


def check_transition(current: str | None, status: str) -> None:
    """Refuse an unknown status or a move the rules do not allow, naming both statuses."""
    if status not in STATUSES:
        raise JournalError(f"unknown task status {status!r}; use one of {', '.join(STATUSES)}")
    if current is not None and status not in ALLOWED.get(current, frozenset()):
        raise JournalError(f"a task cannot go from {current} to {status}")


def transition(
    task: dict[str, Any],
    status: str,
    *,
    at: str,
    branch: str | None,
    commit: str | None,
    by: str,
    reason: str | None = None,
    forced: bool = False,
    current: str | None = None,
) -> dict[str, Any]:
    """Validate and append one transition to `task`; the appended record.

    The first transition (a task without any) may take any status: it is the creation. `current`
    is the status the move starts from, by default the log's last status (pass the branch view's
    status to judge a move by what the user sees). A forced move must be a `done` with a reason;
    it may follow a done (whose evidence a rewrite took away, say).
    """
    records = task.setdefault("transitions", [])
    start = (current or current_status(task)) if records else None
    if not (forced and start == status == "done"):  # a forced done may re-affirm a done
        check_transition(start, status)
    if forced and (status != "done" or not (reason and reason.strip())):
        raise JournalError("--force applies to done and needs --reason saying why")
    record = {
        "at": _after_last(records, at),
        "status": status,
        "branch": branch,
        "commit": commit,
        "by": by,
        "reason": reason,
        "forced": forced,
    }
    records.append(record)
    return record
