"""People's ticks in the committed journals → task transitions (`ai-journal sync`).

A day's journal lists its tasks as a checklist, `- [ ] t-7f3a01 Title …`, ticked (`- [x]`) when the
task is done in the branch's view at render time. A box that disagrees with the task's status in
the current view was changed by a person: ticked while the task is not done records `done`,
unticked while it is done reopens it. Both are `by: "journal"` with the reason
`ticked in docs/ai-journal/<day>.md` (or `unticked in …`), at the time of the last commit (other
than a merge) that changed that journal, on the checked-out branch and HEAD. A tick is evidence
gated like any `done`: when none of the task's evidence commits is reachable, the record is forced
with that reason.

The journals are read as committed at HEAD, parsed with mistune's task-list plugin. A journal is
not trusted where it may be stale: a task that changed after the journal's last commit is left
alone, and so are journals a merge left with one side's generated region (until the next refresh
renders them again).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal import git, merge_journal, tasks

_DAY_FILE = re.compile(r"(?:^|/)\d{4}-\d{2}-\d{2}\.md$")
_TASK_ID = re.compile(r"t-[0-9a-f]{4,12}")


@dataclass(frozen=True)
class Box:
    task: str
    checked: bool
    path: str  # repo-relative journal path
    committed: str  # when that journal last changed (committer time, UTC "Z")


@dataclass(frozen=True)
class Change:
    task: str
    title: str
    before: str
    after: str
    reason: str
    forced: bool

    def line(self) -> str:
        forced = " (forced: no evidence commit reachable)" if self.forced else ""
        return f"{self.task} {self.title}: {self.before} → {self.after} ({self.reason}){forced}"


def checklist(text: str) -> list[tuple[str, bool]]:
    """(task id, ticked) for every task-list item of a Markdown text that starts with a task id."""
    import mistune

    parse = mistune.create_markdown(renderer=None, plugins=["task_lists"])
    tokens = parse(_without_frontmatter(text))
    return [
        (found, bool(item.get("attrs", {}).get("checked")))
        for item in _task_items(tokens if isinstance(tokens, list) else [])
        if (found := _leading_id(item))
    ]


def _without_frontmatter(text: str) -> str:
    if not text.startswith("---\n"):
        return text
    end = text.find("\n---\n", 4)
    return text[end + 5 :] if end >= 0 else text


def _task_items(tokens: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for token in tokens:
        if token.get("type") == "task_list_item":
            yield token
        yield from _task_items(token.get("children") or [])


def _leading_id(item: dict[str, Any]) -> str | None:
    """The task id the item's text starts with (plain or as code)."""
    for child in item.get("children") or []:
        if child.get("type") in ("block_text", "paragraph"):
            first = (child.get("children") or [{}])[0]
            words = str(first.get("raw") or "").split(maxsplit=1)
            return words[0] if words and _TASK_ID.fullmatch(words[0]) else None
    return None


def committed_boxes(toplevel: Path, journal_dir: str) -> list[Box]:
    """The checklist boxes of every day journal committed at HEAD, oldest change first."""
    folder = journal_dir.strip("/")
    changed = {p: t for p, t in git.last_changed(toplevel, folder).items() if _DAY_FILE.search(p)}
    stale = {
        f"{folder}/{d.isoformat()}.md" for d in merge_journal.stale_days(_common(toplevel), folder)
    }
    texts = git.blobs(toplevel, [f"HEAD:{path}" for path in sorted(changed) if path not in stale])
    boxes: list[Box] = []
    for spec, blob in texts.items():
        if blob is None:
            continue
        path = spec.removeprefix("HEAD:")
        for task_id, ticked in checklist(blob.decode("utf-8", errors="replace")):
            boxes.append(Box(task_id, ticked, path, changed[path]))
    return sorted(boxes, key=lambda box: (box.committed, box.path))


def staged_boxes(toplevel: Path, journal_dir: str, when: str) -> list[Box]:
    """The boxes a person flipped in the journals staged for the commit being made (the index
    against HEAD), dated `when`: the stage renders those days again, so their ticks are taken
    before the render would put the boxes back."""
    folder = journal_dir.strip("/")
    paths = [p for p in git.staged_modified(toplevel, folder) if _DAY_FILE.search(p)]
    texts = git.blobs(toplevel, [s for p in paths for s in (f":{p}", f"HEAD:{p}")])
    boxes: list[Box] = []
    for path in paths:
        staged, committed = texts.get(f":{path}"), texts.get(f"HEAD:{path}")
        if staged is None or committed is None:
            continue
        before = dict(checklist(committed.decode("utf-8", errors="replace")))
        for task_id, ticked in checklist(staged.decode("utf-8", errors="replace")):
            if before.get(task_id, ticked) != ticked:
                boxes.append(Box(task_id, ticked, path, when))
    return boxes


def _common(toplevel: Path) -> Path:
    return git.repo_paths(toplevel).common_dir


def sync(doc: dict[str, Any], boxes: list[Box], view: tasks.View) -> list[Change]:
    """Record (in place) what people changed by ticking or unticking boxes; the changes made."""
    by_id = {t.get("id"): t for t in tasks.tasks_of(doc)}
    changes: list[Change] = []
    for box in _newest_word(boxes, by_id, view):
        task = by_id[box.task]
        changes.append(_record(task, box, tasks.view_status(task, view).status, view))
    return changes


def _newest_word(boxes: list[Box], by_id: dict[Any, dict[str, Any]], view: tasks.View) -> list[Box]:
    """Per task, the most recently committed box that disagrees with the task's status in `view`,
    among journals committed no earlier than the task's latest transition (a render always agrees
    with the state it was made from, so a disagreeing box in a journal newer than the task's last
    change is a person's edit)."""
    chosen: dict[str, Box] = {}
    for box in boxes:  # oldest journal change first
        task = by_id.get(box.task)
        records = tasks.ordered_transitions(task) if task else []
        if task is None or (records and str(records[-1].get("at")) > box.committed):
            continue
        if box.checked != (tasks.view_status(task, view).status == "done"):
            chosen[box.task] = box
    return list(chosen.values())


def _record(task: dict[str, Any], box: Box, before: str, view: tasks.View) -> Change:
    verb = "ticked" if box.checked else "unticked"
    reason = f"{verb} in {box.path}"
    forced = False
    path = ["open"]
    if box.checked:
        forced = not any(view.reachable(sha) for sha in tasks.evidence_commits(task))
        path = ["done"] if "done" in tasks.ALLOWED.get(before, frozenset()) else ["open", "done"]
    current = before
    for status in path:
        is_done = status == "done"
        tasks.transition(
            task,
            status,
            at=box.committed,
            branch=view.branch,
            commit=view.head,
            by="journal",
            reason=reason,
            forced=forced and is_done,
            current=current,
        )
        current = status
    return Change(str(task["id"]), str(task.get("title") or ""), before, current, reason, forced)
