"""The invariant of history that moves, on random histories replayed through real git.

Each example copies a prepared repository (ai-journal set up by `init`, so the merge driver is
registered, and its hooks installed), replays a random `testing.histories` history in it, then does
what a person does afterwards: `ai-journal reconcile --yes`, a commit (its pre-commit stage
refreshes incrementally and stages), and `ai-journal render` (which fills in the SHA of that commit,
shown as pending in its own journal). Then:

a) every commit SHA cited by ai-journal's files (fragment `commits`, journal frontmatter
   `commits`, the short SHAs of the generated region), in HEAD's tree and in the work tree, is
   reachable from a ref, or is the `sha` of some fragment's `rewritten` record, whose successor is
   null or reachable;
b) a session that announced a commit X (or that any committed version of its fragment linked
   explicitly to X) links to X when X is on HEAD, else to resolve(X) through the stored rewrite
   maps when that is on HEAD;
c) from scratch: the repository is copied to the same path (the agent logs name that path as the
   sessions' cwd), ai-journal's files are put back as HEAD has them, and every local cache that
   the agent logs rebuild is deleted (cursors, parsed sessions, the session index, checkpoints);
   there, `ai-journal render --all` must write byte for byte the same generated regions,
   frontmatter and fragments as the incremental path left in the original work tree.

What "from scratch" keeps: the committed files of HEAD (fragments are the only record of links
carried through rewrites, which cannot be derived again: the session's output names the old SHA),
the agent logs, git's history and reflogs, and the local records of what git did that nothing
else holds (the hook events, which say on which branch each commit was made, and the rewrite
maps), just as a reflog is kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from journal import cli, git, install, rewrite
from journal.render import BEGIN, END
from testing import histories
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo
from testing.histories import PRELUDE, Replay, Step, prepare

FRAGMENTS = ".ai-journal/sessions/"
JOURNALS = "docs/ai-journal/"
REBUILDABLE = (
    "cursors.json",
    "cursors.log",
    "sessions",
    "session-index.json",
    "session-index.log",
    "checkpoints.json",
    "render-digests.json",
    "commit-facts.sqlite",
    "clean-texts",
)
_FULL_SHA = re.compile(r"^- ([0-9a-f]{40})$", re.MULTILINE)
_COMMIT_ENTRY = re.compile(r"^- \d\d:\d\d `([0-9a-f]{7,40})`", re.MULTILINE)
_SESSION_COMMITS = re.compile(r"^- Commits: (.*)$", re.MULTILINE)
_LINKED_SHORT = re.compile(r"`([0-9a-f]{7,40})` \(")


# -- running ai-journal and git --------------------------------------------------------------------


def ai_journal(where: Path, *args: str) -> None:
    with contextlib.chdir(where):
        assert cli.main(list(args)) == 0, f"ai-journal {' '.join(args)} failed"


@contextlib.contextmanager
def codex_env(codex: CodexHome) -> Iterator[None]:
    before = os.environ.get("CODEX_HOME")
    os.environ["CODEX_HOME"] = str(codex.root)
    try:
        yield
    finally:
        if before is None:
            del os.environ["CODEX_HOME"]
        else:
            os.environ["CODEX_HOME"] = before


def finish(replay: Replay) -> None:
    """What a person does after the history: reconcile, commit, render."""
    repo = replay.repo
    ai_journal(repo.path, "reconcile", "--yes")
    repo.write({"human/final.txt": "final\n"})
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Final", env=repo.date_env(repo.tick()))
    ai_journal(repo.path, "render")


# -- reading ai-journal's files --------------------------------------------------------------------


def work_tree_files(top: Path) -> dict[str, str]:
    found = {}
    for folder, pattern in ((FRAGMENTS, "*.json"), (JOURNALS, "*.md")):
        for path in sorted((top / folder).glob(pattern)):
            found[path.relative_to(top).as_posix()] = path.read_text(encoding="utf-8")
    return found


def tree_files(repo: GitRepo, rev: str) -> dict[str, str]:
    names = repo.git("ls-tree", "-r", "--name-only", rev, "--", FRAGMENTS, JOURNALS).split()
    return {name: repo.git("show", f"{rev}:{name}") for name in names}


def fragments(files: dict[str, str]) -> list[dict[str, object]]:
    return [json.loads(text) for name, text in files.items() if name.startswith(FRAGMENTS)]


def cited(files: dict[str, str]) -> set[str]:
    """Every SHA (full or short) ai-journal's files cite as a commit."""
    shas: set[str] = set()
    for doc in fragments(files):
        shas |= {str(c["sha"]) for c in doc["commits"]}  # type: ignore[attr-defined]
    for name, text in files.items():
        if name.startswith(JOURNALS):
            front = text.split("\n---\n", 1)[0]
            region = text[text.rindex(BEGIN) : text.rindex(END)]
            shas |= set(_FULL_SHA.findall(front)) | set(_COMMIT_ENTRY.findall(region))
            for line in _SESSION_COMMITS.findall(region):
                shas |= set(_LINKED_SHORT.findall(line))
    return shas


