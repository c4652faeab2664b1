"""Where rewrite maps come from, in order of trust (design principle 5):

1. `from_event`: the pairs the post-rewrite hook recorded (git's stdin natively; the rebase state
   file or the `commit (amend)` reflog entry under pre-commit), each checked against the contents
   (`rewrite_match.confirmed`). A rebase's pairs do not name the commits dropped in the todo; those
   are found from the `(finish)` entries of the reflog, once the branch has moved.
2. `from_reflog`: no hook ran (a reset, `branch -f`, hooks missing, an `--apply` rebase read before
   its branch moved, …). The branch's reflog since the stored tip names each rewrite: a
   `… (finish): refs/heads/X onto <sha>` entry (also `pull --rebase`) or `commit (amend)`; the old
   commits are matched to the new ones by content (`rewrite_match.match`).
3. `diverged`: whether a stored tip is still part of the branch, i.e. whether to ask (2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from journal import git
from journal.rewrite import RewriteMap, compose
from journal.rewrite_match import Facts, Verdict, build, confirmed, match

FINISH = re.compile(r"^(?P<action>.*?) \(finish\): (?P<ref>\S+) onto (?P<onto>[0-9a-f]{40,64})$")
RETURNING = re.compile(r"^.*? \(finish\): returning to (?P<ref>\S+)$")
START = re.compile(r"^.*? \(start\): checkout ")
AMEND_PREFIX = "commit (amend)"


class Span(NamedTuple):
    """A rebase seen in the reflog: the branch before (when known) and after, and the commit the
    replayed commits were put on (onto, or the last commit kept as it was)."""

    old_tip: str | None
    new_tip: str
    base: str


def from_event(cwd: Path | str, event: Mapping[str, Any]) -> RewriteMap:
    """The map of one recorded post-rewrite event (`events.jsonl`, hook "post-rewrite")."""
    command, source = str(event.get("command", "rebase")), str(event.get("source", "event"))
    pairs = _unique_pairs(event.get("pairs") or [])
    recorded_in = str(event.get("worktree") or "")  # the worktree whose HEAD reflog tells
    where = Path(recorded_in) if recorded_in and Path(recorded_in).is_dir() else Path(cwd)
    span = _rebase_span(where, pairs) if command == "rebase" else None
    made = set(git.rev_range(cwd, [span.new_tip], [span.base])) if span else None
    missed = _untouched_olds(cwd, span, pairs) if span else []
    facts = Facts(cwd, [*pairs, *pairs.values(), *missed])
    verdicts = {old: _judge_pair(facts, old, new, made) for old, new in pairs.items()}
    verdicts.update({old: Verdict(None, "none", span.base if span else None) for old in missed})
    rmap = build(facts, command, source, [*pairs, *missed], verdicts)
    return _with_tips(rmap, span.old_tip if span else None, span.new_tip if span else None)


def from_reflog(cwd: Path | str, branch: str, old_tip: str) -> RewriteMap | None:
    """The rewrites that took `branch` away from `old_tip`, from its reflog; None when `old_tip`
    is still part of the branch (nothing was rewritten) or no longer exists."""
    ref = f"refs/heads/{branch}"
    tip = (git.try_run(["rev-parse", "-q", "--verify", f"{ref}^{{commit}}"], cwd) or "").strip()
    if not tip or not git.existing_commits(cwd, [old_tip]) or not diverged(cwd, old_tip, tip):
        return None
    maps: list[RewriteMap] = []
    cursor, moves = old_tip, []  # where the branch was, and the entries since that rewrote nothing
    for entry in _since(git.reflog(cwd, ref), old_tip):
        rmap = _from_entry(cwd, entry)
        if rmap is None:
            moves.append(entry)
            continue
        maps += _moved(cwd, cursor, entry.old, moves)
        maps.append(rmap)
        cursor, moves = entry.new, []
    maps += _moved(cwd, cursor, tip, moves)
    return _with_tips(compose(maps), old_tip, tip) if maps else None


def diverged(cwd: Path | str, checkpoint_tip: str, current_tip: str) -> bool:
    """True when `checkpoint_tip` is no longer part of the history of `current_tip` (or is gone)."""
    if checkpoint_tip == current_tip:
        return False
    if not git.existing_commits(cwd, [checkpoint_tip]):
        return True
    return not git.is_ancestor(cwd, checkpoint_tip, current_tip)


# -- the hook's pairs -------------------------------------------------------------------------------


def _unique_pairs(raw: Sequence[Sequence[str]]) -> dict[str, str]:
    """{old: new} in git's order; an old listed twice keeps its last successor."""
    pairs: dict[str, str] = {}
    for item in raw:
        if len(item) >= 2:
            pairs.pop(str(item[0]), None)
            pairs[str(item[0])] = str(item[1])
    return pairs


