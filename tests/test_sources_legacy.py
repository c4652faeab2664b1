"""Pre-envelope Codex logs (G1, G1b, the TypeScript G0 files) and the prompt history files."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from journal.sources import codex_legacy, discover, history, rollout
from journal.sources.model import FileChange, Message, Session
from testing.codex_home import CodexHome

START = datetime(2025, 7, 20, 9, 0, 0, tzinfo=UTC)
PATCH = "*** Begin Patch\n*** Add File: notes.md\n+hi\n*** End Patch\n"


def read(path: object) -> Session:
    session = rollout.read_file(path)  # type: ignore[arg-type]
    assert session is not None
    return session


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoneInfo]:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield ZoneInfo("Asia/Tokyo")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def test_g1_bare_lines_with_local_time_and_no_cwd(codex_home: CodexHome, tokyo: ZoneInfo) -> None:
    log = codex_home.legacy(START, cwd=None, zone=tokyo)
    log.message("user", "<environment_context>\n  <cwd>/work/shop</cwd>\n</environment_context>")
    log.message("user", "why is the cart total wrong?").state()
    log.shell(
        ["bash", "-lc", "pytest -q"], exit_code=1, output="1 failed", workdir="/work/shop/api"
    )
    log.shell(["apply_patch", PATCH]).message("assistant", "Fixed the rounding.").state()
    assert "T18-00-00" in log.path.name  # the file name shows Tokyo's wall clock
    session = read(log.path)
    assert (session.format, session.id) == ("g1", log.id)
    # the header said 18:00:00Z but meant Tokyo time: it is 09:00 UTC
    assert session.started == session.ended == "2025-07-20T09:00:00.000Z"
    assert session.cwd == "/work/shop"  # from <environment_context>, before the first workdir
    assert [(p.ts, p.text) for p in session.prompts] == [
        ("2025-07-20T09:00:00.000Z", "why is the cart total wrong?")
    ]
    assert [r.text for r in session.replies] == ["Fixed the rounding."]
    shell, patch_call = session.tool_calls
    assert (shell.command, shell.exit_code, shell.workdir) == ("pytest -q", 1, "/work/shop/api")
    assert patch_call.files == [FileChange("notes.md", "add")]
    assert (session.stats.lines, session.stats.malformed, session.stats.unknown) == (11, 0, 0)


def test_g1_without_environment_context_takes_the_first_workdir(codex_home: CodexHome) -> None:
    log = codex_home.legacy(START, cwd=None)
    log.message("user", "list files").shell(["ls"], workdir="/work/shop")
    assert read(log.path).cwd == "/work/shop"


def test_g1b_header_with_git_and_utc_time(codex_home: CodexHome) -> None:
    log = codex_home.legacy(START, cwd="/work/shop", branch="feature/cart")
    log.message("user", "hello").state()
    session = read(log.path)
    assert (session.format, session.cwd, session.git_branch) == ("g1", "/work/shop", "feature/cart")
    assert (session.cli_version, session.originator) == ("0.23.0", "codex_cli_rs")
    assert session.started == "2025-07-20T09:00:00.000Z"


def test_g1_header_that_is_really_utc_is_left_alone(codex_home: CodexHome, tokyo: ZoneInfo) -> None:
    log = codex_home.legacy(START, cwd="/work/shop", zone=tokyo)
    header = json.loads(log.path.read_text().splitlines()[0])
    header["timestamp"] = "2025-07-20T09:00:00.000Z"  # true UTC: differs from the name's clock
    lines = log.path.read_text().splitlines()
    log.path.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    assert read(log.path).started == "2025-07-20T09:00:00.000Z"


def test_g0_typescript_file(codex_home: CodexHome) -> None:
    g0 = codex_home.g0(START).prompt("add a readme").shell(["touch", "README.md"], "/work/shop")
    path = g0.reply("Done.").save()
    session = read(path)
    assert (session.format, session.id, session.cwd) == ("g0", g0.id, "/work/shop")
    assert session.started == session.ended == "2025-07-20T09:00:00.000Z"
    assert [p.text for p in session.prompts] == ["add a readme"]
    assert [(c.command, c.exit_code) for c in session.tool_calls] == [("touch README.md", 0)]
    assert session.stats.lines == 5


def test_g0_duplicate_snapshots_keep_the_longest(codex_home: CodexHome) -> None:
    g0 = codex_home.g0(START).prompt("first")
    early = g0.save(file_id="11111111-1111-4111-8111-111111111111")
    g0.shell(["ls"], "/work/shop")
    middle = g0.save(file_id="22222222-2222-4222-8222-222222222222", minutes_later=1)
    g0.reply("done")
    last = g0.save(file_id="33333333-3333-4333-8333-333333333333", minutes_later=2)
    other = codex_home.g0(START, session_id="44444444-4444-4444-8444-444444444444")
    lone = other.prompt("first").reply("a different answer").save()
    snaps = [codex_legacy.read_snapshot(p) for p in (early, middle, last, lone)]
    kept = codex_legacy.dedupe_snapshots([s for s in snaps if s is not None])
    assert sorted(k.path for k in kept) == sorted([last, lone])
    chain = next(k for k in kept if k.path == last)
    assert (chain.first_saved, chain.saved) == (
        "2025-07-20T09:00:00.000Z",
        "2025-07-20T09:02:00.000Z",
    )
    assert {log.kind for log in discover.find_logs(codex_home.root)} == {"g0"}


def test_history_both_keys_and_the_legacy_array(codex_home: CodexHome) -> None:
    codex_home.history("s-1", START, "first prompt")
    codex_home.history("s-2", START, "second", key="conversation_id")
    with (codex_home.root / "history.jsonl").open("a") as handle:
        handle.write(
            "garbage\n" + json.dumps({"session_id": "s-1", "ts": 1753002000, "text": "again"})
        )
    (codex_home.root / "history.json").write_text(
        json.dumps([{"command": "ls", "timestamp": 1746600000000}, {"bad": 1}])
    )
    entries = history.read_history(codex_home.root)
    assert entries == [
        history.HistoryEntry("s-1", "2025-07-20T09:00:00.000Z", "first prompt"),
        history.HistoryEntry("s-2", "2025-07-20T09:00:00.000Z", "second"),
        history.HistoryEntry("s-1", "2025-07-20T09:00:00.000Z", "again"),
        history.HistoryEntry("", "2025-05-07T06:40:00.000Z", "ls"),
    ]
    assert sorted(history.by_session(entries)) == ["s-1", "s-2"]


def test_history_stands_in_for_missing_user_events(codex_home: CodexHome) -> None:
    log = codex_home.legacy(START, cwd="/work/shop")
    log.message("user", "item prompt")
    session = read(log.path)
    entries = [history.HistoryEntry(log.id, "2025-07-20T09:00:05.000Z", "typed prompt")]
    assert history.apply(session, entries)
    assert session.prompts == [Message("2025-07-20T09:00:05.000Z", "typed prompt")]
    assert not history.apply(session, entries)  # idempotent
    assert history.apply(session, [])  # the history lost it: the items come back
    assert session.prompts == [Message("2025-07-20T09:00:00.000Z", "item prompt")]
