"""Realistic Codex rollouts, fast: the shapes of `testing.codex_home.Rollout`, the sizes of real logs.

Sizes come from the real rollouts in shared/fixtures/codex: their text is redacted to markers that
keep the original length (`[REDACTED_TEXT len=… sha=…]`), so the length of every prompt, reply,
reasoning blob, command output and patch is known. The quantile tables below are those lengths;
a turn has the mix of lines seen there: a `turn_context` per model request (each carrying the
instructions, 11–13 KB), reasoning, shell calls in the three output formats, `apply_patch`, MCP
calls in the three naming styles, plans, and duplicated `token_count` events. A few prompts carry
a pasted image and a few sessions a `compacted` record, as in the real files, which is where most
of their bytes are.
"""

from __future__ import annotations

import base64
import bisect
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from testing.codex_home import Rollout, iso

# Cumulative probabilities, and per kind the text length (bytes) at each of them.
QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.97, 1.0)
LENGTHS = {
    "prompt": (40, 90, 150, 230, 600, 2000, 5000, 12000),
    "commentary": (30, 80, 110, 150, 210, 1100, 3300, 7600),
    "final": (300, 650, 1200, 1800, 3400, 4700, 5800, 7700),
    "reasoning": (700, 900, 1000, 1400, 2400, 4400, 9000, 17800),
    "output": (0, 60, 70, 380, 2400, 7400, 12700, 83500),
    "patch": (150, 300, 570, 900, 2000, 5000, 12000, 27600),
    "instructions": (5000, 9000, 10500, 10800, 12600, 12600, 12600, 12600),
}
ACTIONS = (("shell", 45), ("patch", 15), ("commentary", 18), ("mcp", 7), ("plan", 5), ("wait", 10))
SHELL_STYLES = ("json", "freeform", "unified")
MCP_STYLES = ("prefixed", "namespace", "bare")
COMMANDS = ("pytest -q", "git status --short", "rg -n 'def ' src", "sed -n 1,120p {f}", "ls src")
IMAGE_CHANCE = 0.03  # per prompt
COMPACT_CHANCE = 0.02  # per turn
_WORD_TEXT = (
    "def return self value None True False if else for in import from class with as raise "
    "assert yield lambda path config session commit journal render line offset cursor token "
    "result error print len dict list str int test_ = == != ( ) [ ] { } : , . + - * / # \" ' \\ "
    "\t é → ✓"
)
_WORDS = tuple(_WORD_TEXT.split(" "))


