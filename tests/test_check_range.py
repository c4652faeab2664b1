"""`ai-journal check --range BASE..HEAD` through real git with native hooks: coverage, reachable
citations, freshness and secrets, as text and as GitHub annotations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from journal import cli, git, install
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

PATCH_APP = "*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+y\n*** End Patch\n"
JOURNAL = "docs/ai-journal/2026-02-23.md"
HUMAN_ONLY = "AI-Journal: human-only"


@pytest.fixture
def here(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A base commit made before ai-journal was installed; native hooks from then on."""
    repo.commit("base", {"app.py": "x\n", "cart.py": "c\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    monkeypatch.chdir(repo.path)
    return repo


def agent_commit(repo: GitRepo, codex: CodexHome, minutes: int, message: str = "Agent work") -> str:
    """A session patches app.py and the commit that follows carries its fragment and journal."""
    start = BASE_TIME + timedelta(minutes=minutes)
    session = codex.session(repo.path, start, commit=repo.head())
    session.prompt("Change the app", cwd=str(repo.path)).apply_patch(PATCH_APP).reply("Done.")
    content = f"y{minutes}\n"
    return repo.commit(message, {"app.py": content}, when=session.clock + timedelta(minutes=1))


def check(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_range_of_agent_and_human_commits_passes(
    here: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    base = here.head()
    agent_commit(here, codex_home, 5)
    here.commit("Human tweak", {"cart.py": "d\n"})
    assert JOURNAL in here.git("show", "--name-only", "--format=", "HEAD")
    assert check(["--range", f"{base}..HEAD"], capsys) == (0, "", "")
    assert check(["--range", f"{base}..HEAD", "--format", "github"], capsys) == (0, "", "")
    shown = here.git("show", f"HEAD:{JOURNAL}")
    assert "**this commit (pending)** · 1 file, +1 −1 · from codex" in shown  # a time link


def test_a_fresh_clone_without_local_state_or_logs_agrees(
    here: GitRepo,
    codex_home: CodexHome,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
) -> None:
    """CI: a clone of the pull request, detached at its head, no agent logs, no hooks."""
    base = here.head()
    agent_commit(here, codex_home, 5)
    here.commit("Human tweak", {"cart.py": "d\n"})
    here.commit("Next day", {"notes.txt": "n\n"}, when=BASE_TIME + timedelta(days=1))
    head = here.head()
    clone = here.path.parent / "ci"
    here.git("clone", "-q", "--no-local", str(here.path), str(clone))
    GitRepo(clone).git("checkout", "-q", "--detach", head)
    monkeypatch.chdir(clone)
    monkeypatch.setenv("CODEX_HOME", str(clone.parent / "no-logs"))
    assert not (clone / ".git" / "ai-journal").exists()
    assert check(["--range", f"{base}..{head}"], capsys) == (0, "", "")
    monkeypatch.setenv("GITHUB_HEAD_REF", "main")
    assert check(["--range", f"{base}..{head}", "--format", "github"], capsys) == (0, "", "")
    assert not (clone / ".git" / "ai-journal").exists()  # nothing written locally either
    assert GitRepo(clone).git("status", "--porcelain") == ""


def test_an_uncovered_commit_fails_until_marked_human_only(
    here: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_commit(here, codex_home, 5)
    base = here.commit("Human tweak", {"cart.py": "d\n"})
    sha = here.commit("Quick fix", {"cart.py": "e\n"}, extra=("--no-verify",))
    code, _out, err = check(["--range", f"{base}..HEAD"], capsys)
    assert code == 1
    assert f'commit {sha[:7]} "Quick fix" (2026-02-23) is not listed in {JOURNAL}' in err
    assert re.search(rf"{re.escape(JOURNAL)}:\d+:1: stale: differs from a fresh render", err)
    assert "2 problem(s)" in err
    code, out, _err = check(["--range", f"{base}..HEAD", "--format", "github"], capsys)
    assert code == 1
    assert f"::error file={JOURNAL},line=1,col=1::commit {sha[:7]}" in out
    assert re.search(rf"::error file={JOURNAL},line=\d+,col=1::stale", out)

    message = f"Quick fix\n\n{HUMAN_ONLY}\n"
    here.git("commit", "-q", "--amend", "--no-verify", "-m", message, env=here.date_env())
    assert check(["--range", f"{base}..HEAD"], capsys) == (0, "", "")
    # Not a trailer when it is not in the message's last paragraph.
    here.git("commit", "-q", "--amend", "--no-verify", "-m", f"Quick fix\n\n{HUMAN_ONLY}\n\nmore")
    assert check(["--range", f"{base}..HEAD"], capsys)[0] == 1


def test_a_day_that_needs_a_journal_and_has_none_fails(
    here: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    base = here.head()
    sha = agent_commit(here, codex_home, 5)
    here.git("rm", "-q", JOURNAL)
    here.git("commit", "-q", "--no-verify", "-m", "No journal", env=here.date_env(here.tick()))
    code, _out, err = check(["--range", f"{base}..HEAD"], capsys)
    assert code == 1
    assert f'commit {sha[:7]} "Agent work" (2026-02-23) has no journal: {JOURNAL} is missing' in err
    assert "though sessions were active that day (" in err


def test_a_hand_edit_of_the_generated_region_is_stale(
    here: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    base = here.head()
    agent_commit(here, codex_home, 5)
    here.commit("Human tweak", {"cart.py": "d\n"})
    text = (here.path / JOURNAL).read_text()
    lines = text.splitlines(keepends=True)
    where = next(n for n, line in enumerate(lines) if line.startswith("Done."))
    lines[where] = "Done, and nicely.\n"
    here.write({JOURNAL: "".join(lines)})
    here.commit("Human tweak", extra=("--amend", "--no-verify"), when=here.clock)
    code, _out, err = check(["--range", f"{base}..HEAD"], capsys)
    assert code == 1
    assert f"{JOURNAL}:{where + 1}:1: stale: differs from a fresh render" in err
    assert "run `ai-journal render --date 2026-02-23` and commit it" in err

    # A person's words outside the region are theirs: no render changes them.
    here.write(
        {
            JOURNAL: text.replace(
                "<!-- ai-journal:begin -->", "My notes.\n\n<!-- ai-journal:begin -->"
            )
        }
    )
    here.commit("Human tweak", extra=("--amend", "--no-verify"), when=here.clock)
    assert check(["--range", f"{base}..HEAD"], capsys) == (0, "", "")


def test_a_rebase_without_refresh_leaves_unreachable_citations(
    here: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    base = here.head()
    first = agent_commit(here, codex_home, 5)
    here.commit("Human tweak", {"cart.py": "d\n"})
    assert check(["--range", f"{base}..HEAD"], capsys)[0] == 0
    here.git(
        "-c",
        "core.hooksPath=/dev/null",
        "rebase",
        "-q",
        "--force-rebase",
        base,
        env=here.date_env(here.tick(30)) | {"GIT_COMMITTER_DATE": "2026-02-23T10:00:00+0000"},
    )
    assert first not in here.git("rev-list", "HEAD")
    code, _out, err = check(["--range", f"{base}..HEAD"], capsys)
    assert code == 1
    fragment = next(name for name in here.git("ls-files", ".ai-journal/sessions").split() if name)
    cited = f"cites commit {first[:7]}, which {here.head()[:7]} does not reach"
    assert re.search(rf"{re.escape(JOURNAL)}:\d+:\d+: {cited}", err)
    assert re.search(rf"{re.escape(fragment)}:\d+:\d+: {cited}", err)

    # The next commit's stage carries the links to the successors and records the old SHA.
    here.commit("After the rebase", {"notes.txt": "n\n"})
    assert '"rewritten"' in here.git("show", f"HEAD:{fragment}")
    assert check(["--range", f"{base}..HEAD"], capsys) == (0, "", "")


def test_a_secret_in_the_range_fails_with_its_place(
    here: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.secrets_corpus import SHAPES

    token = next(shape.text for shape in SHAPES if shape.name == "github_classic")
    base = here.head()
    agent_commit(here, codex_home, 5)
    text = (here.path / JOURNAL).read_text()
    here.write({JOURNAL: text + f"\nkey {token}\n"})
    here.commit("Agent work", extra=("--amend", "--no-verify"), when=here.clock)
    code, out, err = check(["--range", f"{base}..HEAD", "--format", "github"], capsys)
    line = len(text.splitlines()) + 2
    assert code == 1
    assert f"::error file={JOURNAL},line={line},col=5::github_token" in out
    assert token not in out + err


def test_a_range_that_does_not_resolve_is_refused(
    here: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = check(["--range", "nope..HEAD"], capsys)
    assert code == 1
    assert "no commit named 'nope'" in err
    assert "fetch-depth: 0" in err
