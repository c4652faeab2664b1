"""The `[mcp_servers.ai-journal]` entry of Codex's `config.toml` (`$CODEX_HOME`, else `~/.codex`):
its text, and adding it to the file with every other byte kept.

The entry names no repository: Codex starts its stdio servers in its own working directory, so
one entry serves whichever repository a session runs in. It names the interpreter that ran this
command, because `ai-journal` is often not on the PATH Codex passes to its servers.

Edits are checked by parsing the result: the new file must hold exactly the old settings plus
(or with a replaced) `mcp_servers.ai-journal`, or nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import state
from journal.errors import JournalError

SERVER_KEY = "ai-journal"
TABLE = f"[mcp_servers.{SERVER_KEY}]"
STARTUP_TIMEOUT_SEC = 20  # Codex's default of 10 s is tight for a cold Python start
COMPARED = ("command", "args")  # what makes an existing entry ours; other keys are the user's
_HEADER = re.compile(r"^[ \t]*\[\[?(?P<keys>[^\]\[]*)\]\]?[ \t]*(#.*)?$")
_KEY_PART = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[A-Za-z0-9_-]+)\s*(\.|$)")


def codex_home() -> Path:
    configured = os.environ.get("CODEX_HOME")
    return Path(configured).expanduser() if configured else Path.home() / ".codex"


def config_path() -> Path:
    return codex_home() / "config.toml"


def server_entry(python: str | None = None) -> dict[str, Any]:
    return {
        "command": python or sys.executable,
        "args": ["-m", "journal.entry", "mcp"],
        "startup_timeout_sec": STARTUP_TIMEOUT_SEC,
    }


def entry_toml(entry: dict[str, Any], newline: str = "\n") -> str:
    lines = [TABLE, *(f"{key} = {_toml_value(value)}" for key, value in entry.items())]
    return newline.join(lines) + newline


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # A JSON string is a TOML basic string once DEL, which JSON leaves bare, is escaped too.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


@dataclass
class CodexReport:
    lines: list[str] = field(default_factory=list)  # for stdout
    notes: list[str] = field(default_factory=list)  # for stderr


def init_codex(*, write: bool, force: bool, python: str | None = None) -> CodexReport:
    """Print the entry (the default), or add it to the config file (`write`), replacing a
    different one only when `force`d."""
    path, entry = config_path(), server_entry(python)
    report = CodexReport()
    if _missing("mcp"):
        report.notes.append("the mcp package is not installed here: pip install 'ai-journal[mcp]'")
    if not write:
        report.lines += [f"# add to {path} (or run `ai-journal init --codex --write`)"]
        report.lines += entry_toml(entry).splitlines()
        try:
            existing = _existing(path)
        except JournalError as exc:
            report.notes.append(str(exc))
            return report
        if _same(existing, entry):
            report.notes.append(f"{path} already has this entry")
        elif existing is not None:
            report.notes.append(
                f"{path} has a different {TABLE} entry; --write --force replaces it"
            )
        return report
    outcome = add_entry(path, entry, force=force)
    report.lines.append(
        {
            "added": f"added {TABLE} to {path}",
            "replaced": f"replaced {TABLE} in {path}",
            "unchanged": f"{path} already has {TABLE}: nothing to change",
        }[outcome]
    )
    if outcome != "unchanged":
        report.notes.append("Codex loads it in its next session started inside a repository")
    return report


def _missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None


def _same(existing: Any, entry: dict[str, Any]) -> bool:
    return isinstance(existing, dict) and all(existing.get(k) == entry[k] for k in COMPARED)


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise JournalError(f"{path} is not valid TOML ({exc}); fix it first") from exc


def _servers(path: Path, doc: dict[str, Any]) -> dict[str, Any]:
    servers = doc.setdefault("mcp_servers", {})
    if not isinstance(servers, dict):
        raise JournalError(f"{path}: mcp_servers is not a table; fix it first")
    return servers


def _existing(path: Path) -> Any:
    if not path.exists():
        return None
    return _servers(path, _parse(path, _read(path))).get(SERVER_KEY)


def _read(path: Path) -> str:
    """The file's text with its own line endings (CRLF stays CRLF)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JournalError(f"{path} is not UTF-8 text ({exc.reason}); fix it first") from exc


def add_entry(path: Path, entry: dict[str, Any], *, force: bool = False) -> str:
    """Add the entry to `path`: "added", "unchanged" (ours is there) or "replaced" (`force`)."""
    target = path.resolve() if path.is_symlink() else path
    text = _read(target) if target.exists() else ""
    existing = _servers(path, _parse(path, text)).get(SERVER_KEY)
    if _same(existing, entry):
        return "unchanged"
    if existing is not None and not force:
        command = existing.get("command") if isinstance(existing, dict) else existing
        raise JournalError(
            f"{path} already has a different {TABLE} entry (command {command!r}); "
            "run again with --force to replace it"
        )
    newline = "\r\n" if "\r\n" in text else "\n"
    block = entry_toml(entry, newline)
    edited = (
        _replaced(text, block, newline) if existing is not None else _appended(text, block, newline)
    )
    expected = _parse(path, text)
    _servers(path, expected)[SERVER_KEY] = entry
    if edited is None or _parse_or_none(edited) != expected:
        raise JournalError(
            f"could not edit {path} safely; replace its {TABLE} entry by hand with "
            "the one `ai-journal init --codex` prints"
        )
    _write_keeping_mode(target, edited)
    return "added" if existing is None else "replaced"


def _parse_or_none(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _appended(text: str, block: str, newline: str) -> str:
    if text and not text.endswith("\n"):
        text += newline
    return text + (newline if text.strip() else "") + block


def _replaced(text: str, block: str, newline: str) -> str | None:
    """`text` with the entry's table and its sub-tables taken out and `block` where the table
    was; None when the entry is not written as a table (an inline table, say)."""
    lines = text.splitlines(keepends=True)
    ours = [False] * len(lines)
    inside = False
    for index, line in enumerate(lines):
        keys = _header_keys(line)
        if keys is not None:
            inside = keys[:2] == ["mcp_servers", SERVER_KEY]
        ours[index] = inside
    if not any(ours):
        return None
    _give_back_trailing_comments(lines, ours)
    first = ours.index(True)
    kept = [line for line, mine in zip(lines, ours, strict=True) if not mine]
    if first and not lines[first - 1].endswith("\n"):
        kept[first - 1] += newline
    return "".join(kept[:first]) + block + "".join(kept[first:])


def _give_back_trailing_comments(lines: list[str], ours: list[bool]) -> None:
    """Blank and comment lines at the end of our table belong to what follows it."""
    for index in range(len(lines) - 1, -1, -1):
        if not ours[index] or (index + 1 < len(lines) and ours[index + 1]):
            continue
        back = index
        while back >= 0 and ours[back] and lines[back].strip()[:1] in ("", "#"):
            ours[back] = False
            back -= 1


def _header_keys(line: str) -> list[str] | None:
    match = _HEADER.match(line.rstrip("\r\n"))
    if match is None:
        return None
    inner, keys, position = match.group("keys"), [], 0
    while position < len(inner):
        part = _KEY_PART.match(inner, position)
        if part is None:
            return None
        keys.append(_unquote(part.group(1)))
        position = part.end()
    return keys


def _unquote(key: str) -> str:
    if key[:1] == '"':
        unquoted = json.loads(key)
        return unquoted if isinstance(unquoted, str) else key
    return key[1:-1] if key[:1] == "'" else key


def _write_keeping_mode(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    state.write_atomic(path, text)
    if mode is not None:
        path.chmod(mode)
