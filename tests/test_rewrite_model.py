"""The rewrite model without git: summaries, chains of rewrites, composition and the local store."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from journal import rewrite
from journal.rewrite import Kind, Rewrite, RewriteMap, compose, resolve, summary_line

R, S, D, A, N = Kind.REWRITTEN, Kind.SQUASHED, Kind.DROPPED, Kind.ABSORBED, Kind.NOOP


def _map(command: str, *rows: tuple[str, str | None, Kind], grown: set[str] = set()) -> RewriteMap:  # noqa: B006
    return RewriteMap(
        command, "test", tuple(Rewrite(o, n, k, "git") for o, n, k in rows), frozenset(grown)
    )


def test_summary_counts_every_kind_in_a_fixed_order() -> None:
    rmap = _map(
        "rebase",
        *[(f"r{i}", f"n{i}", R) for i in range(5)],
        ("s1", "x", S),
        ("d1", None, D),
    )
    assert summary_line(rmap) == "rebase rewrote 7 commits (5 remapped, 1 squashed, 1 dropped)"
    assert summary_line(_map("amend", ("a", "a", N))) == "amend rewrote 1 commit (1 unchanged)"
    assert summary_line(_map("reset")) == "reset rewrote 0 commits"
    assert summary_line(_map("rebase", ("u", None, A))) == (
        "rebase rewrote 1 commit (1 already upstream)"
    )


def test_resolve_follows_chains_and_stops_at_drops() -> None:
    maps = [_map("rebase", ("a", "b", R), ("x", None, D)), _map("amend", ("b", "c", R))]
    assert resolve(maps, "a") == "c"
    assert resolve(maps, "b") == "c"
    assert resolve(maps, "c") == "c"
    assert resolve(maps, "x") is None
    assert resolve(maps, "untouched") == "untouched"
    assert resolve(maps[0], "a") == "b"


def test_a_commit_made_again_is_alive_again() -> None:
    """a→b, later c→a (same SHA made again, e.g. an amend back within the same second): a's old
    rewrite no longer applies to it."""
    maps = [_map("amend", ("a", "b", R)), _map("amend", ("c", "a", R))]
    assert resolve(maps, "c") == "a"
    assert resolve(maps, "a") == "a"
    back = [_map("amend", ("a", "b", R)), _map("amend", ("b", "a", R))]
    assert resolve(back, "a") == "a"
    assert resolve(back, "b") == "a"


def test_the_latest_rewrite_of_a_commit_wins() -> None:
    maps = [_map("rebase", ("a", "b", R)), _map("rebase", ("a", "c", R))]
    assert resolve(maps, "a") == "c"
    assert resolve(maps, "b") == "b"


def test_compose_combines_kinds_along_each_chain() -> None:
    first = _map("amend", ("a", "b", R), grown={"b"})
    second = _map("rebase", ("b", "c", S), ("x", "c", S), ("y", None, D), ("z", "z2", R))
    third = _map("rebase", ("z2", None, A))
    composed = compose([first, second, third])
    assert composed.pairs() == {
        "a": ("c", S),
        "b": ("c", S),
        "x": ("c", S),
        "y": (None, D),
        "z": (None, A),
        "z2": (None, A),
    }
    assert composed.grown == {"c"}
    assert composed.command == "amend+rebase"
    assert compose([first]) is first


def test_store_round_trip_and_recording_twice_changes_nothing(tmp_path: Path) -> None:
    assert rewrite.load(tmp_path) == []
    one = RewriteMap(
        "rebase",
        "stdin",
        (Rewrite("a", "b", R, "git"), Rewrite("x", None, D, "none")),
        frozenset({"b"}),
        old_tip="x",
        new_tip="b",
    )
    maps = rewrite.record([], one)
    assert rewrite.record(maps, one) == maps
    assert rewrite.record(maps, _map("amend")) == maps  # nothing to keep
    assert rewrite.save(tmp_path, maps)
    assert not rewrite.save(tmp_path, rewrite.load(tmp_path))  # byte-identical
    assert rewrite.load(tmp_path) == [one]
    again = rewrite.record(
        rewrite.load(tmp_path), RewriteMap("rebase", "reflog", one.rewrites, one.grown)
    )
    assert again == [one]  # the same rewrite seen by the reflog is not a second one


def _valid_row(old: str, new: str | None, kind: Kind) -> tuple[str, str | None, Kind]:
    """A row as the builders make them: no successor exactly for the gone kinds, old == new
    exactly for no-ops."""
    if kind in rewrite.GONE or new is None:
        return old, None, kind if kind in rewrite.GONE else D
    if kind is N or new == old:
        return old, old, N
    return old, new, kind


_shas = st.sampled_from([f"c{i}" for i in range(8)])
_rows = st.lists(
    st.tuples(_shas, st.one_of(st.none(), _shas), st.sampled_from(list(Kind))), max_size=6
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_rows, max_size=5), _shas)
def test_resolve_is_idempotent_for_any_maps(
    tables: list[list[tuple[str, str | None, Kind]]], sha: str
) -> None:
    maps = []
    for rows in tables:
        seen: dict[str, tuple[str, str | None, Kind]] = {}
        for old, new, kind in rows:
            seen[old] = _valid_row(old, new, kind)
        maps.append(_map("rebase", *seen.values()))
    once = resolve(maps, sha)
    assert once is None or resolve(maps, once) == once
