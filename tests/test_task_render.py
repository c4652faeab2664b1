"""Tasks in the rendered Markdown: a day's Tasks section (checklist lines mistune reads back),
`tasks.md` (Mermaid flowchart and tables) in a branch view, escaping, and which days move."""

from __future__ import annotations

import copy
import functools
import os
import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import mistune
from hypothesis import given
from hypothesis import strategies as st

from journal import render, task_overview, task_render
from journal.config import Config
from journal.day import build_context
from journal.tasks import View
from journal.web import web_links
from tests import samples, task_samples
from tests.task_samples import graph, main_view

GOLDEN = Path(__file__).parent / "golden"
PARIS = Config(timezone="Europe/Paris")
TZ = ZoneInfo("Europe/Paris")
MON, TUE = date(2026, 2, 23), date(2026, 2, 24)
GITHUB = web_links("git@github.com:acme/widgets.git")


@functools.cache
def _env() -> Any:
    return render.environment(Path("/nonexistent-toplevel"))


def _day(when: date = MON, doc: dict[str, Any] | None = None, fragments: bool = True) -> str:
    tasks = task_render.day_tasks(doc or graph(), main_view(), when, TZ, GITHUB)
    context = build_context(
        when,
        [samples.health_session(), samples.cli_session()] if fragments else [],
        samples.day_commits() if fragments else [],
        config=PARIS,
        web=GITHUB,
        tasks=tasks,
    )
    return render.render_text(None, context, _env())


def _overview(view: View | None = None, doc: dict[str, Any] | None = None) -> str:
    context = task_overview.overview_context(doc or graph(), view or main_view(), GITHUB)
    return render.replace_region(None, task_overview.render_overview(context, _env()))


def _check_golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.write_bytes(text.encode("utf-8"))
    assert text == golden.read_bytes().decode("utf-8"), (
        f"rerun with UPDATE_GOLDENS=1 to see {golden}"
    )


def test_golden_day_with_task_changes() -> None:
    _check_golden("tasks_day.md", _day())


def test_golden_overview() -> None:
    _check_golden("tasks_overview.md", _overview())


# --- the day's section ------------------------------------------------------------------------


def _checklist(text: str) -> list[tuple[bool, str]]:
    """(checked, first word) of every task-list item, as mistune's task_lists plugin reads them."""
    parse = mistune.create_markdown(renderer="ast", plugins=["task_lists"])
    found: list[tuple[bool, str]] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if node["type"] == "task_list_item":
                words = _text(node).split()
                found.append((node["attrs"]["checked"], words[0] if words else ""))
            walk(node.get("children") or [])

    walk(parse(text))  # type: ignore[arg-type]
    return found


def _text(node: dict[str, Any]) -> str:
    """The text of the item's own paragraph (not of its nested list)."""
    for child in node.get("children") or []:
        if child["type"] in ("block_text", "paragraph"):
            return "".join(str(leaf.get("raw", "")) for leaf in child.get("children") or [])
    return ""


def test_mistune_finds_one_checklist_item_per_task_of_the_day() -> None:
    items = _checklist(_day())
    tasks = [(checked, word) for checked, word in items if word.startswith("t-")]
    assert tasks == [
        (True, "t-7f3a01"),
        (False, "t-7f3a02"),
        (False, "t-8b4c11"),
        (False, "t-9c5d22"),  # done on feature-x only: open here
        (True, "t-a1b2c3"),  # done, its evidence not reachable yet
        (True, "t-c3d4e5"),  # forced done
    ]


def test_checklist_lines_have_the_documented_shape() -> None:
    lines = [line for line in _day().splitlines() if re.match(r"- \[[ x]\] t-", line)]
    assert lines[0].startswith("- [x] t-7f3a01 Add the /health endpoint · done · Health checks")
    assert lines[3].startswith("- [ ] t-9c5d22 Retry policy for the client · open (done on ")
    assert lines[4].startswith("- [x] t-a1b2c3 Changelog entry · done (pending evidence)")


def test_a_day_shows_only_its_own_transitions_in_local_time() -> None:
    monday, tuesday = _day(MON), _day(TUE, fragments=False)
    assert "  - 10:06 created as open by session `019c8a59`" in monday
    assert "00:30" not in monday  # 2026-02-23T23:30Z is Tuesday 00:30 in Paris
    assert _checklist(tuesday) == [(False, "t-7f3a02")]
    assert "  - 00:30 open → in progress by session `019c8a59`" in tuesday
    assert "Nothing recorded on this day." not in tuesday


def test_transitions_show_reason_force_branch_and_evidence_links() -> None:
    text = _day()
    assert "  - 12:00 open → blocked (waits for /health) by Bea Baker" in text
    assert "  - 16:10 open → done (forced: released from another machine) by Ada Tester" in text
    assert "  - 13:00 open → done by Ada Tester on `feature-x`" in text
    assert f"trailer in [`3f9c2a1`](https://github.com/acme/widgets/commit/{samples.HEALTH})" in (
        text
    )
    assert "ada@example.com" not in text  # people by name only


def test_no_tasks_on_a_day_means_no_section() -> None:
    text = _day(date(2026, 2, 25), fragments=False)
    assert "## Tasks" not in text
    assert "Nothing recorded on this day." in text


# --- tasks.md ---------------------------------------------------------------------------------


def _row(text: str, task_id: str) -> list[str]:
    (line,) = [line for line in text.splitlines() if line.startswith(f"| `{task_id}` |")]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_status_follows_the_branch_view() -> None:
    on_main, on_feature = _overview(main_view()), _overview(task_samples.feature_view())
    assert _row(on_main, "t-9c5d22")[2] == "open (done on feature-x)"
    assert _row(on_feature, "t-9c5d22")[2] == "done"
    assert "Statuses as seen from `feature-x`" in on_feature
    assert "class t-9c5d22,t-d4e5f6 open" in on_main
    assert "t-9c5d22" in _class_line(on_feature, "done")


