"""What a refresh does about new rewrite maps: the fragments citing a replaced commit, moved or
rebuilt, and the journals that cite one (`journal.remap_journal`).

A fragment is built from its session and its links; after a rewrite that replaced each of its
commits by one successor carrying the same change (a plain rebase, a reword, an amend), the
session's record is what it was and so are its links but for their SHAs. Such a fragment is
*moved*: its links renamed through the map (`remap.carry` with no fresh link, which is what
relinking finds for a session whose fragment was up to date), the successors' patch-ids filled in,
without loading the session or linking it again. Everything else is rebuilt by the pipeline as
before: a session whose record moved on, one active near a commit the view never saw before it was
replaced, a fragment a reset took back, one citing a commit squashed, dropped or still alive on
another ref, or one edited by hand.

"The view saw it": a replaced commit reachable from the checkpoint's tips was there at the view's
last run, which linked every session active near it; only replaced commits the view never saw (and
the HEAD of that run when an amend replaced it: the amend's stage hides it from linking) can hold
a link no fragment has yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from journal import (
    checkpoint,
    day,
    fragment,
    git,
    pick,
    remap,
    remap_journal,
    rewrite,
    state,
    write_batch,
)
from journal.errors import StateCorrupt
from journal.fragment_fields import commit_links
from journal.run import FRAGMENT_DIR, Run, iso
from journal.sources.summary import SessionSummary

Doc = dict[str, Any]
ONE_TO_ONE = rewrite.Kind.REWRITTEN


@dataclass
class Rewritten:
    """The outcome of `citations`: sessions to rebuild, fragments moved, and what the journal
    step needs to know about both."""

    chosen: list[SessionSummary]
    before: dict[str, tuple[Path, Doc]] = field(default_factory=dict)  # id -> fragment as found
    moved: dict[str, Doc] = field(default_factory=dict)  # id -> its fragment, renamed
    unseen: set[str] = field(default_factory=set)  # replaced commits the view never saw
    tips: list[str] = field(default_factory=list)  # the checkpoint's tips that still exist
    replaced: set[str] = field(default_factory=set)  # the old commits of the new maps
    successors: set[str] = field(default_factory=set)  # of one-to-one rewrites: their days are
    # the journal step's

    def write_moved(self, run: Run) -> None:
        """Write the moved fragments (their days are the journal step's to decide)."""
        files = [
            (self.before[sid][0], fragment.dumps(doc)) for sid, doc in sorted(self.moved.items())
        ]
        written = write_batch.write_all(files)
        run.result.written += written
        run.result.sessions += len(written)

    def journals(self, run: Run, must: set[date], new_commits: list[git.CommitInfo]) -> set[date]:
        """Journals citing replaced commits, and those of the successors: renamed in place where
        that is what rendering them again would write. The days left to render (`must` renders
        anyway); the caller rendered none of the successors' days."""
        if run.plan is None or not self.replaced:
            return set()
        dirty = self.unseen | self._rebuilt_links(run)
        step = remap_journal.Step(run, self.replaced, self.tips, new_commits, dirty)
        renamed = set(step.renames.values())
        others = {
            day.commit_day(c, run.tz)
            for c in new_commits
            if c.sha in self.successors and c.sha not in renamed
        }
        return step.apply(self._fragments_before(), set(self.moved), must | others) | others

    def _fragments_before(self) -> list[Doc]:
        return [doc for _path, doc in self.before.values()]

    def _rebuilt_links(self, run: Run) -> set[str]:
        """SHAs linked, before or after, by the fragments this run rebuilt: the commit entries
        naming them may list other sessions now."""
        folder = run.paths.toplevel / FRAGMENT_DIR
        paths = {path: sid for sid, (path, _doc) in self.before.items()}
        shas: set[str] = set()
        for path in run.result.written:
            if Path(path).parent != folder or paths.get(Path(path)) in self.moved:
                continue
            now = state.read_json(Path(path), default={}) or {}
            old = self.before.get(str(now.get("id")), (None, {}))[1]
            shas |= {str(c.get("sha")) for doc in (now, old) for c in doc.get("commits", [])}
        return shas


def none(chosen: list[SessionSummary]) -> Rewritten:
    return Rewritten(chosen)


def citations(
    run: Run,
    own: list[SessionSummary],
    chosen: list[SessionSummary],
    new_maps: list[rewrite.RewriteMap],
    seen: checkpoint.Checkpoint,
) -> Rewritten:
    """Sessions whose fragment cites a replaced commit: moved when a rename does it, else added
    to `chosen` (rebuilt), like the sessions built in this view whose fragment lost links with
    the commits `new_maps` took away (a reset, a dropped commit that carried the fragment's last
    version) and those active near a replaced commit the view never saw."""
    plan = run.plan
    if plan is None:
        return Rewritten(chosen)
    top = run.paths.toplevel
    found = _load(top / FRAGMENT_DIR)
    docs = {sid: doc for sid, (_path, doc) in found.items()}
    citing = {sid for sid, doc in docs.items() if plan.cites(doc)}
    ours = {s.id for s in own if s.id in seen.built}
    for sid, doc in remap.fragments_before(top, FRAGMENT_DIR, new_maps, ours).items():
        lost = remap.lost_links(doc, docs.get(sid))
        if lost is not None:
            run.restored[sid] = lost
    rebuild = set(run.restored)
    tips = git.existing_commits(top, seen.tips or [])
    replaced = [r.old for m in new_maps for r in m.rewrites]
    unseen = _unseen(top, replaced, tips, seen.tips)
    # HEAD at the last run was in its tips, but an amend's stage hid it from linking.
    amended = {r.old for m in new_maps if "amend" in m.command.split("+") for r in m.rewrites}
    unseen |= {seen.head} & amended if seen.head else set()
    times = git.commit_times(top, sorted(unseen))
    window = run.config.link_window_minutes
    rebuild |= {s.id for s in pick.active_near(own, list(times.values()), window)}
    taken = {s.id for s in chosen} | rebuild
    movable = [s for s in own if s.id in citing and s.id not in taken]
    moved = _moves(top, plan, movable, docs)
    rebuild |= citing - moved.keys()
    extra = [s for s in own if s.id in rebuild and s.id not in {c.id for c in chosen}]
    fates = [plan.olds[old] for old in replaced if old in plan.olds]
    successors = {new for new, kind in fates if kind is ONE_TO_ONE and new}
    return Rewritten([*chosen, *extra], found, moved, unseen, tips, set(replaced), successors)


def _load(folder: Path) -> dict[str, tuple[Path, Doc]]:
    """Every fragment by session id, with its file; a broken file raises, as in `load_all`."""
    found: dict[str, tuple[Path, Doc]] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        doc = state.read_json(path)
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            raise StateCorrupt(str(path), 1, 1, "not a session fragment (no session id)")
        found[doc["id"]] = (path, doc)
    return found


def _unseen(top: Path, olds: list[str], tips: list[str], known: list[str] | None) -> set[str]:
    """The replaced commits not reachable from the checkpoint's tips (all of them on a view's
    first run)."""
    present = git.existing_commits(top, olds)
    if known is None or not tips:
        return set(olds)
    lines = [*present, *(f"^{tip}" for tip in tips)]
    out = git.run(["rev-list", "--stdin"], top, stdin="\n".join(lines) + "\n")
    return (set(out.split()) & set(present)) | (set(olds) - set(present))


def _moves(
    top: Path, plan: remap.Plan, sessions: list[SessionSummary], docs: Mapping[str, Doc]
) -> dict[str, Doc]:
    if not sessions:
        return {}
    first = min(pick.when(s.started or s.ended or "1970-01-01T00:00:00Z") for s in sessions)
    alive = git.reachable(top, since=iso(first), all_refs=True)
    on_head = git.reachable(top, since=iso(first))
    cited = {c["sha"] for s in sessions for c in docs[s.id].get("commits", [])}
    successors = {plan.olds[sha][0] for sha in cited if sha in plan.olds} - {None}
    missing = sorted(str(sha) for sha in successors if sha not in plan.patch_ids)
    patch_ids = {**plan.patch_ids, **git.patch_ids(top, missing)}
    moved = {}
    for session in sessions:
        doc = _moved(plan, docs[session.id], alive, on_head, patch_ids)
        if doc is not None:
            moved[session.id] = doc
    return moved


def _moved(
    plan: remap.Plan,
    previous: Doc,
    alive: set[str],
    on_head: set[str],
    patch_ids: Mapping[str, str],
) -> Doc | None:
    """`previous` with its links renamed, or None when a rewrite did more than rename them (or a
    person edited the file: the rebuild leaves it and says so)."""
    if _hand_edited(previous):
        return None
    expected = _renamed_links(plan, previous.get("commits", []), alive, on_head, patch_ids)
    if expected is None:
        return None
    links, records = remap.carry(plan, previous, [], alive.__contains__)
    if [(c["sha"], c["strength"]) for c in links] != [(c["sha"], c["strength"]) for c in expected]:
        return None
    return {**previous, "commits": expected, "rewritten": records}


def _renamed_links(
    plan: remap.Plan,
    links: Iterable[Doc],
    alive: set[str],
    on_head: set[str],
    patch_ids: Mapping[str, str],
) -> list[Doc] | None:
    renamed = []
    for link in links:
        sha = str(link.get("sha"))
        if sha not in plan.olds:
            if sha not in alive:
                return None
            renamed.append(dict(link))
            continue
        new, kind = plan.olds[sha]
        if kind is not rewrite.Kind.REWRITTEN or new is None or new not in on_head or sha in alive:
            return None
        renamed.append({"sha": new, "patch_id": patch_ids.get(new), "strength": link["strength"]})
    entries = commit_links(renamed)
    return entries if len(entries) == len(renamed) else None


def _hand_edited(doc: Doc) -> bool:
    schema = doc.get("schema")
    newer = isinstance(schema, int) and schema > fragment.SCHEMA
    return newer or doc.get("digest") != state.digest(doc)
