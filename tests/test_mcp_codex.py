"""`ai-journal init --codex`: the `[mcp_servers.ai-journal]` entry printed, and written into
`$CODEX_HOME/config.toml` (or `~/.codex`) with every other byte of the file kept."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import cli, codex_config
from journal.errors import JournalError

ENTRY = {
    "command": sys.executable,
    "args": ["-m", "journal.entry", "mcp"],
    "startup_timeout_sec": codex_config.STARTUP_TIMEOUT_SEC,
}
EXISTING = """\
# my Codex settings
model = "gpt-5.3-codex"   # keep this comment

[mcp_servers.figma]
url = "https://mcp.figma.com/mcp"

[profiles.fast]
model_reasoning_effort = "low"
"""


@pytest.fixture
def codex_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "codex"
    monkeypatch.setenv("CODEX_HOME", str(folder))
    return folder


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_it_prints_an_entry_that_parses_as_codex_toml(
    codex_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["init", "--codex"], capsys)
    assert code == 0
    assert out.splitlines()[0] == (
        f"# add to {codex_dir / 'config.toml'} (or run `ai-journal init --codex --write`)"
    )
    assert tomllib.loads(out) == {"mcp_servers": {"ai-journal": ENTRY}}
    assert not codex_dir.exists()  # printing writes nothing


def test_printing_notes_a_missing_mcp_package_and_an_unreadable_config(
    codex_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mcp", None)  # how Python marks a module as not importable
    codex_dir.mkdir()
    (codex_dir / "config.toml").write_text("model = \n")
    code, out, err = run(["init", "--codex"], capsys)
    assert code == 0
    assert tomllib.loads(out)["mcp_servers"]["ai-journal"] == ENTRY
    notes = err.splitlines()
    assert notes[0] == "note: the mcp package is not installed here: pip install 'ai-journal[mcp]'"
    assert notes[1].startswith(f"note: {codex_dir / 'config.toml'} is not valid TOML (")


def test_write_creates_the_file_then_changes_nothing(
    codex_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["init", "--codex", "--write"], capsys)
    config = codex_dir / "config.toml"
    assert (code, out) == (0, f"added [mcp_servers.ai-journal] to {config}\n")
    assert "next session" in err
    written = config.read_bytes()
    assert written.decode() == codex_config.entry_toml(ENTRY)

    code, out, _ = run(["init", "--codex", "--write"], capsys)
    assert (code, out) == (0, f"{config} already has [mcp_servers.ai-journal]: nothing to change\n")
    assert config.read_bytes() == written
    _, _, err = run(["init", "--codex"], capsys)
    assert f"{config} already has this entry" in err


def test_write_keeps_an_existing_config_byte_for_byte(
    codex_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = codex_dir / "config.toml"
    codex_dir.mkdir()
    config.write_text(EXISTING.rstrip("\n"))  # no final newline
    config.chmod(0o640)
    assert run(["init", "--codex", "--write"], capsys)[0] == 0
    text = config.read_text()
    assert text.startswith(EXISTING.rstrip("\n") + "\n\n[mcp_servers.ai-journal]\n")
    parsed = tomllib.loads(text)
    assert parsed["mcp_servers"] == {"figma": {"url": "https://mcp.figma.com/mcp"}} | {
        "ai-journal": ENTRY
    }
    assert parsed["profiles"] == {"fast": {"model_reasoning_effort": "low"}}
    assert config.stat().st_mode & 0o777 == 0o640


def test_without_codex_home_it_is_the_home_directorys(
    hermetic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["init", "--codex", "--write"], capsys)[0] == 0
    assert tomllib.loads((hermetic / ".codex/config.toml").read_text())["mcp_servers"] == {
        "ai-journal": ENTRY
    }


def test_a_different_entry_is_replaced_only_with_force(
    codex_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = codex_dir / "config.toml"
    codex_dir.mkdir()
    ours = (
        '[mcp_servers.ai-journal]\ncommand = "/old/venv/bin/python"\n'
        'args = ["-m", "journal.entry", "mcp"]\n\n[mcp_servers.ai-journal.env]\nA = "b"\n'
    )
    split = EXISTING.index("[profiles.fast]")
    before, after = EXISTING[:split], EXISTING[split:]
    config.write_text(before + ours + "\n# the profiles\n" + after)
    original = config.read_bytes()

    code, out, err = run(["init", "--codex", "--write"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"ai-journal: {config} already has a different [mcp_servers.ai-journal] entry "
        "(command '/old/venv/bin/python'); run again with --force to replace it\n"
    )
    assert config.read_bytes() == original
    _, _, err = run(["init", "--codex"], capsys)
    assert "--write --force replaces it" in err

    code, out, _ = run(["init", "--codex", "--write", "--force"], capsys)
    assert (code, out) == (0, f"replaced [mcp_servers.ai-journal] in {config}\n")
    expected = before + codex_config.entry_toml(ENTRY) + "\n# the profiles\n" + after
    assert config.read_text() == expected


def test_user_settings_next_to_our_command_are_left_alone(
    codex_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = codex_dir / "config.toml"
    codex_dir.mkdir()
    config.write_text(codex_config.entry_toml(ENTRY) + "tool_timeout_sec = 120\n")
    original = config.read_bytes()
    code, out, _ = run(["init", "--codex", "--write"], capsys)
    assert (code, "nothing to change" in out) == (0, True)
    assert config.read_bytes() == original


def test_a_symlinked_config_is_written_through_the_link(
    codex_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dotfiles = tmp_path / "dotfiles/codex.toml"
    dotfiles.parent.mkdir()
    dotfiles.write_text(EXISTING)
    codex_dir.mkdir()
    (codex_dir / "config.toml").symlink_to(dotfiles)
    assert run(["init", "--codex", "--write"], capsys)[0] == 0
    assert (codex_dir / "config.toml").is_symlink()
    assert dotfiles.read_text().startswith(EXISTING + "\n[mcp_servers.ai-journal]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model = \n", "is not valid TOML"),
        ("mcp_servers = 3\n", "mcp_servers is not a table"),
    ],
)
def test_a_config_it_cannot_read_is_left_alone(
    codex_dir: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    codex_dir.mkdir()
    (codex_dir / "config.toml").write_text(text)
    code, _, err = run(["init", "--codex", "--write"], capsys)
    assert code == 1
    assert message in err
    assert len(err.splitlines()) == 1
    assert (codex_dir / "config.toml").read_text() == text


def test_an_inline_entry_is_never_rewritten(codex_dir: Path) -> None:
    config = codex_dir / "config.toml"
    codex_dir.mkdir()
    text = '[mcp_servers]\nai-journal = { command = "elsewhere" }\n'
    config.write_text(text)
    with pytest.raises(JournalError, match=r"replace its \[mcp_servers.ai-journal\] entry by hand"):
        codex_config.add_entry(config, ENTRY, force=True)
    assert config.read_text() == text


def test_write_and_force_need_codex(codex_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["init", "--write"], capsys)
    assert (code, err) == (1, "ai-journal: --write and --force go with --codex\n")


def test_values_that_need_escaping_round_trip() -> None:
    entry = dict(ENTRY, command='C:\\Program Files\\"odd"\x7f\tpython ü')
    assert tomllib.loads(codex_config.entry_toml(entry)) == {"mcp_servers": {"ai-journal": entry}}


_line = st.sampled_from(
    [
        "# a comment",
        "",
        'model = "o3"',
        "[mcp_servers.other]",
        'command = "npx"',
        "[mcp_servers.other.env]",
        'KEY = "v"',
        "[profiles.deep]",
        "approval_policy = 'never'",
        'notes = """',
        '[not a table] = "inside a string"',
        '"""',
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(_line, max_size=12),
    ending=st.sampled_from(["\n", "\r\n"]),
    position=st.integers(0, 12),
    final_newline=st.booleans(),
)
def test_adding_or_replacing_keeps_every_other_setting(
    tmp_path: Path, lines: list[str], ending: str, position: int, final_newline: bool
) -> None:
    """Whatever valid file is there, the result holds its settings plus ours, or nothing is
    written; an append keeps the old text as a prefix."""
    config = tmp_path / "prop" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    text = ending.join(lines) + (ending if final_newline and lines else "")
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    config.write_bytes(text.encode())
    _check_add(config, text, before)
    old_entry = '[mcp_servers.ai-journal]\ncommand = "old"\n'.replace("\n", ending)
    with_old = ending.join([*lines[:position], ""]) + old_entry + ending.join(lines[position:])
    try:
        old_parsed = tomllib.loads(with_old)
    except tomllib.TOMLDecodeError:
        return
    config.write_bytes(with_old.encode())
    try:
        codex_config.add_entry(config, ENTRY, force=True)
    except JournalError:
        assert config.read_bytes() == with_old.encode()
        return
    old_parsed.setdefault("mcp_servers", {})["ai-journal"] = ENTRY
    assert tomllib.loads(config.read_text()) == old_parsed


def _check_add(config: Path, text: str, before: dict[str, object]) -> None:
    try:
        assert codex_config.add_entry(config, ENTRY) == "added"
    except JournalError:
        assert config.read_bytes() == text.encode()
        return
    after = config.read_bytes().decode()
    assert after.startswith(text)
    servers = before.setdefault("mcp_servers", {})
    assert isinstance(servers, dict)
    servers["ai-journal"] = ENTRY
    assert tomllib.loads(after) == before
    assert codex_config.add_entry(config, ENTRY) == "unchanged"
