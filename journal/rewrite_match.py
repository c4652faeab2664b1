"""Deciding what became of each old commit of a rewrite, from the commits' contents.

Every commit involved is read by one `git log -p` (plus `git patch-id --stable` on that output):
its change is the multiset of `(path, "+" | "-", line)` it adds and removes. Two questions are
asked of it:

- *Confirming* one of git's own pairs (`confirmed`): the same patch-id, the same author identity and
  time (pick, reword, edit, amend and a squash's target keep them), or at least half of the old
  change found in the new commit's diff. git < 2.56 maps a `--skip`ped commit to the HEAD of that
  moment and a commit dropped as "already upstream" to the previous pick; neither's change is in
  that commit's diff, so neither is confirmed.
- *Matching* old to new commits without git's pairs (`match`, the reflog path): the same stable
  patch-id, else a unique author identity and time, else the whole old change contained in exactly
  one new commit's diff (squash, fixup).

An old commit left without a successor is *absorbed* when its added lines are already in the tree
it was measured against (and its removed lines gone from it), else *dropped*.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from journal import git
from journal.rewrite import Kind, Rewrite, RewriteMap

Change = tuple[str, str, str]
CONFIRM_SHARE = 0.5  # git's pair stands if this much of the old change is in the new diff


class Facts:
    """The patches of the commits of one rewrite, read once."""

    def __init__(self, cwd: Path | str, shas: Iterable[str]) -> None:
        self.cwd = cwd
        wanted = git.existing_commits(cwd, [sha for sha in dict.fromkeys(shas) if sha])
        self.patches = {p.sha: p for p in git.commit_patches(cwd, wanted)}  # pruned ones are absent
        self._changes: dict[str, Counter[Change]] = {}

    def changes(self, sha: str) -> Counter[Change]:
        if sha not in self._changes:
            patch = self.patches.get(sha)
            self._changes[sha] = Counter(patch.changes if patch else ())
        return self._changes[sha]

    def same_patch(self, old: str, new: str) -> bool:
        one, other = self.patches.get(old), self.patches.get(new)
        return bool(one and other and one.patch_id and one.patch_id == other.patch_id)

    def same_author(self, old: str, new: str) -> bool:
        one, other = self.patches.get(old), self.patches.get(new)
        return bool(one and other and one.author and one.author == other.author)


class Verdict(NamedTuple):
    new: str | None  # the successor, None when there is none
    via: str
    measure_in: str | None = None  # without a successor: the commit whose tree may hold the change


def confirmed(facts: Facts, old: str, new: str) -> bool:
    """Whether git's pair old→new is borne out by the contents (see the module docstring)."""
    if old not in facts.patches or new not in facts.patches:
        return True  # objects we cannot read: nothing to refute git with
    change = facts.changes(old)
    if not change or facts.same_patch(old, new) or facts.same_author(old, new):
        return True
    found = sum((change & facts.changes(new)).values())
    return found >= CONFIRM_SHARE * sum(change.values())


def match(facts: Facts, olds: Sequence[str], news: Sequence[str]) -> dict[str, Verdict]:
    """Successors of `olds` among `news` by patch-id, then author, then containment."""
    found: dict[str, Verdict] = {}
    by_patch: dict[str, list[str]] = {}
    for new in news:
        patch = facts.patches.get(new)
        if patch and patch.patch_id:
            by_patch.setdefault(patch.patch_id, []).append(new)
    for old in olds:
        patch = facts.patches.get(old)
        candidates = by_patch.get(patch.patch_id or "", []) if patch else []
        if candidates:
            found[old] = Verdict(candidates.pop(0), "patch-id")
    for old, new in _unique_authors(facts, [o for o in olds if o not in found], news):
        found[old] = Verdict(new, "author")
    for old in olds:
        change = facts.changes(old)
        if old in found or not change:
            continue
        holders = [new for new in news if not change - facts.changes(new)]
        if len(holders) == 1:
            found[old] = Verdict(holders[0], "contained")
    return found


def _unique_authors(
    facts: Facts, olds: Sequence[str], news: Sequence[str]
) -> Iterable[tuple[str, str]]:
    def by_author(shas: Sequence[str]) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for sha in shas:
            patch = facts.patches.get(sha)
            if patch and patch.author:
                groups.setdefault(patch.author, []).append(sha)
        return groups

    old_groups, new_groups = by_author(olds), by_author(news)
    for author, group in old_groups.items():
        if len(group) == 1 and len(new_groups.get(author, ())) == 1:
            yield group[0], new_groups[author][0]


def build(
    facts: Facts, command: str, source: str, olds: Sequence[str], verdicts: Mapping[str, Verdict]
) -> RewriteMap:
    """The map of `olds` from their verdicts: groups of one (rewritten) or more (squashed), no-op
    pairs, and olds without a successor told apart as absorbed or dropped."""
    absorbed = _absorbed(facts, {o: v.measure_in for o, v in verdicts.items() if v.new is None})
    groups: dict[str, list[str]] = {}
    for old in olds:
        new = verdicts[old].new
        if new is not None and new != old:
            groups.setdefault(new, []).append(old)
    rewrites = []
    for old in olds:
        verdict = verdicts[old]
        if verdict.new is None:
            kind = Kind.ABSORBED if old in absorbed else Kind.DROPPED
        elif verdict.new == old:
            kind = Kind.NOOP
        else:
            kind = Kind.SQUASHED if len(groups[verdict.new]) > 1 else Kind.REWRITTEN
        rewrites.append(Rewrite(old, verdict.new, kind, verdict.via))
    grown = frozenset(new for new, group in groups.items() if _holds_more(facts, new, group))
    patch_ids = {new: patch.patch_id for new in groups if (patch := facts.patches.get(new))}
    known = {new: pid for new, pid in patch_ids.items() if pid}
    return RewriteMap(command, source, tuple(rewrites), grown, patch_ids=known)


def _holds_more(facts: Facts, new: str, olds: Sequence[str]) -> bool:
    brought: Counter[Change] = Counter()
    for old in olds:
        brought.update(facts.changes(old))
    return bool(facts.changes(new) - brought)


def _absorbed(facts: Facts, measured: Mapping[str, str | None]) -> set[str]:
    """The olds whose change is already in the tree they are measured against."""
    lines = {old: [c for c in facts.changes(old) if c[1] in "+-"] for old in measured}
    specs = {f"{tree}:{c[0]}" for old, tree in measured.items() if tree for c in lines[old]}
    contents = git.blobs(facts.cwd, sorted(specs))
    files = {spec: set(_lines(data)) for spec, data in contents.items()}
    absorbed = set()
    for old, tree in measured.items():
        if tree and lines[old] and all(_in_tree(files, tree, change) for change in lines[old]):
            absorbed.add(old)
    return absorbed


def _in_tree(files: Mapping[str, set[str]], tree: str, change: Change) -> bool:
    path, sign, line = change
    present = line in files.get(f"{tree}:{path}", set())
    return present if sign == "+" else not present


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    return data.decode("utf-8", errors="surrogateescape").split("\n")
