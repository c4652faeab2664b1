"""Codex rollout lines → `Session`, one line at a time, resumable from the cached record.

Accepts the current envelope (`{"timestamp", "type", "payload"}`) and the pre-September-2025 bare
lines (a bare session header, bare response items, `{"record_type": "state"}` markers). Lenient like
Codex itself: a line that is not JSON, or JSON of the wrong shape, counts as malformed; a type we do
not know counts as unknown; neither stops the parse. The first `session_meta` wins; `compacted`
records are not replayed (their `replacement_history` repeats earlier turns); reasoning, encrypted
or not, is never kept. Prompts, replies and turns: see `codex_turns`; tool calls: `codex_calls`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from journal.sources import codex_legacy, discover, stamps, tools
from journal.sources.codex_calls import CallBook
from journal.sources.codex_turns import Conversation, strip_request_marker
from journal.sources.model import Message, Session, TokenSnapshot, TokenUsage, ToolCall

RESPONSE_ITEM_KINDS = frozenset(
    {"message", "reasoning", "function_call", "function_call_output", "custom_tool_call",
     "custom_tool_call_output", "local_shell_call", "web_search_call", "ghost_snapshot",
     "compaction", "compaction_summary", "image_generation_call", "tool_search_call",
     "tool_search_output"}
)  # fmt: skip
_IGNORED_ITEMS = frozenset(
    {"reasoning", "web_search_call", "compaction", "compaction_summary", "image_generation_call",
     "tool_search_call", "tool_search_output"}
)  # fmt: skip
_IGNORED_EVENTS = frozenset(
    {"agent_reasoning", "agent_reasoning_raw_content", "agent_reasoning_section_break",
     "context_compacted", "entered_review_mode", "exited_review_mode", "undo_completed",
     "undo_started", "injected_message", "image_generation_end", "item_completed", "error",
     "warning", "guardian_assessment", "web_search_end", "view_image_tool_call",
     "dynamic_tool_call_request", "dynamic_tool_call_response", "stream_error", "background_event"}
)  # fmt: skip
INJECTED_PREFIXES = (
    "# AGENTS.md instructions for ", "<user_instructions>", "<environment_context>", "<skill",
    "<user_shell_command>", "<turn_aborted>", "<subagent_notification>", "<codex_internal_context",
    "<hook_prompt", "<skills_instructions>",
)  # fmt: skip
# Codex's own serialisation of the lines that are skipped unparsed: `{"timestamp":"<24 chars>",…`
_STAMP_OPEN = b'{"timestamp":"'
_SKIPPED_AS_WRITTEN = (
    b'","type":"response_item","payload":{"type":"reasoning",',
    b'","type":"event_msg","payload":{"type":"agent_reasoning",',
)
_ENV_CWD = re.compile(r"<cwd>([^<]+)</cwd>")


class CodexParser:
    """Feeds lines into `session`; `session.reader_state` carries what the next run needs."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.state = session.reader_state
        self.calls = CallBook(session)
        self.talk = Conversation(session)
        self._last_total: dict[str, Any] | None = None
        self.cwds: list[str] = self.state.setdefault("cwds", [])
        self._kinds: dict[str, Callable[[dict[str, Any], str], None]] = {
            "response_item": self.item,
            "event_msg": self.event,
            "turn_context": self._turn_context,
            "session_meta": self.meta,
            "compacted": _ignore,  # replacement_history repeats earlier turns: never re-emitted
        }
        self._events: dict[str, Callable[[dict[str, Any], str], None]] = {
            "user_message": self.talk.prompt_event,
            "agent_message": self.talk.reply_event,
            "token_count": self._tokens,
            "task_started": self.talk.task_started,
            "turn_started": self.talk.task_started,
            "task_complete": self._task_complete,
            "turn_complete": self._task_complete,
            "turn_aborted": self._turn_aborted,
            "thread_rolled_back": self.talk.roll_back,
            "thread_name_updated": self._renamed,
            "exec_command_end": self.calls.exec_end,
            "patch_apply_end": self.calls.patch_end,
            "mcp_tool_call_end": self.calls.mcp_end,
        }

    # -- lines ---------------------------------------------------------------------------------
    def feed(self, raw: bytes) -> None:
        if raw[:1] != b"{" and not raw.strip():
            return
        self.s.stats.lines += 1
        if raw[38:].startswith(_SKIPPED_AS_WRITTEN) and raw.startswith(_STAMP_OPEN):
            self._touch(stamps.normalize(raw[14:38].decode("ascii", "replace")) or "")
            return  # reasoning, a quarter of a log's bytes: only its time matters
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            try:  # bytes that are not UTF-8 (a crash mid-character, another encoding): keep the rest
                record = orjson.loads(raw.decode("utf-8", "replace"))
            except orjson.JSONDecodeError:
                self.s.stats.malformed += 1
                return
        if not isinstance(record, dict):
            self.s.stats.malformed += 1
            return
        self.record(record)

    def record(self, record: dict[str, Any]) -> None:
        kind, payload = record.get("type"), record.get("payload")
        inner = payload.get("type") if isinstance(payload, dict) else None
        if not isinstance(kind, (str, type(None))) or not isinstance(inner, (str, type(None))):
            self.s.stats.malformed += 1  # a type that is a list or a number: no shape we know
            return
        if isinstance(payload, dict) and isinstance(kind, str):
            ts = stamps.normalize(record.get("timestamp")) or self.s.ended or self.s.started or ""
            self._touch(ts)
            handler = self._kinds.get(kind)
            if handler is None:
                self.s.stats.unknown += 1
            else:
                handler(payload, ts)
        elif record.get("record_type") == "state":
            return
        elif kind is None and "id" in record and "timestamp" in record:
            codex_legacy.bare_meta(self, record)
        elif kind in RESPONSE_ITEM_KINDS:
            self.item(record, self.s.started or "")  # bare items carry no time of their own
        elif "payload" in record or "type" in record:
            self.s.stats.unknown += 1
        else:
            self.s.stats.malformed += 1

    # -- envelope kinds ------------------------------------------------------------------------
    def meta(self, payload: dict[str, Any], ts: str) -> None:
        if self.state.get("meta"):
            return  # forks and replays repeat it: the first is canonical
        self.state["meta"] = True
        sid = payload.get("id") or payload.get("session_id")
        if discover.safe_id(sid):
            self.s.id = str(sid)
        elif sid:
            self.s.stats.malformed += 1  # `../x` and the like never name a file
        self.s.started = stamps.normalize(payload.get("timestamp")) or ts or self.s.started
        cwd = payload.get("cwd")
        if isinstance(cwd, str) and cwd:
            self.s.cwd = cwd
            self.add_cwd(cwd)
        git = payload.get("git")
        git = git if isinstance(git, dict) else {}
        self.s.git_commit = _str(git.get("commit_hash"))
        self.s.git_branch = _str(git.get("branch"))
        self.s.git_remote = _str(git.get("repository_url"))
        self.s.cli_version = _str(payload.get("cli_version"))
        self.s.originator = _str(payload.get("originator"))
        self.s.forked_from = _str(payload.get("forked_from_id"))
        self.s.source, parent = _source(payload.get("source"))
        self.s.parent_id = _str(payload.get("parent_thread_id")) or parent

    def _turn_context(self, payload: dict[str, Any], ts: str) -> None:
        model, cwd = payload.get("model"), payload.get("cwd")
        if isinstance(model, str) and model:
            self.s.model = model
        if isinstance(cwd, str) and cwd:
            self.s.cwd = self.s.cwd or cwd
            self.add_cwd(cwd)
            self.state["turn_cwd"] = cwd

    def item(self, payload: dict[str, Any], ts: str) -> None:
        kind = payload.get("type")
        if kind == "message":
            self._message(payload, ts)
        elif kind == "function_call":
            call, plan = tools.function_call(payload, ts)
            self._add_call(call)
            if plan is not None:
                self.s.plans.append(plan)
        elif kind == "custom_tool_call":
            self._add_call(tools.custom_call(payload, ts))
        elif kind == "local_shell_call":
            self._add_call(tools.local_shell_call(payload, ts))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            self.calls.output(payload, ts)
        elif kind == "ghost_snapshot":
            ghost = payload.get("ghost_commit")
            sha = ghost.get("id") if isinstance(ghost, dict) else None
            if isinstance(sha, str) and sha not in self.s.ghost_commits:
                self.s.ghost_commits.append(sha)
        elif kind not in _IGNORED_ITEMS:
            self.s.stats.unknown += 1

    def event(self, payload: dict[str, Any], ts: str) -> None:
        kind = payload.get("type")
        handler = self._events.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            handler(payload, ts)
        elif kind not in _IGNORED_EVENTS and not str(kind).startswith("collab_"):
            self.s.stats.unknown += 1

    def _task_complete(self, payload: dict[str, Any], ts: str) -> None:
        self.s.turns_completed += 1

    def _turn_aborted(self, payload: dict[str, Any], ts: str) -> None:
        self.s.turns_aborted += 1

    def _renamed(self, payload: dict[str, Any], ts: str) -> None:
        self.s.title = _str(payload.get("thread_name")) or self.s.title

    # -- details -------------------------------------------------------------------------------
    def _touch(self, ts: str) -> None:
        if ts and (self.s.ended is None or ts > self.s.ended):
            self.s.ended = ts
        if ts and self.s.started is None:
            self.s.started = ts

    def add_cwd(self, cwd: str) -> None:
        if cwd not in self.cwds:
            self.cwds.append(cwd)

    def _add_call(self, call: ToolCall) -> None:
        if call.workdir is None:
            call.workdir = self.state.get("turn_cwd")  # Codex runs it in the turn's cwd
        self.calls.add(call)
        if self.s.format != "g2" and call.workdir and self.s.cwd is None:
            self.s.cwd = call.workdir  # early logs have no cwd: the first workdir stands in
            self.add_cwd(call.workdir)

    def _message(self, payload: dict[str, Any], ts: str) -> None:
        role, parts = payload.get("role"), payload.get("content")
        if not isinstance(parts, list):
            parts = [{"text": parts}] if isinstance(parts, str) else []
        texts = [p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)]
        if role == "assistant":
            self.talk.reply_item(Message(ts, "\n".join(texts), _str(payload.get("phase"))))
        elif role == "user" and texts:
            if texts[0].lstrip().startswith(INJECTED_PREFIXES):
                self._injected(texts[0])
            else:
                self.talk.prompt_item(Message(ts, strip_request_marker("\n".join(texts))))

    def _injected(self, text: str) -> None:
        found = _ENV_CWD.search(text) if "<environment_context>" in text else None
        if found and self.s.cwd is None:
            self.s.cwd = found.group(1).strip()
            self.add_cwd(self.s.cwd)

    def _tokens(self, payload: dict[str, Any], ts: str) -> None:
        info = payload.get("info")
        total = info.get("total_token_usage") if isinstance(info, dict) else None
        if not isinstance(total, dict):
            return  # a pure rate-limit update
        if total == self._last_total:
            return  # Codex repeats token_count lines
        self._last_total = total
        usage = TokenUsage(
            input=_int(total.get("input_tokens")),
            cached_input=_int(total.get("cached_input_tokens")),
            output=_int(total.get("output_tokens")),
            reasoning_output=_int(total.get("reasoning_output_tokens")),
            total=_int(total.get("total_tokens")),
        )
        if "total_tokens" not in total:
            usage.total = usage.input + usage.output
        if usage != self.s.tokens:
            self.s.tokens = usage
            self.s.token_snapshots.append(TokenSnapshot(ts, usage))


def _source(value: Any) -> tuple[str | None, str | None]:
    """`"cli"`, or a sub-agent object such as `{"subagent": {"thread_spawn": {...}}}`."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and value:
        name = "subagent" if "subagent" in value else str(next(iter(value)))
        return name, _find(value, "parent_thread_id")
    return None, None


def _find(tree: Any, key: str) -> str | None:
    if isinstance(tree, dict):
        if isinstance(tree.get(key), str):
            return str(tree[key])
        for child in tree.values():
            found = _find(child, key)
            if found:
                return found
    return None


def _ignore(payload: dict[str, Any], ts: str) -> None:
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
