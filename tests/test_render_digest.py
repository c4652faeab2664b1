"""Unchanged days are skipped by `render --all-days`; a template or config change renders them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journal import cli, day_digest
from testing.codex_home import CodexHome, two_days_of_agent_work
from testing.git_repo import GitRepo

DAYS = ("2026-02-23", "2026-02-24")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(list(args)) == 0
    return capsys.readouterr().out


def _journal(repo: GitRepo, day: str) -> Path:
    return repo.path / f"docs/ai-journal/{day}.md"


def _digest_file(repo: GitRepo) -> Path:
    return repo.path / ".git" / "ai-journal" / day_digest.DIGEST_FILE


def _as_if_written(repo: GitRepo, day: str) -> None:
    """Record the journal's current bytes as what its last render wrote (the inputs unchanged)."""
    stored = json.loads(_digest_file(repo).read_text())
    entry = stored["journals"][str(_journal(repo, day))]
    entry["file"] = day_digest.file_hash(_journal(repo, day))
    _digest_file(repo).write_text(json.dumps(stored))


@pytest.fixture
def rendered(
    repo: GitRepo,
    codex_home: CodexHome,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, str]:
    """Two days imported and rendered by `render --all-days`: their journals."""
    two_days_of_agent_work(repo, codex_home)
    monkeypatch.chdir(repo.path)
    _run(capsys, "import")
    _run(capsys, "render", "--all-days")
    return {d: _journal(repo, d).read_text() for d in DAYS}


def test_an_unchanged_day_is_skipped_and_force_renders_it(
    repo: GitRepo, rendered: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    stored = json.loads(_digest_file(repo).read_text())["journals"]
    assert sorted(stored) == sorted(str(_journal(repo, d)) for d in DAYS)
    # An edit inside the generated region that the state takes for the last render's output:
    # only a skipped day keeps it.
    edited = rendered[DAYS[0]].replace("It says y now.", "Edited inside the region.")
    _journal(repo, DAYS[0]).write_text(edited)
    _as_if_written(repo, DAYS[0])
    assert _run(capsys, "render", "--all-days") == "journals are up to date\n"
    assert _journal(repo, DAYS[0]).read_text() == edited
    assert (
        _run(capsys, "render", "--all-days", "--force") == f"wrote docs/ai-journal/{DAYS[0]}.md\n"
    )
    assert _journal(repo, DAYS[0]).read_text() == rendered[DAYS[0]]


def test_a_journal_changed_on_disk_is_rendered_again(
    repo: GitRepo, rendered: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _journal(repo, DAYS[1])
    path.write_text(rendered[DAYS[1]].replace("It says z now.", "Edited inside the region."))
    assert _run(capsys, "render", "--all-days") == f"wrote docs/ai-journal/{DAYS[1]}.md\n"
    assert path.read_text() == rendered[DAYS[1]]
    path.unlink()
    assert _run(capsys, "render", "--all-days") == f"wrote docs/ai-journal/{DAYS[1]}.md\n"
    assert path.read_text() == rendered[DAYS[1]]


def test_a_template_change_renders_every_day_again(
    repo: GitRepo, rendered: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "templates", "export", "session.md.j2")
    override = repo.path / ".ai-journal/templates/session.md.j2"
    # An exported copy renders the same bytes: every day is rendered, none is written.
    assert _run(capsys, "render", "--all-days") == "journals are up to date\n"
    for edit in ("First override of {{ s.short_id }}\n", "Second override of {{ s.id }}\n"):
        for day in DAYS:
            _as_if_written(repo, day)  # nothing on disk tells the days apart from the last render
        override.write_text(edit)
        out = _run(capsys, "render", "--all-days")
        assert out.splitlines() == [f"wrote docs/ai-journal/{d}.md" for d in DAYS]
        for day in DAYS:
            assert edit.split(" of ")[0] in _journal(repo, day).read_text()
    override.unlink()  # back to the built-in template
    assert len(_run(capsys, "render", "--all-days").splitlines()) == len(DAYS)
    assert {d: _journal(repo, d).read_text() for d in DAYS} == rendered


def test_a_config_change_renders_every_day_again(
    repo: GitRepo, rendered: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for day in DAYS:
        _as_if_written(repo, day)
    (repo.path / ".ai-journal/config.toml").write_text('[journal]\ntimezone = "Asia/Tokyo"\n')
    out = _run(capsys, "render", "--all-days")
    for day in DAYS:
        assert f"wrote docs/ai-journal/{day}.md" in out.splitlines()
    for path in (repo.path / "docs/ai-journal").glob("20*.md"):
        assert "times in Asia/Tokyo" in path.read_text()


def test_a_new_renderer_version_renders_every_day_again(
    repo: GitRepo,
    rendered: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    edited = rendered[DAYS[0]].replace("It says y now.", "Edited inside the region.")
    _journal(repo, DAYS[0]).write_text(edited)
    _as_if_written(repo, DAYS[0])
    monkeypatch.setattr(day_digest, "RENDERER_VERSION", day_digest.RENDERER_VERSION + 1)
    assert _run(capsys, "render", "--all-days") == f"wrote docs/ai-journal/{DAYS[0]}.md\n"
    assert _journal(repo, DAYS[0]).read_text() == rendered[DAYS[0]]


@pytest.mark.parametrize("torn", ["", '{"schema": 1, "journals": {'])
def test_a_torn_digest_file_renders_every_day_again(
    repo: GitRepo, rendered: dict[str, str], capsys: pytest.CaptureFixture[str], torn: str
) -> None:
    # Written without fsync: after a crash it may be empty or cut short, and is then no proof.
    edited = rendered[DAYS[0]].replace("It says y now.", "Edited inside the region.")
    _journal(repo, DAYS[0]).write_text(edited)
    _as_if_written(repo, DAYS[0])
    _digest_file(repo).write_text(torn)
    assert _run(capsys, "render", "--all-days") == f"wrote docs/ai-journal/{DAYS[0]}.md\n"
    assert _journal(repo, DAYS[0]).read_text() == rendered[DAYS[0]]
    stored = json.loads(_digest_file(repo).read_text())["journals"]
    assert sorted(stored) == sorted(str(_journal(repo, d)) for d in DAYS)


def test_tasks_md_is_skipped_while_its_inputs_stand_still(
    repo: GitRepo, rendered: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "task", "add", "Ship the endpoint")
    _run(capsys, "render", "--all-days")
    overview = repo.path / "docs/ai-journal/tasks.md"
    text = overview.read_text()
    edited = text.replace("Ship the endpoint", "Edited inside the region")
    assert edited != text

    def edit_as_if_rendered() -> None:
        overview.write_text(edited)
        stored = json.loads(_digest_file(repo).read_text())
        stored["journals"][str(overview)]["file"] = day_digest.file_hash(overview)
        _digest_file(repo).write_text(json.dumps(stored))

    edit_as_if_rendered()
    _run(capsys, "render", "--all-days")
    assert overview.read_text() == edited  # skipped: only a skip keeps the edit
    _run(capsys, "render", "--all-days", "--force")
    assert overview.read_text() == text
    edit_as_if_rendered()
    _run(capsys, "task", "add", "Write the docs")  # the graph moved: its inputs changed
    _run(capsys, "render", "--all-days")
    assert "Write the docs" in overview.read_text()
    assert "Edited inside the region" not in overview.read_text()
