"""Tasks as the journals show them: one task's entry (status in a branch view, owner, evidence
links), the tasks that changed on a local day, and which days' task sections changed.

A day's journal lists the tasks with a transition on that day in `journal.timezone`, each with the
day's transitions and its status in the view of the branch being rendered. Entries are plain JSON
data for the templates (`task.md.j2`, `tasks.md.j2`); every string in them is still raw text, which
the templates escape.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from journal.day_sessions import short_id
from journal.local_time import hhmm, local
from journal.tasks import View, ViewStatus, ordered_transitions, tasks_of, view_status
from journal.web import WebLinks


def status_text(status: ViewStatus) -> str:
    """ "done", "in progress", "done (pending evidence)", "open (done on feature-x)"."""
    text = status.status.replace("_", " ")
    if status.status == "done" and status.pending_evidence:
        text += " (pending evidence)"
    if status.done_on:
        text += f" (done on {', '.join(status.done_on)})"
    return text


def actor(by: object, web: WebLinks | None) -> dict[str, Any] | None:
    """Who made a change or owns a task: a person (name only, never the e-mail), an agent
    session, a commit trailer, or a ticked box in a journal."""
    if not isinstance(by, str) or not by:
        return None
    kind, _, rest = by.partition(":")
    if kind == "session" and rest:
        return {"kind": "session", "text": short_id(rest), "id": rest, "url": None}
    if kind == "trailer" and rest:
        return {"kind": "trailer", "text": rest[:7], "id": rest, "url": _commit_url(rest, web)}
    if by == "journal":
        return {"kind": "journal", "text": "journal", "id": None, "url": None}
    name = by.split(" <", 1)[0].strip() or by
    return {"kind": "person", "text": name, "id": None, "url": None}


def evidence(task: Mapping[str, Any], web: WebLinks | None) -> dict[str, list[dict[str, Any]]]:
    found = task.get("evidence") or {}
    return {
        "commits": [
            {"sha": sha, "short": sha[:7], "url": _commit_url(sha, web)}
            for sha in _strings(found.get("commits"))
        ],
        "files": [{"path": path} for path in _strings(found.get("files"))],
        "sessions": [
            {"id": sid, "short_id": short_id(sid)} for sid in _strings(found.get("sessions"))
        ],
    }


def task_entry(
    task: Mapping[str, Any],
    view: View,
    web: WebLinks | None,
    milestones: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """One task as every template sees it (the day's transitions are added by `day_tasks`)."""
    seen = view_status(task, view)
    milestone = milestones.get(str(task.get("milestone")))
    return {
        "id": str(task.get("id", "")),
        "title": str(task.get("title") or ""),
        "status": seen.status,
        "status_text": status_text(seen),
        "pending_evidence": seen.pending_evidence,
        "done_on": list(seen.done_on),
        "checked": seen.status == "done",
        "milestone": {"id": milestone.get("id"), "title": milestone.get("title")}
        if milestone
        else None,
        "parent": task.get("parent"),
        "depends_on": _strings(task.get("depends_on")),
        "owner": actor(task.get("owner"), web),
        "labels": _strings(task.get("labels")),
        "evidence": evidence(task, web),
    }


def day_tasks(
    doc: Mapping[str, Any], view: View, when: date, tz: ZoneInfo, web: WebLinks | None
) -> list[dict[str, Any]]:
    """The tasks with a transition on the local day `when`, ordered by their first change that
    day, then id; each with `transitions` (that day's, with the status each one left)."""
    return tasks_by_day(doc, view, tz, web).get(when, [])


def tasks_by_day(
    doc: Mapping[str, Any], view: View, tz: ZoneInfo, web: WebLinks | None
) -> dict[date, list[dict[str, Any]]]:
    """`day_tasks` of every local day with a task change, from one pass over the tasks."""
    milestones = by_id(doc.get("milestones"))
    days: dict[date, list[dict[str, Any]]] = {}
    for task in tasks_of(doc):
        changes = _changes_by_day(task, tz, view, web)
        if not changes:
            continue
        entry = task_entry(task, view, web, milestones)
        for when, rows in changes.items():
            days.setdefault(when, []).append(entry | {"transitions": rows})
    for entries in days.values():
        entries.sort(key=lambda t: (t["transitions"][0]["at"], t["id"]))
    return days


def transition_days(doc: Mapping[str, Any], tz: ZoneInfo) -> set[date]:
    """Every local day on which some task has a transition."""
    return {
        local(str(record["at"]), tz).date()
        for task in tasks_of(doc)
        for record in task.get("transitions") or []
        if isinstance(record, dict) and record.get("at")
    }


def fingerprints(by_day: Mapping[date, list[dict[str, Any]]]) -> dict[str, str]:
    """Per local day with task changes, a hash of everything its task section shows (statuses in
    the view included, so a merge that folds a task to done moves the fingerprint too)."""
    return {when.isoformat(): _hash(by_day[when]) for when in sorted(by_day)}


def changed_days(old: Mapping[str, str], new: Mapping[str, str]) -> set[date]:
    return {
        date.fromisoformat(day) for day in old.keys() | new.keys() if old.get(day) != new.get(day)
    }


# --- helpers ----------------------------------------------------------------------------------


def _changes_by_day(
    task: Mapping[str, Any], tz: ZoneInfo, view: View, web: WebLinks | None
) -> dict[date, list[dict[str, Any]]]:
    changes: dict[date, list[dict[str, Any]]] = {}
    previous = None
    for record in ordered_transitions(task):
        stamp = str(record.get("at") or "")
        if stamp:
            row = _change(record, previous, stamp, tz, view, web)
            changes.setdefault(local(stamp, tz).date(), []).append(row)
        previous = str(record.get("status"))
    return changes


def _change(
    record: Mapping[str, Any],
    previous: str | None,
    stamp: str,
    tz: ZoneInfo,
    view: View,
    web: WebLinks | None,
) -> dict[str, Any]:
    branch = record.get("branch")
    commit = record.get("commit")
    return {
        "at": stamp,
        "time": hhmm(stamp, tz),
        "from": previous,
        "to": str(record.get("status")),
        "by": actor(record.get("by"), web),
        "branch": branch if isinstance(branch, str) and branch != view.branch else None,
        "commit": {"sha": commit, "short": commit[:7], "url": _commit_url(commit, web)}
        if isinstance(commit, str) and commit
        else None,
        "forced": record.get("forced") is True,
        "reason": record.get("reason") if isinstance(record.get("reason"), str) else None,
    }


def by_id(items: object) -> dict[str, Mapping[str, Any]]:
    found = items if isinstance(items, list) else []
    return {str(i["id"]): i for i in found if isinstance(i, dict) and "id" in i}


def _strings(values: object) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _commit_url(sha: str, web: WebLinks | None) -> str | None:
    return web.commit_url(sha) if web and sha else None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _hash(value: Any) -> str:
    return hashlib.sha256(_canonical(value).encode("utf-8")).hexdigest()[:16]
