"""One session fragment on one local day → its entry and its plans in the template context.

Only the day's own prompts, commands, files and plans count; the summary shows on the last day the
session was active. The shapes are listed in `journal.day`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from journal.local_time import day_stamps, hhmm, on_day


def session_entry(
    fragment: dict[str, Any],
    day: date,
    tz: ZoneInfo,
    *,
    days: set[date],
    max_commands: int,
    commits: list[dict[str, Any]],
) -> dict[str, Any]:
    """The session's entry on `day`; `days` are all the local days it was active on, `commits` its
    commit rows (built with the day's commits)."""
    stamps = day_stamps(fragment, day, tz)
    prompts = on_day(fragment.get("prompts"), day, tz)
    commands = on_day(fragment.get("commands"), day, tz)
    session_id = str(fragment.get("id", ""))
    agent = str(fragment.get("agent", ""))
    return {
        "id": session_id,
        "short_id": short_id(session_id),
        "agent": agent,
        "model": fragment.get("model"),
        "title": fragment.get("title"),
        "parent_id": fragment.get("parent_id"),
        "branch": (fragment.get("git") or {}).get("branch"),
        "start": hhmm(stamps[0], tz),
        "end": hhmm(stamps[-1], tz),
        "started": stamps[0],
        "ended": stamps[-1],
        "continued_from_previous_day": day > min(days),
        "continues_next_day": day < max(days),
        "prompts": len(prompts),
        "first_prompt": prompts[0].get("text") if prompts else None,
        "outcome": fragment.get("outcome"),
        "summary": fragment.get("summary") if day == max(days) else None,
        "commands": [
            {"time": hhmm(c["ts"], tz), "command": str(c.get("command", ""))}
            | {"exit_code": c.get("exit_code")}
            for c in commands[:max_commands]
        ],
        "commands_more": max(0, len(commands) - max_commands),
        "commands_total": len(commands),
        "failed_commands": sum(1 for c in commands if _failed(c)),
        "files": _files(on_day(fragment.get("files"), day, tz)),
        "tokens": int(((fragment.get("tokens") or {}).get("by_day") or {}).get(day.isoformat(), 0)),
        "resume": f"codex resume {session_id}" if agent == "codex" else None,
        "commits": commits,
    }


def _failed(command: dict[str, Any]) -> bool:
    return command.get("exit_code") not in (0, None)


def _files(changes: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One row per path: an added file stays "add" through later updates; otherwise the last action."""
    actions: dict[str, str] = {}
    for change in changes:
        path, action = str(change.get("path", "")), str(change.get("action", "update"))
        if actions.get(path) == "add" and action == "update":
            continue
        actions[path] = action
    return [{"path": path, "action": actions[path]} for path in sorted(actions)]


def plan_entries(fragment: dict[str, Any], day: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The last snapshot of each plan the session worked on that day. A snapshot that shares no
    step with the previous one starts a new plan (agents resend the whole plan on every update)."""
    latest: list[dict[str, Any]] = []
    for snapshot in on_day(fragment.get("plans"), day, tz):
        names = {s.get("step") for s in snapshot.get("steps") or []}
        if latest and names & {s.get("step") for s in latest[-1].get("steps") or []}:
            latest[-1] = snapshot
        else:
            latest.append(snapshot)
    session_id = str(fragment.get("id", ""))
    plans = []
    for plan in latest:
        steps = [
            {"step": str(s.get("step", "")), "status": str(s.get("status", "pending"))}
            for s in plan.get("steps") or []
        ]
        plans.append(
            {"session_id": session_id, "short_id": short_id(session_id)}
            | {"agent": fragment.get("agent"), "time": hhmm(plan["ts"], tz)}
            | {"explanation": plan.get("explanation"), "steps": steps, "total": len(steps)}
            | {"completed": sum(1 for s in steps if s["status"] == "completed")}
        )
    return plans


def short_id(session_id: str) -> str:
    return session_id.replace("-", "")[:8]
