"""The journal merge: splitting a journal, merging a person's text, the stale record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal import merge, merge_journal, state
from journal.render import BEGIN, END
from testing.git_repo import GitRepo

FRONT = "---\ndate: 2026-02-23\ncommits: []\nschema: 1\n---\n"
PATH = "docs/ai-journal/2026-02-23.md"


def _journal(before: str, generated: str, after: str, front: str = FRONT) -> str:
    return f"{front}{before}{BEGIN}\n{generated}{END}\n{after}"


def _files(tmp_path: Path, base: str, ours: str, theirs: str) -> tuple[Path, Path, Path]:
    paths = (tmp_path / "base", tmp_path / "ours", tmp_path / "theirs")
    for path, text in zip(paths, (base, ours, theirs), strict=True):
        path.write_bytes(text.encode("utf-8"))
    return paths


def test_split_finds_frontmatter_notes_and_region() -> None:
    text = _journal("Intro by hand.\n", "## 09:00\n", "Closing words.\n")
    parts = merge_journal.split(text)
    assert parts.frontmatter == FRONT
    assert parts.before == "Intro by hand.\n"
    assert parts.region == f"{BEGIN}\n## 09:00\n{END}\n"
    assert parts.after == "Closing words.\n"


def test_split_without_markers_is_all_hand_text() -> None:
    parts = merge_journal.split("---\nnot closed\nwords\n")
    assert parts == merge_journal.JournalParts("", "---\nnot closed\nwords\n", "", "")


def test_split_takes_the_last_complete_region() -> None:
    text = f"{BEGIN}\nquoted\n{END}\nmiddle\n{BEGIN}\nreal\n{END}\n{BEGIN}\ndangling\n"
    parts = merge_journal.split(text)
    assert parts.region == f"{BEGIN}\nreal\n{END}\n"
    assert parts.after == f"{BEGIN}\ndangling\n"


lines = st.lists(
    st.sampled_from(["a\n", "b\r\n", "---\n", "...\n", f"{BEGIN}\n", f"  {END}  \n", "x", "\n"]),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(lines)
def test_split_gives_the_text_back(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert merge_journal.split(text).text == text


def test_notes_edited_on_both_sides_merge_and_the_region_is_ours(tmp_path: Path) -> None:
    base = _journal("Intro.\n", "old region\n", "Outro.\n")
    ours = _journal("Intro, edited here.\n", "our region\n", "Outro.\n")
    theirs = _journal(
        "Intro.\n", "their region\n", "Outro.\nA new closing line.\n", front="---\nx: 1\n---\n"
    )
    a, o, t = _files(tmp_path, base, ours, theirs)
    assert merge_journal.merge_journal_file(a, o, t, PATH, None) == 0
    assert o.read_text() == _journal(
        "Intro, edited here.\n", "our region\n", "Outro.\nA new closing line.\n"
    )


def test_conflicting_notes_get_markers_outside_the_region_only(tmp_path: Path) -> None:
    base = _journal("Plan: A.\n", "old\n", "")
    ours = _journal("Plan: B.\n", "ours\n", "")
    theirs = _journal("Plan: C.\n", "theirs\n", "")
    a, o, t = _files(tmp_path, base, ours, theirs)
    assert merge_journal.merge_journal_file(a, o, t, PATH, None) == 1
    merged = merge_journal.split(o.read_text())
    assert merged.before == (
        f"<<<<<<< ours:{PATH}\nPlan: B.\n=======\nPlan: C.\n>>>>>>> theirs:{PATH}\n"
    )
    assert merged.region == f"{BEGIN}\nours\n{END}\n"
    assert merged.frontmatter == FRONT


def test_add_add_with_an_empty_base(tmp_path: Path) -> None:
    ours = _journal("", "ours\n", "")
    theirs = _journal("", "theirs\n", "Their note.\n")
    a, o, t = _files(tmp_path, "", ours, theirs)
    assert merge_journal.merge_journal_file(a, o, t, PATH, None) == 0
    assert o.read_text() == _journal("", "ours\n", "Their note.\n")


def test_a_side_without_markers_keeps_all_its_text(tmp_path: Path) -> None:
    base = _journal("Intro.\n", "old\n", "")
    ours = f"{FRONT}Intro.\nOur own summary, markers deleted."
    theirs = _journal("Intro.\n", "theirs\n", "")
    a, o, t = _files(tmp_path, base, ours, theirs)
    assert merge_journal.merge_journal_file(a, o, t, PATH, None) == 0
    merged = merge_journal.split(o.read_text())
    assert merged.before == "Intro.\nOur own summary, markers deleted.\n"
    assert merged.region == f"{BEGIN}\ntheirs\n{END}\n"


def test_crlf_notes_stay_crlf(tmp_path: Path) -> None:
    base = _journal("one\r\ntwo\r\nthree\r\n", "g\r\n", "")
    ours = _journal("one!\r\ntwo\r\nthree\r\n", "g\r\n", "")
    theirs = _journal("one\r\ntwo\r\nthree!\r\n", "g\r\n", "")
    a, o, t = _files(tmp_path, base, ours, theirs)
    assert merge_journal.merge_journal_file(a, o, t, PATH, None) == 0
    assert merge_journal.split(o.read_bytes().decode()).before == "one!\r\ntwo\r\nthree!\r\n"


def test_a_side_that_is_not_utf8_falls_back_to_a_text_merge(tmp_path: Path) -> None:
    a, o, t = _files(tmp_path, "x\n", "y\n", "z\n")
    o.write_bytes(b"\xff\xfe y\n")
    assert merge.merge_files(a, o, t, PATH) == 1
    assert b"<<<<<<<" in o.read_bytes()


def test_other_paths_get_a_plain_text_merge(tmp_path: Path) -> None:
    a, o, t = _files(tmp_path, "1\n2\n3\n", "1!\n2\n3\n", "1\n2\n3!\n")
    assert merge.merge_files(a, o, t, "notes.txt") == 0
    assert o.read_text() == "1!\n2\n3!\n"
    o.write_text("1?\n2\n3\n")
    assert merge.merge_files(a, o, t, None) == 0
    assert o.read_text() == "1?\n2\n3!\n"


# -- the stale record --------------------------------------------------------------------------


def test_stale_record_round_trip(tmp_path: Path) -> None:
    common = tmp_path / "git"
    assert merge_journal.stale_journals(common) == []
    for path in (PATH, "docs/ai-journal/2026-02-24.md", "elsewhere/2026-02-25.md", PATH):
        merge_journal.mark_stale(common, path)
    assert merge_journal.stale_journals(common) == [
        "docs/ai-journal/2026-02-23.md",
        "docs/ai-journal/2026-02-24.md",
        "elsewhere/2026-02-25.md",
    ]
    assert merge_journal.stale_days(common, "docs/ai-journal/") == {
        date(2026, 2, 23),
        date(2026, 2, 24),
    }
    merge_journal.clear_stale(common, [PATH, "elsewhere/2026-02-25.md"])
    assert merge_journal.stale_journals(common) == ["docs/ai-journal/2026-02-24.md"]
    merge_journal.clear_stale(common, ["docs/ai-journal/2026-02-24.md"])
    assert not (common / state.LOCAL_DIRNAME / merge_journal.STALE_FILE).exists()


def test_a_corrupt_stale_record_counts_as_empty(tmp_path: Path) -> None:
    record = tmp_path / state.LOCAL_DIRNAME / merge_journal.STALE_FILE
    record.parent.mkdir(parents=True)
    record.write_text("{not json")
    assert merge_journal.stale_journals(tmp_path) == []
    merge_journal.mark_stale(tmp_path, PATH)
    assert merge_journal.stale_journals(tmp_path) == [PATH]


def test_the_driver_records_the_journal_in_the_common_dir(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.path)
    base = _journal("", "old\n", "")
    a, o, t = _files(tmp_path, base, _journal("", "ours\n", ""), _journal("", "theirs\n", ""))
    assert merge.merge_files(a, o, t, PATH) == 0
    assert merge_journal.stale_journals(repo.path / ".git") == [PATH]
