"""Types shared by the pipeline's modules."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from journal.sources.model import Session

Loader = Callable[[Iterable[str]], dict[str, Session]]  # ids -> the records of those that exist
