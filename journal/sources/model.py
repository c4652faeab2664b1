"""The normalised records every agent reader produces.

A `Session` is both the result of parsing and the parser's resumable state: the incremental reader
loads the cached record, feeds it only the bytes written since the last run, and stores it again.
Timestamps are ISO-8601 UTC strings ending in `Z` (`2026-02-23T11:54:34.123Z`), which sort correctly
as text. Paths are stored as the agent wrote them (absolute); fragments make them relative later.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

ToolKind = Literal["shell", "patch", "mcp", "plan", "other"]
FileAction = Literal["add", "update", "delete", "move"]
StepStatus = Literal["pending", "in_progress", "completed"]


@dataclass
class Message:
    ts: str
    text: str
    phase: str | None = None  # assistant only: "commentary" | "final_answer" | None


@dataclass
class FileChange:
    path: str
    action: FileAction
    move_to: str | None = None


@dataclass
class ToolCall:
    call_id: str
    name: str  # as logged: "shell", "exec_command", "apply_patch", "mcp__github__get_issue", ...
    kind: ToolKind
    started: str
    finished: str | None = None  # None while no output has been seen
    command: str | None = None  # shell: the command line as one string
    workdir: str | None = None
    exit_code: int | None = None
    output: str | None = None  # excerpt of the output (head and tail), never the whole thing
    files: list[FileChange] = field(default_factory=list)  # patch: what it added/updated/...
    mcp_server: str | None = None
    mcp_tool: str | None = None
    arguments: str | None = None  # raw arguments when they are neither shell nor patch
    # None until an output is seen; then "ok", "failed" (non-zero exit), "timeout", "error" (the
    # call was rejected or could not run) or "running" (a unified-exec process still alive).
    status: str | None = None


@dataclass
class PlanStep:
    step: str
    status: str  # "pending" | "in_progress" | "completed" (validated leniently)


@dataclass
class PlanSnapshot:
    ts: str
    steps: list[PlanStep]
    explanation: str | None = None


@dataclass
class TokenUsage:
    input: int = 0
    cached_input: int = 0
    output: int = 0
    reasoning_output: int = 0
    total: int = 0


@dataclass
class TokenSnapshot:
    ts: str
    usage: TokenUsage  # cumulative for the session at `ts`


@dataclass
class ParseStats:
    lines: int = 0
    malformed: int = 0  # not JSON, or JSON of the wrong shape
    unknown: int = 0  # valid JSON of a type we do not know
    truncated_tail: bool = False  # a partial last line was left for the next run
    orphan_outputs: int = 0  # tool outputs whose call was never seen


@dataclass
class Session:
    agent: str  # "codex"
    id: str
    source_path: str  # the log file (local only; never written to a tracked file)
    format: str = "g2"  # "g0" | "g1" | "g2": the log generation it was read from
    cwd: str | None = None
    started: str | None = None
    ended: str | None = None  # timestamp of the last event seen
    git_branch: str | None = None  # at session start
    git_commit: str | None = None  # at session start
    git_remote: str | None = None
    model: str | None = None  # the most recent turn's model
    cli_version: str | None = None
    originator: str | None = None
    source: str | None = None  # "cli" | "vscode" | "exec" | "subagent" | ...
    parent_id: str | None = None  # set on sub-agent threads
    forked_from: str | None = None
    title: str | None = None
    prompts: list[Message] = field(
        default_factory=list
    )  # real user prompts, injected context removed
    replies: list[Message] = field(default_factory=list)  # assistant messages
    tool_calls: list[ToolCall] = field(default_factory=list)  # in call order
    plans: list[PlanSnapshot] = field(default_factory=list)
    tokens: TokenUsage | None = None  # cumulative totals (the last snapshot)
    token_snapshots: list[TokenSnapshot] = field(default_factory=list)  # distinct totals only
    subagents: list[str] = field(default_factory=list)  # ids of child threads
    turns_completed: int = 0
    turns_aborted: int = 0
    turns_rolled_back: int = 0  # turns the user dropped (their prompts and replies are removed)
    ghost_commits: list[str] = field(default_factory=list)  # snapshot commits Codex made for /undo
    stats: ParseStats = field(default_factory=ParseStats)
    # Reader bookkeeping for incremental parsing; opaque to everything but the reader.
    reader_state: dict[str, Any] = field(default_factory=dict)

    @property
    def id8(self) -> str:
        return self.id.replace("-", "")[:8]

    @property
    def cwds(self) -> list[str]:
        """Every working directory the session was seen in (`session_meta`, then each turn's
        `turn_context`), in the order first seen; the start cwd leads."""
        seen = [str(cwd) for cwd in self.reader_state.get("cwds") or []]
        if self.cwd and self.cwd not in seen:
            seen.insert(0, self.cwd)
        return seen

    def timestamps(self) -> list[str]:
        """Every event time of the session, sorted: the basis of day bucketing and activity windows."""
        stamps = [m.ts for m in self.prompts] + [m.ts for m in self.replies]
        for call in self.tool_calls:
            stamps.append(call.started)
            if call.finished:
                stamps.append(call.finished)
        stamps += [p.ts for p in self.plans]
        if self.started:
            stamps.append(self.started)
        return sorted(s for s in stamps if s)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        data = dict(data)
        data["prompts"] = [Message(**m) for m in data.get("prompts", [])]
        data["replies"] = [Message(**m) for m in data.get("replies", [])]
        data["tool_calls"] = [_tool_call(c) for c in data.get("tool_calls", [])]
        data["plans"] = [
            PlanSnapshot(
                ts=p["ts"],
                steps=[PlanStep(**s) for s in p["steps"]],
                explanation=p.get("explanation"),
            )
            for p in data.get("plans", [])
        ]
        if data.get("tokens") is not None:
            data["tokens"] = TokenUsage(**data["tokens"])
        data["token_snapshots"] = [
            TokenSnapshot(ts=s["ts"], usage=TokenUsage(**s["usage"]))
            for s in data.get("token_snapshots", [])
        ]
        data["stats"] = ParseStats(**data.get("stats", {}))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _tool_call(data: dict[str, Any]) -> ToolCall:
    data = dict(data)
    data["files"] = [FileChange(**f) for f in data.get("files", [])]
    return ToolCall(**data)