def _class_line(text: str, name: str) -> str:
    (line,) = [line for line in text.splitlines() if re.fullmatch(rf"  class \S+ {name}", line)]
    return line


def test_table_cells_keep_their_columns() -> None:
    text = _overview()
    assert len(_row(text, "t-7f3a01")) == 6
    assert _row(text, "t-7f3a01")[5].count("`tests/test a\\|b.py`") == 1
    assert _row(text, "t-8b4c11")[1] == _md_title(task_samples.TRICKY_TITLE)
    assert _row(text, "t-7f3a02")[1] == "↳ Cover /health with tests"


def _md_title(title: str) -> str:
    return render.md(render.excerpt(title, 100))


def test_mermaid_block_is_closed_and_every_label_is_inert() -> None:
    text = _overview()
    block = text.split("```mermaid\n", 1)[1].split("\n```\n", 1)[0]
    assert "`" not in block
    for line in block.splitlines()[1:]:
        for label in re.findall(r'\["(.*?)"\]', line):
            assert not set(label) & set('"[]|<>`{}'), label
    assert 't-8b4c11["t-8b4c11 Fix #34;quoted#34; #91;x#93; #124; pipes #96;tick#96;' in block


def test_mermaid_edges_and_subgraphs() -> None:
    text = _overview()
    assert "  t-7f3a01 --> t-8b4c11" in text
    assert "  t-8b4c11 --> t-9c5d22" in text
    assert "  t-7f3a01 -.-> t-7f3a02" in text
    assert '  subgraph g-1a2b3c["Goal: Ship the public API"]' in text
    assert "g-2b3c4d" not in text.split("```")[1]  # a goal without tasks draws no empty box


def test_unknown_references_and_odd_ids_cannot_break_the_chart() -> None:
    doc = graph()
    doc["tasks"][0]["depends_on"] = ["t-000000"]  # a hand edit: no such task
    doc["tasks"][-1]["id"] = 'end"]'
    block = _overview(doc=doc).split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert "t-000000" not in block
    assert "end#34;#93;" in block  # the label says what the id is
    assert task_overview.node_id('end"]') in block
    assert re.fullmatch(r"id-[0-9a-f]{8}", task_overview.node_id('end"]'))
    assert task_overview.node_id("t-7f3a01") == "t-7f3a01"


@given(st.text())
def test_mermaid_text_is_inert_and_lossless(text: str) -> None:
    label = task_overview.mermaid_text(text, limit=10_000)
    assert re.fullmatch(r"(?:[^\W_]|[ \-_.,/!?'+=*@$~^:]|#\d+;)*", label)
    decoded = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)
    assert decoded == " ".join(text.split())


def test_overview_is_deterministic_and_keeps_a_persons_text(tmp_path: Path) -> None:
    write = functools.partial(
        task_overview.write_overview, tmp_path, PARIS, graph(), main_view(), GITHUB, _env()
    )
    first = write()
    assert first is not None
    assert first.changed
    path = tmp_path / "docs/ai-journal/tasks.md"
    assert path.read_text() == _overview()
    assert write() == (path, False)
    path.write_text("Notes on top.\n\n" + path.read_text() + "\nKept below.\n")
    assert write() == (path, False)
    assert path.read_text().startswith("Notes on top.\n\n" + render.BEGIN)
    assert path.read_text().endswith(render.END + "\n\nKept below.\n")


def test_no_graph_no_file(tmp_path: Path) -> None:
    empty = {"schema": 1, "goals": [], "milestones": [], "tasks": []}
    assert task_overview.write_overview(tmp_path, PARIS, empty, main_view(), None, _env()) is None
    assert not (tmp_path / "docs").exists()
    only_goal = empty | {"goals": [graph()["goals"][0]]}
    assert task_overview.write_overview(tmp_path, PARIS, only_goal, main_view(), None, _env())


# --- which days move --------------------------------------------------------------------------


def _prints(doc: dict[str, Any], view: View | None = None) -> dict[str, str]:
    return task_render.fingerprints(task_render.tasks_by_day(doc, view or main_view(), TZ, GITHUB))


def test_a_new_transition_moves_its_day_and_the_days_that_show_the_task() -> None:
    before = graph()
    after = copy.deepcopy(before)
    after["tasks"][1]["transitions"].append(
        {
            "at": "2026-02-25T09:00:00Z",
            "status": "done",
            "branch": "main",
            "commit": samples.BASE,
            "by": "journal",
            "reason": None,
            "forced": False,
        }
    )
    moved = task_render.changed_days(_prints(before), _prints(after))
    assert moved == {MON, TUE, date(2026, 2, 25)}  # the earlier days show its status too
    assert task_render.changed_days(_prints(before), _prints(copy.deepcopy(before))) == set()


def test_a_status_fold_or_a_title_edit_moves_the_days_that_show_it() -> None:
    merged = View(
        "main", task_samples.FEATURE, (task_samples.ON_MAIN | {task_samples.FEATURE}).__contains__
    )
    folded = task_render.changed_days(_prints(graph()), _prints(graph(), merged))
    assert folded == {date(2026, 2, 22), MON}  # t-9c5d22 folds to done once feature-x is merged
    edited = graph()
    edited["tasks"][5]["title"] = "Port the client to Rust"
    assert task_render.changed_days(_prints(graph()), _prints(edited)) == {
        date(2026, 2, 20),
        date(2026, 2, 21),
    }
