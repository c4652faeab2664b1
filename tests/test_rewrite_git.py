"""The git queries behind rewrite maps: patches with their lines, patch-ids, blobs, ranges."""

from __future__ import annotations

import pytest

from journal import _gitparse, git
from testing.git_repo import GitRepo


@pytest.fixture
def odd(repo: GitRepo) -> dict[str, str]:
    """Commits of every shape a patch log can hold."""
    shas = {"base": repo.commit("base", {"a.txt": "1\n2\n3\n"})}
    shas["edit"] = repo.commit("edit", {"a.txt": "1\ntwo\n3\n"})
    shas["spaced"] = repo.commit("spaced", {"with space.txt": "s\n"})
    shas["quoted"] = repo.commit("quoted", {'tab\tq"é.txt': "q\n"})
    repo.git("mv", "with space.txt", "renamed space.txt")
    shas["rename"] = repo.commit("rename")
    (repo.path / "b.bin").write_bytes(b"bin\0ary")
    shas["binary"] = repo.commit("binary")
    shas["empty"] = repo.commit("empty file", {"empty.txt": ""})
    repo.git("rm", "-q", "a.txt")
    shas["delete"] = repo.commit("delete")
    shas["nothing"] = repo.commit("nothing at all")
    return shas


def test_patches_hold_each_commits_lines_by_path(repo: GitRepo, odd: dict[str, str]) -> None:
    patches = {p.sha: p for p in git.commit_patches(repo.path, list(odd.values()))}
    assert [p.sha for p in git.commit_patches(repo.path, list(odd.values()))] == list(odd.values())
    changes = {name: patches[sha].changes for name, sha in odd.items()}
    assert changes["base"] == (("a.txt", "+", "1"), ("a.txt", "+", "2"), ("a.txt", "+", "3"))
    assert changes["edit"] == (("a.txt", "-", "2"), ("a.txt", "+", "two"))
    assert changes["spaced"] == (("with space.txt", "+", "s"),)
    assert changes["quoted"] == (('tab\tq"é.txt', "+", "q"),)
    ((path, sign, header),) = changes["rename"]
    assert (path, sign) == ("renamed space.txt", "=")
    assert "rename from with space.txt" in header
    ((path, sign, header),) = changes["binary"]
    assert (path, sign) == ("b.bin", "=")
    assert "Binary files" in header
    assert [c[:2] for c in changes["empty"]] == [("empty.txt", "=")]
    assert changes["delete"] == tuple(("a.txt", "-", line) for line in ("1", "two", "3"))
    assert changes["nothing"] == ()
    assert patches[odd["edit"]].parents == (odd["base"],)
    assert patches[odd["base"]].parents == ()
    assert patches[odd["edit"]].author.startswith("Ada Tester\x1fada@example.com\x1f")


def test_patch_ids_are_those_of_git_patch_id_stable(repo: GitRepo, odd: dict[str, str]) -> None:
    shas = list(odd.values())
    found = {p.sha: p.patch_id for p in git.commit_patches(repo.path, shas) if p.patch_id}
    assert found == git.patch_ids(repo.path, shas)
    assert odd["nothing"] not in found


def test_merges_have_no_changes(repo: GitRepo) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side", {"s.txt": "s\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"m.txt": "m\n"})
    repo.git("merge", "-q", "--no-edit", "side", env=repo.date_env(repo.tick()))
    (merge,) = git.commit_patches(repo.path, [repo.head()])
    assert (len(merge.parents), merge.changes, merge.patch_id) == (2, (), None)
    assert git.commit_patches(repo.path, []) == []


def test_blobs_ranges_and_merge_base(repo: GitRepo, odd: dict[str, str]) -> None:
    found = git.blobs(repo.path, [f"{odd['edit']}:a.txt", f"{odd['edit']}:nope", odd["edit"]])
    assert found == {
        f"{odd['edit']}:a.txt": b"1\ntwo\n3\n",
        f"{odd['edit']}:nope": None,
        odd["edit"]: None,
    }
    assert git.blobs(repo.path, [f"{odd['binary']}:b.bin"]) == {
        f"{odd['binary']}:b.bin": b"bin\0ary"
    }
    assert git.rev_range(repo.path, [odd["rename"]], [odd["edit"]]) == [
        odd["spaced"],
        odd["quoted"],
        odd["rename"],
    ]
    assert git.merge_base(repo.path, odd["edit"], odd["delete"]) == odd["edit"]


@pytest.mark.parametrize(
    ("quoted", "plain"),
    [
        ('"a\\tb"', "a\tb"),
        ('"q\\"\\\\"', 'q"\\'),
        ('"\\303\\251t\\303\\251"', "été"),
        ("plain name", "plain name"),
    ],
)
def test_c_unquote(quoted: str, plain: str) -> None:
    assert _gitparse.c_unquote(quoted) == plain
