import json
import multiprocessing
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal import events, log

TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_append_writes_one_sorted_line_with_the_common_fields(tmp_path: Path) -> None:
    event = events.append(tmp_path, "post-commit", Path("/w/t"), {"sha": "abc", "parents": 1})
    text = events.events_path(tmp_path).read_text()
    assert text.count("\n") == 1
    assert json.loads(text) == event
    assert list(json.loads(text)) == sorted(event)
    assert event["v"] == events.VERSION
    assert event["hook"] == "post-commit"
    assert event["worktree"] == "/w/t"
    assert TS.fullmatch(event["ts"])


def test_data_cannot_override_common_fields(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="hook"):
        events.append(tmp_path, "post-commit", tmp_path, {"hook": "x"})
    assert not events.events_path(tmp_path).exists()


def test_malformed_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    events.append(tmp_path, "post-merge", tmp_path, {"squash": False})
    with events.events_path(tmp_path).open("ab") as handle:
        handle.write(b'{"half": \n[1, 2]\n\xff\xfe\n{"hook": 3}\n\n')
    events.append(tmp_path, "post-commit", tmp_path, {"sha": "s"})
    loaded = events.load(tmp_path)
    assert [e["hook"] for e in loaded.events] == ["post-merge", "post-commit"]
    assert loaded.malformed == 4
    assert events.read_events(tmp_path) == loaded.events


def test_missing_log_reads_empty(tmp_path: Path) -> None:
    assert events.load(tmp_path / "nowhere") == events.EventLog([], 0)


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1).filter(lambda k: k not in events.COMMON_FIELDS),
        st.one_of(
            st.text(),
            st.integers(),
            st.booleans(),
            st.none(),
            st.lists(st.lists(st.text(), max_size=2), max_size=3),
        ),
    )
)
def test_any_data_round_trips(tmp_path_factory: pytest.TempPathFactory, data: dict) -> None:
    folder = tmp_path_factory.mktemp("ev")
    written = events.append(folder, "post-rewrite", folder, data)
    assert events.load(folder) == events.EventLog([written], 0)


def _writer(folder: str, worker: int) -> None:
    for index in range(200):
        events.append(
            Path(folder), "post-commit", Path(f"/wt/{worker}"), {"n": index, "pad": "x" * 20000}
        )


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(str(tmp_path), w)) for w in range(4)]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join()
        assert proc.exitcode == 0
    loaded = events.load(tmp_path)
    assert loaded.malformed == 0
    assert len(loaded.events) == 800
    for worker in range(4):
        mine = [e["n"] for e in loaded.events if e["worktree"] == f"/wt/{worker}"]
        assert mine == list(range(200))


def test_record_exception_appends_a_traceback_and_rotates(tmp_path: Path) -> None:
    def boom() -> None:
        raise RuntimeError("disk on fire")

    try:
        boom()
    except RuntimeError as exc:
        path = log.record_exception(tmp_path, exc)
        log.record_exception(tmp_path, exc)
    text = path.read_text()
    assert path == tmp_path / "log"
    assert text.count("Traceback (most recent call last)") == 2
    assert "RuntimeError: disk on fire" in text
    assert "in boom" in text
    assert re.match(r"--- \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ pid \d+\n", text)

    path.write_text("x" * (log.MAX_BYTES + 1))
    log.record_exception(tmp_path, RuntimeError("after rotation"))
    assert (tmp_path / "log.1").stat().st_size == log.MAX_BYTES + 1
    assert path.read_text().count("after rotation") == 1
    assert path.stat().st_size < 1000
