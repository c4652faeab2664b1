"""Fitting the context to a byte budget, and the generated block in AGENTS.md."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from journal import context, context_agents
from journal.context import Context, Section


def _context(*sections: list[tuple[str, str, int]]) -> Context:
    """Sections of (kind, text, weight) items."""
    built = []
    for index, items in enumerate(sections):
        section = Section(f"s{index}", f"Section {index}")
        for kind, text, weight in items:
            section.add({"kind": kind, "text": text}, weight)
        built.append(section)
    return Context("main", "0" * 40, built)


def _texts(ctx: Context) -> list[str]:
    return [str(item["text"]) for s in ctx.sections for item in s.items if isinstance(item, dict)]


def test_without_a_budget_nothing_is_left_out() -> None:
    ctx = context.fit(_context([("goal", "Ship it", 55)]), None)
    assert ctx.omitted == []
    assert "- Ship it" in ctx.to_markdown()


def test_the_least_relevant_items_go_first_and_are_named() -> None:
    full = _context(
        [
            ("session", "newest session " + "n" * 100, 80),
            ("session", "old session " + "o" * 100, 40),
        ],
        [("ready", "first ready task", 70), ("ready", "second ready task " + "r" * 100, 67)],
    )
    everything = len(full.to_markdown().encode())
    ctx = context.fit(full, everything - 60)
    assert _texts(ctx) == [
        "newest session " + "n" * 100,
        "first ready task",
        "second ready task " + "r" * 100,
    ]
    assert ctx.omitted == ["1 session"]
    assert ctx.to_markdown().endswith(f"Left out to fit {everything - 60} bytes: 1 session.\n")
    assert len(ctx.to_markdown().encode()) <= everything - 60


def test_equal_weights_drop_the_item_listed_last() -> None:
    full = _context([("commit", "a" * 200, 20), ("commit", "b" * 200, 20)])
    ctx = context.fit(full, len(full.to_markdown().encode()) - 1)
    assert _texts(ctx) == ["a" * 200]
    assert ctx.omitted == ["1 new commit"]


def test_an_item_is_never_cut_and_an_empty_section_loses_its_title() -> None:
    ctx = context.fit(_context([("goal", "g" * 500, 55)], [("ready", "small", 70)]), 150)
    assert _texts(ctx) == ["small"]
    assert "Section 0" not in ctx.to_markdown()
    assert "g" * 10 not in ctx.to_markdown()


ITEMS = st.lists(
    st.tuples(
        st.sampled_from(["goal", "ready", "session", "commit"]),
        st.text(alphabet="abcé \n", min_size=1, max_size=80),
        st.integers(min_value=0, max_value=100),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(first=ITEMS, second=ITEMS, budget=st.integers(min_value=0, max_value=1500))
def test_budget_property(
    first: list[tuple[str, str, int]], second: list[tuple[str, str, int]], budget: int
) -> None:
    ctx = context.fit(_context(first, second), budget)
    text = ctx.to_markdown()
    kept = [(w, si, ii) for si, s in enumerate(ctx.sections) for ii, w in enumerate(s.weights)]
    bare = context.fit(_context(first, second), 0)  # every item dropped
    bare.budget = budget  # its note names the budget: "Left out to fit 150 bytes" is longer
    if len(bare.to_markdown().encode()) <= budget:
        assert len(text.encode()) <= budget
    # Whole items only, and every one dropped is counted in `omitted`.
    for item in (i for s in ctx.sections for i in s.items if isinstance(i, dict)):
        assert context._bullet(item) in text
    dropped = len(first) + len(second) - len(kept)
    counted = sum(int(entry.split()[0]) for entry in ctx.omitted)
    assert counted == dropped
    # What went is exactly the least relevant: lowest weight first, the later item among equals.
    order = sorted(
        (w, -si, -ii)
        for si, items in enumerate((first, second))
        for ii, (_k, _t, w) in enumerate(items)
    )
    gone = {(-si, -ii) for _w, si, ii in order[:dropped]}
    left = [
        text
        for si, items in enumerate((first, second))
        for ii, (_k, text, _w) in enumerate(items)
        if (si, ii) not in gone
    ]
    assert _texts(ctx) == left
    assert context.fit(_context(first, second), budget).to_markdown() == text  # deterministic


# -- AGENTS.md ----------------------------------------------------------------------------------


def test_an_absent_agents_md_is_created_with_the_block_only(tmp_path: Path) -> None:
    assert context.write_agents_block(tmp_path, "## Where the work stands\n")
    text = (tmp_path / "AGENTS.md").read_text()
    assert text == f"{context_agents.BEGIN}\n## Where the work stands\n{context_agents.END}\n"
    assert not context.write_agents_block(tmp_path, "## Where the work stands\n")  # unchanged


def test_the_block_is_appended_and_the_rest_kept_byte_for_byte(tmp_path: Path) -> None:
    mine = "# Rules\r\n\r\nUse tabs.  \nNo trailing newline"
    (tmp_path / "AGENTS.md").write_bytes(mine.encode())
    context.write_agents_block(tmp_path, "first\n")
    text = (tmp_path / "AGENTS.md").read_bytes().decode()
    assert text.startswith(mine)
    assert text.endswith(f"{context_agents.BEGIN}\nfirst\n{context_agents.END}\n")


def test_hand_edits_around_the_block_stay_and_inside_are_replaced(tmp_path: Path) -> None:
    context.write_agents_block(tmp_path, "first\n")
    path = tmp_path / "AGENTS.md"
    begin, end = context_agents.BEGIN, context_agents.END
    edited = f"Intro by hand.\n\n{begin}\nfirst\nmy edit inside\n{end}\nAfter, by hand.\n"
    path.write_text(edited)
    assert context.write_agents_block(tmp_path, "second\n")
    assert path.read_text() == f"Intro by hand.\n\n{begin}\nsecond\n{end}\nAfter, by hand.\n"


def test_the_block_budget_is_what_the_rest_of_the_file_leaves(tmp_path: Path) -> None:
    path = tmp_path / "AGENTS.md"
    path.write_text("x" * 30_000 + "\n")
    room = context_agents.room(tmp_path)
    context.write_agents_block(tmp_path, "y" * (room - 1) + "\n")
    assert len(path.read_bytes()) == context_agents.CODEX_PROJECT_DOC_MAX_BYTES
    context.write_agents_block(tmp_path, "short\n")
    assert (
        path.read_text()
        == "x" * 30_000 + "\n\n" + f"{context_agents.BEGIN}\nshort\n{context_agents.END}\n"
    )
