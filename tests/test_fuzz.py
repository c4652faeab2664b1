"""Fuzzing the log readers and the state loaders with hypothesis, for a bounded time (200 examples
each): whatever the bytes, a reader returns (skipping and counting what it cannot read) and a loader
returns or raises `JournalError` (`StateCorrupt` for a file that does not parse), nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import events, fragment, project_state, state
from journal.errors import JournalError
from journal.sources import history, rollout
from journal.sources.cache import fingerprint

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

KINDS = ["session_meta", "turn_context", "response_item", "event_msg", "compacted", "other"]
PAYLOAD_TYPES = [
    "message", "function_call", "function_call_output", "custom_tool_call",
    "custom_tool_call_output", "local_shell_call", "reasoning", "user_message", "agent_message",
    "token_count", "task_started", "task_complete", "turn_aborted", "exec_command_end",
    "patch_apply_end", "mcp_tool_call_end", "update_plan", "nothing-known",
]  # fmt: skip
KEYS = [
    "id", "session_id", "timestamp", "cwd", "git", "role", "content", "name", "arguments",
    "call_id", "output", "message", "info", "turn_id", "model", "input", "status", "text",
    "plan", "source", "parent_thread_id", "command", "exit_code", "ts", "items", "type",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["2026-02-23T10:00:00.000Z", "2026-02-23T10:00:00", "../x", "", "0" * 40])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
payloads = st.dictionaries(st.sampled_from(KEYS), values, max_size=6).map(
    lambda d: d | {"type": d.get("type")}
) | st.builds(
    lambda kind, rest, args: {**rest, "type": kind, "arguments": json.dumps(args)},
    st.sampled_from(PAYLOAD_TYPES),
    st.dictionaries(st.sampled_from(KEYS), values, max_size=5),
    values,
)
records = st.builds(
    lambda ts, kind, payload: {"timestamp": ts, "type": kind, "payload": payload},
    st.sampled_from(["2026-02-23T10:00:00.000Z", "yesterday", ""]) | st.text(max_size=5),
    st.sampled_from(KINDS),
    payloads,
) | st.dictionaries(st.sampled_from(KEYS), values, max_size=5)  # bare G1 lines and junk
lines = st.lists(
    records.map(lambda r: json.dumps(r).encode() + b"\n")
    | st.binary(max_size=60).map(lambda b: b + b"\n")
    | st.binary(max_size=30),  # an unterminated tail, or two lines glued together
    max_size=15,
)


@FUZZ
@given(lines)
def test_the_rollout_parser_takes_any_lines(tmp_path: Path, chunks: list[bytes]) -> None:
    path = tmp_path / "rollout-2026-02-23T10-00-00-0e5f0a4c-1d2e-4a8b-9c3d-5e6f7a8b9c0d.jsonl"
    path.write_bytes(b"".join(chunks))
    whole, read = rollout.read_jsonl(path)
    assert read.offset <= path.stat().st_size
    assert "/" not in whole.id
    assert ".." not in whole.id
    # Reading in two parts gives the same record as reading at once.
    cut = b"".join(chunks[: len(chunks) // 2])
    cut = cut[: cut.rfind(b"\n") + 1]
    path.write_bytes(cut)
    first, part = rollout.read_jsonl(path)
    path.write_bytes(b"".join(chunks))
    resumed, _ = rollout.read_jsonl(path, first, part.offset)
    assert fingerprint(resumed) == fingerprint(whole)


@FUZZ
@given(values, st.binary(max_size=80))
def test_the_legacy_reader_takes_any_document(tmp_path: Path, doc: Any, junk: bytes) -> None:
    path = tmp_path / "rollout-2025-04-01-0e5f0a4c-1d2e-4a8b-9c3d-5e6f7a8b9c0d.json"
    for content in (
        json.dumps(doc).encode(),
        junk,
        json.dumps({"session": doc, "items": [doc]}).encode(),
    ):
        path.write_bytes(content)
        rollout.read_g0(path)
        rollout.read_g0_all([path])


@FUZZ
@given(lines, st.binary(max_size=80) | values.map(lambda v: json.dumps(v).encode()))
def test_history_takes_any_lines(tmp_path: Path, chunks: list[bytes], legacy: bytes) -> None:
    (tmp_path / history.HISTORY_FILE).write_bytes(b"".join(chunks))
    (tmp_path / history.LEGACY_HISTORY_FILE).write_bytes(legacy)
    entries = history.read_history(tmp_path)
    history.by_session(entries)


@FUZZ
@given(st.binary(max_size=200) | values.map(lambda v: json.dumps(v).encode()))
def test_the_event_log_takes_any_bytes(tmp_path: Path, raw: bytes) -> None:
    events.events_path(tmp_path).write_bytes(raw)
    log = events.load(tmp_path)
    assert all(isinstance(e["hook"], str) for e in log.events)


state_docs = (
    st.binary(max_size=120)
    | values.map(lambda v: json.dumps(v).encode())
    | st.dictionaries(st.sampled_from(["schema", *project_state.KEYS, "digest"]), values).map(
        lambda d: json.dumps(d).encode()
    )
)


@FUZZ
@given(state_docs)
def test_the_state_loader_raises_only_journal_errors(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / project_state.STATE_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    try:
        doc = project_state.load(tmp_path)
    except JournalError:
        assert path.read_bytes() == raw
        return
    assert doc is None or isinstance(doc, dict)


@FUZZ
@given(st.lists(state_docs, min_size=1, max_size=4))
def test_the_fragment_loader_raises_only_state_corrupt(tmp_path: Path, docs: list[bytes]) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for index, raw in enumerate(docs):
        (folder / f"20260223T100000Z_main_{index:08d}.json").write_bytes(raw)
    try:
        loaded = fragment.load_all(folder)
    except state.StateCorrupt as exc:
        corrupt: state.StateCorrupt | None = exc
    else:
        corrupt = None
        assert all(isinstance(doc["id"], str) for doc in loaded)
    assert corrupt is None or min(corrupt.line, corrupt.column) >= 1
