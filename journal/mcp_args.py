"""Checking a tool call's arguments against what its JSON schema promises.

A client may send anything; each reader here returns a typed value or raises a one-line
`JournalError` naming the argument, which the server hands back as the tool's error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from journal.errors import JournalError


def schema(
    properties: Mapping[str, dict[str, Any]], required: Sequence[str] = ()
) -> dict[str, Any]:
    """An object schema that refuses unknown arguments."""
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(required),
        "additionalProperties": False,
    }


def check_names(args: Mapping[str, Any], tool_schema: Mapping[str, Any]) -> None:
    known = tool_schema["properties"]
    unknown = sorted(name for name in args if name not in known)
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise JournalError(f"unknown argument {unknown[0]!r}; this tool takes: {allowed}")
    missing = [name for name in tool_schema.get("required", []) if args.get(name) is None]
    if missing:
        raise JournalError(f"missing argument {missing[0]!r}")


def text(args: Mapping[str, Any], name: str, default: str | None = None) -> str | None:
    value = args.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise JournalError(f"argument {name!r} must be a string")
    return value


def required_text(args: Mapping[str, Any], name: str) -> str:
    value = text(args, name)
    if value is None or not value.strip():
        raise JournalError(f"argument {name!r} cannot be empty")
    return value.strip()


def integer(
    args: Mapping[str, Any], name: str, default: int | None, low: int, high: int
) -> int | None:
    value = args.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise JournalError(f"argument {name!r} must be an integer")
    if not low <= value <= high:
        raise JournalError(f"argument {name!r} must be between {low} and {high}")
    return value


def flag(args: Mapping[str, Any], name: str) -> bool:
    value = args.get(name, False)
    if not isinstance(value, bool):
        raise JournalError(f"argument {name!r} must be true or false")
    return value


def choice(
    args: Mapping[str, Any], name: str, options: Sequence[str], default: str | None = None
) -> str | None:
    value = text(args, name, default)
    if value is not None and value not in options:
        raise JournalError(f"argument {name!r} must be one of {', '.join(options)}")
    return value


def required_choice(args: Mapping[str, Any], name: str, options: Sequence[str]) -> str:
    value = choice(args, name, options)
    if value is None:
        raise JournalError(f"missing argument {name!r}")
    return value


def texts(args: Mapping[str, Any], name: str) -> list[str]:
    value = args.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise JournalError(f"argument {name!r} must be a list of strings")
    return [v for v in value if v.strip()]
