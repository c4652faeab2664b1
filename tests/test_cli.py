"""The command line through real repositories: import, render, sessions, templates, status and the
error boundary (exit 1 with one line for user errors, exit 3 with a logged traceback otherwise)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from journal import cli, pipeline
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo


@pytest.fixture
def worked(repo: GitRepo, codex_home: CodexHome, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A repository with two commits and one past agent session that made the second."""
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    session = codex_home.session(repo.path, BASE_TIME + timedelta(minutes=3), commit=repo.head())
    session.prompt("Make the app say y", cwd=str(repo.path))
    session.apply_patch("*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+y\n*** End Patch\n")
    session.shell("pytest -q", output="1 passed\n").reply("It says y now.")
    repo.commit("Say y", {"app.py": "y\n"}, when=session.clock + timedelta(minutes=1))
    monkeypatch.chdir(repo.path)
    return repo


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_backfills_once(worked: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["import"], capsys)
    assert code == 0
    assert "wrote docs/ai-journal/2026-02-23.md" in out
    assert "wrote .ai-journal/sessions/20260223T090" in out
    journal = (worked.path / "docs/ai-journal/2026-02-23.md").read_text()
    assert "Make the app say y" in journal
    assert "(explicit)" in journal

    code, out, _ = run(["import"], capsys)
    assert (code, out) == (0, "journals are up to date\n")
    assert worked.git("status", "--porcelain", "--", "docs").startswith("??")


def test_sessions_list_and_show(worked: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    run(["import"], capsys)
    code, out, _ = run(["sessions"], capsys)
    assert code == 0
    assert "Make the app say y" in out
    assert "1 commit(s)" in out
    session_id = out.split()[4]
    code, out, _ = run(["sessions", "show", session_id[:6]], capsys)
    assert code == 0
    assert json.loads(out)["summary"] == "It says y now."
    code, _, err = run(["sessions", "show", "zzzz"], capsys)
    assert code == 1
    assert err == "ai-journal: no session fragment matches 'zzzz'; see `ai-journal sessions list`\n"


def test_render_context_is_json(worked: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    run(["import"], capsys)
    code, out, _ = run(["render", "--date", "2026-02-23", "--context"], capsys)
    context = json.loads(out)
    assert code == 0
    assert context["date"] == "2026-02-23"
    assert [c["subject"] for c in context["commits"]] == ["base", "Say y"]


def test_template_override_changes_the_render(
    worked: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["templates", "list"], capsys)
    assert "journal.md.j2" in out.split()
    code, out, _ = run(["templates", "export", "journal.md.j2"], capsys)
    exported = worked.path / ".ai-journal/templates/journal.md.j2"
    assert code == 0
    assert exported.is_file()
    exported.write_text("Custom journal for {{ date }}\n")
    run(["import"], capsys)
    text = (worked.path / "docs/ai-journal/2026-02-23.md").read_text()
    assert "Custom journal for 2026-02-23" in text
    code, _, err = run(["templates", "export", "journal.md.j2"], capsys)
    assert code == 1
    assert err.startswith("ai-journal: ")
    assert err.count("\n") == 1


def test_status_reports_stale_and_unlinked(
    worked: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["status"], capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("branch: main at ")
    assert "last checkpoint: never" in out
    run(["import"], capsys)
    _, out, _ = run(["status"], capsys)
    assert "sessions not yet linked to a commit: 0" in out
    assert "journal: up to date" in out


def test_user_error_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["status"], capsys)
    assert (code, out) == (1, "")
    assert (
        err
        == f"ai-journal: {tmp_path} is not inside a git work tree; run this from your repository\n"
    )


def test_unexpected_error_exits_3_with_logged_traceback(
    worked: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "refresh", explode)
    code, _, err = run(["import"], capsys)
    log = worked.path / ".git/ai-journal/log"
    assert code == 3
    assert "unexpected error: RuntimeError('disk on fire')" in err
    assert "Traceback" not in err
    assert "RuntimeError: disk on fire" in log.read_text()
    code, _, err = run(["--debug", "import"], capsys)
    assert code == 3
    assert "Traceback" in err
