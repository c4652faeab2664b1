"""Secrets and home paths out of every string that reaches a tracked file.

A secret becomes `[REDACTED:<kind>]`; for assignments, headers and URLs only the secret part is
replaced, so `DB_PASSWORD=[REDACTED:secret_assignment]` still says which variable was set. The kinds,
their rules and the values that are never taken for secrets are listed in `journal.redact_rules`.

Home paths (`$HOME` as given and symlink-resolved, `/home/<user>`, `/Users/<user>`, `/root`,
`C:\\Users\\<user>`) become `~`; `findings` reports them as kind `home_path`.
Redaction is idempotent: `redact(redact(t)) == redact(t)`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from journal import __version__, clean_texts, redact_rules
from journal.paths import home_pattern
from journal.redact_rules import BUILTIN_RULES, Rule, rejects

if TYPE_CHECKING:
    from journal.config import Config

MARKER = re.compile(r"\[REDACTED:[a-z_]+\]")
FINGERPRINT_CHARS = 16


class Finding(NamedTuple):
    kind: str
    start: int
    end: int
    fingerprint: str  # sha256[:16] of the matched secret: what an allowlist names


class Redactor:
    """Compiled once, applied to every string of every fragment and journal."""

    def __init__(self, extra_patterns: tuple[str, ...] = (), home: str | None = None) -> None:
        custom = tuple(Rule("custom", p, ()) for p in extra_patterns)
        self.rules: tuple[Rule, ...] = BUILTIN_RULES + custom
        # A rule runs only when one of its hints occurs: most strings skip every rule.
        self._enabled_by = {
            hint: {i for i, rule in enumerate(self.rules) if hint in rule.hints}
            for hint in sorted({hint for rule in self.rules for hint in rule.hints})
        }
        self.all_hints = tuple(self._enabled_by)
        self._unhinted = {i for i, rule in enumerate(self.rules) if not rule.hints}
        self._home = home_pattern(os.environ.get("HOME", "") if home is None else home)
        self._key: bytes | None = None
        self._store: clean_texts.Store | None = None

    @classmethod
    def from_config(cls, config: Config) -> Redactor:
        from journal.errors import JournalError

        for pattern in config.redact_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                message = f"redact.patterns: {pattern!r} is not a valid regex ({exc}); fix it"
                raise JournalError(message) from exc
        return cls(config.redact_patterns)

    def hints_in(self, text: str) -> frozenset[str]:
        """The rules' hints that occur in `text`. Any text whose hints are among these (a part of
        `text`) can be checked for those alone: see `secrets`. No hint holds a quote, a backslash
        or a control character (JSON escapes only those by necessity: `check_secrets`)."""
        lowered = text.lower()
        return frozenset(hint for hint in self._enabled_by if hint in lowered)

    def secrets(self, text: str, hints: Iterable[str] | None = None) -> list[Finding]:
        """Non-overlapping secret spans of `text`; overlapping matches merge under the first rule's
        kind. `hints`, when given, holds every hint `text` can contain (`hints_in` of a text that
        contains it): the others are not looked for."""
        lowered = text.lower()
        active = set(self._unhinted)
        for hint in self._enabled_by if hints is None else hints:
            if hint in lowered:
                active |= self._enabled_by[hint]
        if not active:
            return []
        markers = [m.span() for m in MARKER.finditer(text)] if "[REDACTED:" in text else []
        spans: list[tuple[int, int, int]] = []  # start, end, rule index (priority)
        for index in sorted(active):
            rule = self.rules[index]
            for match in rule.pattern.finditer(text):
                start, end = rule.secret_span(match)
                if start == end or _inside_any(start, end, markers):
                    continue
                if rejects(rule.kind, match.groupdict().get("key"), text[start:end]):
                    continue
                spans.append((start, end, index))
        return [
            Finding(self.rules[index].kind, start, end, fingerprint(text[start:end]))
            for start, end, index in _merge(spans)
        ]

    def findings(self, text: str, hints: Iterable[str] | None = None) -> list[Finding]:
        """Every secret and home path left in `text` (what the commit gate refuses); `hints` as
        for `secrets`. Inside `clean_texts.kept`, a text found clean before is not looked at."""
        store = self._clean_store()
        if store is not None and store.knows(text):
            return []
        found = self._findings(text, hints)
        if store is not None and not found:
            store.learn(text)
        return found

    def _findings(self, text: str, hints: Iterable[str] | None) -> list[Finding]:
        homes = [
            Finding("home_path", m.start(), m.end(), fingerprint(m.group()))
            for m in self._home.finditer(text)
        ]
        found = self.secrets(text, hints)
        if not homes or not found:
            return found or homes
        return sorted(found + homes, key=lambda f: (f.start, f.end))

    def redact(self, text: str) -> str:
        store = self._clean_store()
        if store is not None and store.knows(text):
            return text
        clean = self._redact(text)
        if store is not None:  # what redaction leaves holds no finding: the loop ends on none
            store.learn(clean)
        return clean

    def _redact(self, text: str) -> str:
        # Usually one pass. A replacement can change what precedes the next token (secrets glued
        # together), so repeat until nothing matches; every pass turns text into markers, so it ends.
        while True:
            found = self.secrets(text)
            if found:
                text = _replace(text, found)
                continue
            homed = self._home.sub("~", text)
            if homed == text:
                return text
            text = homed

    def _clean_store(self) -> clean_texts.Store | None:
        active = clean_texts.active()
        if active is None or active is self._store:
            return active  # asked for every text: the store it last matched, by identity
        if self._key is None:
            self._key = clean_texts.rules_key(self._decisive())
        self._store = clean_texts.store_for(self._key)
        return self._store

    def _decisive(self) -> Iterator[str]:
        """Everything that decides what is found: the rules, the home pattern, this code."""
        yield __version__
        for rule in self.rules:
            yield "\x1f".join((rule.kind, rule.source, *rule.hints))
        yield self._home.pattern
        yield MARKER.pattern
        yield _code_digest()


@functools.cache
def _code_digest() -> str:
    """This module's and the rules' source: a change to how text is matched forgets clean texts."""
    digest = hashlib.sha256()
    for module in (__file__, redact_rules.__file__):
        try:
            digest.update(Path(module).read_bytes())
        except OSError:
            digest.update(b"unread")
    return digest.hexdigest()


def _inside_any(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < s_end and s_start < end for s_start, s_end in spans)


def _merge(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for start, end, index in sorted(spans):
        if merged and start < merged[-1][1]:
            last_start, last_end, last_index = merged[-1]
            merged[-1] = (last_start, max(end, last_end), min(index, last_index))
        else:
            merged.append((start, end, index))
    return merged


def _replace(text: str, found: list[Finding]) -> str:
    parts: list[str] = []
    position = 0
    for finding in found:
        parts += [text[position : finding.start], f"[REDACTED:{finding.kind}]"]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]
