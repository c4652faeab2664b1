"""Days whose journal is already what a render would write, known without rendering them.

A journal's bytes are a function of the day's template context (the fragments, commits and tasks
of the day, and the configuration fields that shape it: zone, command limit, web host), the
template sources (built-in and the repository's overrides), the renderer itself, and the file's
own text outside the generated region. Each render records, per journal file, a digest of the
first three and a hash of the bytes it left on disk (local state, `render-digests.json`, shared by
every worktree and keyed by the file's absolute path). The next render skips a day when both
still match: same inputs, and the file as it was written (a hand edit, a checkout or a merge
changes its bytes). `render --all-days --force` renders every day regardless.

`RENDERER_VERSION` changes whenever the renderer's own output changes (a filter, the frontmatter,
the layout around the region), so that an upgrade renders every day again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import __version__, state
from journal.errors import StateCorrupt
from journal.stage_stamp import signature

DIGEST_FILE = "render-digests.json"
RENDERER_VERSION = 1


@dataclass
class DayDigests:
    """The stored digests of one local state, the current templates' digest, what changed."""

    file: Path
    templates: str
    stored: dict[str, dict[str, str | None]]
    changed: bool = field(default=False)

    @classmethod
    def load(cls, local: Path, template_dirs: list[Path]) -> DayDigests:
        try:
            raw = state.read_json(local / DIGEST_FILE, default={})
        except StateCorrupt:  # written without fsync: a crash may tear it, which renders again
            raw = {}
        entries = raw.get("journals") if isinstance(raw, dict) else None
        stored = {
            key: value
            for key, value in (entries.items() if isinstance(entries, dict) else [])
            if isinstance(value, dict)
        }
        return cls(local / DIGEST_FILE, templates_digest(template_dirs), stored)

    def of_day(self, context: dict[str, Any]) -> str:
        """The digest of what a day's journal is rendered from (the file's own text aside)."""
        inputs = json.dumps(context, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        head = f"{RENDERER_VERSION}\0{__version__}\0{self.templates}\0"
        return hashlib.sha256((head + inputs).encode()).hexdigest()

    def fresh(self, path: Path, digest: str) -> bool:
        """True when `path` was written from inputs with this `digest` and is unchanged since."""
        entry = self.stored.get(str(path))
        if entry is None or entry.get("inputs") != digest:
            return False
        signed = signature(str(path))  # before the bytes are read: a later write moves it
        if entry.get("file") != file_hash(path):
            return False
        if entry.get("signature") != signed:
            self.stored[str(path)] = {**entry, "signature": signed}
            self.changed = True
        return True

    def record(self, path: Path, digest: str) -> None:
        """Remember that `path`, as it is now on disk, is the render of inputs with `digest`;
        `signature` is the file's size, time and inode when its bytes were hashed, which the
        render stamp (`journal.render_stamp`) compares instead of reading the file again."""
        signed = signature(str(path))
        entry = {"inputs": digest, "file": file_hash(path), "signature": signed}
        if self.stored.get(str(path)) != entry:
            self.stored[str(path)] = entry
            self.changed = True

    def save(self) -> None:
        if self.changed:
            document = {"schema": 1, "journals": dict(sorted(self.stored.items()))}
            state.write_atomic(self.file, state.dumps_canonical(document), durable=False)
            self.changed = False


def templates_digest(folders: list[Path]) -> str:
    """A digest of every template file under `folders` (names and bytes), in lookup order."""
    digest = hashlib.sha256()
    for number, folder in enumerate(folders):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []:
            name = path.relative_to(folder).as_posix()
            digest.update(f"{number}\0{name}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