class Corpus:
    """Seeded code-like text (quotes, backslashes, tabs, some non-ASCII) to slice from."""

    def __init__(self, rng: random.Random, size: int = 1 << 20) -> None:
        parts: list[str] = []
        total = 0
        while total < size:
            line = " " * (4 * rng.randint(0, 3)) + " ".join(
                rng.choices(_WORDS, k=rng.randint(2, 12))
            )
            parts.append(line)
            total += len(line) + 1
        self.text = "\n".join(parts)
        self.doubled = self.text + self.text
        self.rng = rng

    def take(self, length: int) -> str:
        if length <= 0:
            return ""
        start = self.rng.randrange(len(self.text))
        if length <= len(self.text):
            return self.doubled[start : start + length]
        return (self.text * (2 + length // len(self.text)))[start : start + length]


def draw(rng: random.Random, kind: str) -> int:
    """A length drawn from the kind's quantile table, linear between the points."""
    lengths, u = LENGTHS[kind], rng.random()
    i = min(bisect.bisect_right(QUANTILES, u), len(QUANTILES) - 1)
    lo, hi = QUANTILES[i - 1], QUANTILES[i]
    return int(lengths[i - 1] + (lengths[i] - lengths[i - 1]) * (u - lo) / (hi - lo))


class BenchRollout(Rollout):
    """A `Rollout` that buffers its lines (written with `flush`) and pads them like Codex does."""

    def __init__(
        self, path: Path, session_id: str, start: datetime, corpus: Corpus, files: list[str]
    ) -> None:
        super().__init__(path, session_id, start, "gpt-5.3-codex")
        self.corpus, self.rng, self.files = corpus, corpus.rng, files
        self.pending: list[bytes] = []
        self.size = 0
        self.instructions = corpus.take(draw(self.rng, "instructions"))

    def line(self, kind: str, payload: dict[str, Any], advance: float = 1.0) -> BenchRollout:
        self.clock += timedelta(seconds=advance)
        if kind == "turn_context":
            payload = {**payload, "user_instructions": self.instructions, "summary": "auto"}
        elif payload.get("type") == "token_count" and payload.get("rate_limits") is None:
            payload = {**payload, "rate_limits": _RATE_LIMITS}
        data = orjson.dumps({"timestamp": iso(self.clock), "type": kind, "payload": payload})
        self.pending.append(data + b"\n")
        self.size += len(data) + 1
        return self

    def flush(self) -> int:
        """Append the buffered lines to the file; the number of bytes written."""
        data = b"".join(self.pending)
        with self.path.open("ab") as handle:
            handle.write(data)
        self.pending.clear()
        return len(data)

    # -- what a turn is made of ---------------------------------------------------------------
    def turn(self, cwd: str) -> None:
        rng, take = self.rng, self.corpus.take
        self.prompt(take(draw(rng, "prompt")), cwd)
        if rng.random() < IMAGE_CHANCE:
            self.image(int(2 ** rng.uniform(17.6, 21.5)))  # 200 KB to 3 MB
        for _ in range(rng.randint(4, 14)):
            self.line("turn_context", {"turn_id": "t", "cwd": cwd, "model": self.model})
            self.reasoning(draw(rng, "reasoning"))
            self.action(rng.choices([a for a, _ in ACTIONS], [w for _, w in ACTIONS])[0], cwd)
            self.tokens(rng.randint(2000, 40000))
        self.reply(take(draw(rng, "final")))

    def action(self, action: str, cwd: str) -> None:
        rng, take = self.rng, self.corpus.take
        if action == "shell":
            command = rng.choice(COMMANDS).format(f=rng.choice(self.files))
            style = rng.choice(SHELL_STYLES)
            code = 0 if rng.random() < 0.85 else 1
            self.shell(command, code, take(draw(rng, "output")), style=style, workdir=cwd)
        elif action == "patch":
            self.apply_patch(self.patch(draw(rng, "patch")))
        elif action == "commentary":
            self.reply(take(draw(rng, "commentary")), final=False)
        elif action == "mcp":
            args = {"query": take(rng.randint(20, 300))}
            output = take(draw(rng, "output"))
            self.mcp("docs", "search", args, output, style=rng.choice(MCP_STYLES))
        elif action == "plan":
            steps = [
                (take(rng.randint(20, 80)), s) for s in ("completed", "in_progress", "pending")
            ]
            self.plan(steps, explanation=take(60))
        else:
            self.wait(rng.uniform(0.2, 3))

    def patch(self, length: int) -> str:
        """A patch in Codex's format updating (sometimes adding) one of the repository's files."""
        rng = self.rng
        target, adding = rng.choice(self.files), rng.random() < 0.15
        if adding:
            target = target.replace(".py", f"_{rng.randrange(10**6)}.py")
        lines = ["*** Begin Patch", f"*** {'Add' if adding else 'Update'} File: {target}"]
        size = 0
        while size < length:
            if not adding:
                lines.append(f"@@ def f{rng.randrange(100)}():")
            for text in self.corpus.take(rng.randint(60, 600)).split("\n"):
                lines.append(("+" if adding else rng.choice("+- ")) + text)
                size += len(text) + 2
        return "\n".join([*lines, "*** End Patch", ""])

    def reasoning(self, length: int) -> None:
        blob = base64.b64encode(self.rng.randbytes(length * 3 // 4)).decode()
        item = {
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": self.corpus.take(32)}],
            "content": None,
            "encrypted_content": blob,
        }
        self.line("response_item", item)
        self.line("event_msg", {"type": "agent_reasoning", "text": self.corpus.take(40)}, 0.01)

    def image(self, length: int) -> None:
        url = (
            "data:image/png;base64,"
            + base64.b64encode(self.rng.randbytes(length * 3 // 4)).decode()
        )
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_image", "image_url": url}],
        }
        self.line("response_item", item, 0.01)

    def compact(self) -> None:
        history = [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": t}]}
            for t in (self.corpus.take(min(self.size // 5, 4 * (1 << 20))), self.corpus.take(500))
        ]
        self.compacted(history)


_RATE_LIMITS = {
    "primary": {"used_percent": 4.0, "window_minutes": 300, "resets_at": 1771890497},
    "secondary": {"used_percent": 10.0, "window_minutes": 10080, "resets_at": 1772355702},
    "credits": {"has_credits": False, "unlimited": False, "balance": None},
    "plan_type": None,
}


def start_session(
    path: Path, session_id: str, start: datetime, cwd: str, corpus: Corpus, files: list[str]
) -> BenchRollout:
    """A new session file's first line (`session_meta`, buffered like every other line)."""
    rollout = BenchRollout(path, session_id, start - timedelta(seconds=1), corpus, files)
    meta = {
        "id": session_id,
        "timestamp": iso(start),
        "cwd": cwd,
        "originator": "codex_cli_rs",
        "cli_version": "0.106.0",
        "source": "cli",
        "model_provider": "openai",
        "base_instructions": {"text": corpus.take(13000)},
        "git": {"branch": "main"},
    }
    return rollout.line("session_meta", meta)


def grow(rollout: BenchRollout, cwd: str, target: int) -> int:
    """Append whole turns until at least `target` more bytes are written; the bytes written."""
    written = 0
    while written < target:
        rollout.turn(cwd)
        if rollout.rng.random() < COMPACT_CHANCE:
            rollout.compact()
        rollout.wait(rollout.rng.uniform(1, 30))
        written += rollout.flush()
    return written
