"""Applying rewrite maps in a view: fragments and journals that cite commits history replaced.

Links are stored with SHAs, and an amend or a rebase makes those SHAs disappear; the links cannot be
derived again either (the replayed commits carry new committer times, and a session's own output
names the old SHA). So each view (a branch of a worktree) applies the local rewrite store
(`journal.rewrite`) once per new map: a fragment that cites an old SHA is rebuilt with its link
carried to the successor, keeping its strength, and with a `rewritten` record of the old SHA, its
successor (or none) and the kind of rewrite; the days that cited it are re-rendered.

One case needs a person: a session's commit squashed into a commit that also holds other work (a
commit the session was not linked to, or changes none of the folded commits brought). That record gets `"decision": "pending"` and the link waits
until `ai-journal reconcile` accepts (link the session to the squash) or keeps it (don't).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import events, git, rewrite, rewrite_build, state
from journal.link import RANK

PENDING, ACCEPTED, KEPT = "pending", "accepted", "kept"
_SHA_LINE = re.compile(r"^- ([0-9a-f]{40}(?:[0-9a-f]{24})?)$", re.MULTILINE)


@dataclass(frozen=True)
class Plan:
    """The composed effect of every stored map: old SHA → (successor or None, kind)."""

    olds: dict[str, tuple[str | None, rewrite.Kind]]
    grown: frozenset[str]
    folded: dict[str, frozenset[str]]  # a squash's SHA -> every old commit folded into it
    patch_ids: Mapping[str, str] = field(default_factory=dict)  # successor -> its patch-id

    @classmethod
    def of(cls, maps: list[rewrite.RewriteMap]) -> Plan | None:
        if not maps:
            return None
        composed = rewrite.compose(maps)
        olds: dict[str, tuple[str | None, rewrite.Kind]] = {
            r.old: (r.new, r.kind) for r in composed.rewrites if r.kind is not rewrite.Kind.NOOP
        }
        folded: dict[str, set[str]] = {}
        for old, (new, kind) in olds.items():
            if new is not None and kind is rewrite.Kind.SQUASHED:
                folded.setdefault(new, set()).add(old)
        frozen = {new: frozenset(group) for new, group in folded.items()}
        return cls(olds, composed.grown, frozen, composed.patch_ids) if olds else None

    def mixed(self, successor: str, linked: set[str]) -> bool:
        """The squash holds work that is not the session's: a commit it was not linked to, or
        changes none of the folded commits brought."""
        return successor in self.grown or not self.folded.get(successor, frozenset()) <= linked

    def cites(self, doc: dict[str, Any]) -> bool:
        return any(c.get("sha") in self.olds for c in doc.get("commits", []))


def carry(
    plan: Plan | None,
    previous: dict[str, Any] | None,
    fresh: list[dict[str, Any]],
    alive: Callable[[str], bool],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(links, rewritten records) of a fragment being rebuilt: the fresh links, the previous links
    that still stand, and the previous links carried through `plan` (decisions respected)."""
    records = {r["sha"]: dict(r) for r in (previous or {}).get("rewritten", [])}
    replaced = plan.olds if plan else {}
    standing = [c for c in fresh if c["sha"] not in replaced or alive(c["sha"])]
    links = {c["sha"]: dict(c) for c in standing}
    # A fresh link can name a replaced commit too: one still alive on another branch, or one the
    # session's output names or whose files it patched. Its successor carries the same work. A
    # replaced commit's time proves nothing about its successor, made at another time.
    gone = [c for c in fresh if c not in standing and c.get("strength") != "time"]
    known = [*(previous or {}).get("commits", []), *standing, *gone]
    linked = {str(c["sha"]) for c in known}
    for old in known:
        target = _target(plan, old, records, linked)
        if target is not None and (target != old["sha"] or alive(target)):
            keep_strongest(links, {**old, "sha": target, "patch_id": old.get("patch_id")})
    for record in records.values():
        _follow(plan, record)
        decided = record.get("decision") == ACCEPTED and record.get("successor")
        if decided and record["successor"] not in links and alive(record["successor"]):
            keep_strongest(
                links,
                {"sha": record["successor"], "patch_id": None, "strength": record["strength"]},
            )
    return sorted(links.values(), key=lambda c: c["sha"]), sorted(
        records.values(), key=lambda r: r["sha"]
    )


def _target(
    plan: Plan | None, old: dict[str, Any], records: dict[str, dict[str, Any]], linked: set[str]
) -> str | None:
    """Where a previous link points now (None: nowhere, for the moment or for good)."""
    sha = str(old["sha"])
    if plan is None or sha not in plan.olds:
        return sha
    successor, kind = plan.olds[sha]
    record = records.setdefault(
        sha,
        {"sha": sha, "successor": successor, "kind": kind.value, "strength": old.get("strength")},
    )
    if successor is None:
        return None
    if kind is rewrite.Kind.SQUASHED and plan.mixed(successor, linked):
        record.setdefault("decision", PENDING)
    decision = record.get("decision")
    return None if decision in (PENDING, KEPT) else successor


def _follow(plan: Plan | None, record: dict[str, Any]) -> None:
    """A record whose successor history moved again (a squash later dropped by a reset, say)
    takes the composed successor; a decision about the old successor no longer stands."""
    if plan is None or record["sha"] not in plan.olds:
        return
    successor, kind = plan.olds[record["sha"]]
    if record.get("successor") == successor:
        return
    record.update(successor=successor, kind=kind.value)
    if successor is None or kind is not rewrite.Kind.SQUASHED:
        record.pop("decision", None)


