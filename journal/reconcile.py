"""The decisions a rewrite or a merge leaves for a person, and applying them.

Everything a rewrite changes unambiguously is applied by the next refresh. What is left is derived
from the committed files themselves, so nothing needs remembering locally:
- **squash**: a session's commit was squashed into one that also holds other work; link the session
  to the squash (`accept`) or not (`keep`). Recorded in the fragment's `rewritten` entry.
- **note**: a person's text in a journal (outside the generated region) cites a commit that history
  replaced; write the successor's SHA instead (`accept`) or leave the words alone (`keep`).
- **conflict**: a merge of `project_state.json` met two different changes of one field; take
  `ours` or `theirs` (the conflict entry goes away).
- **task**: a task is done on this branch but none of its evidence commits is reachable any more
  (a reset or a rewrite dropped them); mark it open again (`reopen`) or keep it done (`keep`, a
  forced transition whose reason names the lost commits).
`skip` leaves a decision for later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from journal import fragment, git, merge_journal, project_state, remap, rewrite, state
from journal.config import Config
from journal.git import RepoPaths
from journal.run import FRAGMENT_DIR

_HEX = re.compile(r"\b[0-9a-f]{7,64}\b")


@dataclass(frozen=True)
class Decision:
    kind: str  # "squash" | "note" | "conflict" | "task"
    path: Path  # repo-relative file it changes
    subject: str  # the old SHA, or the conflict's path inside project_state.json
    successor: str | None
    question: str
    choices: tuple[str, ...]

    @property
    def default(self) -> str:
        return self.choices[0]


def pending(paths: RepoPaths, config: Config) -> list[Decision]:
    plan = remap.Plan.of(rewrite.load(state.local_dir(paths.common_dir)))
    found = _squashes(paths.toplevel)
    found += _notes(paths.toplevel, config, plan) if plan else []
    found += _conflicts(paths.toplevel)
    found += _lost_evidence(paths.toplevel)
    return found


def _squashes(top: Path) -> list[Decision]:
    found = []
    for path in sorted((top / FRAGMENT_DIR).glob("*.json")):
        doc = state.read_json(path, default={}) or {}
        for record in doc.get("rewritten", []):
            if record.get("decision") == remap.PENDING:
                question = (
                    f"session {str(doc.get('id'))[:8]}: its commit {record['sha'][:7]} was squashed "
                    f"into {str(record['successor'])[:7]}, which holds other work too; link it?"
                )
                found.append(
                    Decision(
                        "squash",
                        path.relative_to(top),
                        record["sha"],
                        record["successor"],
                        question,
                        ("accept", "keep", "skip"),
                    )
                )
    return found


def _notes(top: Path, config: Config, plan: remap.Plan) -> list[Decision]:
    by_prefix = {old[:7]: (old, new) for old, (new, _kind) in plan.olds.items()}
    found = []
    for path in sorted((top / config.journal_dir).glob("*.md")):
        parts = merge_journal.split(path.read_text(encoding="utf-8"))
        for token in sorted(set(_HEX.findall(parts.before + parts.after))):
            old, new = by_prefix.get(token[:7], ("", None))
            if old.startswith(token):
                target = f"{new[: len(token)]}" if new else "nothing (dropped)"
                question = (
                    f"{path.name}: your note cites {token}, rewritten to {target}; update it?"
                )
                found.append(
                    Decision(
                        "note",
                        path.relative_to(top),
                        token,
                        new,
                        question,
                        ("accept", "keep", "skip"),
                    )
                )
    return found


def _conflicts(top: Path) -> list[Decision]:
    doc = project_state.load(top) or {}
    found = []
    for entry in doc.get("conflicts", []):
        sides = {
            side: json.dumps(entry.get(side), ensure_ascii=False) for side in ("ours", "theirs")
        }
        question = (
            f"project_state.json {entry['path']}: ours {sides['ours']}, theirs {sides['theirs']}"
        )
        found.append(
            Decision(
                "conflict",
                project_state.STATE_PATH,
                entry["path"],
                None,
                question,
                ("ours", "theirs", "skip"),
            )
        )
    return found


def _lost_evidence(top: Path) -> list[Decision]:
    from journal import task_store

    doc = project_state.load(top)
    if not doc or not doc.get("tasks"):
        return []
    lost: dict[str, list[str]] = {}
    for task_id, sha in task_store.vanished_evidence(doc, task_store.view_for(top)):
        lost.setdefault(task_id, []).append(sha)
    return [
        Decision(
            "task",
            project_state.STATE_PATH,
            task_id,
            None,
            f"task {task_id} is done, but its evidence "
            f"{', '.join(sha[:7] for sha in shas)} is no longer on this branch; reopen it?",
            ("reopen", "keep", "skip"),
        )
        for task_id, shas in sorted(lost.items())
    ]


def apply(paths: RepoPaths, answers: Iterable[tuple[Decision, str]]) -> list[Path]:
    """Carry out the answers (the caller holds the state lock); the files that changed."""
    changed: set[Path] = set()
    for decision, answer in answers:
        if answer == "skip":
            continue
        target = paths.toplevel / decision.path
        if _APPLY[decision.kind](target, decision, answer):
            changed.add(target)
    return sorted(changed)


def days_of(
    paths: RepoPaths,
    config: Config,
    changed: Iterable[Path],
    answers: Iterable[tuple[Decision, str]],
) -> set[date]:
    """The days to render again: those of the fragments among `changed`, and those whose journal
    lists a squash a session was linked to."""
    from zoneinfo import ZoneInfo

    from journal import day

    fragments = paths.toplevel / FRAGMENT_DIR
    days: set[date] = set()
    for path in changed:
        if path.parent == fragments:
            days |= day.fragment_days(state.read_json(path), ZoneInfo(config.timezone))
    linked = {d.successor for d, answer in answers if d.kind == "squash" and answer == "accept"}
    journal_dir = paths.toplevel / config.journal_dir
    cited = remap.journal_days_citing(journal_dir, {sha for sha in linked if sha})
    return days | {date.fromisoformat(day) for day in cited}


def _apply_squash(path: Path, decision: Decision, answer: str) -> bool:
    doc = state.read_json(path)
    for record in doc.get("rewritten", []):
        if record["sha"] == decision.subject:
            record["decision"] = remap.ACCEPTED if answer == "accept" else remap.KEPT
            if answer == "accept" and decision.successor:
                # Several commits of the session may fold into one squash: the strongest link
                # stands, with the squash's own patch-id, as a rebuild would write it.
                links = {c["sha"]: c for c in doc["commits"]}
                candidate = {"sha": decision.successor, "strength": record["strength"]}
                remap.keep_strongest(links, candidate)
                top = path.parents[len(FRAGMENT_DIR.parts)]
                found = git.patch_ids(top, [decision.successor]).get(decision.successor)
                links[decision.successor]["patch_id"] = found
                doc["commits"] = sorted(links.values(), key=lambda c: c["sha"])
    return state.write_atomic(path, fragment.dumps(doc))


def _apply_note(path: Path, decision: Decision, answer: str) -> bool:
    if answer != "accept":
        return False
    parts = merge_journal.split(path.read_text(encoding="utf-8"))
    token = decision.subject
    new = (
        decision.successor[: len(token)]
        if decision.successor
        else f"{token} (dropped in a rewrite)"
    )
    swap = re.compile(rf"\b{re.escape(token)}\b")
    before, after = swap.sub(new, parts.before), swap.sub(new, parts.after)
    return state.write_atomic(path, parts._replace(before=before, after=after).text)


def _apply_conflict(path: Path, decision: Decision, answer: str) -> bool:
    doc: dict[str, Any] = state.read_json(path)
    entries = doc.get("conflicts", [])
    entry = next(e for e in entries if e["path"] == decision.subject)
    _set(doc, [_unescape(s) for s in decision.subject.split("/")], entry, answer)
    doc["conflicts"] = [e for e in entries if e is not entry]
    if not doc["conflicts"]:
        del doc["conflicts"]
    doc["digest"] = state.digest(doc)
    return state.write_atomic(path, state.dumps_canonical(doc))


def _set(doc: Any, segments: list[str], entry: dict[str, Any], side: str) -> None:
    """Put the chosen side's value at the conflict's path (lists are addressed by item id)."""
    *parents, last = segments
    node = doc
    for segment in parents:
        node = _child(node, segment)
    if side not in entry:  # that side deleted it
        if isinstance(node, list):
            node[:] = [item for item in node if item.get("id") != last]
        else:
            node.pop(last, None)
    elif isinstance(node, list):
        node[:] = [item for item in node if item.get("id") != last] + [entry[side]]
    else:
        node[last] = entry[side]


def _child(node: Any, segment: str) -> Any:
    if isinstance(node, list):
        return next(item for item in node if isinstance(item, dict) and item.get("id") == segment)
    return node[segment]


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def _apply_task(path: Path, decision: Decision, answer: str) -> bool:
    from journal import task_ops, task_store

    top = path.parents[1]
    doc = task_store.load_doc(top)
    actor = task_ops.Actor.here(top)
    if answer == "reopen":
        reason = "its evidence is no longer on this branch (reconcile)"
        task_ops.set_status(doc, actor, decision.subject, "open", reason=reason)
    else:
        reason = "kept done by reconcile though its evidence was rewritten away"
        task_ops.set_status(doc, actor, decision.subject, "done", reason=reason, forced=True)
    task_store.save_doc(top, doc)
    return True


_APPLY = {
    "squash": _apply_squash,
    "note": _apply_note,
    "conflict": _apply_conflict,
    "task": _apply_task,
}
