"""The semantic three-way merge of `.ai-journal/project_state.json`.

Every value is merged by the usual three-way rule: equal on both sides, or changed on one side
only, gives that value. Where both sides changed a value differently:

- objects merge key by key, recursively;
- lists of objects that each carry a unique string `id` (goals, milestones, tasks, and any such
  list inside them) merge item by item: items new on either side are kept, an item deleted on one
  side and untouched on the other is deleted, and one deleted on one side but changed on the other
  is kept as changed, with a conflict recorded;
- a `transitions` list (a task's append-only status history) merges as a set of records, sorted by
  each record's `at` (or `ts`) and then by its canonical JSON, so no transition appended on either
  side is lost and none wins over another;
- any other list (`depends_on`, `labels`, evidence lists) merges as a set: the union of both sides
  minus what either side removed from the base; the base's items keep their order and the new
  ones follow, sorted by their canonical JSON;
- `reconciled_head` keeps ours unless only theirs changed (the next reconcile moves it anyway);
- anything else is a true conflict.

A true conflict never becomes text markers: the merged document keeps our value (or, for a
delete/modify conflict, the changed item) and gets an entry in its top-level `conflicts` list,
`{"path": "tasks/t-7f3a/status", "base": …, "ours": …, "theirs": …}`, where a side that has no
value (deleted, or absent in the base) has no key. Path segments are object keys and item ids,
escaped as in JSON Pointer (`~` → `~0`, `/` → `~1`). The document stays valid JSON, the merge
completes, and `ai-journal reconcile` resolves the recorded conflicts later. A `conflicts` list
already present on either side merges as a set, like any other list.

The merged document gets a fresh `digest`, unless ours or theirs was edited by hand (its digest
did not match): then it gets none, so it still reads as edited by a person and no writer replaces
it wholesale.

List orders: the order of id-keyed items follows the base, or the one side that reordered them
(when both did, the base), and items new on either side follow, sorted by id. Every rule is
symmetric: merging (base, a, b) and (base, b, a) give the same document except for which side's
value stays in place at a conflict and which side each conflict entry calls ours, and
`reconciled_head` when both sides moved it.
"""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from journal import project_state, state

STATE_PATH: Final = project_state.STATE_PATH.as_posix()
CONFLICTS_KEY: Final = "conflicts"
HEAD_KEY: Final = "reconciled_head"
TRANSITIONS_KEY: Final = "transitions"
_T = TypeVar("_T")


