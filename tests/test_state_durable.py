"""`write_atomic(durable=False)`: the same atomic replace, without the two fsyncs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from journal import state


def _count_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    return calls


@pytest.mark.parametrize("durable", [True, False])
def test_durable_decides_the_fsyncs_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool
) -> None:
    calls = _count_fsyncs(monkeypatch)
    target = tmp_path / "cache" / "f.json"
    assert state.write_atomic(target, "one\n", durable=durable)
    target.chmod(0o600)
    assert state.write_atomic(target, "two\n", durable=durable)
    assert not state.write_atomic(target, "two\n", durable=durable)
    assert target.read_text() == "two\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]  # no temp file left
    assert len(calls) == (4 if durable else 0)
