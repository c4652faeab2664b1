"""Id notes under refs/notes/ai-journal: stamped by the stage, carried by git across a rebase."""

from __future__ import annotations

from datetime import timedelta

import pytest

from journal import git, install, notes
from testing.git_repo import BASE_TIME, GitRepo


def test_ids_survive_a_rebase_and_agree_with_the_map(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Human-only commits on a day without a journal take the stage's fast path, which leaves
    # stamping to the next full stage; here every stage runs in full.
    monkeypatch.setenv("AI_JOURNAL_STAGE_SKIP", "0")
    repo.commit("base", {"a.txt": "a\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    assert git.config_get(repo.path, "notes.rewriteRef") == notes.REF
    repo.git("switch", "-q", "-c", "topic")
    first = repo.commit("one", {"b.txt": "b\n"}, when=BASE_TIME + timedelta(minutes=1))
    second = repo.commit("two", {"c.txt": "c\n"}, when=BASE_TIME + timedelta(minutes=2))
    repo.commit("three", {"d.txt": "d\n"}, when=BASE_TIME + timedelta(minutes=3))
    # each stage stamps the commits made since the last one
    assert notes.ids(repo.path, [first, second]) == {first: [first], second: [second]}

    repo.git("switch", "-q", "main")
    repo.commit("upstream", {"u.txt": "u\n"}, when=BASE_TIME + timedelta(minutes=4))
    repo.git("switch", "-q", "topic")
    out = repo.git("rebase", "main", env=repo.date_env(repo.tick(10)))
    moved = repo.git("rev-list", "--reverse", "main..topic").split()
    assert notes.ids(repo.path, moved[:2]) == {moved[0]: [first], moved[1]: [second]}
    assert notes.disagreements(repo.path, {first: moved[0], second: moved[1]}) == []
    swapped = {first: moved[1], second: moved[0]}
    assert notes.disagreements(repo.path, swapped) == sorted([first, second])
    assert "notes disagree" not in out


def test_off_means_off(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    assert not notes.enabled(repo.path, "auto")
    assert notes.enabled(repo.path, "on")
    notes.configure(repo.path)
    assert notes.enabled(repo.path, "auto")
    assert not notes.enabled(repo.path, "off")


def test_uninstall_takes_the_setting_back(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    paths = git.repo_paths(repo.path)
    install.install_native(paths)
    install.uninstall(paths)
    assert git.config_get(repo.path, "notes.rewriteRef") is None


def test_many_commits_are_stamped_in_one_go_like_one_by_one(repo: GitRepo) -> None:
    shas = [repo.commit(f"c{i}", {f"f{i}.txt": f"{i}\n"}) for i in range(6)]
    assert notes.stamp(repo.path, shas[:2]) == shas[:2]  # one by one
    assert notes.stamp(repo.path, shas) == shas[2:]  # the rest in one fast-import commit
    assert notes.ids(repo.path, shas) == {sha: [sha] for sha in shas}
    one = repo.git("notes", f"--ref={notes.REF}", "show", shas[0])
    many = repo.git("notes", f"--ref={notes.REF}", "show", shas[5])
    assert (one, many) == (f"{notes.PREFIX}{shas[0]}\n", f"{notes.PREFIX}{shas[5]}\n")
    assert notes.stamp(repo.path, shas) == []
    history = repo.git("rev-list", notes.REF).split()
    assert len(history) == 3  # two `git notes add` commits and the fast-import one on top
