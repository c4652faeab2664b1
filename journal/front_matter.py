"""A journal's frontmatter, written without a YAML library.

The keys and value shapes are fixed (a date, lists of branch names, SHAs and session ids, the
schema number), so the text is assembled directly, exactly as PyYAML's safe dumper lays it out
(block style, `- ` items at the key's indent, `[]` for an empty list). A string is written plain
only when it is certain that YAML would write it plain too: letters, digits and `._/-`, a letter or
digit first, and nothing a YAML 1.1 reader takes for a number, a date, a boolean or null. Any
other value (a branch named `yes`, an all-digit SHA, a non-ASCII session id) sends the whole
frontmatter through the YAML dumper, so the bytes never depend on which path wrote them; a test
checks the plain path against the dumper. Readers keep parsing the frontmatter as YAML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*\Z")
# Strings made only of digits and number punctuation may read as an int, float or date.
_NUMERIC = re.compile(r"[-+.0-9][-+._:0-9eE]*\Z")
_BASED = re.compile(r"0[bB][01_]+\Z|0[oO][0-7_]+\Z|0[xX][0-9a-fA-F_]+\Z")  # binary, octal, hex
_WORDS = frozenset(  # YAML 1.1 booleans and nulls, in every case a reader accepts (and more)
    {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf"}
)


def is_plain(text: str) -> bool:
    """True when YAML's safe dumper writes `text` as a plain (unquoted) scalar, for certain."""
    if not _PLAIN.match(text) or _NUMERIC.match(text):
        return False
    return text.lower() not in _WORDS and not _BASED.match(text)


def journal_metadata(context: dict[str, Any]) -> dict[str, Any]:
    """The frontmatter's fields, in their order, from a day's template context."""
    return {
        "date": date.fromisoformat(context["date"]),
        "branches": [str(b) for b in context["branches"]],
        "commits": [str(c["sha"]) for c in context["commits"]],
        "sessions": [str(s["id"]) for s in context["sessions"]],
        "schema": context["schema"],
    }


def journal_frontmatter(context: dict[str, Any], newline: str = "\n") -> str:
    """The frontmatter block, both `---` rules included, each line ending in `newline`."""
    metadata = journal_metadata(context)
    text = _direct(metadata)
    if text is None:
        text = _through_yaml(metadata)
    return text if newline == "\n" else text.replace("\n", newline)


def _direct(metadata: dict[str, Any]) -> str | None:
    schema = metadata["schema"]
    if type(schema) is not int:
        return None
    lines = ["---", f"date: {metadata['date'].isoformat()}"]
    for key in ("branches", "commits", "sessions"):
        items: Sequence[str] = metadata[key]
        if not all(is_plain(item) for item in items):
            return None
        lines += [f"{key}: []"] if not items else [f"{key}:", *(f"- {item}" for item in items)]
    lines += [f"schema: {schema}", "---", ""]
    return "\n".join(lines)


def _through_yaml(metadata: dict[str, Any]) -> str:
    """The dumper's text for values outside the plain shapes, with python-frontmatter's settings
    (libyaml's dumper when PyYAML has it: it quotes some characters the Python one writes)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    dumped = yaml.dump(
        metadata, Dumper=dumper, default_flow_style=False, allow_unicode=True, sort_keys=False
    )
    return f"---\n{dumped.strip()}\n---\n"
