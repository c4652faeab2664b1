"""Timestamps read in the journal's time zone: the local moment, `HH:MM`, and which of a session
fragment's events fall on a local day.

A stamp without an offset is UTC; an unreadable stamp is a `JournalError`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from journal.errors import JournalError

_EVENT_LISTS = ("prompts", "commands", "files", "plans")


def event_stamps(fragment: dict[str, Any]) -> list[str]:
    stamps = [fragment.get("started"), fragment.get("ended")]
    for key in _EVENT_LISTS:
        stamps += [item.get("ts") for item in fragment.get(key) or []]
    return sorted(s for s in stamps if s)


def day_stamps(fragment: dict[str, Any], day: date, tz: ZoneInfo) -> list[str]:
    return [s for s in event_stamps(fragment) if local(s, tz).date() == day]


def on_day(items: list[dict[str, Any]] | None, day: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    chosen = [i for i in items or [] if i.get("ts") and local(i["ts"], tz).date() == day]
    return sorted(chosen, key=lambda i: str(i["ts"]))


def local(stamp: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError) as exc:
        raise JournalError(f"unreadable time {stamp!r} in a session fragment or commit") from exc
    if moment.tzinfo is None:  # fragments and git give UTC; never fall back to the machine's zone
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def hhmm(stamp: str, tz: ZoneInfo) -> str:
    return local(stamp, tz).strftime("%H:%M")
