"""A rewrite that only renamed commits: `reconcile` moves the fragments' links and renames the
journals' SHAs in place (no session loaded, no day rendered), and writes exactly what a rebuild
from scratch writes; anything more than a renaming falls back to rebuilding and rendering."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from journal import cli, fragment, git, install, render, rewrite
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo
from tests.test_invariant import check_from_scratch

DAYS = 3
LATER = BASE_TIME + timedelta(days=30)  # the rewrites' committer date: no session is near it


@pytest.fixture
def history(repo: GitRepo, codex_home: CodexHome) -> GitRepo:
    return _history(repo, codex_home)


def _history(repo: GitRepo, codex_home: CodexHome) -> GitRepo:
    """Native hooks; each day a session that plans, patches and commits (announced), and a commit
    of a person's; then a person's commit a day later, which settles the last day's journal."""
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME - timedelta(days=1))
    install.install_native(git.repo_paths(repo.path))
    for n in range(DAYS):
        _agent_day(repo, codex_home, n)
    repo.commit("Later", {"later.txt": "l\n"}, when=BASE_TIME + timedelta(days=DAYS + 1))
    return repo


def _agent_day(repo: GitRepo, codex_home: CodexHome, n: int, summary: str = "Done.") -> str:
    start = BASE_TIME + timedelta(days=n, minutes=2)
    session = codex_home.session(repo.path, start, commit=repo.head())
    session.prompt(f"Write f{n}", cwd=str(repo.path)).plan([(f"Write f{n}", "completed")])
    session.apply_patch(f"*** Begin Patch\n*** Add File: f{n}.py\n+v = {n}\n*** End Patch\n")
    sha = repo.commit(f"Write f{n}", {f"f{n}.py": f"v = {n}\n"}, when=session.clock)
    session.shell(f"git commit -m 'Write f{n}'", output=f"[main {sha[:7]}] Write f{n}\n")
    session.reply(summary.replace("SHA", sha[:7]))
    repo.commit(f"Notes {n}", {f"notes{n}.txt": "n\n"}, when=session.clock + timedelta(hours=2))
    return sha


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The sessions whose fragment is built and the days rendered (the real functions run)."""
    seen: dict[str, list[str]] = {"built": [], "rendered": []}
    build, render_day = fragment.build, render.render_day

    def built(session: Any, **kwargs: Any) -> dict[str, Any]:
        seen["built"].append(session.id)
        return build(session, **kwargs)

    def rendered(top: Path, config: Any, context: dict[str, Any], env: Any = None) -> Any:
        seen["rendered"].append(context["date"])
        return render_day(top, config, context, env)

    monkeypatch.setattr(fragment, "build", built)
    monkeypatch.setattr(render, "render_day", rendered)
    return seen


def _rebase(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> None:
    dates = repo.date_env(LATER)
    repo.git("rebase", "-q", *args, env={**dates, **(env or {})})


def _reconcile(repo: GitRepo, calls: dict[str, list[str]]) -> None:
    calls["built"].clear()
    calls["rendered"].clear()
    with contextlib.chdir(repo.path):
        assert cli.main(["reconcile", "--yes"]) == 0


def _settle_and_check(repo: GitRepo) -> None:
    """What a person does next (a commit, a render), then the rebuild from scratch."""
    repo.commit("Final", {"final.txt": "f\n"}, when=LATER + timedelta(minutes=5))
    with contextlib.chdir(repo.path):
        assert cli.main(["render"]) == 0
    check_from_scratch(repo, repo.path.with_name("aside"))


def _cited(repo: GitRepo) -> set[str]:
    shas = set()
    for path in (repo.path / ".ai-journal/sessions").glob("*.json"):
        shas |= {c["sha"] for c in json.loads(path.read_text())["commits"]}
    for path in (repo.path / "docs/ai-journal").glob("20*.md"):
        head = path.read_text().split("\n---\n", 1)[0]
        shas |= {
            line[2:] for line in head.splitlines() if line.startswith("- ") and len(line) == 42
        }
    return shas


def _on_head(repo: GitRepo) -> set[str]:
    return set(repo.git("rev-list", "HEAD").split())


def test_a_rebase_of_everything_moves_without_rebuilding(
    history: GitRepo, calls: dict[str, list[str]]
) -> None:
    before = _cited(history)
    _rebase(history, "--force-rebase", "--root")
    _reconcile(history, calls)
    assert calls == {"built": [], "rendered": []}
    assert _cited(history) <= _on_head(history)
    assert not before & _cited(history)
    _settle_and_check(history)


def test_web_links_and_a_new_base(
    repo: GitRepo, codex_home: CodexHome, calls: dict[str, list[str]]
) -> None:
    """With web links a commit's entry names its parent: the first day's first commit has a new
    one (not the successor of its old one), so that day is rendered; the others are renamed."""
    repo.git("remote", "add", "origin", "https://github.com/example/app.git")
    history = _history(repo, codex_home)
    base = history.git("rev-list", "--max-parents=0", "HEAD").strip()
    history.git("branch", "upstream", base)
    history.git("switch", "-q", "upstream")
    when = BASE_TIME - timedelta(hours=23)
    history.commit("Upstream", {"up.txt": "u\n"}, when=when, extra=("--no-verify",))
    history.git("switch", "-q", "main")
    _rebase(history, "upstream")
    _reconcile(history, calls)
    assert calls["built"] == []
    assert calls["rendered"] == [BASE_TIME.date().isoformat()]
    assert _cited(history) <= _on_head(history)
    _settle_and_check(history)


def _todo(action: str, subject: str) -> dict[str, str]:
    """A sequence editor that changes the `pick` of `subject` to `action`."""
    return {"GIT_SEQUENCE_EDITOR": f"sed -i 's/^pick \\([0-9a-f]*\\) {subject}$/{action} \\1/'"}


def test_a_reworded_commit_renders_its_day(history: GitRepo, calls: dict[str, list[str]]) -> None:
    editor = {"GIT_EDITOR": "sed -i '1s/.*/Write f1, reworded/'"}
    _rebase(
        history, "-i", "--force-rebase", "--root", env={**_todo("reword", "Write f1"), **editor}
    )
    _reconcile(history, calls)
    assert calls["built"] == []
    assert calls["rendered"] == [(BASE_TIME + timedelta(days=1)).date().isoformat()]
    _settle_and_check(history)


def test_a_squash_rebuilds_the_session(history: GitRepo, calls: dict[str, list[str]]) -> None:
    _rebase(history, "-i", "--root", env={**_todo("squash", "Notes 1"), "GIT_EDITOR": "true"})
    _reconcile(history, calls)
    assert len(calls["built"]) == 1  # the session whose commit the squash took
    assert (BASE_TIME + timedelta(days=1)).date().isoformat() in calls["rendered"]
    _settle_and_check(history)


def test_a_summary_quoting_the_sha_renders_its_day(
    repo: GitRepo, codex_home: CodexHome, calls: dict[str, list[str]]
) -> None:
    """The agent's own words name the old SHA: they stay, so only rendering can tell them from
    the SHAs the journal writes."""
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME - timedelta(days=1))
    install.install_native(git.repo_paths(repo.path))
    _agent_day(repo, codex_home, 0, summary="Committed SHA.")
    _agent_day(repo, codex_home, 1)
    repo.commit("Later", {"later.txt": "l\n"}, when=BASE_TIME + timedelta(days=3))
    _rebase(repo, "--force-rebase", "--root")
    _reconcile(repo, calls)
    assert calls["built"] == []
    assert calls["rendered"] == [BASE_TIME.date().isoformat()]
    _settle_and_check(repo)


def test_a_template_override_renders_every_day(
    history: GitRepo, calls: dict[str, list[str]]
) -> None:
    override = history.path / ".ai-journal/templates/commit.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text((render.builtin_dir() / "commit.md.j2").read_text())
    history.commit("Override", when=BASE_TIME + timedelta(days=DAYS + 2))
    _rebase(history, "--force-rebase", "--root")
    _reconcile(history, calls)
    assert calls["built"] == []
    assert len(calls["rendered"]) == DAYS
    _settle_and_check(history)


def test_the_map_keeps_the_successors_patch_ids(history: GitRepo) -> None:
    _rebase(history, "--force-rebase", "--root")
    (rmap,) = rewrite.load(history.path / ".git" / "ai-journal")
    successors = [r.new for r in rmap.rewrites if r.new]
    assert rmap.patch_ids == git.patch_ids(history.path, successors)
    assert len(rmap.patch_ids) == len(successors)
    assert rewrite.from_json(rewrite.to_json(rmap)).patch_ids == rmap.patch_ids
