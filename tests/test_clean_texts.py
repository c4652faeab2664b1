"""Texts found clean are remembered between runs (`journal.clean_texts`): looked at once, never
remembered with a secret in them, and forgotten when anything that decides a finding changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from journal import clean_texts
from journal.redact import Redactor

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
CLEAN = "pytest -q tests/test_app.py"


class Counting(Redactor):
    """A redactor that counts the texts it really looked at."""

    looked: int = 0

    def _findings(self, text: str, hints: object) -> list:  # type: ignore[override]
        self.looked += 1
        return super()._findings(text, hints)  # type: ignore[arg-type]

    def _redact(self, text: str) -> str:
        self.looked += 1
        return super()._redact(text)


def test_a_clean_text_is_looked_at_once_across_runs(tmp_path: Path) -> None:
    redactor = Counting(home="/nonexistent")
    with clean_texts.kept(tmp_path):
        assert redactor.findings(CLEAN) == []
        assert redactor.redact(CLEAN) == CLEAN
    assert redactor.looked == 1
    again = Counting(home="/nonexistent")
    with clean_texts.kept(tmp_path):
        assert again.findings(CLEAN) == []
        assert again.redact(CLEAN) == CLEAN
    assert again.looked == 0


def test_a_text_with_a_secret_is_never_remembered(tmp_path: Path) -> None:
    for _ in range(2):
        redactor = Counting(home="/nonexistent")
        with clean_texts.kept(tmp_path):
            (finding,) = redactor.findings(f"export GH={TOKEN}")
            assert finding.kind == "github_token"
            assert TOKEN not in redactor.redact(f"token {TOKEN}")
        assert redactor.looked == 2


def test_redacted_output_is_remembered_but_not_its_input(tmp_path: Path) -> None:
    redactor = Redactor(home="/nonexistent")
    with clean_texts.kept(tmp_path):
        clean = redactor.redact(f"use {TOKEN} here")
    again = Counting(home="/nonexistent")
    with clean_texts.kept(tmp_path):
        assert again.findings(clean) == []
        assert again.looked == 0
        assert again.findings(f"use {TOKEN} here") != []


@pytest.mark.parametrize(
    ("patterns", "home", "kinds"),
    [
        (("pytest",), "/nonexistent", ["custom"]),  # a configured pattern
        ((), "/home/someone", []),  # another home directory
    ],
)
def test_what_decides_a_finding_changing_forgets_everything(
    tmp_path: Path, patterns: tuple[str, ...], home: str, kinds: list[str]
) -> None:
    with clean_texts.kept(tmp_path):
        Redactor(home="/nonexistent").findings(CLEAN)
    changed = Counting(patterns, home=home)
    with clean_texts.kept(tmp_path):
        found = changed.findings(CLEAN)
    assert changed.looked == 1  # looked at again, not taken as known clean
    assert [f.kind for f in found] == kinds


@pytest.mark.parametrize("damage", [b"", b"short", b"x" * 47])
def test_a_damaged_file_knows_nothing(tmp_path: Path, damage: bytes) -> None:
    with clean_texts.kept(tmp_path):
        Redactor(home="/nonexistent").findings(CLEAN)
    stored = tmp_path / clean_texts.FILENAME
    stored.write_bytes(stored.read_bytes()[:32] + damage)
    redactor = Counting(home="/nonexistent")
    with clean_texts.kept(tmp_path):
        redactor.findings(CLEAN)
    assert redactor.looked == 1


def test_outside_a_run_nothing_is_kept(tmp_path: Path) -> None:
    redactor = Counting(home="/nonexistent")
    redactor.findings(CLEAN)
    redactor.findings(CLEAN)
    assert redactor.looked == 2
    assert not (tmp_path / clean_texts.FILENAME).exists()


def test_the_run_s_own_texts_are_kept_first_within_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clean_texts, "LIMIT", 3)
    redactor = Redactor(home="/nonexistent")
    with clean_texts.kept(tmp_path):
        for n in range(3):
            redactor.findings(f"old text {n}")
    with clean_texts.kept(tmp_path):
        redactor.findings("old text 2")
        redactor.findings("new text")
    counting = Counting(home="/nonexistent")
    with clean_texts.kept(tmp_path):
        for text in ("new text", "old text 2", "old text 0", "old text 1"):
            counting.findings(text)
    assert counting.looked == 1  # the two this run met and the newest earlier one were kept