def split_journal(text: str) -> tuple[str, str]:
    """(frontmatter, generated region)."""
    return text.split("\n---\n", 1)[0], text[text.rindex(BEGIN) : text.rindex(END)]


# -- the three claims ------------------------------------------------------------------------------


def check_citations(repo: GitRepo) -> None:
    reachable = set(repo.git("rev-list", "--all").split())
    for where, files in (
        ("HEAD", tree_files(repo, "HEAD")),
        ("work tree", work_tree_files(repo.path)),
    ):
        records = {
            str(r["sha"]): r.get("successor")
            for doc in fragments(files)
            for r in doc.get("rewritten", [])  # type: ignore[attr-defined]
        }
        for sha in cited(files):
            if any(full.startswith(sha) for full in reachable):
                continue
            listed = [old for old in records if old.startswith(sha)]
            assert listed, f"{where} cites {sha}, neither reachable nor listed as rewritten"
            successor = records[listed[0]]
            assert successor is None or successor in reachable, (
                f"{where}: {sha} is listed as rewritten to {successor}, which is not reachable"
            )


def explicit_links_ever(repo: GitRepo) -> set[tuple[str, str]]:
    """(session id, sha) of every explicit link any committed version of a fragment held."""
    raw = repo.git("log", "--all", "--reflog", "--format=", "--raw", "--no-abbrev", "--", FRAGMENTS)
    blobs = {line.split()[3] for line in raw.splitlines() if line.startswith(":")}
    blobs.discard("0" * 40)
    found: set[tuple[str, str]] = set()
    for blob in sorted(blobs):
        doc = json.loads(repo.git("cat-file", "blob", blob))
        found |= {(doc["id"], c["sha"]) for c in doc["commits"] if c["strength"] == "explicit"}
    return found


def check_links(replay: Replay) -> None:
    repo = replay.repo
    on_head = set(repo.git("rev-list", "HEAD").split())
    local = Path(repo.git("rev-parse", "--path-format=absolute", "--git-common-dir").strip())
    resolve = rewrite.resolver(rewrite.load(local / "ai-journal"))
    links = {
        (str(doc["id"]), str(c["sha"]))
        for doc in fragments(work_tree_files(repo.path))
        for c in doc["commits"]  # type: ignore[attr-defined]
    }
    for session, sha in sorted(set(replay.announced) | explicit_links_ever(repo)):
        target = sha if sha in on_head else resolve(sha)
        if target in on_head:
            assert (session, target) in links, (
                f"session {session[:8]} lost its link to {sha[:7]} (now {target[:7]})"
            )


