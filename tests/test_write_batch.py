"""Writing many generated files at once: each replaced atomically, modes kept, unchanged files
left alone."""

from __future__ import annotations

from pathlib import Path

from journal import write_batch


def test_writes_what_changed_and_keeps_modes(tmp_path: Path) -> None:
    same, changed, new = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "sub" / "c.md"
    same.write_text("same\n")
    changed.write_text("old\n")
    changed.chmod(0o640)
    before = same.stat().st_mtime_ns, same.stat().st_ino

    written = write_batch.write_all([(same, "same\n"), (changed, "new\n"), (new, "fresh\n")])

    assert written == [changed, new]
    assert (same.stat().st_mtime_ns, same.stat().st_ino) == before
    assert changed.read_text() == "new\n"
    assert changed.stat().st_mode & 0o777 == 0o640
    assert new.read_text() == "fresh\n"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.name.startswith(".")) == []


def test_a_failure_leaves_the_old_files_and_no_temp_file(tmp_path: Path) -> None:
    kept = tmp_path / "a.json"
    kept.write_text("old\n")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n")
    try:
        write_batch.write_all([(kept, "new\n"), (blocker / "b.json", "x\n")])
    except OSError:
        pass
    else:
        raise AssertionError("writing under a file should fail")
    assert kept.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
