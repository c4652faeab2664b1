"""Property tests of the project_state.json merge over random edits of a random base.

Two sides are derived from one base by random edits (fields set or removed, items added, deleted
or reordered, labels and transitions added or removed, the head moved, unknown keys changed), so
they share ids the way real branches do.

The symmetric comparison: merging (base, a, b) and (base, b, a) must give the same document once
each conflict entry is read as {path, base, the unordered pair of side values}, the value at each
conflict's path is blanked (it is ours, whichever side that is), `reconciled_head` is dropped when
both sides moved it to different commits (it keeps ours by design), and the digest is reduced to
whether it is there (its value hashes the blanked values).
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from journal import merge, state
from journal.merge_state import merge_documents

KINDS = ("goals", "milestones", "tasks")
IDS = {
    "goals": ["g1", "g2", "g/3"],
    "milestones": ["m1", "m2"],
    "tasks": ["t1", "t2", "t3", "t4", "t~5"],
}
LABELS = ["api", "ui", "db", "docs"]
STATUSES = ["open", "in_progress", "blocked", "done"]
TIMES = [f"2026-02-23T{hour:02d}:00:00Z" for hour in range(8, 14)]
HEADS = [None, "a" * 40, "b" * 40, "c" * 40]
MARKERS = ("<<<<<<<", "=======", ">>>>>>>")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-1, 2), st.just(1.0), st.sampled_from(["x", "y", "<"])
)
transitions = st.fixed_dictionaries({"at": st.sampled_from(TIMES), "to": st.sampled_from(STATUSES)})


def _item(kind: str, item_id: str) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, st.SearchStrategy[Any]] = {
        "labels": st.lists(st.sampled_from(LABELS), unique=True, max_size=3),
        "owner": scalars,
        "meta": st.dictionaries(st.sampled_from(["k1", "k2"]), scalars, max_size=2),
    }
    if kind == "tasks":
        optional["depends_on"] = st.lists(st.sampled_from(IDS["tasks"]), unique=True, max_size=2)
        optional["transitions"] = st.lists(transitions, max_size=3, unique_by=_canonical)
    required = {
        "id": st.just(item_id),
        "title": st.sampled_from(["A", "B", "C"]),
        "status": st.sampled_from(STATUSES),
    }
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def _items(draw: st.DrawFn, kind: str) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.sampled_from(IDS[kind]), unique=True, max_size=len(IDS[kind])))
    return [draw(_item(kind, item_id)) for item_id in ids]


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": 1, "reconciled_head": draw(st.sampled_from(HEADS))}
    for kind in KINDS:
        doc[kind] = draw(_items(kind))
    if draw(st.booleans()):
        doc["extra"] = draw(st.one_of(scalars, st.dictionaries(st.sampled_from("ab"), scalars)))
    return _stamp(draw, doc)


def _stamp(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """Most documents carry a matching digest (written by the tool); some were edited by hand."""
    doc.pop("digest", None)
    if draw(st.integers(0, 3)):
        doc["digest"] = state.digest(doc)
    return doc


# -- edits -------------------------------------------------------------------------------------


def _pick(draw: st.DrawFn, doc: dict[str, Any], kind: str) -> dict[str, Any] | None:
    items = doc[kind]
    return draw(st.sampled_from(items)) if items else None


def _set_field(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    item = _pick(draw, doc, draw(st.sampled_from(KINDS)))
    if item is not None:
        field = draw(st.sampled_from(["title", "status", "owner"]))
        item[field] = draw(scalars | st.sampled_from(STATUSES))


def _drop_field(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    item = _pick(draw, doc, draw(st.sampled_from(KINDS)))
    if item is not None:
        item.pop(draw(st.sampled_from(["owner", "labels", "meta", "transitions"])), None)


def _set_meta(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    item = _pick(draw, doc, draw(st.sampled_from(KINDS)))
    if item is not None:
        item.setdefault("meta", {})[draw(st.sampled_from(["k1", "k2", "k3"]))] = draw(scalars)


def _add_item(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    kind = draw(st.sampled_from(KINDS))
    free = [i for i in IDS[kind] if i not in {item["id"] for item in doc[kind]}]
    if free:
        position = draw(st.integers(0, len(doc[kind])))
        doc[kind].insert(position, draw(_item(kind, draw(st.sampled_from(free)))))


def _delete_item(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    kind = draw(st.sampled_from(KINDS))
    if doc[kind]:
        doc[kind].pop(draw(st.integers(0, len(doc[kind]) - 1)))


def _reorder(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    kind = draw(st.sampled_from(KINDS))
    doc[kind] = draw(st.permutations(doc[kind]))


def _toggle_label(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    item = _pick(draw, doc, draw(st.sampled_from(KINDS)))
    if item is not None:
        label = draw(st.sampled_from(LABELS))
        labels = item.setdefault("labels", [])
        if label in labels:
            labels.remove(label)
        else:
            labels.append(label)


def _append_transition(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    task = _pick(draw, doc, "tasks")
    if task is not None:
        record = draw(transitions)
        history = task.setdefault("transitions", [])
        if record not in history:
            history.append(record)


def _remove_transition(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    task = _pick(draw, doc, "tasks")
    if task is not None and task.get("transitions"):
        task["transitions"].pop(draw(st.integers(0, len(task["transitions"]) - 1)))


def _move_head(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    doc["reconciled_head"] = draw(st.sampled_from(HEADS))


def _change_extra(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    if draw(st.booleans()):
        doc.pop("extra", None)
    else:
        doc["extra"] = draw(st.one_of(scalars, st.dictionaries(st.sampled_from("ab"), scalars)))


EDITS = [
    _set_field,
    _drop_field,
    _set_meta,
    _add_item,
    _delete_item,
    _reorder,
    _toggle_label,
    _append_transition,
    _remove_transition,
    _move_head,
    _change_extra,
]


@st.composite
def edited(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    for edit in draw(st.lists(st.sampled_from(EDITS), min_size=1, max_size=6)):
        edit(draw, doc)
    return _stamp(draw, doc)


@st.composite
def triples(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    base = draw(documents())
    return base, draw(edited(base)), draw(edited(base))


# -- the symmetric comparison ------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _side(entry: dict[str, Any], name: str) -> str:
    return _canonical(entry[name]) if name in entry else "(absent)"


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def _blank(doc: Any, path: str) -> None:
    *parents, last = [_unescape(s) for s in path.split("/")]
    node = doc
    for segment in parents:
        node = node[segment] if isinstance(node, dict) else _by_id(node)[segment]
    if isinstance(node, dict):
        node[last] = "(conflict)"
    else:
        index = next(i for i, item in enumerate(node) if item["id"] == last)
        node[index] = {"id": last, "(conflict)": True}


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def symmetric_view(
    merged: dict[str, Any], base: dict[str, Any], a: dict[str, Any], b: dict[str, Any]
) -> Any:
    view = copy.deepcopy(merged)
    view["digest"] = "digest" in view
    conflicts = view.pop("conflicts", [])
    for entry in conflicts:
        _blank(view, entry["path"])
    heads = [d.get("reconciled_head") for d in (base, a, b)]
    if heads[1] != heads[0] and heads[2] != heads[0] and heads[1] != heads[2]:
        assert merged["reconciled_head"] in heads[1:]
        view.pop("reconciled_head")
    entries = sorted(
        (e["path"], _side(e, "base"), *sorted([_side(e, "ours"), _side(e, "theirs")]))
        for e in conflicts
    )
    return view, entries


# -- properties --------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(triples())
def test_merge_is_symmetric(docs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]) -> None:
    base, a, b = docs
    one, other = merge_documents(base, a, b), merge_documents(base, b, a)
    assert symmetric_view(one, base, a, b) == symmetric_view(other, base, b, a)


@settings(max_examples=400, deadline=None)
@given(triples())
def test_no_item_is_lost(docs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]) -> None:
    base, a, b = docs
    merged = merge_documents(base, a, b)
    for kind in KINDS:
        kept, was = _by_id(merged[kind]), _by_id(base[kind])
        for side, other in ((a, b), (b, a)):
            theirs = _by_id(other[kind])
            for item in side[kind]:
                dropped_untouched = (
                    item["id"] not in theirs
                    and item["id"] in was
                    and _canonical(was[item["id"]]) == _canonical(item)
                )
                assert dropped_untouched or item["id"] in kept, (kind, item["id"])


@settings(max_examples=400, deadline=None)
@given(triples())
def test_no_transition_is_lost(docs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]) -> None:
    base, a, b = docs
    merged = _by_id(merge_documents(base, a, b)["tasks"])
    was = _by_id(base["tasks"])
    for side, other in ((a, b), (b, a)):
        theirs = _by_id(other["tasks"])
        for task in side["tasks"]:
            if task["id"] not in merged:
                continue  # deleted untouched: test_no_item_is_lost covers when that is allowed
            history = merged[task["id"]].get("transitions", [])
            before = was.get(task["id"], {}).get("transitions", [])
            kept_by_other = theirs.get(task["id"], {}).get("transitions", [])
            for record in task.get("transitions", []):
                removed_by_other = task["id"] in theirs and record not in kept_by_other
                assert record in history or (record in before and removed_by_other)


@settings(max_examples=300, deadline=None)
@given(triples())
def test_a_field_changed_on_one_side_only_takes_that_side(
    docs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
) -> None:
    base, a, b = docs
    merged = _by_id(merge_documents(base, a, b)["tasks"])
    was, in_a, in_b = (_by_id(d["tasks"]) for d in (base, a, b))
    for task_id in was.keys() & in_a.keys() & in_b.keys():
        for changed, other in ((in_a, in_b), (in_b, in_a)):
            for field in ("title", "status", "owner"):
                old, new, kept = (d[task_id].get(field) for d in (was, changed, other))
                if _canonical(new) != _canonical(old) and _canonical(kept) == _canonical(old):
                    assert _canonical(merged[task_id].get(field)) == _canonical(new)


@settings(max_examples=300, deadline=None)
@given(triples())
def test_one_sided_and_identical_merges_give_that_side(
    docs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
) -> None:
    base, a, _ = docs
    assert merge_documents(base, a, a) == a
    assert merge_documents(base, base, a) == a
    assert merge_documents(base, a, base) == a


@settings(max_examples=150, deadline=None)
@given(triples())
def test_the_driver_always_writes_parseable_json_without_markers(
    docs: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
) -> None:
    base, a, b = docs
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / name for name in ("base", "ours", "theirs")]
        for file, doc in zip(files, (base, a, b), strict=True):
            file.write_text(state.dumps_canonical(doc), encoding="utf-8")
        assert merge.merge_files(*files, ".ai-journal/project_state.json") == 0
        text = files[1].read_text(encoding="utf-8")
    merged = json.loads(text)
    assert not any(line.startswith(MARKERS) for line in text.splitlines())
    assert merged == json.loads(json.dumps(merge_documents(base, a, b)))
    if "digest" in merged and merged not in (a, b):
        assert merged["digest"] == state.digest(merged)
