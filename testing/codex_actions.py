"""Less common Codex actions for `testing.codex_home.Rollout`: bare events, raw calls and outputs,
unified-exec sessions, every `apply_patch` carrier, compaction, rollbacks."""

from __future__ import annotations

import json
from typing import Any, Self


class RolloutActions:
    """Mixed into `Rollout`, which provides `line`, `_call_id` and `id`."""

    id: str

    def line(self, kind: str, payload: dict[str, Any], advance: float = 1.0) -> Self:
        raise NotImplementedError

    def _call_id(self) -> str:
        raise NotImplementedError

    def event(self, kind: str, **fields: Any) -> Self:
        return self.line("event_msg", {"type": kind, **fields})

    def user(self, text: str, kind: str | None = None) -> Self:
        """A bare `user_message` event (2025 files carry a `kind`)."""
        payload: dict[str, Any] = {"type": "user_message", "message": text}
        if kind is not None:
            payload["kind"] = kind
        return self.line("event_msg", payload)

    def item_user(self, text: str) -> Self:
        """A user-role response item with no matching event (as in files without events)."""
        return self.line("response_item", _user_item(text))

    def call(
        self,
        name: str,
        arguments: str | dict[str, Any],
        output: str | None = None,
        call_id: str | None = None,
        **extra: Any,
    ) -> str:
        """A `function_call`, and its output unless `output` is None; returns the call id."""
        call_id = call_id or self._call_id()
        args = arguments if isinstance(arguments, str) else json.dumps(arguments)
        item = {"type": "function_call", "name": name, "arguments": args, "call_id": call_id}
        self.line("response_item", {**item, **extra})
        if output is not None:
            self.output(call_id, output)
        return call_id

    def output(self, call_id: str, output: Any, custom: bool = False) -> Self:
        kind = "custom_tool_call_output" if custom else "function_call_output"
        return self.line("response_item", {"type": kind, "call_id": call_id, "output": output})

    def exec_running(self, command: str, process_id: int, output: str = "") -> str:
        """A unified-exec command still running when its first output is written."""
        text = f"Chunk ID: ab12\nWall time: 10.0 seconds\nProcess running with session ID {process_id}\nOutput:\n{output}"
        return self.call("exec_command", {"cmd": command, "yield_time_ms": 10000}, text)

    def write_stdin(self, process_id: int, exit_code: int | None = None, output: str = "") -> str:
        status = (
            f"Process exited with code {exit_code}"
            if exit_code is not None
            else f"Process running with session ID {process_id}"
        )
        text = f"Chunk ID: cd34\nWall time: 5.0 seconds\n{status}\nOutput:\n{output}"
        return self.call("write_stdin", {"session_id": process_id, "chars": ""}, text)

    def patch_via(self, patch: str, carrier: str, workdir: str | None = None) -> str:
        """`apply_patch` through one of its carriers: custom, function, argv, heredoc, shell_command."""
        ok = json.dumps(
            {"output": "Success.", "metadata": {"exit_code": 0, "duration_seconds": 0.1}}
        )
        if carrier == "custom":
            return self._custom_patch(patch)
        if carrier == "function":
            return self.call("apply_patch", {"input": patch}, ok)
        if carrier == "argv":
            return self.call("shell", {"command": ["apply_patch", patch], "workdir": workdir}, ok)
        script = f"apply_patch <<'EOF'\n{patch}EOF\n"
        if carrier == "heredoc":
            return self.call("exec_command", {"cmd": script, "workdir": workdir}, _unified(0))
        return self.call("shell_command", {"command": script, "workdir": workdir}, ok)

    def _custom_patch(self, patch: str) -> str:
        call_id = self._call_id()
        item = {
            "type": "custom_tool_call",
            "call_id": call_id,
            "name": "apply_patch",
            "input": patch,
        }
        self.line("response_item", {**item, "status": "completed"})
        self.output(call_id, "Success. Updated the following files:\n", custom=True)
        return call_id

    def compacted(self, history: list[dict[str, Any]]) -> Self:
        self.line("compacted", {"message": "", "replacement_history": history})
        return self.event("context_compacted")

    def rollback(self, turns: int) -> Self:
        return self.event("thread_rolled_back", num_turns=turns)

    def abort(self) -> Self:
        return self.event("turn_aborted", reason="interrupted")

    def rename(self, title: str) -> Self:
        return self.event("thread_name_updated", thread_id=self.id, thread_name=title)


def _unified(code: int, output: str = "") -> str:
    return f"Chunk ID: ef56\nWall time: 0.2 seconds\nProcess exited with code {code}\nOutput:\n{output}"


def _user_item(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
