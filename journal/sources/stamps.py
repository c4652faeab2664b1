"""Timestamps as the `Session` record wants them: UTC ISO-8601 with milliseconds and a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime

_CANONICAL_LEN = len("2026-02-23T11:54:34.123Z")


def iso(when: datetime) -> str:
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def normalize(value: object) -> str | None:
    """Any timestamp a log may hold (RFC 3339 string, epoch seconds or milliseconds) in canonical
    form; None when it cannot be read."""
    if isinstance(value, str):
        if len(value) == _CANONICAL_LEN and value[-1] == "Z" and value[19] == ".":
            return value  # what Codex writes: the common case costs no parsing
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return iso(parsed)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # milliseconds since the epoch
        try:
            return iso(datetime.fromtimestamp(seconds, UTC))
        except (OverflowError, OSError, ValueError):
            return None
    return None


def local_wall_clock_to_utc(value: str) -> str | None:
    """Read a stamp whose `Z` lies: early Codex wrote local wall-clock time with a literal `Z`."""
    try:
        naive = datetime.fromisoformat(value.strip().removesuffix("Z"))
    except ValueError:
        return None
    return iso(naive.replace(tzinfo=None).astimezone())  # naive -> the machine's local zone
