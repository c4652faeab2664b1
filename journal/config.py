"""`.ai-journal/config.toml`: one typed, documented, validated object. Unknown keys are named, with a
suggestion when they look like a typo of a known one."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from journal.errors import JournalError

CONFIG_PATH = Path(".ai-journal") / "config.toml"


@dataclass(frozen=True)
class Config:
    journal_dir: str = field(
        default="docs/ai-journal", metadata={"doc": "where daily journals are written"}
    )
    timezone: str = field(
        default="UTC", metadata={"doc": "IANA zone that decides each event's calendar day"}
    )
    prompt_max_chars: int = field(default=500, metadata={"doc": "prompts longer than this are cut"})
    summary_max_chars: int = field(
        default=800, metadata={"doc": "final assistant message kept, at most"}
    )
    max_commands: int = field(default=25, metadata={"doc": "commands listed per session and day"})
    codex_home: str = field(
        default="", metadata={"doc": "Codex home; default $CODEX_HOME, else ~/.codex"}
    )
    link_window_minutes: int = field(
        default=120, metadata={"doc": "session activity this long before a commit can link to it"}
    )
    web_kind: str = field(
        default="",
        metadata={"doc": "github|gitlab|bitbucket|gitea for a self-hosted origin; auto if empty"},
    )
    redact_patterns: tuple[str, ...] = field(
        default=(),
        metadata={"doc": "extra regexes whose matches are redacted as [REDACTED:custom]"},
    )
    notes_stamp: str = field(
        default="auto",
        metadata={"doc": "auto|on|off: stamp commits with an id note git carries across rewrites"},
    )
    stage_journal: bool = field(
        default=True,
        metadata={"doc": "the pre-commit stage refreshes and stages journals and fragments"},
    )
    secrets_allow: tuple[str, ...] = field(
        default=(),
        metadata={
            "doc": "fingerprints `ai-journal check --secrets` printed for findings that are no secret"
        },
    )
    secrets_gate: bool = field(
        default=True,
        metadata={"doc": "native pre-commit refuses staged journal files holding a secret"},
    )
    context_agents_md: bool = field(
        default=False,
        metadata={"doc": "the pre-commit stage refreshes the context block in AGENTS.md"},
    )
    context_budget: int = field(
        default=8192, metadata={"doc": "bytes `ai-journal context` fits its output into"}
    )
    summarize_command: str = field(
        default="",
        metadata={"doc": "command fed a session's redacted transcript on stdin to summarise it"},
    )
    summarize_timeout_seconds: int = field(
        default=60, metadata={"doc": "how long summarize.command may run"}
    )
    summarize_condense_after: int = field(
        default=0,
        metadata={"doc": "sessions per branch kept whole; older fragments are condensed (0: off)"},
    )


# TOML layout: section.key -> Config field.
KEYS: dict[str, str] = {
    "journal.dir": "journal_dir",
    "journal.timezone": "timezone",
    "journal.prompt_max_chars": "prompt_max_chars",
    "journal.summary_max_chars": "summary_max_chars",
    "journal.max_commands": "max_commands",
    "journal.stage": "stage_journal",
    "codex.home": "codex_home",
    "link.window_minutes": "link_window_minutes",
    "web.kind": "web_kind",
    "redact.patterns": "redact_patterns",
    "notes.stamp": "notes_stamp",
    "secrets.allow": "secrets_allow",
    "secrets.gate": "secrets_gate",
    "context.agents_md": "context_agents_md",
    "context.budget": "context_budget",
    "summarize.command": "summarize_command",
    "summarize.timeout_seconds": "summarize_timeout_seconds",
    "summarize.condense_after": "summarize_condense_after",
}


def load(toplevel: Path) -> Config:
    path = toplevel / CONFIG_PATH
    if not path.exists():
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise JournalError(f"{path}: {exc}; fix the TOML syntax") from exc
    return from_mapping(raw, str(path))


def from_mapping(raw: dict[str, Any], origin: str = "config") -> Config:
    values: dict[str, Any] = {}
    for dotted, value in _flatten(raw):
        name = KEYS.get(dotted)
        if name is None:
            import difflib

            hint = difflib.get_close_matches(dotted, KEYS, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise JournalError(f"{origin}: unknown key '{dotted}'{suggestion}")
        values[name] = _coerce(name, value, origin, dotted)
    config = Config(**values)
    _validate(config, origin)
    return config


def documented_keys() -> list[tuple[str, Any, str]]:
    """(toml key, default, doc) for every key: used by the README test and `init`."""
    by_name = {f.name: f for f in fields(Config)}
    return [
        (key, by_name[name].default, by_name[name].metadata["doc"]) for key, name in KEYS.items()
    ]


def _flatten(raw: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            items += _flatten(value, dotted + ".")
        else:
            items.append((dotted, value))
    return items


def _coerce(name: str, value: Any, origin: str, dotted: str) -> Any:
    default = next(f.default for f in fields(Config) if f.name == name)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise JournalError(f"{origin}: '{dotted}' must be a list of strings")
        return tuple(value)
    if type(value) is not type(default):  # strict: a bool is not an int here
        raise JournalError(
            f"{origin}: '{dotted}' must be a {type(default).__name__}, got {value!r}"
        )
    return value


def _validate(config: Config, origin: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise JournalError(
            f"{origin}: unknown timezone '{config.timezone}' (use an IANA name)"
        ) from exc
    if config.notes_stamp not in ("auto", "on", "off"):
        raise JournalError(f"{origin}: notes.stamp must be auto, on or off")
    if config.web_kind not in ("", "github", "gitlab", "bitbucket", "gitea"):
        raise JournalError(f"{origin}: web.kind must be github, gitlab, bitbucket or gitea")
    bad = [f for f in config.secrets_allow if not re.fullmatch(r"[0-9a-f]{16}", f)]
    if bad:
        raise JournalError(f"{origin}: secrets.allow: {bad[0]!r} is not a 16-hex-digit fingerprint")
    for name in ("prompt_max_chars", "summary_max_chars", "max_commands", "link_window_minutes"):
        if getattr(config, name) <= 0:
            raise JournalError(f"{origin}: {name} must be positive")
    for key in ("context.budget", "summarize.timeout_seconds"):
        if getattr(config, KEYS[key]) <= 0:
            raise JournalError(f"{origin}: {key} must be positive")
    if config.summarize_condense_after < 0:
        raise JournalError(f"{origin}: summarize.condense_after must be 0 (off) or more")
