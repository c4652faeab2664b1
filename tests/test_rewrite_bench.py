"""The rewrite-map measurement at a small size: the maps it times are complete and agree (no
timing is asserted; the machine is shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing import rewrite_bench


def test_measure_reports_both_builders_against_the_rebase(tmp_path: Path) -> None:
    result = rewrite_bench.measure(tmp_path, 12)
    assert result["summary"] == "rebase rewrote 12 commits (12 remapped)"
    assert result["rebase_s"] > 0
    for name in ("from_event", "from_reflog"):
        ratio = result[f"{name}_s"] / result["rebase_s"]  # from the rounded seconds
        assert result[f"{name}/rebase"] == pytest.approx(ratio, abs=0.01)
        assert result[f"{name}/rebase"] > 0


def test_generated_history_has_distinct_author_times(tmp_path: Path) -> None:
    repo = rewrite_bench.generated(tmp_path / "repo", 25)
    times = repo.git("log", "--format=%at").split()
    assert len(times) == 26
    assert len(set(times)) == 26