def check_from_scratch(repo: GitRepo, aside: Path) -> None:
    repo.path.rename(aside)
    try:
        shutil.copytree(aside, repo.path, symlinks=True)
        local = repo.path / ".git" / "ai-journal"
        for name in REBUILDABLE:
            target = local / name
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        for folder in (FRAGMENTS, JOURNALS):
            shutil.rmtree(repo.path / folder, ignore_errors=True)
            if repo.git("ls-tree", "--name-only", "HEAD", "--", folder):
                repo.git("checkout", "-q", "HEAD", "--", folder)
        ai_journal(repo.path, "render", "--all")
        fresh = work_tree_files(repo.path)
        incremental = work_tree_files(aside)
        assert sorted(fresh) == sorted(incremental), (sorted(fresh), sorted(incremental))
        for name, text in incremental.items():
            if name.startswith(JOURNALS):
                ours, theirs = split_journal(text), split_journal(fresh[name])
            else:
                ours, theirs = (text,), (fresh[name],)
            assert ours == theirs, f"{name} differs from scratch:\n{_diff(ours, theirs)}"
    finally:
        shutil.rmtree(repo.path, ignore_errors=True)
        aside.rename(repo.path)


def _diff(ours: tuple[str, ...], theirs: tuple[str, ...]) -> str:
    import difflib

    lines = difflib.unified_diff(
        "".join(ours).splitlines(),
        "".join(theirs).splitlines(),
        "incremental",
        "from scratch",
        lineterm="",
    )
    return "\n".join(lines)


@dataclass
class Template:
    """A prepared repository and agent logs at `folder`, and a pristine copy to restore."""

    replay: Replay
    pristine: Path

    @classmethod
    def make(cls, folder: Path, install_hooks: Callable[[GitRepo], object]) -> Template:
        """A repository set up by `init`, its hooks installed, and the prelude played."""
        repo = prepare(folder / "work" / "repo", BASE_TIME)
        install_hooks(repo)
        replay = Replay(repo, CodexHome(folder / "work" / "codex"), base=repo.head())
        with codex_env(replay.codex):
            replay.run(PRELUDE)
        histories.save(replay, folder / "pristine")
        return cls(replay, folder / "pristine")


def replay_and_check(template: Template, history: list[Step]) -> None:
    replay = histories.restore(template.replay, template.pristine)
    with codex_env(replay.codex):
        replay.run(history)
        finish(replay)
        try:
            check_citations(replay.repo)
            check_links(replay)
            check_from_scratch(replay.repo, replay.repo.path.with_name("history"))
        except AssertionError as exc:
            raise AssertionError("\n".join([str(exc), *replay.log])) from exc


# -- the property tests ----------------------------------------------------------------------------


@pytest.fixture
def native(tmp_path: Path) -> Template:
    return Template.make(tmp_path, lambda repo: install.install_native(git.repo_paths(repo.path)))


@pytest.fixture
def through_precommit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Template:
    """`pre-commit install` over the `repo: local` entries `init --local` wrote: the framework
    runs the `ai-journal` of this environment, found on PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return Template.make(
        tmp_path, lambda repo: install.install_precommit(git.repo_paths(repo.path))
    )


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # each test's name seeds its own histories
        database=None,
        phases=[Phase.explicit, Phase.generate],  # shrinking replays through git for minutes
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Four tests of 50 histories rather than one of 200, so that test workers share them.


@_settings(50)
@given(history=histories.histories(2, 8))
def test_histories_native_a(native: Template, history: list[Step]) -> None:
    replay_and_check(native, history)


@_settings(50)
@given(history=histories.histories(2, 8))
def test_histories_native_b(native: Template, history: list[Step]) -> None:
    replay_and_check(native, history)


@_settings(50)
@given(history=histories.histories(2, 8))
def test_histories_native_c(native: Template, history: list[Step]) -> None:
    replay_and_check(native, history)


@_settings(50)
@given(history=histories.histories(2, 8))
def test_histories_native_d(native: Template, history: list[Step]) -> None:
    replay_and_check(native, history)


@pytest.mark.e2e
@_settings(6)
@given(history=histories.histories(3, 8))
def test_histories_through_precommit(through_precommit: Template, history: list[Step]) -> None:
    replay_and_check(through_precommit, history)
