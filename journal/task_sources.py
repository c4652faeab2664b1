"""Where tasks come from in a refresh: the agents' plans in the fragments that changed, the task
trailers of the commits new in this view, and the rewrite store for evidence whose commits moved.

Runs in the pre-commit stage and the explicit refresh commands (never in a post-* hook), after the
fragments are written and before the journals are rendered, so the journals show the state this
step leaves. The state is written (validated, atomically, with a fresh digest) only when it
changed. A state a person edited by hand, or one that does not parse, is left alone with one
warning line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journal import (
    fragment,
    git,
    project_state,
    rewrite,
    state,
    task_plans,
    task_store,
    task_sync,
    trailers,
)
from journal.errors import JournalError

if TYPE_CHECKING:
    from journal.run import Run


def refresh(
    run: Run,
    last_head: str | None,
    moved_maps: Sequence[rewrite.RewriteMap],
    *,
    everything: bool = False,
    pending: git.CommitInfo | None = None,
) -> None:
    """Bring the task graph up to date with this run's sources (see the module docstring).

    `last_head` is the view's HEAD at its previous run (None on its first run: no commit is new);
    `moved_maps` are the rewrite maps stored since that run (empty when none); `pending` is the
    commit being made at the stage, whose staged journals may carry a person's ticks."""
    fragments = _changed_fragments(run, everything)
    exclude = _seen_before(run, last_head, everything)
    ticks = _staged_ticks(run, pending)
    if not (fragments or exclude is not None or moved_maps or ticks):
        return
    doc = _load(run)
    if doc is None:
        return
    moved = 0
    if moved_maps:
        moved = trailers.remap_evidence(doc, _resolver(run.paths.toplevel, moved_maps))
    changed = task_plans.apply_all(doc, fragments)
    if exclude is not None:
        found = trailers.read(run.paths.toplevel, ["HEAD"], exclude)
        result = trailers.apply(doc, found, run.branch)
        changed += result.changed
        notice = result.notice()
        run.result.notices += [notice] if notice else []
    if ticks:
        synced = task_sync.sync(doc, ticks, task_store.view_for(run.paths.toplevel))
        changed += [change.task for change in synced]
    if changed or moved:
        _save(run, doc)


def _staged_ticks(run: Run, pending: git.CommitInfo | None) -> list[task_sync.Box]:
    """At the stage: boxes a person flipped in the journals of the commit being made."""
    if pending is None:
        return []
    return task_sync.staged_boxes(run.paths.toplevel, run.config.journal_dir, pending.committed)


def _changed_fragments(run: Run, everything: bool) -> list[dict[str, Any]]:
    from journal.run import FRAGMENT_DIR

    folder = run.paths.toplevel / FRAGMENT_DIR
    if everything:
        return fragment.load_all(folder)
    written = sorted(p for p in run.result.written if Path(p).parent == folder)
    docs = [state.read_json(p) for p in written]
    return sorted(
        (d for d in docs if isinstance(d, dict) and isinstance(d.get("id"), str)),
        key=lambda d: (d.get("started") or "", d["id"]),
    )


def _seen_before(run: Run, last_head: str | None, everything: bool) -> list[str] | None:
    """The commits whose history this view has read already: HEAD's history minus these is new.
    None when nothing is new (the view's first run reads nothing, like the rest of the refresh;
    `everything` reads all of HEAD's history)."""
    head = run.head.sha
    if head is None:
        return None
    if everything:
        return []
    if last_head is None or head == last_head:
        return None
    # A previous HEAD a rewrite pruned names nothing any more; its successors are new anyway.
    return git.existing_commits(run.paths.toplevel, [last_head])


def _resolver(toplevel: Path, maps: Sequence[rewrite.RewriteMap]) -> Callable[[str], str | None]:
    """`rewrite.resolver` asked only about commits no ref reaches any more (a reachable commit is
    alive where it is, whatever a map says became of it)."""
    alive = git.reachable(toplevel, all_refs=True)
    resolve = rewrite.resolver(maps)
    return lambda sha: sha if sha in alive else resolve(sha)


def _load(run: Run) -> dict[str, Any] | None:
    where = project_state.STATE_PATH.as_posix()
    try:
        doc = task_store.load_doc(run.paths.toplevel)
    except JournalError as exc:
        run.result.notices.append(f"{where} not updated with tasks: {exc}")
        return None
    if "digest" in doc and project_state.hand_edited(doc):
        run.result.notices.append(f"{where} was edited by hand; tasks not updated")
        return None
    return doc


def _save(run: Run, doc: dict[str, Any]) -> None:
    try:
        path = task_store.save_doc(run.paths.toplevel, doc)
    except JournalError as exc:
        run.result.notices.append(f"tasks not saved: {exc}")
        return
    if path not in run.result.written:
        run.result.written.append(path)
