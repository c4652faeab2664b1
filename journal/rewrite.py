"""The rewrite model: what became of each commit when history moved (amend, rebase, pull --rebase,
a reset or a forced branch move).

A `RewriteMap` describes one rewrite: for every old commit its successor (or None) and a `Kind`.
`journal.rewrite_build` makes maps from the post-rewrite hook's pairs or from the reflog; this
module holds the data, the one-line summary the hook prints, `resolve` (which follows chains of
rewrites: A→B then B→C gives A→C) and the local store `<git-common-dir>/ai-journal/rewrites.json`.
The store is cumulative and local; taking the state lock around `load`/`record`/`save` is the
caller's job. Nothing here runs git or writes a tracked file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from journal import state

STORE_NAME = "rewrites.json"
STORE_SCHEMA = 1


class Kind(StrEnum):
    REWRITTEN = "rewritten"  # one old → one new, the same change (pick, reword, edit, amend)
    SQUASHED = "squashed"  # several olds → one new, each old's change is in it
    DROPPED = "dropped"  # no successor: removed in the todo, skipped, or reset away
    ABSORBED = "absorbed"  # no successor of its own: its change is already upstream
    NOOP = "noop"  # old == new (an amend that changed nothing within the same second)


GONE = (Kind.DROPPED, Kind.ABSORBED)
_WORDS = {
    Kind.REWRITTEN: "remapped",
    Kind.SQUASHED: "squashed",
    Kind.DROPPED: "dropped",
    Kind.ABSORBED: "already upstream",
    Kind.NOOP: "unchanged",
}


class Rewrite(NamedTuple):
    old: str
    new: str | None  # None exactly when the kind is dropped or absorbed
    kind: Kind
    via: str  # the evidence: "git" (the hook's pair), "patch-id", "author", "contained", "none"


@dataclass(frozen=True)
class RewriteMap:
    command: str  # "amend", "rebase", or the reflog action of a move without a hook ("reset", …)
    source: str  # where the pairs came from: "stdin", "rebase-merge/rewritten-list", "reflog", …
    rewrites: tuple[Rewrite, ...] = ()  # one per old commit, in the order git processed them
    grown: frozenset[str] = frozenset()  # new commits holding more than their olds brought
    old_tip: str | None = None  # the branch before and after, when known
    new_tip: str | None = None
    # successor -> its `git patch-id --stable`, as the map's contents check read it (a refresh
    # moving links to the successors needs it and need not ask git again)
    patch_ids: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def get(self, old: str) -> Rewrite | None:
        return next((r for r in self.rewrites if r.old == old), None)

    def pairs(self) -> dict[str, tuple[str | None, Kind]]:
        """{old: (new, kind)}: the map without its evidence, to compare maps built differently."""
        return {r.old: (r.new, r.kind) for r in self.rewrites}

    def counts(self) -> Counter[Kind]:
        return Counter(r.kind for r in self.rewrites)

    @property
    def changed(self) -> bool:
        """True when some commit was really replaced or lost (not only no-op amends)."""
        return any(r.kind is not Kind.NOOP for r in self.rewrites)


def summary_line(rmap: RewriteMap) -> str:
    """E.g. `rebase rewrote 7 commits (5 remapped, 1 squashed, 1 dropped)`."""
    counts = rmap.counts()
    total = sum(counts.values())
    parts = [f"{counts[kind]} {_WORDS[kind]}" for kind in Kind if counts[kind]]
    noun = "commit" if total == 1 else "commits"
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"{rmap.command} rewrote {total} {noun}{detail}"


# -- following chains of rewrites ------------------------------------------------------------------


class _Chains:
    """The rewrites of several maps (oldest first), indexed for following a SHA through them."""

    def __init__(self, maps: Sequence[RewriteMap]) -> None:
        self.edges: dict[str, list[tuple[int, Rewrite]]] = {}
        self.born: dict[str, int] = {}  # sha -> the last map that produced it as a successor
        for index, rmap in enumerate(maps):
            for rewrite in rmap.rewrites:
                self.edges.setdefault(rewrite.old, []).append((index, rewrite))
                if rewrite.new is not None:
                    self.born[rewrite.new] = index

    def follow(self, sha: str, after: int = -1) -> list[Rewrite]:
        """The rewrites `sha` went through after map `after`, in order."""
        steps: list[Rewrite] = []
        current: str | None = sha
        while current is not None:
            # A rewrite of `current` counts only if it came after `current` was (re)made.
            since = max(after, self.born.get(current, -1))
            later = [(i, r) for i, r in self.edges.get(current, ()) if i > since]
            if not later or later[-1][1].kind is Kind.NOOP:
                break
            after, rewrite = later[-1]
            steps.append(rewrite)
            current = rewrite.new
        return steps


def resolver(maps: RewriteMap | Sequence[RewriteMap]) -> Callable[[str], str | None]:
    """`resolve` for many SHAs against the same maps (oldest map first)."""
    chains = _Chains([maps] if isinstance(maps, RewriteMap) else maps)

    def resolve_one(sha: str) -> str | None:
        steps = chains.follow(sha)
        return steps[-1].new if steps else sha

    return resolve_one


def resolve(maps: RewriteMap | Sequence[RewriteMap], sha: str) -> str | None:
    """What `sha` became after every rewrite in `maps` (oldest first): itself when no rewrite
    touched it, None when it was dropped or absorbed on the way. Idempotent:
    `resolve(m, resolve(m, x)) == resolve(m, x)`. A SHA that a later reset brought back is not
    known to be alive here; callers resolve only SHAs that are no longer reachable."""
    return resolver(maps)(sha)


def compose(maps: Sequence[RewriteMap]) -> RewriteMap:
    """Successive rewrites (oldest first) as one: every old of every step, followed to where the
    last step left it."""
    if len(maps) == 1:
        return maps[0]
    chains = _Chains(maps)
    rewrites: dict[str, Rewrite] = {}
    for index, rmap in enumerate(maps):
        for first in rmap.rewrites:
            steps = [first, *chains.follow(first.new, index)] if first.new else [first]
            kind = _combine([step.kind for step in steps])
            rewrites[first.old] = Rewrite(first.old, steps[-1].new, kind, first.via)
    resolve_one = resolver(maps)
    grown = {resolve_one(sha) for rmap in maps for sha in rmap.grown}
    patch_ids = {new: pid for rmap in maps for new, pid in rmap.patch_ids.items()}
    return RewriteMap(
        command="+".join(dict.fromkeys(m.command for m in maps)),
        source="+".join(dict.fromkeys(m.source for m in maps)),
        rewrites=tuple(rewrites.values()),
        grown=frozenset(sha for sha in grown if sha is not None),
        old_tip=maps[0].old_tip,
        new_tip=maps[-1].new_tip,
        patch_ids=patch_ids,
    )


def _combine(kinds: Sequence[Kind]) -> Kind:
    gone = [kind for kind in kinds if kind in GONE]
    if gone:
        return gone[0]
    if Kind.SQUASHED in kinds:
        return Kind.SQUASHED
    return Kind.NOOP if all(kind is Kind.NOOP for kind in kinds) else Kind.REWRITTEN


# -- the local store ------------------------------------------------------------------------------


def record(maps: Sequence[RewriteMap], rmap: RewriteMap) -> list[RewriteMap]:
    """`maps` with `rmap` appended, unless the same rewrite is already there (applying one event
    twice changes nothing). Maps without any old commit are not kept."""
    if not rmap.rewrites or any(_same(rmap, known) for known in maps):
        return list(maps)
    return [*maps, rmap]


def _same(one: RewriteMap, other: RewriteMap) -> bool:
    return one.pairs() == other.pairs() and one.grown == other.grown


def load(local: Path) -> list[RewriteMap]:
    """The stored maps, oldest first (none when the store does not exist yet)."""
    raw = state.read_json(local / STORE_NAME, default=None) or {}
    return [from_json(item) for item in raw.get("maps", [])]


def save(local: Path, maps: Sequence[RewriteMap]) -> bool:
    """Write the store atomically; False when it already held exactly this."""
    data = {"schema": STORE_SCHEMA, "maps": [to_json(rmap) for rmap in maps]}
    return state.write_atomic(local / STORE_NAME, state.dumps_canonical(data))


def to_json(rmap: RewriteMap) -> dict[str, Any]:
    return {
        "command": rmap.command,
        "source": rmap.source,
        "rewrites": [[r.old, r.new, r.kind.value, r.via] for r in rmap.rewrites],
        "grown": sorted(rmap.grown),
        "old_tip": rmap.old_tip,
        "new_tip": rmap.new_tip,
        "patch_ids": dict(rmap.patch_ids),
    }


def from_json(data: dict[str, Any]) -> RewriteMap:
    rewrites = tuple(Rewrite(old, new, Kind(kind), via) for old, new, kind, via in data["rewrites"])
    return RewriteMap(
        command=data["command"],
        source=data["source"],
        rewrites=rewrites,
        grown=frozenset(data.get("grown", ())),
        old_tip=data.get("old_tip"),
        new_tip=data.get("new_tip"),
        patch_ids=dict(data.get("patch_ids") or {}),
    )
