"""Tool invocations (`function_call`, `custom_tool_call`, `local_shell_call`) as `ToolCall`s.

Shell tools across versions: `shell` (argv), `shell_command` (a string), `exec_command` (unified exec,
a string), `local_shell_call` (argv). Patches come as the freeform `apply_patch` tool, its JSON
variant, or a shell command running `apply_patch`. MCP tools are named `<server>__<tool>` (2025),
`mcp__<server>__<tool>`, or carry `namespace: "mcp__<server>"` (2026).
"""

from __future__ import annotations

from typing import Any

import orjson

from journal.sources import exec_output, patch
from journal.sources.model import PlanSnapshot, PlanStep, ToolCall

SHELL_TOOLS = frozenset({"shell", "container.exec", "shell_command", "exec_command", "local_shell"})
MCP_HELPERS = frozenset({"list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource"})
_STATUS_ALIASES = {
    "done": "completed",
    "complete": "completed",
    "finished": "completed",
    "inprogress": "in_progress",
    "active": "in_progress",
    "doing": "in_progress",
    "todo": "pending",
    "not_started": "pending",
}


def function_call(payload: dict[str, Any], ts: str) -> tuple[ToolCall, PlanSnapshot | None]:
    name = _text(payload.get("name")) or "unknown"
    raw = payload.get("arguments")
    arguments = raw if isinstance(raw, str) else orjson.dumps(raw).decode()
    call = ToolCall(call_id=_call_id(payload), name=name, kind="other", started=ts)
    args = _json_object(arguments)
    if name in SHELL_TOOLS:
        _shell(call, args, arguments)
    elif name in ("apply_patch", "applypatch"):
        _patch(call, patch.patch_from_input(arguments), arguments)
    elif name == "update_plan":
        call.kind, call.arguments = "plan", exec_output.excerpt(arguments)
        return call, plan_snapshot(args, ts)
    elif not _mcp(call, payload, args):
        call.arguments = exec_output.excerpt(arguments)
    if call.kind == "mcp":
        call.arguments = exec_output.excerpt(arguments)
    return call, None


def custom_call(payload: dict[str, Any], ts: str) -> ToolCall:
    name = _text(payload.get("name")) or "unknown"
    text = _text(payload.get("input")) or ""
    call = ToolCall(call_id=_call_id(payload), name=name, kind="other", started=ts)
    if name in ("apply_patch", "applypatch"):
        _patch(call, text, text)
    else:
        call.arguments = exec_output.excerpt(text)
    return call


def local_shell_call(payload: dict[str, Any], ts: str) -> ToolCall:
    action = payload.get("action")
    if not isinstance(action, dict):
        action = {}
    call = ToolCall(call_id=_call_id(payload), name="local_shell", kind="shell", started=ts)
    argv = action.get("command")
    if isinstance(argv, list):
        _argv_command(call, argv)
    call.workdir = _text(action.get("working_directory"))
    return call


def plan_snapshot(args: dict[str, Any] | None, ts: str) -> PlanSnapshot | None:
    """The whole plan of one `update_plan` call; statuses are normalised leniently."""
    if args is None or not isinstance(args.get("plan"), list):
        return None
    steps = [
        PlanStep(step=item["step"].strip(), status=_status(item.get("status")))
        for item in args["plan"]
        if isinstance(item, dict) and isinstance(item.get("step"), str)
    ]
    explanation = args.get("explanation")
    return PlanSnapshot(ts=ts, steps=steps, explanation=_text(explanation))


def _shell(call: ToolCall, args: dict[str, Any] | None, arguments: str) -> None:
    call.kind = "shell"
    if args is None:
        call.arguments = exec_output.excerpt(arguments)  # not JSON: keep what the model sent
        return
    call.workdir = _text(args.get("workdir"))
    command = args.get("command", args.get("cmd"))
    if isinstance(command, list):
        _argv_command(call, command)
    elif isinstance(command, str):
        call.command = exec_output.excerpt(command)
        found = patch.patch_from_script(command)
        if found is not None:
            _patch(call, found, command)


def _argv_command(call: ToolCall, argv: list[Any]) -> None:
    call.command = exec_output.excerpt(patch.shell_join(argv))
    found = patch.patch_from_argv(argv)
    if found is not None:
        _patch(call, found, call.command)


def _patch(call: ToolCall, text: str | None, raw: str) -> None:
    call.kind = "patch"
    call.files = patch.parse_patch(text) if text else []
    if not call.files and call.command is None:
        call.arguments = exec_output.excerpt(raw)  # not a readable patch: keep what was sent


def _mcp(call: ToolCall, payload: dict[str, Any], args: dict[str, Any] | None) -> bool:
    namespace = _text(payload.get("namespace")) or ""
    name = call.name
    if namespace.startswith("mcp__"):
        server, tool = namespace[5:], name
    elif name.startswith("mcp__") and "__" in name[5:]:
        server, tool = name[5:].split("__", 1)
    elif name in MCP_HELPERS:
        server, tool = _text((args or {}).get("server")) or "", name
    elif "__" in name.strip("_") and not name.startswith("["):
        server, tool = name.split("__", 1)
    else:
        return False
    call.kind, call.mcp_server, call.mcp_tool = "mcp", server or None, tool
    return True


def _status(value: Any) -> str:
    text = str(value or "pending").strip().lower().replace("-", "_").replace(" ", "_")
    return _STATUS_ALIASES.get(text, text)


def _json_object(text: str) -> dict[str, Any] | None:
    if not text.lstrip().startswith("{"):
        return None
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None


def _call_id(payload: dict[str, Any]) -> str:
    return _text(payload.get("call_id")) or _text(payload.get("id")) or ""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
