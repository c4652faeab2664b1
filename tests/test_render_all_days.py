"""`render --all-days`: every day again from the fragments in the work tree, no agent log read."""

from __future__ import annotations

import shutil

import pytest

from journal import cli
from testing.codex_home import CodexHome, two_days_of_agent_work
from testing.git_repo import GitRepo

DAYS = ("2026-02-23", "2026-02-24")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(list(args)) == 0
    return capsys.readouterr().out


def test_all_days_renders_what_all_renders_without_the_logs(
    repo: GitRepo,
    codex_home: CodexHome,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    two_days_of_agent_work(repo, codex_home)
    monkeypatch.chdir(repo.path)
    _run(capsys, "import")
    _run(capsys, "render", "--all")
    journals = {d: (repo.path / f"docs/ai-journal/{d}.md").read_text() for d in DAYS}
    shutil.rmtree(codex_home.root)  # the logs are gone: only the fragments can tell
    for d in DAYS:
        (repo.path / f"docs/ai-journal/{d}.md").write_text(journals[d].replace("It says", "Xx"))
    out = _run(capsys, "render", "--all-days")
    assert out.splitlines() == [f"wrote docs/ai-journal/{d}.md" for d in DAYS]
    assert {d: (repo.path / f"docs/ai-journal/{d}.md").read_text() for d in DAYS} == journals
    assert _run(capsys, "render", "--all-days") == "journals are up to date\n"


def test_all_days_follows_a_template_change(
    repo: GitRepo,
    codex_home: CodexHome,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    two_days_of_agent_work(repo, codex_home)
    monkeypatch.chdir(repo.path)
    _run(capsys, "import")
    _run(capsys, "templates", "export", "journal.md.j2")
    template = repo.path / ".ai-journal/templates/journal.md.j2"
    template.write_text("Custom journal for {{ date }}\n")
    _run(capsys, "render", "--all-days")
    for d in DAYS:
        assert f"Custom journal for {d}" in (repo.path / f"docs/ai-journal/{d}.md").read_text()
