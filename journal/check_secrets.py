"""The secret gate: the journal files, session fragments and project state a commit would hold, scanned
with the redaction rules; what is found is reported by file, line and kind, never by its text.

What is scanned is the index (the version the commit records), not the work tree: every file under
`.ai-journal/sessions/`, `.ai-journal/project_state.json` and the journal folder (`journal.dir`), or
with `staged_only` only those that differ from HEAD. A JSON file is scanned one decoded string at a
time (as the redactor saw it when the file was written) and each finding is placed at the line of
that string; a file that does not parse, and every other file, is scanned as text. A finding whose
fingerprint (the first 16 hex digits of the sha256 of the matched text) is listed in `secrets.allow`
is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from journal import git, state
from journal.config import Config
from journal.redact import Finding, Redactor

FRAGMENT_DIR = f"{state.COMMITTED_DIRNAME}/sessions"
STATE_FILE = f"{state.COMMITTED_DIRNAME}/project_state.json"


class Hit(NamedTuple):
    path: str  # repository-relative
    line: int
    column: int
    kind: str
    fingerprint: str

    def message(self) -> str:
        return (
            f"{self.path}:{self.line}:{self.column}: {self.kind} (fingerprint {self.fingerprint})"
        )


def pathspecs(config: Config) -> list[str]:
    return [FRAGMENT_DIR, STATE_FILE, config.journal_dir.strip("/")]


def scanned_files(
    toplevel: Path, config: Config, *, staged_only: bool = False, rev: str | None = None
) -> list[str]:
    """The journal artifacts in the index (with `staged_only`, those that differ from HEAD), or in
    commit `rev`."""
    specs = ["--", *pathspecs(config)]
    if rev is not None:
        listing = git.run(["ls-tree", "-r", "-z", "--name-only", rev, *specs], toplevel)
    elif staged_only:
        against = ["HEAD"] if git.head_sha(toplevel) else []
        diff = ["diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=AMCRT"]
        listing = git.run([*diff, *against, *specs], toplevel)
    else:
        listing = git.run(["ls-files", "-z", "--cached", *specs], toplevel)
    return sorted({name for name in listing.split("\0") if name})


def scan(
    toplevel: Path,
    config: Config,
    *,
    staged_only: bool = False,
    rev: str | None = None,
    redactor: Redactor | None = None,
) -> list[Hit]:
    """Every finding in the journal artifacts of the index (or of commit `rev`), allowlisted ones
    left out."""
    names = scanned_files(toplevel, config, staged_only=staged_only, rev=rev)
    where = "" if rev is None else rev
    contents = git.blobs(toplevel, [f"{where}:{name}" for name in names])
    redactor = redactor or Redactor.from_config(config)
    allowed = set(config.secrets_allow)
    hits: list[Hit] = []
    for name in names:
        data = contents.get(f"{where}:{name}")
        if data is None:
            continue
        text = data.decode("utf-8", errors="replace")
        hits += [hit for hit in scan_text(name, text, redactor) if hit.fingerprint not in allowed]
    return hits


def scan_text(name: str, text: str, redactor: Redactor) -> list[Hit]:
    """The findings in one file's text, each placed at its line and column."""
    if name.endswith(".json"):
        try:
            document = json.loads(text)
        except ValueError:
            pass
        else:
            return _scan_json(name, text, document, redactor)
    return [_hit(name, text, 0, finding) for finding in redactor.findings(text)]


def _scan_json(name: str, text: str, document: Any, redactor: Redactor) -> list[Hit]:
    hits: list[Hit] = []
    seen: set[tuple[int, int, str]] = set()
    hints = _hints_of_strings(text, redactor)
    for value in _strings(document):
        found = redactor.findings(value, hints)
        if not found:
            continue
        encoded = json.dumps(value, ensure_ascii=False)
        where = text.find(encoded)
        for finding in found:
            if where < 0:  # not canonical JSON: name the file's first line
                hit = Hit(name, 1, 1, finding.kind, finding.fingerprint)
            else:
                offset = where + len(json.dumps(value[: finding.start], ensure_ascii=False)) - 1
                hit = _hit(name, text, offset, finding._replace(start=0))
            if (hit.line, hit.column, hit.fingerprint) not in seen:
                seen.add((hit.line, hit.column, hit.fingerprint))
                hits.append(hit)
    return sorted(hits)


def _hints_of_strings(text: str, redactor: Redactor) -> Iterable[str] | None:
    """The hints any string decoded from the JSON `text` can hold: those of `text` itself, unless
    an escape can spell a hint's character (`\\u0073k`, `:\\/\\/`); then None (look for all).
    Other escapes stand for quotes, backslashes and control characters, which no hint has
    (`redact.Redactor.hints_in`), and lowercasing maps character by character onto ASCII."""
    if "\\u" in text or "\\/" in text:
        return None
    return _TextHints(text, redactor)


class _TextHints:
    """The hints of a file's text, looked for once many strings have needed them. Most strings
    of a file seen before are known clean (`journal.clean_texts`) and need none; the first few
    that do are checked for every hint, which costs less than looking through a large file."""

    PER_STRING = 64  # strings checked for every hint before the file's own are looked for

    def __init__(self, text: str, redactor: Redactor) -> None:
        self._text, self._redactor = text, redactor
        self._found: frozenset[str] | None = None
        self._asked = 0

    def __iter__(self) -> Iterator[str]:
        if self._found is None and self._asked < self.PER_STRING:
            self._asked += 1
            return iter(self._redactor.all_hints)
        if self._found is None:
            self._found = self._redactor.hints_in(self._text)
        return iter(self._found)


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for key, value in document.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(document, list):
        for item in document:
            yield from _strings(item)


def _hit(name: str, text: str, base: int, finding: Finding) -> Hit:
    at = base + finding.start
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return Hit(name, line, column, finding.kind, finding.fingerprint)
