"""The stage's fast path skips only runs that would write nothing: the same commits made with and
without it carry the same tracked files, and the quiet ones are skipped."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal import git, install, stage_stamp
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

PATCH_APP = "*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+y\n*** End Patch\n"
DAY = timedelta(days=1)


def _stamp_id(repo: GitRepo) -> str | None:
    stamp = repo.path / ".git" / "ai-journal" / stage_stamp.STAMP_NAME
    return stamp.read_text().split("\n")[1] if stamp.exists() else None


class Scenario:
    """Commits at pinned times in a repository with native hooks, agent sessions in between;
    records each commit's tree and whether its stage ran in full."""

    def __init__(self, root: Path, skip: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        shutil.rmtree(root, ignore_errors=True)
        monkeypatch.setenv("AI_JOURNAL_STAGE_SKIP", "1" if skip else "0")
        self.codex = CodexHome(root / "codex")
        monkeypatch.setenv("CODEX_HOME", str(self.codex.root))
        self.repo = GitRepo.init(root / "repo")
        self.repo.commit("base", {"app.py": "x\n", "notes.txt": ""}, when=BASE_TIME)
        install.install_native(git.repo_paths(self.repo.path))
        self.trees: list[str] = []
        self.full: list[bool] = []

    def agent(self, start: datetime) -> None:
        session = self.codex.session(self.repo.path, start, commit=self.repo.head())
        session.prompt("Change the app", cwd=str(self.repo.path)).apply_patch(PATCH_APP)
        session.reply("Done.")

    def commit(self, when: datetime, message: str = "human change", amend: bool = False) -> None:
        before = _stamp_id(self.repo)
        with (self.repo.path / "notes.txt").open("a") as handle:
            handle.write(f"{when.isoformat()}\n")
        self.repo.commit(message, when=when, extra=("--amend",) if amend else ())
        self.trees.append(self.repo.git("rev-parse", "HEAD^{tree}").strip())
        after = _stamp_id(self.repo)
        self.full.append(after is None or after != before)


def _play(scenario: Scenario) -> None:
    day1 = BASE_TIME
    scenario.agent(day1 + timedelta(minutes=5))
    scenario.commit(day1 + timedelta(minutes=12), "agent change")  # linked, journal of day 1
    scenario.commit(day1 + timedelta(minutes=40))  # within the window: may link
    scenario.commit(day1 + timedelta(hours=5))  # day 1 has a journal: pending entry
    scenario.commit(day1 + DAY)  # fills in the previous commit's SHA
    scenario.commit(day1 + DAY + timedelta(minutes=10))  # writes nothing: leaves a quiet stamp
    scenario.commit(day1 + DAY + timedelta(minutes=20))  # skipped
    scenario.commit(day1 + DAY + timedelta(minutes=30), "close it\n\nTask: t-0000abcd")  # skipped
    scenario.commit(day1 + DAY + timedelta(minutes=40))  # HEAD names a task: full
    scenario.commit(day1 + DAY + timedelta(minutes=50))  # skipped
    scenario.commit(day1 + DAY + timedelta(minutes=55), amend=True)  # an amend: full
    scenario.agent(day1 + DAY + timedelta(hours=2))  # new log bytes
    scenario.commit(day1 + DAY + timedelta(hours=2, minutes=10), "agent change")  # full, linked
    scenario.commit(day1 + 2 * DAY)  # full: fills in
    scenario.commit(day1 + 2 * DAY + timedelta(minutes=5))  # full: quiet
    scenario.commit(day1 + 2 * DAY + timedelta(minutes=9))  # skipped


def test_skipped_stages_leave_the_same_tracked_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = Scenario(tmp_path / "run", True, monkeypatch)
    _play(fast)
    slow = Scenario(tmp_path / "run", False, monkeypatch)
    _play(slow)
    assert fast.trees == slow.trees
    assert all(slow.full)
    expected = [True] * 5 + [False, False, True, False, True, True, True, True, False]
    assert fast.full == expected


def test_a_new_log_file_or_an_edited_journal_means_a_full_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = Scenario(tmp_path / "run", True, monkeypatch)
    run.agent(BASE_TIME + timedelta(minutes=5))
    for hours in (1, 5, 30, 31, 32):
        run.commit(BASE_TIME + timedelta(hours=hours))
    assert run.full[-1] is False
    other = CodexHome(run.codex.root)  # a session of another project, long ago
    other.session(tmp_path / "elsewhere", BASE_TIME - 9 * DAY).prompt("hi", cwd="/elsewhere")
    run.commit(BASE_TIME + timedelta(hours=33))
    run.commit(BASE_TIME + timedelta(hours=34))
    (journal,) = (run.repo.path / "docs" / "ai-journal").glob("*.md")
    journal.write_text(journal.read_text() + "a note\n")
    run.commit(BASE_TIME + timedelta(hours=35))
    assert run.full[-3:] == [True, False, True]


@given(
    st.sampled_from(
        ["@{e} +0000", "{e} -0130", "{iso}Z", "{iso}+02:00", "{iso}-0500", "{iso}+0000"]
    ),
    st.integers(min_value=0, max_value=4_000_000_000),
)
def test_git_dates_parse_to_their_epoch(form: str, epoch: int) -> None:
    moment = datetime.fromtimestamp(epoch, UTC)
    offset = {"Z": 0, "+02:00": 7200, "-0500": -18000, "+0000": 0}
    suffix = next((s for s in offset if form.endswith(s)), "")
    local = moment + timedelta(seconds=offset.get(suffix, 0))
    text = form.format(e=epoch, iso=local.strftime("%Y-%m-%dT%H:%M:%S"))
    assert stage_stamp._parse_date(text, 0.0) == float(epoch)


def test_unknown_date_forms_mean_a_full_run() -> None:
    for text in ("yesterday", "Mon, 23 Feb 2026 09:00:00 +0000", "2026-02-23T09:00:00"):
        assert stage_stamp._parse_date(text, 0.0) is None


def test_the_commit_day_follows_the_configured_zone() -> None:
    stamp = {"tz": "America/New_York", "toplevel": "/r", "journal_dir": "docs/ai-journal"}
    early = datetime(2026, 2, 23, 3, 0, tzinfo=UTC).timestamp()  # 22:00 the day before there
    assert stage_stamp.journal_file(stamp, early) == "/r/docs/ai-journal/2026-02-22.md"
    assert stage_stamp.journal_file({**stamp, "tz": "UTC"}, early).endswith("2026-02-23.md")
