"""The README stays true: its first commands, every hook id, command and config key are in it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from journal import cli, config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_two_commands_are_demo_and_test() -> None:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None
    commands = [line.split()[0] for line in block.group(1).splitlines() if line.strip()]
    assert commands[:2] == ["scripts/demo", "scripts/test"]
    for script in commands[:2]:
        assert (ROOT / script).stat().st_mode & 0o111


def test_every_hook_id_is_documented() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for hook in hooks:
        assert f"`{hook['id']}`" in README


def test_every_command_is_documented() -> None:
    names = list(cli.cli.commands)
    assert "render" in names
    for name in names:
        assert f"`ai-journal {name}" in README
    for group in ("sessions", "templates"):
        sub = cli.cli.commands[group]
        assert hasattr(sub, "commands")
        for name in sub.commands:
            assert f"{group} {name}" in README or (group == "sessions" and name == "list")


def test_every_config_key_is_documented() -> None:
    rows = {line.split("|")[1].strip() for line in README.splitlines() if line.startswith("| `")}
    for key, _default, _doc in config.documented_keys():
        assert f"`{key}`" in rows
