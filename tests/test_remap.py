"""Rewrites applied through real git and native hooks: a linked commit rebased, reset away, or
squashed into someone else's work; fragments and journals follow at the next commit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from journal import git, install, remap, rewrite
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

PATCH = "*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+y\n*** End Patch\n"


@pytest.fixture
def linked(repo: GitRepo, codex_home: CodexHome) -> tuple[GitRepo, str]:
    """main: base; topic: one commit the agent made (explicitly linked)."""
    repo.commit("base", {"app.py": "x\n", "other.txt": "o\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    repo.git("switch", "-q", "-c", "topic")
    session = codex_home.session(
        repo.path, BASE_TIME + timedelta(minutes=2), branch="topic", commit=repo.head()
    )
    session.prompt("Make it y", cwd=str(repo.path)).apply_patch(PATCH)
    repo.write({"app.py": "y\n"})
    sha = repo.commit("Make it y", when=session.clock + timedelta(seconds=30))
    session.shell("git commit -am 'Make it y'", output=f"[topic {sha[:7]}] Make it y\n").reply(
        "Done."
    )
    repo.commit("Notes", {"notes.txt": "n\n"}, when=session.clock + timedelta(minutes=1))
    assert _links(repo) == [(sha, "explicit")]
    return repo, sha


def _fragment(repo: GitRepo) -> dict[str, object]:
    names = [
        n for n in repo.git("ls-tree", "-r", "--name-only", "HEAD").split() if "/sessions/" in n
    ]
    (name,) = names
    return json.loads(repo.git("show", f"HEAD:{name}"))


def _links(repo: GitRepo) -> list[tuple[str, str]]:
    return [(c["sha"], c["strength"]) for c in _fragment(repo)["commits"]]  # type: ignore[index, union-attr]


def test_rebased_link_follows_its_commit(linked: tuple[GitRepo, str]) -> None:
    repo, old = linked
    repo.git("switch", "-q", "main")
    repo.commit("upstream", {"other.txt": "p\n"}, when=repo.clock + timedelta(minutes=5))
    repo.git("switch", "-q", "topic")
    repo.git("rebase", "-q", "main", env=repo.date_env(repo.tick()))
    new = repo.git("rev-parse", "HEAD~1").strip()
    repo.commit("After the rebase", {"more.txt": "m\n"}, when=repo.clock + timedelta(minutes=1))

    assert (new, "explicit") in _links(repo)
    assert old not in dict(_links(repo))
    assert _fragment(repo)["rewritten"] == [
        {"kind": "rewritten", "sha": old, "strength": "explicit", "successor": new}
    ]
    journal = repo.git("show", "HEAD:docs/ai-journal/2026-02-23.md")
    assert new[:7] in journal
    assert old not in journal.split("---")[1]  # the frontmatter lists reachable commits only


def test_reset_without_a_hook_is_found_at_the_next_commit(linked: tuple[GitRepo, str]) -> None:
    repo, old = linked
    repo.git("reset", "-q", "--hard", "HEAD~2")  # fires no hook
    proc_env = repo.date_env(repo.tick(5))
    repo.write({"later.txt": "l\n"})
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Start over", env=proc_env)

    doc = _fragment(repo)
    assert doc["commits"] == []
    assert doc["rewritten"] == [
        {"kind": "dropped", "sha": old, "strength": "explicit", "successor": None}
    ]
    maps = rewrite.load(repo.path / ".git" / "ai-journal")
    assert any(m.get(old) for m in maps)


def test_squash_into_someone_elses_work_waits_for_a_decision(linked: tuple[GitRepo, str]) -> None:
    repo, old = linked
    script = "sed -i '2s/^pick/squash/'"
    repo.git(
        "rebase",
        "-q",
        "-i",
        "HEAD~2",
        env={"GIT_SEQUENCE_EDITOR": script, "GIT_EDITOR": "true", **repo.date_env(repo.tick())},
    )
    repo.commit("Next", {"more.txt": "m\n"}, when=repo.clock + timedelta(minutes=1))
    doc = _fragment(repo)
    (record,) = doc["rewritten"]  # type: ignore[misc]
    assert record["sha"] == old
    assert record["kind"] == "squashed"
    assert record["decision"] == remap.PENDING
    squash = repo.git("rev-parse", "HEAD~1").strip()
    assert (squash, "explicit") not in _links(repo)  # only what the evidence alone supports


def test_journal_merged_with_one_side_s_region_is_rederived(
    repo: GitRepo, codex_home: CodexHome
) -> None:
    from journal import merge_journal

    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    session = codex_home.session(repo.path, BASE_TIME + timedelta(minutes=2), commit=repo.head())
    session.prompt("Make it y", cwd=str(repo.path)).apply_patch(PATCH).reply("Done.")
    repo.commit("Make it y", {"app.py": "y\n"}, when=session.clock + timedelta(minutes=1))
    journal = repo.path / "docs/ai-journal/2026-02-23.md"
    journal.write_text(journal.read_text().replace("Done.", "Stale text a merge kept."))
    later = BASE_TIME + timedelta(days=2)  # other days: only the stale record re-renders Monday
    repo.git(
        "commit", "-q", "--no-verify", "-am", "a merge kept one side", env=repo.date_env(later)
    )
    merge_journal.mark_stale(repo.path / ".git", "docs/ai-journal/2026-02-23.md")
    repo.commit("Next", {"notes.txt": "n\n"}, when=later + timedelta(minutes=1))
    text = repo.git("show", "HEAD:docs/ai-journal/2026-02-23.md")
    assert "Stale text" not in text
    assert "Done." in text
    assert merge_journal.stale_journals(repo.path / ".git") == []
