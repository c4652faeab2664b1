"""The semantic merge of project_state.json, as a pure function and as the driver's file merge."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from journal import merge, project_state, state
from journal.merge_state import conflict_path, merge_documents


def _doc(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": 1,
        "reconciled_head": "a" * 40,
        "goals": [],
        "milestones": [],
        "tasks": [],
    }
    doc.update(fields)
    doc["digest"] = state.digest(doc)
    return doc


def _task(task_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": task_id, "title": f"task {task_id}", "status": "open", **fields}


def _tasks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in doc["tasks"]}


def _edit(doc: dict[str, Any], change: Any) -> dict[str, Any]:
    edited = copy.deepcopy(doc)
    change(edited)
    edited["digest"] = state.digest(edited)
    return edited


def test_fields_changed_on_different_sides_both_land() -> None:
    base = _doc(tasks=[_task("t1", labels=["api"]), _task("t2")])
    ours = _edit(base, lambda d: d["tasks"][0].update(status="done", labels=["api", "ui"]))
    theirs = _edit(base, lambda d: d["tasks"][0].update(title="Ship it", labels=["api", "db"]))
    merged = merge_documents(base, ours, theirs)
    assert _tasks(merged)["t1"] == {
        "id": "t1",
        "title": "Ship it",
        "status": "done",
        "labels": ["api", "db", "ui"],
    }
    assert "conflicts" not in merged
    assert merged["digest"] == state.digest(merged)
    assert not project_state.hand_edited(merged)


def test_a_field_changed_identically_on_both_sides_is_no_conflict() -> None:
    base = _doc(tasks=[_task("t1"), _task("t2")])
    ours = _edit(base, lambda d: d["tasks"][0].update(status="done"))
    theirs = _edit(
        base, lambda d: (d["tasks"][0].update(status="done"), d["goals"].append({"id": "g1"}))
    )
    merged = merge_documents(base, ours, theirs)
    assert _tasks(merged)["t1"]["status"] == "done"
    assert merged["goals"] == [{"id": "g1"}]
    assert "conflicts" not in merged


def test_a_true_conflict_is_recorded_and_keeps_ours() -> None:
    base = _doc(tasks=[_task("t-7f3a")])
    ours = _edit(base, lambda d: d["tasks"][0].update(status="done"))
    theirs = _edit(base, lambda d: d["tasks"][0].update(status="blocked"))
    merged = merge_documents(base, ours, theirs)
    assert _tasks(merged)["t-7f3a"]["status"] == "done"
    assert merged["conflicts"] == [
        {"path": "tasks/t-7f3a/status", "base": "open", "ours": "done", "theirs": "blocked"}
    ]
    assert merged["digest"] == state.digest(merged)


def test_new_items_of_both_sides_are_kept_in_a_stable_order() -> None:
    base = _doc(tasks=[_task("t2"), _task("t1")])
    ours = _edit(base, lambda d: d["tasks"].append(_task("t9")))
    theirs = _edit(base, lambda d: d["tasks"].insert(0, _task("t5")))
    merged = merge_documents(base, ours, theirs)
    assert [t["id"] for t in merged["tasks"]] == ["t2", "t1", "t5", "t9"]
    assert merged == merge_documents(base, theirs, ours)


def test_a_reorder_made_on_one_side_is_kept() -> None:
    base = _doc(tasks=[_task("t1"), _task("t2"), _task("t3")])
    ours = _edit(base, lambda d: d["tasks"].reverse())
    theirs = _edit(base, lambda d: d["tasks"][1].update(status="done"))
    merged = merge_documents(base, ours, theirs)
    assert [t["id"] for t in merged["tasks"]] == ["t3", "t2", "t1"]
    assert _tasks(merged)["t2"]["status"] == "done"


def test_deleted_on_one_side_and_untouched_on_the_other_is_deleted() -> None:
    base = _doc(tasks=[_task("t1"), _task("t2")])
    ours = _edit(base, lambda d: d["tasks"].pop(0))
    theirs = _edit(base, lambda d: d["tasks"][1].update(status="done"))
    merged = merge_documents(base, ours, theirs)
    assert merged["tasks"] == [_task("t2", status="done")]
    assert "conflicts" not in merged


def test_deleted_on_one_side_and_changed_on_the_other_is_a_conflict_that_keeps_the_item() -> None:
    base = _doc(tasks=[_task("t1"), _task("t2")])
    ours = _edit(base, lambda d: d["tasks"].pop(0))
    theirs = _edit(base, lambda d: d["tasks"][0].update(status="done"))
    merged = merge_documents(base, ours, theirs)
    assert _tasks(merged)["t1"] == _task("t1", status="done")
    assert merged["conflicts"] == [
        {"path": "tasks/t1", "base": _task("t1"), "theirs": _task("t1", status="done")}
    ]


def test_scalar_lists_merge_as_sets_minus_removals() -> None:
    base = _doc(tasks=[_task("t1", depends_on=["t2", "t3"], labels=["a", "b"])])
    ours = _edit(base, lambda d: d["tasks"][0].update(depends_on=["t3", "t4"], labels=["a"]))
    theirs = _edit(base, lambda d: d["tasks"][0].update(depends_on=["t2", "t3", "t0"]))
    merged = merge_documents(base, ours, theirs)
    task = _tasks(merged)["t1"]
    assert task["depends_on"] == ["t3", "t0", "t4"]
    assert task["labels"] == ["a"]  # only ours changed them: taken as they are


def test_transitions_are_unioned_and_sorted_never_last_writer_wins() -> None:
    opened = {"at": "2026-02-23T09:00:00Z", "to": "open"}
    started = {"at": "2026-02-23T10:00:00Z", "to": "in_progress"}
    blocked = {"at": "2026-02-23T11:00:00Z", "to": "blocked"}
    done = {"at": "2026-02-23T12:00:00Z", "to": "done", "commit": "b" * 40}
    base = _doc(tasks=[_task("t1", transitions=[opened])])
    ours = _edit(base, lambda d: d["tasks"][0].update(status="done", transitions=[opened, done]))
    theirs = _edit(
        base,
        lambda d: d["tasks"][0].update(status="blocked", transitions=[opened, started, blocked]),
    )
    merged = merge_documents(base, ours, theirs)
    assert _tasks(merged)["t1"]["transitions"] == [opened, started, blocked, done]
    assert [c["path"] for c in merged["conflicts"]] == ["tasks/t1/status"]


def test_reconciled_head_keeps_ours_unless_only_theirs_moved() -> None:
    base = _doc(tasks=[_task("t1")])
    only_theirs = merge_documents(
        base,
        _edit(base, lambda d: d["tasks"][0].update(status="done")),
        _edit(base, lambda d: d.update(reconciled_head="c" * 40)),
    )
    assert only_theirs["reconciled_head"] == "c" * 40
    both = merge_documents(
        base,
        _edit(base, lambda d: d.update(reconciled_head="d" * 40)),
        _edit(base, lambda d: d.update(reconciled_head="c" * 40)),
    )
    assert both["reconciled_head"] == "d" * 40
    assert "conflicts" not in both


def test_unknown_keys_merge_by_value_with_conflicts_recorded() -> None:
    base = _doc(owner="ada", notes={"a": 1})
    ours = _edit(base, lambda d: d.update(owner="bob", notes={"a": 1, "b": 2}, extra=True))
    theirs = _edit(base, lambda d: d.update(owner="eve", notes={"a": 3}))
    merged = merge_documents(base, ours, theirs)
    assert (merged["owner"], merged["notes"], merged["extra"]) == ("bob", {"a": 3, "b": 2}, True)
    assert merged["conflicts"] == [{"path": "owner", "base": "ada", "ours": "bob", "theirs": "eve"}]


def test_json_types_are_compared_strictly() -> None:
    base = _doc(flag=0)
    merged = merge_documents(
        base, _edit(base, lambda d: d.update(flag=1)), _edit(base, lambda d: d.update(flag=True))
    )
    assert merged["conflicts"] == [{"path": "flag", "base": 0, "ours": 1, "theirs": True}]


def test_conflicts_already_recorded_merge_as_a_set() -> None:
    old = {"path": "tasks/t1/status", "base": "open", "ours": "done", "theirs": "blocked"}
    other = {"path": "owner", "base": "a", "ours": "b", "theirs": "c"}
    base = _doc(conflicts=[old, other], owner="a")
    ours = _edit(base, lambda d: d.update(conflicts=[other]))  # resolved by a reconcile here
    theirs = _edit(base, lambda d: d.update(owner="z"))
    merged = merge_documents(base, ours, theirs)
    assert merged["conflicts"] == [other]
    assert merged["owner"] == "z"


def test_a_hand_edited_side_keeps_the_merge_reading_as_hand_edited() -> None:
    base = _doc(tasks=[_task("t1")])
    ours = _edit(base, lambda d: d["tasks"][0].update(status="done"))
    theirs = copy.deepcopy(base)
    theirs["goals"].append({"id": "g1", "title": "written by a person"})  # digest left stale
    merged = merge_documents(base, ours, theirs)
    assert "digest" not in merged
    assert project_state.hand_edited(merged)


def test_ids_with_slashes_are_escaped_in_paths() -> None:
    assert conflict_path(["tasks", "a/b~c", "status"]) == "tasks/a~1b~0c/status"


def test_the_inputs_are_left_alone() -> None:
    base = _doc(tasks=[_task("t1", labels=["x"])])
    ours = _edit(base, lambda d: d["tasks"][0].update(labels=["x", "y"], status="done"))
    theirs = _edit(base, lambda d: d["tasks"][0].update(labels=["z"], status="blocked"))
    before = copy.deepcopy((base, ours, theirs))
    merged = merge_documents(base, ours, theirs)
    merged["tasks"][0]["labels"].append("mutated")
    merged["conflicts"][0]["ours"] = "mutated"
    assert (base, ours, theirs) == before


# -- the file merge --------------------------------------------------------------------------


def _files(tmp_path: Path, base: str, ours: str, theirs: str) -> tuple[Path, Path, Path]:
    paths = tuple(tmp_path / name for name in ("base", "ours", "theirs"))
    for path, text in zip(paths, (base, ours, theirs), strict=True):
        path.write_text(text, encoding="utf-8")
    return paths  # type: ignore[return-value]


def _dump(doc: dict[str, Any]) -> str:
    return state.dumps_canonical(doc)


def test_file_merge_writes_canonical_json_and_exits_0(tmp_path: Path) -> None:
    base = _doc(tasks=[_task("t1")])
    ours = _edit(base, lambda d: d["tasks"][0].update(status="done"))
    theirs = _edit(base, lambda d: d["tasks"][0].update(status="blocked"))
    a, o, t = _files(tmp_path, _dump(base), _dump(ours), _dump(theirs))
    assert merge.merge_files(a, o, t, ".ai-journal/project_state.json") == 0
    text = o.read_text()
    assert text == _dump(merge_documents(base, ours, theirs))
    assert "<<<<<<<" not in text


def test_missing_base_is_an_empty_document(tmp_path: Path) -> None:
    ours = _doc(tasks=[_task("t1")])
    theirs = _doc(tasks=[_task("t2")], goals=[{"id": "g1"}])
    a, o, t = _files(tmp_path, "", _dump(ours), _dump(theirs))
    assert merge.merge_files(a, o, t, ".ai-journal/project_state.json") == 0
    merged = json.loads(o.read_text())
    assert [x["id"] for x in merged["tasks"]] == ["t1", "t2"]
    assert merged["goals"] == [{"id": "g1"}]
    assert "conflicts" not in merged


def test_one_side_changed_keeps_that_side_byte_for_byte(tmp_path: Path) -> None:
    base = _doc(tasks=[_task("t1")])
    theirs = json.dumps(_edit(base, lambda d: d.update(owner="x")))  # not canonical on purpose
    a, o, t = _files(tmp_path, _dump(base), _dump(base), theirs)
    assert merge.merge_files(a, o, t, ".ai-journal/project_state.json") == 0
    assert o.read_text() == theirs


@pytest.mark.parametrize("broken", ["ours", "theirs"])
def test_a_side_that_does_not_parse_falls_back_to_a_text_merge(
    tmp_path: Path, broken: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _dump(_doc(tasks=[_task("t1")]))
    good = base.replace('"open"', '"done"')
    bad = base.replace('"tasks": [', '"tasks": [,').replace('"open"', '"blocked"')
    a, o, t = _files(
        tmp_path, base, bad if broken == "ours" else good, good if broken == "ours" else bad
    )
    assert merge.merge_files(a, o, t, ".ai-journal/project_state.json") == 1
    text = o.read_text()
    assert "<<<<<<< ours:.ai-journal/project_state.json" in text
    assert '"done"' in text
    assert '"blocked"' in text
    assert f"{broken} is not valid JSON" in capsys.readouterr().err


def test_a_side_that_is_not_an_object_falls_back_too(tmp_path: Path) -> None:
    a, o, t = _files(tmp_path, "[1]\n", "[1, 2]\n", "[0, 1]\n")
    assert merge.merge_files(a, o, t, ".ai-journal/project_state.json") == 1
