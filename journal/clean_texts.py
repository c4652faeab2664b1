"""Texts the redaction rules found nothing in, remembered between runs by their digest.

While an agent works, every stage builds the same session's fragment again and the secret gate
scans it again: the same prompts, commands and paths, with a little more each time. Each text the
rules found nothing in (no secret, no home path) is remembered as the 16-byte BLAKE2b digest of
its bytes, so the next run checks only what is new. A remembered text is exactly one that
`Redactor.redact` leaves unchanged and `Redactor.findings` reports nothing in.

The file (`<git-common-dir>/ai-journal/clean-texts`) starts with a digest of everything that
decides what the rules find: their patterns, hints and kinds, the configured patterns, the home
directory. Another key, a torn or foreign file: nothing is known, and the run writes a new one.
It keeps the texts of the run that wrote it first, then those of earlier runs, up to `LIMIT`.
A local cache: written without fsync, read as empty when damaged.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path

from journal import state

FILENAME = "clean-texts"
LIMIT = 1 << 15  # texts kept (16 bytes each): a long session's fragment, journal and state
_DIGEST = 16
_KEY = 32
_active: Store | None = None


class Store:
    """The texts known clean under one key, and those this run met."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key: bytes | None = None
        self.known: set[bytes] = set()
        self.met: dict[bytes, None] = {}  # in the order met: kept first when saving
        self.loaded_count = 0
        self._answered: dict[str, bool] = {}

    def knows(self, text: str) -> bool:
        clean = self._answered.get(text)  # a file repeats its keys and values many times
        if clean is not None:
            return clean
        digest = _digest(text)
        self.met[digest] = None
        clean = digest in self.known
        self._answered[text] = clean
        return clean

    def learn(self, text: str) -> None:
        digest = _digest(text)
        self.known.add(digest)
        self.met[digest] = None
        self._answered[text] = True

    def open(self, key: bytes) -> bool:
        """Serve rules of `key`; False when this run already serves another."""
        if self.key is not None:
            return self.key == key
        self.key = key
        try:
            data = self.path.read_bytes()
        except OSError:
            return True
        if data[:_KEY] == key and (len(data) - _KEY) % _DIGEST == 0:
            self.known = {data[i : i + _DIGEST] for i in range(_KEY, len(data), _DIGEST)}
            self.loaded_count = len(self.known)
        return True

    def save(self) -> None:
        """Written when this run learned a text: its own texts first, then earlier ones."""
        if self.key is None or len(self.known) == self.loaded_count:
            return
        kept = dict.fromkeys(digest for digest in self.met if digest in self.known)
        kept.update(dict.fromkeys(self.known))
        body = b"".join(list(kept)[:LIMIT])
        with contextlib.suppress(OSError):  # a cache: the next run checks everything again
            state.write_atomic(self.path, self.key + body, durable=False)


@contextlib.contextmanager
def kept(local_dir: Path) -> Iterator[None]:
    """Within: redactors consult and extend the store of `local_dir`, saved on the way out."""
    global _active
    outer = _active
    if outer is None:
        _active = Store(local_dir / FILENAME)
    try:
        yield
    finally:
        if outer is None and _active is not None:
            _active.save()
            _active = outer


def active() -> Store | None:
    """The store of the run inside `kept` (whatever its key), else None."""
    return _active


def store_for(key: bytes) -> Store | None:
    """The store for rules of `key`, inside `kept` (one key per run), else None."""
    if _active is None or not _active.open(key):
        return None
    return _active


def rules_key(parts: Iterator[str]) -> bytes:
    digest = hashlib.sha256(b"clean-texts 1")
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.digest()


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=_DIGEST).digest()
