"""The text side of renaming SHAs in a journal (`journal.remap_journal`): finding the commits a
journal lists, counting and replacing the two forms of a SHA the built-in templates write (the
whole SHA, and its first 7 digits as `CommitInfo.short` and a session's rows have it)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

SHORT = 7
FULL_SHA = re.compile(r"(?<![0-9a-f])[0-9a-f]{40,64}(?![0-9a-f])")
SHORT_SHA = re.compile(r"(?<![0-9A-Za-z_])[0-9a-f]{7}(?![0-9A-Za-z_])")
ROWS = "- Commits: "  # a session's commit rows (session.md.j2)
PENDING = "**this commit (pending)**"
_LISTED = re.compile(r"^- ([0-9a-f]{40,64})$")
_CITED = re.compile(r"(?m)^- ([0-9a-f]{40,64})\r?$")
_KEY = re.compile(r"^([a-z_]+):")
_FRONT_KEYS = ["date", "branches", "commits", "sessions", "schema"]  # render._frontmatter's

Counts = tuple[Counter[str], Counter[str]]  # per old commit: (short forms, whole SHAs)


def shorts(olds: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, str | None]:
    """The short form of every replaced commit -> the renamed commit it names (None when that
    commit was not renamed, or when the form names several replaced commits)."""
    found: dict[str, str | None] = {}
    for old in olds:
        short = old[:SHORT]
        found[short] = None if short in found else (old if old in renames else None)
    return found


def listed(front: str) -> list[str] | None:
    """The frontmatter's `commits`, when the frontmatter is what the renderer writes and the
    list holds plain SHAs."""
    lines = [line.rstrip("\r\n") for line in front.splitlines()]
    if [m[1] for line in lines if (m := _KEY.match(line))] != _FRONT_KEYS:
        return None
    if "commits: []" in lines:
        return []
    found = []
    for line in lines[lines.index("commits:") + 1 :] if "commits:" in lines else []:
        if not line.startswith("- "):
            break
        match = _LISTED.match(line)
        if match is None:
            return None
        found.append(match[1])
    return found


def count(
    region: str,
    olds: Mapping[str, Any],
    renames: Mapping[str, str],
    short: Mapping[str, str | None],
) -> Counts | None:
    """How often each renamed commit appears in `region`, in both forms; None when a replaced
    commit that was not renamed appears (or a short form that names several)."""
    full: Counter[str] = Counter()
    for token in FULL_SHA.findall(region):
        if token in olds:
            if token not in renames:
                return None
            full[token] += 1
    shorts_found: Counter[str] = Counter()
    for token in SHORT_SHA.findall(region):
        if token in short:
            old = short[token]
            if old is None:
                return None
            shorts_found[old] += 1
    return shorts_found, full


def row_tokens(region: str) -> list[list[str]]:
    """The short SHAs of each session's commit rows, in order."""
    return [SHORT_SHA.findall(line) for line in region.splitlines() if line.startswith(ROWS)]


def swap_frontmatter(front: str, renames: Mapping[str, str]) -> str | None:
    out = []
    for line in front.splitlines(keepends=True):
        match = _LISTED.match(line.rstrip("\r\n"))
        new = renames.get(match[1]) if match else None
        if match is None or new is None:
            out.append(line)
        elif new.isdigit():
            return None  # YAML would quote it
        else:
            out.append(line.replace(match[1], new))
    return "".join(out)


def swap_region(region: str, renames: Mapping[str, str], short: Mapping[str, str | None]) -> str:
    region = FULL_SHA.sub(lambda m: renames.get(m[0], m[0]), region)

    def renamed(match: re.Match[str]) -> str:
        old = short.get(match[0])
        return renames[old][:SHORT] if old is not None and old in renames else match[0]

    return SHORT_SHA.sub(renamed, region)


def journals_citing(folder: Path, olds: Mapping[str, Any]) -> dict[date, str]:
    """Day -> text of the journals whose frontmatter lists a replaced commit ("" for one that is
    not UTF-8: rendering reports it)."""
    found = {}
    for path in sorted(folder.glob("*.md")):
        try:
            when = date.fromisoformat(path.stem)
        except ValueError:
            continue
        text = read(path) or ""
        head = "\n".join(text.split("\n---", 2)[:2])
        if any(sha in olds for sha in _CITED.findall(head)) or not text:
            found[when] = text
    return found


def read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return ""