def _judge_pair(facts: Facts, old: str, new: str, made: set[str] | None = None) -> Verdict:
    """git's pair, unless the contents refute it: a `--skip`ped commit or one dropped as already
    upstream (git < 2.56) is mapped to the HEAD of that moment, which may even be onto itself
    (`made`: the commits this rebase created, when known)."""
    if old == new or ((made is None or new in made) and confirmed(facts, old, new)):
        return Verdict(new, "git")
    return Verdict(None, "git", new)


def _rebase_span(worktree: Path, pairs: Mapping[str, str]) -> Span | None:
    """Where the rebase that ended on the last pair's commit started and what it replayed onto:
    from the branch's `(finish)` entry once the branch has moved there, else (an `--apply` rebase
    runs post-rewrite before it moves the branch) from HEAD's `(start)` entry and ORIG_HEAD."""
    if not pairs:
        return None
    tip = list(pairs.values())[-1]
    head_log = git.reflog(worktree, "HEAD")
    for entry in head_log:
        returning = RETURNING.match(entry.message)
        if returning and entry.new == tip:
            return _finish_span(worktree, returning["ref"], tip)
    at_tip = next((i for i, entry in enumerate(head_log) if entry.new == tip), None)
    if at_tip is None:
        return None
    start = next((e for e in head_log[at_tip:] if START.match(e.message)), None)
    if start is None:
        return None
    orig = (git.try_run(["rev-parse", "-q", "--verify", "ORIG_HEAD"], worktree) or "").strip()
    before = set(git.rev_range(worktree, [orig], [start.new])) if orig else set()
    return Span(orig if before.issuperset(pairs) else None, tip, start.new)


def _finish_span(cwd: Path | str, ref: str, tip: str) -> Span | None:
    for entry in git.reflog(cwd, ref):
        finish = FINISH.match(entry.message)
        if finish and entry.new == tip and finish["ref"] == ref:
            return Span(entry.old, entry.new, finish["onto"])
    return None


def _untouched_olds(cwd: Path | str, span: Span, pairs: Mapping[str, str]) -> list[str]:
    """Old commits of the rebase that git's pairs do not name: dropped in the todo, or left out
    because their patch was already upstream. (Commits it kept as they were are not old.)"""
    if span.old_tip is None:
        return []
    olds = git.rev_range(cwd, [span.old_tip], [span.base, span.new_tip])
    return [old for old in olds if old not in pairs]


# -- the reflog -------------------------------------------------------------------------------------


def _since(entries: Sequence[git.ReflogEntry], old_tip: str) -> list[git.ReflogEntry]:
    """The entries after the branch last pointed at `old_tip`, oldest first (none when the reflog
    does not reach back that far: then only a content match of the two histories can tell)."""
    for index, entry in enumerate(entries):  # newest first
        if entry.new == old_tip:
            return list(reversed(entries[:index]))
    return []


def _moved(
    cwd: Path | str, old_tip: str, new_tip: str, moves: Sequence[git.ReflogEntry]
) -> list[RewriteMap]:
    """A move without a rewrite entry (reset, `branch -f`, …) that left `old_tip` behind, matched
    by content; nothing when `old_tip` is still part of `new_tip`'s history."""
    if not diverged(cwd, old_tip, new_tip):
        return []
    action = (moves[-1].message if moves else "reset").split(":", 1)[0].split(" ")[0]
    return [_matched(cwd, action or "reset", (old_tip, new_tip), [], measure_in=new_tip)]


def _from_entry(cwd: Path | str, entry: git.ReflogEntry) -> RewriteMap | None:
    finish = FINISH.match(entry.message)
    if finish:
        action = finish["action"].split(" ")[0]
        onto = finish["onto"]
        return _matched(cwd, action, (entry.old, entry.new), [onto], measure_in=onto)
    if entry.message.startswith(AMEND_PREFIX):
        facts = Facts(cwd, [entry.old, entry.new])
        verdicts = {entry.old: _judge_pair(facts, entry.old, entry.new)}
        rmap = build(facts, "amend", "reflog", [entry.old], verdicts)
        return _with_tips(rmap, entry.old, entry.new)
    return None


def _matched(
    cwd: Path | str, command: str, tips: tuple[str, str], base: Sequence[str], measure_in: str
) -> RewriteMap:
    """The commits only the old tip has, matched by content to those only the new tip has (both
    above `base`); an old without a match is measured against the tree of `measure_in`."""
    old_tip, new_tip = tips
    olds = git.rev_range(cwd, [old_tip], [*base, new_tip])
    news = git.rev_range(cwd, [new_tip], [*base, old_tip])
    facts = Facts(cwd, [*olds, *news])
    found = match(facts, olds, news)
    verdicts = {old: found.get(old) or Verdict(None, "none", measure_in) for old in olds}
    return _with_tips(build(facts, command, "reflog", olds, verdicts), old_tip, new_tip)


def _with_tips(rmap: RewriteMap, old_tip: str | None, new_tip: str | None) -> RewriteMap:
    return replace(rmap, old_tip=old_tip, new_tip=new_tip)
