"""The summary of a session record: what choosing sessions takes, without loading the record.

Ingest keeps one summary per cached session in the session index (see `sources.cache`). The pipeline
picks the sessions it rebuilds or links from the summaries and loads only those; ingest plans a run
(which file resumes which session, which sessions history or sub-agents concern) from them too.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields
from typing import Any

from journal.sources.model import Session


@dataclass(frozen=True)
class SessionSummary:
    id: str
    version: str  # `session_version` of the record
    parent_id: str | None
    cwd: str | None  # where it started
    cwds: tuple[str, ...]  # every cwd it was seen in (`Session.cwds`)
    started: str | None
    ended: str | None
    # The earliest and latest of `Session.timestamps()`: a commit further away than the link
    # window from both cannot be linked to the session (history prompts can lie outside
    # started..ended, so these are kept apart).
    first_event: str | None
    last_event: str | None
    git_branch: str | None
    subagents: tuple[str, ...]
    format: str  # "g0" | "g1" | "g2"
    source_path: str
    prompts_from: str | None  # where its prompts came from: "events" | "items" | "history"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionSummary:
        values = {name: data[name] for name in _FIELD_NAMES}
        values["cwds"] = tuple(values["cwds"])
        values["subagents"] = tuple(values["subagents"])
        # Filled in directly: a frozen dataclass's __init__ sets each field through
        # object.__setattr__, which was most of the cost of reading the index.
        summary = object.__new__(cls)
        summary.__dict__.update(values)
        return summary


# computed once: `fields` per record was most of the time spent reading the session index
_FIELD_NAMES = tuple(f.name for f in fields(SessionSummary))


def summarize(session: Session) -> SessionSummary:
    stamps = session.timestamps()
    prompts_from = session.reader_state.get("prompts_from")
    return SessionSummary(
        id=session.id,
        version=session_version(session),
        parent_id=session.parent_id,
        cwd=session.cwd,
        cwds=tuple(session.cwds),
        started=session.started,
        ended=session.ended,
        first_event=stamps[0] if stamps else None,
        last_event=stamps[-1] if stamps else None,
        git_branch=session.git_branch,
        subagents=tuple(session.subagents),
        format=session.format,
        source_path=session.source_path,
        prompts_from=prompts_from if isinstance(prompts_from, str) else None,
    )


def session_version(session: Session) -> str:
    """A cheap stamp that changes whenever a session gains events (no full serialisation)."""
    finished = sum(1 for call in session.tool_calls if call.finished)
    parts = (
        session.ended,
        session.title,
        session.model,
        len(session.prompts),
        len(session.replies),
        len(session.tool_calls),
        finished,
        len(session.plans),
        session.tokens.total if session.tokens else None,
        session.turns_completed,
        session.turns_aborted,
        tuple(session.subagents),
    )
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:16]