def keep_strongest(links: dict[str, dict[str, Any]], candidate: dict[str, Any]) -> None:
    """Put `candidate` in `links` (by SHA) unless a link as strong or stronger is there."""
    current = links.get(candidate["sha"])
    if current is None or _rank(candidate) < _rank(current):
        links[candidate["sha"]] = {
            "sha": candidate["sha"],
            "patch_id": candidate.get("patch_id") if current is None else current.get("patch_id"),
            "strength": candidate.get("strength"),
        }


def _rank(link: dict[str, Any]) -> int:
    return {str(k): v for k, v in RANK.items()}.get(str(link.get("strength")), len(RANK))


def journal_days_citing(journal_dir: Path, olds: Iterable[str]) -> set[str]:
    """ISO dates of the journals whose frontmatter lists one of `olds` as a commit."""
    wanted = set(olds)
    days = set()
    for path in sorted(journal_dir.glob("*.md")):
        head = path.read_text(encoding="utf-8", errors="replace").split("\n---", 2)[:2]
        if any(sha in wanted for sha in _SHA_LINE.findall("\n".join(head))):
            days.add(path.stem)
    return days


def maps_for_view(
    paths: git.RepoPaths, branch: str | None, last: str | None, now: str | None
) -> tuple[list[rewrite.RewriteMap], str | None]:
    """The stored rewrite maps, plus one read from the reflog when the branch moved away from
    `last` without a hook seeing it (reset, `branch -f`, `rebase --abort`, …), and a notice then.
    The caller holds the state lock."""
    local = state.local_dir(paths.common_dir)
    maps = rewrite.load(local)
    if not (last and now and branch):
        return maps, None
    # Where the stored maps took the last commit the hook saw: a branch can move again after a
    # rewrite (a reset after a rebase) and only the reflog tells that.
    last = rewrite.resolver(maps)(last) if any(m.get(last) for m in maps) else last
    if last is None or not rewrite_build.diverged(paths.toplevel, last, now):
        return maps, None
    found = rewrite_build.from_reflog(paths.toplevel, branch, last)
    if found is None or not found.changed:
        return maps, None
    maps = rewrite.record(maps, found)
    rewrite.save(local, maps)
    return (
        maps,
        f"ai-journal: {branch} moved without a hook seeing it: {rewrite.summary_line(found)}",
    )


def last_head(paths: git.RepoPaths, branch: str | None, fallback: str | None) -> str | None:
    """Where the branch last was in this worktree: the newest commit the post-commit hook saw made
    on it (the stage runs before its own commit exists), else `fallback`."""
    made = [
        str(e["sha"])
        for e in events.load(state.local_dir(paths.common_dir)).events
        if e["hook"] == "post-commit"
        and e.get("branch") == branch
        and e.get("worktree") == str(paths.toplevel)
        and e.get("sha")
    ]
    return made[-1] if made else fallback


def fragments_before(
    toplevel: Path, folder: Path, maps: list[rewrite.RewriteMap], wanted: set[str]
) -> dict[str, dict[str, Any]]:
    """The fragments of `wanted` sessions as the branch held them before the rewrites in `maps`
    took them (the newest old tip that has one), read in one `git cat-file --batch`."""
    short = {session.replace("-", "")[:8] for session in wanted}
    where: dict[str, str] = {}  # a fragment file name -> the newest old tip that has it
    for tip in dict.fromkeys(m.old_tip for m in reversed(maps) if m.old_tip):
        if tip is None or len(where) >= len(wanted):
            break
        listing = git.try_run(
            ["ls-tree", "--name-only", tip, "--", f"{folder.as_posix()}/"], toplevel
        )
        for name in (listing or "").split():
            if _id8_of(name) in short:
                where.setdefault(name, f"{tip}:{name}")
    found: dict[str, dict[str, Any]] = {}
    for blob in git.blobs(toplevel, list(where.values())).values():
        doc = json.loads(blob or b"{}")
        if doc.get("id") in wanted:
            found.setdefault(doc["id"], doc)
    return found


def lost_links(before: dict[str, Any], present: dict[str, Any] | None) -> dict[str, Any] | None:
    """`before` with the links and records of `present` added, when `present` (the fragment the
    work tree holds now) lacks a link or record `before` had: what a reset or a dropped commit
    took away; None when nothing was lost."""
    if present is None:
        return before
    kept = {c["sha"] for c in present.get("commits", [])}
    kept |= {r["sha"] for r in present.get("rewritten", [])}
    olds = {c["sha"] for c in before.get("commits", [])} | {
        r["sha"] for r in before.get("rewritten", [])
    }
    if olds <= kept:
        return None
    merged = dict(present)
    merged["commits"] = _union(before.get("commits", []), present.get("commits", []))
    merged["rewritten"] = _union(before.get("rewritten", []), present.get("rewritten", []))
    return merged


def _union(older: list[dict[str, Any]], newer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_sha = {item["sha"]: item for item in older}
    by_sha.update({item["sha"]: item for item in newer})
    return sorted(by_sha.values(), key=lambda item: item["sha"])


def _id8_of(name: str) -> str:
    """The id8 a fragment's file name ends with (`<stamp>_<branch>_<id8>.json`)."""
    return name.rsplit("_", 1)[-1].removesuffix(".json")
