"""Pairing Codex tool calls with their results, across lines and across incremental runs.

Outputs join their call by `call_id` (calls may run in parallel, outputs may never come, an output may
arrive for a call we never saw). A unified-exec command that is still running when its first output is
written ("Process running with session ID P") gets its exit code, and the rest of its output, from
the later `write_stdin` calls on session P. Extended-history `exec_command_end` / `patch_apply_end` /
`mcp_tool_call_end` events, when present, are preferred over what the output text says.
"""

from __future__ import annotations

from typing import Any

import orjson

from journal.sources import exec_output, patch
from journal.sources.model import FileAction, FileChange, Session, ToolCall

_CHANGE_ACTIONS: dict[str, FileAction] = {"add": "add", "delete": "delete", "update": "update"}


class CallBook:
    """The tool calls of one session, indexed by call id; bookkeeping lives in `reader_state`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.index = {call.call_id: i for i, call in enumerate(session.tool_calls)}
        state = session.reader_state
        self.processes: dict[str, str] = state.setdefault("processes", {})
        self._settled_list: list[str] = state.setdefault("event_settled", [])
        self.event_settled = set(self._settled_list)

    def add(self, call: ToolCall) -> None:
        if not call.call_id:
            call.call_id = f"{call.name}#{len(self.session.tool_calls)}"
        if call.call_id in self.index:
            return  # the same call written twice (a replayed history): keep the first
        self.index[call.call_id] = len(self.session.tool_calls)
        self.session.tool_calls.append(call)

    def get(self, call_id: Any) -> ToolCall | None:
        position = self.index.get(call_id) if isinstance(call_id, str) else None
        return None if position is None else self.session.tool_calls[position]

    def output(self, payload: dict[str, Any], ts: str) -> None:
        call = self.get(payload.get("call_id"))
        if call is None:
            self.session.stats.orphan_outputs += 1
            return
        text, legacy_failure = exec_output.output_text(payload.get("output"))
        call.finished = ts
        if call.kind in ("shell", "patch") or call.name == "write_stdin":
            self._exec_output(call, text, ts)
        else:
            failed = legacy_failure or exec_output.parse(text).status == "error"
            call.status = "error" if failed else "ok"
            call.output = exec_output.excerpt(text)

    def exec_end(self, payload: dict[str, Any], ts: str) -> None:
        """Extended history: the structured end of a command (also `!cmd` typed by the user)."""
        call = self.get(payload.get("call_id"))
        if call is None:
            call = _user_shell_call(payload, ts)
            self.add(call)
        code = payload.get("exit_code")
        if isinstance(code, int) and not isinstance(code, bool):
            call.exit_code = code
            call.status = "ok" if code == 0 else "failed"
        aggregated = payload.get("aggregated_output")
        if isinstance(aggregated, str) and aggregated:
            call.output = exec_output.excerpt(aggregated)
        call.finished = call.finished or ts
        if call.workdir is None and isinstance(payload.get("cwd"), str):
            call.workdir = payload["cwd"]
        if call.call_id not in self.event_settled:
            self.event_settled.add(call.call_id)
            self._settled_list.append(call.call_id)

    def patch_end(self, payload: dict[str, Any], ts: str) -> None:
        call = self.get(payload.get("call_id"))
        if call is None:
            return
        changes = payload.get("changes")
        if not call.files and isinstance(changes, dict):
            call.files = [_change(path, spec) for path, spec in sorted(changes.items())]
        if payload.get("success") is False:
            call.status = "failed"
        call.finished = call.finished or ts

    def mcp_end(self, payload: dict[str, Any], ts: str) -> None:
        call = self.get(payload.get("call_id"))
        if call is None:
            return
        result = payload.get("result")
        if isinstance(result, dict) and "Err" in result:
            call.status = "error"
            call.output = call.output or exec_output.excerpt(str(result["Err"]))
        call.finished = call.finished or ts

    def _exec_output(self, call: ToolCall, text: str, ts: str) -> None:
        result = exec_output.parse(text)
        if call.call_id not in self.event_settled:
            call.exit_code, call.status = result.exit_code, result.status
            call.output = exec_output.excerpt(result.text)
        if result.process_id is not None:
            origin = self.processes.get(result.process_id)
            self.processes[result.process_id] = origin or call.call_id
        if call.name == "write_stdin":
            self._continue_process(call, result, ts)

    def _continue_process(self, call: ToolCall, result: exec_output.ExecResult, ts: str) -> None:
        process_id = _session_id(call.arguments)
        origin = self.get(self.processes.get(process_id or ""))
        if origin is None or origin is call:
            return
        more = result.text
        if more:
            origin.output = exec_output.excerpt(f"{origin.output or ''}\n{more}".lstrip("\n"))
        if result.status != "running":
            origin.exit_code, origin.status, origin.finished = result.exit_code, result.status, ts
            self.processes.pop(process_id or "", None)


def _session_id(arguments: str | None) -> str | None:
    if not arguments:
        return None
    try:
        doc = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return None
    value = doc.get("session_id") if isinstance(doc, dict) else None
    return str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None


def _user_shell_call(payload: dict[str, Any], ts: str) -> ToolCall:
    source = payload.get("source")
    name = "user_shell" if source == "user_shell" else "exec"
    call = ToolCall(call_id=str(payload.get("call_id") or ""), name=name, kind="shell", started=ts)
    argv = payload.get("command")
    if isinstance(argv, list):
        call.command = exec_output.excerpt(patch.shell_join(argv))
    elif isinstance(argv, str):
        call.command = exec_output.excerpt(argv)
    return call


def _change(path: str, spec: Any) -> FileChange:
    spec = spec if isinstance(spec, dict) else {}
    move = spec.get("move_path")
    if isinstance(move, str) and move:
        return FileChange(path, "move", move_to=move)
    return FileChange(path, _CHANGE_ACTIONS.get(str(spec.get("type")), "update"))
