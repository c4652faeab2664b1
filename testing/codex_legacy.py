"""Writers for Codex logs from before the current format: G1/G1b bare lines and G0 `.json` files.

Shapes follow the Codex formats document (G1 `rollout.rs`, the TypeScript CLI's `save-rollout.ts`).
`CodexHome.legacy` and `CodexHome.g0` create them in place.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _user_item(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


class LegacyRollout:
    """G1/G1b lines: bare response items and `{"record_type": "state"}` markers, no timestamps."""

    def __init__(self, path: Path, session_id: str) -> None:
        self.path, self.id = path, session_id
        self._calls = 0

    def write(self, record: dict[str, Any]) -> LegacyRollout:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
        return self

    def state(self) -> LegacyRollout:
        return self.write({"record_type": "state"})

    def message(self, role: str, text: str) -> LegacyRollout:
        kind = "output_text" if role == "assistant" else "input_text"
        return self.write(
            {"type": "message", "role": role, "content": [{"type": kind, "text": text}]}
        )

    def shell(
        self, command: list[str], exit_code: int = 0, output: str = "", workdir: str | None = None
    ) -> LegacyRollout:
        self._calls += 1
        call_id = f"call_legacy{self._calls}"
        args = {"command": command, "workdir": workdir, "timeout_ms": 10000}
        self.write(
            {
                "type": "function_call",
                "name": "shell",
                "arguments": json.dumps(args),
                "call_id": call_id,
            }
        )
        out = json.dumps(
            {"output": output, "metadata": {"exit_code": exit_code, "duration_seconds": 0.1}}
        )
        return self.write({"type": "function_call_output", "call_id": call_id, "output": out})


class G0Session:
    """Items of a TypeScript-CLI session; `save` writes one snapshot file of the items so far."""

    def __init__(self, folder: Path, session_id: str, start: datetime) -> None:
        self.folder, self.id, self.clock = folder, session_id, start
        self.items: list[dict[str, Any]] = []

    def prompt(self, text: str) -> G0Session:
        self.items.append(_user_item(text))
        return self

    def reply(self, text: str) -> G0Session:
        content = [{"type": "output_text", "text": text}]
        self.items.append({"type": "message", "role": "assistant", "content": content})
        return self

    def shell(self, command: list[str], workdir: str, exit_code: int = 0) -> G0Session:
        call_id = f"call_g0_{len(self.items)}"
        args = json.dumps({"command": command, "workdir": workdir})
        self.items.append(
            {"type": "function_call", "name": "shell", "arguments": args, "call_id": call_id}
        )
        out = json.dumps(
            {"output": "", "metadata": {"exit_code": exit_code, "duration_seconds": 0.1}}
        )
        self.items.append({"type": "function_call_output", "call_id": call_id, "output": out})
        return self

    def save(self, file_id: str | None = None, minutes_later: float = 0) -> Path:
        """Write a snapshot: `rollout-<date>-<file_id>.json` (the earliest CLI used a fresh UUID
        per save) or, without `file_id`, `<session id>.json` (the later CLI, rewritten in place)."""
        saved = self.clock + timedelta(minutes=minutes_later)
        name = f"rollout-{saved:%Y-%m-%d}-{file_id}.json" if file_id else f"{self.id}.json"
        doc = {
            "session": {"timestamp": iso(saved), "id": self.id, "instructions": ""},
            "items": self.items,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        return path
