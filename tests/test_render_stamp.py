"""`render --all-days` with nothing changed ends at its stamp (`journal.render_stamp`), and
anything a render reads moving sends it through the full run again."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from journal import cli, entry, render_stamp
from testing.codex_home import CodexHome, two_days_of_agent_work
from testing.git_repo import GitRepo

DAYS = ("2026-02-23", "2026-02-24")
UP_TO_DATE = "journals are up to date\n"


class Renders:
    """`ai-journal render --all-days` through the console entry point, counting the full runs."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys, self.full_runs = capsys, 0
        real = cli.main

        def counted(args: list[str]) -> int:
            self.full_runs += 1
            return real(args)

        monkeypatch.setattr(cli, "main", counted)

    def __call__(self) -> str:
        before = self.full_runs
        assert entry.main(["render", "--all-days"]) == 0
        self.ran_in_full = self.full_runs > before
        return self.capsys.readouterr().out


@pytest.fixture
def worked(
    repo: GitRepo,
    codex_home: CodexHome,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> GitRepo:
    two_days_of_agent_work(repo, codex_home)
    monkeypatch.chdir(repo.path)
    assert cli.main(["import"]) == 0
    assert cli.main(["render", "--all"]) == 0
    capsys.readouterr()
    return repo


@pytest.fixture
def renders(
    worked: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Renders:
    render = Renders(capsys, monkeypatch)
    render()  # the run that leaves the stamp
    assert render.ran_in_full
    return render


def _journals(repo: GitRepo) -> dict[str, str]:
    return {d: (repo.path / f"docs/ai-journal/{d}.md").read_text() for d in DAYS}


def test_nothing_changed_ends_at_the_stamp_with_the_full_runs_answer(
    worked: GitRepo, renders: Renders
) -> None:
    before = _journals(worked)
    assert renders() == UP_TO_DATE
    assert not renders.ran_in_full
    assert _journals(worked) == before


def test_from_a_subdirectory_too(worked: GitRepo, renders: Renders) -> None:
    (worked.path / "docs").mkdir(exist_ok=True)
    os.chdir(worked.path / "docs")
    assert renders() == UP_TO_DATE
    assert not renders.ran_in_full


def _hand_edit_journal(repo: GitRepo) -> None:
    path = repo.path / f"docs/ai-journal/{DAYS[0]}.md"
    path.write_text(path.read_text().replace("It says y", "It said nothing"))


def _edit_template(repo: GitRepo) -> None:
    override = repo.path / ".ai-journal/templates/journal.md.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text("Day {{ date }}\n")


def _edit_fragment(repo: GitRepo) -> None:
    fragment = next((repo.path / ".ai-journal/sessions").glob("*.json"))
    fragment.write_text(fragment.read_text().replace("It says", "It shows"))


def _new_commit(repo: GitRepo) -> None:
    repo.commit("human work", {"notes.txt": "n\n"})


def _switch_branch(repo: GitRepo) -> None:
    repo.git("switch", "-q", "-c", "other")


def _set_origin(repo: GitRepo) -> None:
    repo.git("remote", "add", "origin", "https://github.com/example/app.git")


def _change_config(repo: GitRepo) -> None:
    (repo.path / ".ai-journal/config.toml").write_text('[journal]\ntimezone = "Asia/Tokyo"\n')


def _forget_digests(repo: GitRepo) -> None:
    (repo.path / ".git/ai-journal/render-digests.json").unlink()


def _replace_a_commit(repo: GitRepo) -> None:
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    tree = repo.git("rev-parse", f"{first}^{{tree}}").strip()
    other = repo.git("commit-tree", tree, "-m", "replaced base", env=repo.date_env()).strip()
    repo.git("replace", first, other)


@pytest.mark.parametrize(
    "change",
    [
        _hand_edit_journal,
        _edit_template,
        _edit_fragment,
        _new_commit,
        _switch_branch,
        _set_origin,
        _change_config,
        _forget_digests,
        _replace_a_commit,
    ],
)
def test_whatever_a_render_reads_moving_runs_it_in_full(
    worked: GitRepo, renders: Renders, change: Callable[[GitRepo], None]
) -> None:
    change(worked)
    full = renders()
    assert renders.ran_in_full
    assert renders() == UP_TO_DATE  # and that run stamps again
    assert not renders.ran_in_full
    if change is _hand_edit_journal:
        assert full == f"wrote docs/ai-journal/{DAYS[0]}.md\n"
        assert "It says y" in _journals(worked)[DAYS[0]]


def test_the_zone_and_home_of_the_environment_count(
    worked: GitRepo, renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    renders()
    assert renders.ran_in_full


def test_the_switch_turns_the_check_off(
    worked: GitRepo, renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(render_stamp.SWITCH, "0")
    assert renders() == UP_TO_DATE
    assert renders.ran_in_full


@pytest.mark.parametrize("damage", [b"", b"v\t1\ntoplevel\t/x\n", b"\xff\xfe not text"])
def test_a_torn_or_foreign_stamp_is_no_stamp(
    worked: GitRepo, renders: Renders, damage: bytes
) -> None:
    stamp = worked.path / ".git/ai-journal" / render_stamp.STAMP_NAME
    assert stamp.exists()
    stamp.write_bytes(damage)
    assert renders() == UP_TO_DATE
    assert renders.ran_in_full


def test_force_renders_and_never_reads_the_stamp(
    worked: GitRepo, renders: Renders, capsys: pytest.CaptureFixture[str]
) -> None:
    assert entry.main(["render", "--all-days", "--force"]) == 0
    assert capsys.readouterr().out == UP_TO_DATE  # rendered, same bytes: nothing written
    assert renders.full_runs == 2


def test_a_journal_changed_before_the_stamp_is_not_taken_as_the_runs(
    worked: GitRepo, renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person's edit landing between the run's write and its stamp: the stamp signs the file
    as it was when the run hashed it, so the next run is a full one and renders it again."""
    journal = worked.path / f"docs/ai-journal/{DAYS[0]}.md"
    real_save = render_stamp.save

    def edit_then_save(*args: object) -> None:
        journal.write_text(journal.read_text().replace("It says y", "It said nothing"))
        real_save(*args)  # type: ignore[arg-type]

    _forget_digests(worked)  # the next run renders every day again
    monkeypatch.setattr(render_stamp, "save", edit_then_save)
    renders()
    monkeypatch.setattr(render_stamp, "save", real_save)
    assert "It said nothing" in journal.read_text()
    assert renders() == f"wrote docs/ai-journal/{DAYS[0]}.md\n"
    assert renders.ran_in_full


def test_a_commit_made_while_a_run_renders_leaves_no_stamp(
    worked: GitRepo, renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    from journal import pipeline

    _forget_digests(worked)  # the next run is a full one
    real_write_days = pipeline._write_days

    def write_days_while_someone_commits(*args: object, **kwargs: object) -> None:
        _new_commit(worked)
        real_write_days(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_write_days", write_days_while_someone_commits)
    renders()
    assert renders.ran_in_full
    assert not render_stamp.unchanged()


def test_without_posix_spawn_renders_run_in_full_and_leave_no_stamp(
    worked: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "posix_spawnp")
    renders = Renders(capsys, monkeypatch)
    assert renders() == UP_TO_DATE
    assert renders.ran_in_full
    assert renders() == UP_TO_DATE
    assert renders.ran_in_full


def test_without_git_on_the_path_the_check_says_no(
    worked: GitRepo, renders: Renders, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert render_stamp.asked() == (None, "")
    assert not render_stamp.unchanged()