class _Missing:
    """No value: a key or item that one version does not have."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


class Unparseable(Exception):
    """A side that is not a JSON object; the driver falls back to a text merge."""


def merge_state_file(ancestor: Path, ours: Path, theirs: Path) -> int:
    """Merge the three versions into `ours` in place; 0 (the merge is always clean, conflicts are
    recorded inside the document). Raises `Unparseable` when a side is not a JSON object."""
    base_doc = _load(ancestor, "the common ancestor", empty_ok=True)
    ours_doc = _load(ours, "ours", empty_ok=False)
    theirs_doc = _load(theirs, "theirs", empty_ok=False)
    if _same(ours_doc, theirs_doc) or _same(theirs_doc, base_doc):
        return 0
    if _same(ours_doc, base_doc):
        ours.write_bytes(theirs.read_bytes())
        return 0
    merged = merge_documents(base_doc, ours_doc, theirs_doc)
    ours.write_text(state.dumps_canonical(merged), encoding="utf-8")
    return 0


def merge_documents(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    """The merged state document (see the module docstring); the inputs are not modified."""
    if _same(ours, theirs) or _same(theirs, base):
        return _copy(ours)
    if _same(ours, base):
        return _copy(theirs)
    merger = _Merger()
    merged: dict[str, Any] = {}
    for key in sorted((base.keys() | ours.keys() | theirs.keys()) - {"digest", CONFLICTS_KEY}):
        sides = (base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING))
        value = _merge_head(*sides) if key == HEAD_KEY else merger.value([key], *sides)
        if value is not MISSING:
            merged[key] = value
    recorded = merger.value(
        [CONFLICTS_KEY],
        base.get(CONFLICTS_KEY, MISSING),
        ours.get(CONFLICTS_KEY, MISSING),
        theirs.get(CONFLICTS_KEY, MISSING),
    )
    if merger.conflicts or recorded is not MISSING:
        merged[CONFLICTS_KEY] = _conflict_list(recorded, merger.conflicts)
    if not (project_state.hand_edited(ours) or project_state.hand_edited(theirs)):
        merged["digest"] = state.digest(merged)
    return merged


def conflict_path(segments: list[str]) -> str:
    return "/".join(s.replace("~", "~0").replace("/", "~1") for s in segments)


# -- values ------------------------------------------------------------------------------------


class _Merger:
    def __init__(self) -> None:
        self.conflicts: list[dict[str, Any]] = []

    def value(self, path: list[str], base: Any, ours: Any, theirs: Any) -> Any:
        if _same(ours, theirs) or _same(theirs, base):
            return _copy(ours)
        if _same(ours, base):
            return _copy(theirs)
        if ours is MISSING or theirs is MISSING:  # deleted on one side, changed on the other
            self.record(path, base, ours, theirs)
            return _copy(theirs if ours is MISSING else ours)
        if _all_of(dict, base, ours, theirs):
            return self.objects(path, base if base is not MISSING else {}, ours, theirs)
        if _all_of(list, base, ours, theirs):
            return self.lists(path, base if base is not MISSING else [], ours, theirs)
        self.record(path, base, ours, theirs)
        return _copy(ours)

    def record(self, path: list[str], base: Any, ours: Any, theirs: Any) -> None:
        entry: dict[str, Any] = {"path": conflict_path(path)}
        for name, value in (("base", base), ("ours", ours), ("theirs", theirs)):
            if value is not MISSING:
                entry[name] = _copy(value)
        self.conflicts.append(entry)

    def objects(
        self, path: list[str], base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
    ) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key in sorted(base.keys() | ours.keys() | theirs.keys()):
            sides = (base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING))
            value = self.value([*path, key], *sides)
            if value is not MISSING:
                merged[key] = value
        return merged

    def lists(self, path: list[str], base: list[Any], ours: list[Any], theirs: list[Any]) -> Any:
        if path[-1] == TRANSITIONS_KEY:
            return sorted(_merge_set(base, ours, theirs), key=_transition_order)
        if all(_keyed(items) for items in (base, ours, theirs)):
            return self.items(path, base, ours, theirs)
        return _merge_set(base, ours, theirs)

    def items(
        self, path: list[str], base: list[Any], ours: list[Any], theirs: list[Any]
    ) -> list[Any]:
        by_id = [{item["id"]: item for item in items} for items in (base, ours, theirs)]
        merged: dict[str, Any] = {}
        for item_id in by_id[0].keys() | by_id[1].keys() | by_id[2].keys():
            sides = [side.get(item_id, MISSING) for side in by_id]
            value = self.value([*path, item_id], *sides)
            if value is not MISSING:
                merged[item_id] = value
        return [merged[i] for i in _item_order(base, ours, theirs, merged.keys())]


def _merge_head(base: Any, ours: Any, theirs: Any) -> Any:
    changed_theirs = not _same(theirs, base)
    return _copy(theirs if changed_theirs and _same(ours, base) else ours)


def _merge_set(base: list[Any], ours: list[Any], theirs: list[Any]) -> list[Any]:
    """Union minus removals: base items both sides kept (base order), then new ones (sorted)."""
    base_keys = {_canonical(x): x for x in base}
    ours_keys = {_canonical(x): x for x in ours}
    theirs_keys = {_canonical(x): x for x in theirs}
    kept = [x for k, x in base_keys.items() if k in ours_keys and k in theirs_keys]
    added = {k: x for k, x in (ours_keys | theirs_keys).items() if k not in base_keys}
    return _copy(kept + [added[k] for k in sorted(added)])


def _transition_order(record: Any) -> tuple[str, str]:
    when = ""
    if isinstance(record, dict):
        when = next((v for v in (record.get("at"), record.get("ts")) if isinstance(v, str)), "")
    return when, _canonical(record)


def _keyed(items: list[Any]) -> bool:
    """Every item is an object with a string `id`, and no id repeats."""
    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
    return all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)


def _item_order(
    base: list[Any], ours: list[Any], theirs: list[Any], present: AbstractSet[str]
) -> list[str]:
    base_ids, ours_ids, theirs_ids = ([item["id"] for item in s] for s in (base, ours, theirs))
    reference = base_ids
    ours_moved, theirs_moved = _reordered(base_ids, ours_ids), _reordered(base_ids, theirs_ids)
    if ours_moved != theirs_moved:
        reference = ours_ids if ours_moved else theirs_ids
    ordered = [i for i in reference if i in present]
    return ordered + sorted(present - set(ordered))


def _reordered(base_ids: list[str], side_ids: list[str]) -> bool:
    common = set(base_ids) & set(side_ids)
    return [i for i in base_ids if i in common] != [i for i in side_ids if i in common]


def _conflict_list(recorded: Any, new: list[dict[str, Any]]) -> list[Any]:
    entries = (recorded if isinstance(recorded, list) else [recorded]) + new
    unique = {_canonical(entry): entry for entry in entries if entry is not MISSING}
    return sorted(unique.values(), key=lambda e: (str(_path_of(e)), _canonical(e)))


def _path_of(entry: Any) -> Any:
    return entry.get("path", "") if isinstance(entry, dict) else ""


# -- comparisons -------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: `true`, `1` and `1.0` differ (Python's `==` says they do not)."""
    if a is MISSING or b is MISSING:
        return a is b
    return a is b or _canonical(a) == _canonical(b)


def _all_of(kind: type, base: Any, ours: Any, theirs: Any) -> bool:
    return (
        isinstance(ours, kind)
        and isinstance(theirs, kind)
        and (base is MISSING or isinstance(base, kind))
    )


def _copy(value: _T) -> _T:
    """A deep copy, so the merged document never shares structure with an input."""
    return value if value is MISSING else cast(_T, json.loads(json.dumps(value)))


def _load(path: Path, side: str, *, empty_ok: bool) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unparseable(f"{side} is not UTF-8 text") from exc
    if empty_ok and not text.strip():
        return {}  # git passes an empty ancestor when both sides added the file
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unparseable(
            f"{side} is not valid JSON ({exc.lineno}:{exc.colno}: {exc.msg})"
        ) from exc
    if not isinstance(doc, dict):
        raise Unparseable(f"{side} is not a JSON object")
    return doc
