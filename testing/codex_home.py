"""A fake but faithful `CODEX_HOME`: writes rollout files line by line in the current (G2) format.

The shapes follow the Codex formats document; every line is what Codex itself would append.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from testing.codex_actions import RolloutActions
from testing.codex_legacy import G0Session, LegacyRollout


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


class Rollout(RolloutActions):
    """One session file. Each method appends the lines Codex writes for that action."""

    def __init__(self, path: Path, session_id: str, start: datetime, model: str) -> None:
        self.path, self.id, self.clock, self.model = path, session_id, start, model
        self._calls = 0
        self._tokens = 0

    # -- low level -------------------------------------------------------------------------------
    def line(self, kind: str, payload: dict[str, Any], advance: float = 1.0) -> Rollout:
        self.clock += timedelta(seconds=advance)
        record = {"timestamp": iso(self.clock), "type": kind, "payload": payload}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        return self

    def raw(self, text: str) -> Rollout:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text)
        return self

    def wait(self, minutes: float) -> Rollout:
        self.clock += timedelta(minutes=minutes)
        return self

    def _call_id(self) -> str:
        self._calls += 1
        return f"call_{self.id[:4]}{self._calls:03d}"

    # -- turns -----------------------------------------------------------------------------------
    def prompt(self, text: str, cwd: str | None = None) -> Rollout:
        turn = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.id}/{self.clock.isoformat()}"))
        self.line(
            "event_msg", {"type": "task_started", "turn_id": turn, "model_context_window": 258400}
        )
        self.line(
            "turn_context",
            {"turn_id": turn, "cwd": cwd or "", "model": self.model, "effort": "medium"},
        )
        self.line(
            "response_item",
            _user_item(
                f"# AGENTS.md instructions for {cwd}\n\n<INSTRUCTIONS>\nbe nice\n</INSTRUCTIONS>"
            ),
        )
        self.line(
            "response_item",
            _user_item(f"<environment_context>\n  <cwd>{cwd}</cwd>\n</environment_context>"),
        )
        self.line("response_item", _user_item(text))
        return self.line(
            "event_msg", {"type": "user_message", "message": text, "images": []}, advance=0.01
        )

    def reply(self, text: str, final: bool = True) -> Rollout:
        phase = "final_answer" if final else "commentary"
        item = {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text}],
            "phase": phase,
        }
        self.line("response_item", item)
        self.line(
            "event_msg", {"type": "agent_message", "message": text, "phase": phase}, advance=0.01
        )
        if final:
            self.line(
                "event_msg", {"type": "task_complete", "turn_id": "t", "last_agent_message": text}
            )
        return self

    def tokens(self, add: int) -> Rollout:
        self._tokens += add
        usage = {
            "input_tokens": self._tokens * 3 // 4,
            "cached_input_tokens": self._tokens // 4,
            "output_tokens": self._tokens // 4,
            "reasoning_output_tokens": self._tokens // 8,
            "total_tokens": self._tokens,
        }
        info = {
            "total_token_usage": usage,
            "last_token_usage": usage,
            "model_context_window": 258400,
        }
        self.line("event_msg", {"type": "token_count", "info": info, "rate_limits": None})
        # Codex writes consecutive duplicates; a reader must not add them up.
        return self.line(
            "event_msg", {"type": "token_count", "info": info, "rate_limits": None}, advance=0.01
        )

    # -- tools -----------------------------------------------------------------------------------
    def shell(
        self,
        command: str,
        exit_code: int = 0,
        output: str = "",
        style: str = "json",
        workdir: str | None = None,
    ) -> Rollout:
        """A shell command; `style` picks the output format: json (shell), freeform (shell_command), unified."""
        call_id = self._call_id()
        if style == "json":
            args = {"command": ["bash", "-lc", command], "workdir": workdir}
            out = json.dumps(
                {"output": output, "metadata": {"exit_code": exit_code, "duration_seconds": 0.4}}
            )
            name = "shell"
        elif style == "freeform":
            args = {"command": command, "workdir": workdir}
            out = f"Exit code: {exit_code}\nWall time: 0.4 seconds\nOutput:\n{output}"
            name = "shell_command"
        else:
            args = {"cmd": command, "workdir": workdir, "yield_time_ms": 10000}
            out = f"Chunk ID: 4f2a1c\nWall time: 0.6123 seconds\nProcess exited with code {exit_code}\nOutput:\n{output}"
            name = "exec_command"
        self.line(
            "response_item",
            {
                "type": "function_call",
                "name": name,
                "arguments": json.dumps(args),
                "call_id": call_id,
            },
        )
        return self.line(
            "response_item", {"type": "function_call_output", "call_id": call_id, "output": out}
        )

    def apply_patch(self, patch: str) -> Rollout:
        call_id = self._call_id()
        self.line(
            "response_item",
            {
                "type": "custom_tool_call",
                "status": "completed",
                "call_id": call_id,
                "name": "apply_patch",
                "input": patch,
            },
        )
        summary = "Success. Updated the following files:\n" + "".join(
            f"{_op_letter(line)} {line.split(': ', 1)[1]}\n"
            for line in patch.splitlines()
            if line.startswith("*** ") and ": " in line and "Move to" not in line
        )
        out = json.dumps({"output": summary, "metadata": {"exit_code": 0, "duration_seconds": 0.0}})
        return self.line(
            "response_item", {"type": "custom_tool_call_output", "call_id": call_id, "output": out}
        )

    def plan(self, steps: list[tuple[str, str]], explanation: str | None = None) -> Rollout:
        call_id = self._call_id()
        args = {"explanation": explanation, "plan": [{"step": s, "status": st} for s, st in steps]}
        self.line(
            "response_item",
            {
                "type": "function_call",
                "name": "update_plan",
                "arguments": json.dumps(args),
                "call_id": call_id,
            },
        )
        return self.line(
            "response_item",
            {"type": "function_call_output", "call_id": call_id, "output": "Plan updated"},
        )

    def mcp(
        self,
        server: str,
        tool: str,
        arguments: dict[str, Any],
        output: str = "ok",
        style: str = "prefixed",
    ) -> Rollout:
        """An MCP call named as in one of three eras: prefixed `mcp__s__t`, `namespace`, bare `s__t`."""
        call_id = self._call_id()
        item: dict[str, Any] = {"type": "function_call", "name": f"mcp__{server}__{tool}"}
        if style == "namespace":
            item.update(name=tool, namespace=f"mcp__{server}")
        elif style == "bare":
            item["name"] = f"{server}__{tool}"
        item.update(arguments=json.dumps(arguments), call_id=call_id)
        self.line("response_item", item)
        return self.line(
            "response_item", {"type": "function_call_output", "call_id": call_id, "output": output}
        )


def _user_item(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def _op_letter(header: str) -> str:
    return {"Add": "A", "Delete": "D", "Update": "M"}[header[4:].split(" ", 1)[0]]


class CodexHome:
    """`$CODEX_HOME` with `sessions/YYYY/MM/DD/rollout-…jsonl` files and `history.jsonl`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "sessions").mkdir(parents=True, exist_ok=True)

    def session(
        self,
        cwd: Path | str,
        start: datetime,
        branch: str | None = "main",
        commit: str | None = None,
        model: str = "gpt-5.3-codex",
        session_id: str | None = None,
        remote: str | None = None,
        source: str | dict[str, Any] = "cli",
        parent_id: str | None = None,
        archived: bool = False,
    ) -> Rollout:
        """A current-format (G2) session; `parent_id` makes it a spawned sub-agent thread and
        `archived` puts it in the flat `archived_sessions/` folder."""
        sid = session_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{cwd}/{start.isoformat()}"))
        day = start.astimezone(UTC)
        folder = self.root / "sessions" / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
        if archived:
            folder = self.root / "archived_sessions"
        folder.mkdir(parents=True, exist_ok=True)
        if parent_id is not None:
            spawn = {"parent_thread_id": parent_id, "depth": 1, "agent_role": "worker"}
            source = {"subagent": {"thread_spawn": spawn}}
        path = folder / f"rollout-{day:%Y-%m-%dT%H-%M-%S}-{sid}.jsonl"
        git: dict[str, str] = {}
        if commit:
            git["commit_hash"] = commit
        if branch:
            git["branch"] = branch
        if remote:
            git["repository_url"] = remote
        meta = {
            "id": sid,
            "timestamp": iso(start),
            "cwd": str(cwd),
            "originator": "codex_cli_rs",
            "cli_version": "0.106.0",
            "source": source,
            "model_provider": "openai",
            "base_instructions": {"text": "You are Codex."},
            "git": git,
        }
        rollout = Rollout(path, sid, start, model)
        rollout.clock = start - timedelta(seconds=1)
        return rollout.line("session_meta", meta)

    def history(self, session_id: str, when: datetime, text: str, key: str = "session_id") -> None:
        record = {key: session_id, "ts": int(when.timestamp()), "text": text}
        with (self.root / "history.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    # -- older generations and archives --------------------------------------------------------
    def legacy(
        self,
        start: datetime,
        cwd: Path | str | None = None,
        branch: str | None = "main",
        session_id: str | None = None,
        zone: tzinfo | None = None,
    ) -> LegacyRollout:
        """A pre-envelope session: G1 (`cwd=None`: a bare `{id, timestamp}` header) or G1b (with
        cwd and git). Like Codex then, the header time is the local wall clock of `zone` with a
        literal `Z`, and so is the file name."""
        sid = session_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"legacy/{cwd}/{start.isoformat()}"))
        wall = start.astimezone(zone or UTC)
        folder = self.root / "sessions" / f"{wall:%Y}" / f"{wall:%m}" / f"{wall:%d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"rollout-{wall:%Y-%m-%dT%H-%M-%S}-{sid}.jsonl"
        header: dict[str, Any] = {"id": sid, "timestamp": wall.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        if cwd is not None:
            header.update(cwd=str(cwd), originator="codex_cli_rs", cli_version="0.23.0")
            header["instructions"] = None
            header["git"] = {
                "commit_hash": "9b1e4c7d" * 5,
                **({"branch": branch} if branch else {}),
            }
        rollout = LegacyRollout(path, sid)
        rollout.write(header)
        return rollout.state()

    def g0(self, start: datetime, session_id: str | None = None) -> G0Session:
        """A TypeScript-CLI session (one pretty-printed `.json` per save)."""
        sid = session_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"g0/{start.isoformat()}"))
        return G0Session(self.root / "sessions", sid, start)

    def archive(self, rollout: Rollout) -> Path:
        """Move a session file to `archived_sessions/`, as Codex does (same inode)."""
        target = self.root / "archived_sessions" / rollout.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        rollout.path.rename(target)
        rollout.path = target
        return target

    def compress(self, path: Path, keep_plain: bool = False) -> Path:
        """zstd-compress a log to `<name>.zst`, as Codex does for old archived sessions."""
        import zstandard

        target = path.with_name(path.name + ".zst")
        target.write_bytes(zstandard.ZstdCompressor(level=3).compress(path.read_bytes()))
        if not keep_plain:
            path.unlink()
        return target


def two_days_of_agent_work(repo: Any, home: CodexHome) -> None:
    """In `repo` (a `testing.git_repo.GitRepo`): a base commit, then on each of two days a session
    that patches `app.py` and the commit it made."""
    from testing.git_repo import BASE_TIME

    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    for n, word in enumerate(("y", "z")):
        start = BASE_TIME + timedelta(days=n, minutes=3)
        session = home.session(repo.path, start, commit=repo.head())
        session.prompt(f"Make the app say {word}", cwd=str(repo.path))
        patch = f"*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+{word}\n*** End Patch\n"
        session.apply_patch(patch).reply(f"It says {word} now.")
        repo.commit(
            f"Say {word}", {"app.py": f"{word}\n"}, when=session.clock + timedelta(minutes=1)
        )
