"""The conversation of a Codex session: prompts, replies and turn boundaries, rollbacks included.

Each preference is decided so that reading a file in pieces gives the same record as reading it
whole. Prompts come from `user_message` events when the file has any; until the first one arrives,
user-role response items stand in (and are dropped when it does). Replies come from assistant
response items; `agent_message` events stand in until the first item. Turns start at
`task_started` when the file has those events, else at each prompt. `thread_rolled_back` drops the
prompts and replies of the dropped turns; their tool calls, plans and tokens stay (they happened).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from journal.sources.model import Message, Session

LEGACY_REQUEST_MARKER = "## My request for Codex:"


class Conversation:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.state = session.reader_state
        self.turns: list[list[int]] = self.state.setdefault("turns", [])  # [prompt, reply] index

    def reply_item(self, message: Message) -> None:
        if self.state.get("replies_from") != "items":
            self.state["replies_from"] = "items"
            self.s.replies.clear()
            for mark in self.turns:
                mark[1] = 0
        self.s.replies.append(message)

    def reply_event(self, payload: dict[str, Any], ts: str) -> None:
        text, phase = payload.get("message"), payload.get("phase")
        if self.state.get("replies_from") != "items" and isinstance(text, str):
            self.state["replies_from"] = "events"
            self.s.replies.append(Message(ts, text, phase if isinstance(phase, str) else None))

    def prompt_item(self, message: Message) -> None:
        source = self.state.get("prompts_from")
        if source == "events":
            return
        if source == "history":  # history.jsonl stands in; keep the items for when it goes away
            self.state.setdefault("item_prompts", []).append(asdict(message))
            return
        self.state["prompts_from"] = "items"
        if not self.state.get("task_events"):
            self._start_turn()
        self.s.prompts.append(message)

    def prompt_event(self, payload: dict[str, Any], ts: str) -> None:
        kind, text = payload.get("kind"), payload.get("message")
        if kind not in (None, "plain") or not isinstance(text, str):
            return
        if self.state.get("prompts_from") != "events":
            self.state["prompts_from"] = "events"
            self.state.pop("item_prompts", None)
            self.s.prompts.clear()
            if self.state.get("task_events"):
                for mark in self.turns:
                    mark[0] = 0
            else:
                self.turns.clear()  # they were guessed from response-item prompts
        if not self.state.get("task_events"):
            self._start_turn()
        self.s.prompts.append(Message(ts, strip_request_marker(text)))

    def task_started(self, payload: dict[str, Any], ts: str) -> None:
        if not self.state.get("task_events"):
            self.state["task_events"] = True
            self.turns.clear()  # earlier marks were guessed from prompts; the events are exact
        self._start_turn()

    def roll_back(self, payload: dict[str, Any], ts: str) -> None:
        count = payload.get("num_turns")
        if not isinstance(count, int) or count <= 0 or not self.turns:
            return
        count = min(count, len(self.turns))
        prompts_at, replies_at = self.turns[-count]
        del self.s.prompts[prompts_at:], self.s.replies[replies_at:], self.turns[-count:]
        self.s.turns_rolled_back += count

    def _start_turn(self) -> None:
        self.turns.append([len(self.s.prompts), len(self.s.replies)])


def strip_request_marker(text: str) -> str:
    """Old clients prefixed prompts with context up to `## My request for Codex:`."""
    cut = text.find(LEGACY_REQUEST_MARKER)
    return text[cut + len(LEGACY_REQUEST_MARKER) :].strip() if cut >= 0 else text
