"""The benchmark suite runs end to end at its smallest size and reports every figure.

No timing is asserted (the machine is shared and noisy); what is checked is that every figure is
there, positive and finite, that ratios agree with the medians they come from, and that the data
behind them is what the figure claims (a set ten times smaller, about the appended bytes read).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import history
from benchmarks import rebase as rebase_module
from benchmarks import reconcile as reconcile_module

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.e2e  # builds pre-commit hook environments on a fresh machine


def test_the_suite_reports_every_figure_at_tiny_size(tmp_path: Path) -> None:
    # One test, not one per figure: under xdist each worker would run the whole suite again.
    results = _run_suite(tmp_path)
    _check_commits(results)
    _check_ingest(results)
    _check_rebase(results)
    _check_history(results)
    _check_memory(results)
    _check_render(results)
    _check_reconcile(results)
    _check_table(results)


def _run_suite(scratch: Path) -> dict[str, Any]:
    out = scratch / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "tiny", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| 1c |" in proc.stdout
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def _stats_ok(stats: dict[str, Any], runs: int) -> bool:
    return (
        stats["runs"] == runs
        and _positive(stats["min_ms"])
        and stats["min_ms"] <= stats["median_ms"] <= stats["max_ms"]
    )


def _check_commits(results: dict[str, Any]) -> None:
    fig, size = results["figures"]["commits"], results["size"]
    ms = fig["ms_per_commit"]
    measured = {"no_hooks", "empty_python", "native", "native_live", "precommit", "precommit_noop"}
    measured |= {"import_floor", "native_live_cold", "precommit_live"}
    assert set(ms) in (measured, measured | {"prek", "prek_noop", "prek_live"})  # prek: on PATH
    assert all(_stats_ok(s, size["commits"]) for s in ms.values())
    ratios = fig["ratios"]
    assert ratios["native/empty_python (c/b)"] == round(
        ms["native"]["median_ms"] / ms["empty_python"]["median_ms"], 2
    )
    assert ratios["precommit/precommit_noop (e/f)"] == round(
        ms["precommit"]["median_ms"] / ms["precommit_noop"]["median_ms"], 2
    )
    assert ratios["native_live/import_floor (d/i)"] == round(
        ms["native_live"]["median_ms"] / ms["import_floor"]["median_ms"], 2
    )
    floor = fig["import_floor_modules"]
    assert floor["count"] > floor["journal"] > 10  # the stage's own modules and the libraries
    assert all(_positive(value) for value in ratios.values())
    assert ratios["native_live/native_live_cold (d/j)"] == round(
        ms["native_live"]["median_ms"] / ms["native_live_cold"]["median_ms"], 2
    )
    assert ratios["precommit_live/precommit_noop (k/f)"] == round(
        ms["precommit_live"]["median_ms"] / ms["precommit_noop"]["median_ms"], 2
    )
    assert len(ratios) == (10 if "prek" in ms else 8)


def _check_ingest(results: dict[str, Any]) -> None:
    fig, size = results["figures"]["ingest"], results["size"]
    assert fig["set_mb"] >= size["set_mb"]
    assert 5 <= fig["set_mb"] / fig["tenth_set_mb"] <= 20
    assert fig["files"] > fig["tenth_files"] >= 2
    assert fig["append_mb"] >= size["append_mb"]
    # only the appended bytes are read, not the set
    assert fig["append_mb"] * 0.5 <= fig["incremental_mb_read"] <= fig["append_mb"] * 2
    assert _stats_ok(fig["incremental_ms"], size["appends"])
    assert _stats_ok(fig["incremental_tenth_ms"], size["appends"])
    assert _stats_ok(fig["backfill_ms"], size["backfills"])
    for key in ("backfill_mb_s", "json_loads_mb_s", "orjson_loads_mb_s"):
        assert _positive(fig[key])
    assert fig["backfill_vs_json_loads"] == round(fig["backfill_mb_s"] / fig["json_loads_mb_s"], 2)
    assert _positive(fig["incremental_full_vs_tenth"])


def _check_rebase(results: dict[str, Any]) -> None:
    fig, size = results["figures"]["rebase"], results["size"]
    fast, rebase = fig["fast_path"], fig["rebase"]
    assert all(_stats_ok(s, size["runs"]) for s in fast["ms"].values())
    assert set(fast["ms"]) == {"ai_journal", "native_shim", "empty_python"}
    assert _positive(fast["ai_journal/empty_python"])
    assert _positive(fast["native_shim/empty_python"])
    assert rebase["picks"] == rebase_module.PICKS
    assert set(rebase["ms"]) == {"no_hooks", "empty_python_hooks", "ai_journal_native"}
    assert all(_stats_ok(s, size["runs"]) for s in rebase["ms"].values())
    assert _positive(rebase["ai_journal_native/empty_python_hooks"])
    through = fig["rebase_precommit"]
    assert through["picks"] == 5
    assert set(through["ms"]) == {"ai_journal_precommit", "empty_python_hooks"}
    assert _positive(through["ai_journal_precommit/empty_python_hooks"])


def _check_history(results: dict[str, Any]) -> None:
    fig, size = results["figures"]["history"], results["size"]
    assert fig["commits"] == {"small": history.SMALL, "large": size["history"]}
    assert set(fig["ms_per_commit"]) == {"fast_small", "fast_large", "full_small", "full_large"}
    assert all(_stats_ok(s, size["commits"]) for s in fig["ms_per_commit"].values())
    assert all(_positive(value) for value in fig["ratios"].values())


def _check_memory(results: dict[str, Any]) -> None:
    fig, size = results["figures"]["memory"], results["size"]
    assert fig["set_mb"] >= size["memory_mb"]
    assert fig["mb_read"] >= fig["set_mb"] * 0.9  # the back-fill read the whole set
    assert fig["sessions"] > 0
    assert fig["peak_rss_mb"] >= fig["import_floor_rss_mb"] > 0


def _check_render(results: dict[str, Any]) -> None:
    fig = results["figures"]["render"]
    assert fig["journals"] == fig["days"] > 0  # one journal a day of agent work
    assert fig["commits"] == 4 * fig["days"]
    assert _positive(fig["render_all/git_log_stat"])
    assert _positive(fig["render_all_days/git_log_stat"])
    assert _positive(fig["render_all_days_digests/git_log_stat"])
    assert _positive(fig["render_all_days_templates/git_log_stat"])
    assert _positive(fig["import_floor/git_log_stat"])


def _check_reconcile(results: dict[str, Any]) -> None:
    fig = results["figures"]["reconcile"]
    assert fig["commits"] == reconcile_module.COMMITS["tiny"]
    assert fig["journals"] > 0
    assert set(fig["ms"]) == {"rebase", "reconcile"}
    assert _positive(fig["reconcile/rebase"])


def test_generated_history_has_its_commits_on_several_branches(tmp_path: Path) -> None:
    repo = tmp_path / "history"
    repo.mkdir()
    history.make_history(repo, 300, dict(os.environ))

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, check=True
        ).stdout

    assert git("rev-list", "--count", "--branches").strip() == "300"
    assert len(git("branch").split()) > 3
    assert history.fast_import_stream(50, 1) == history.fast_import_stream(50, 1)


def _check_table(results: dict[str, Any]) -> None:
    ids = [row[0] for row in results["table"]]
    assert [i for i in ids if i not in ("1g", "1h", "1l")] == [
        "1a",
        "1b",
        "1c",
        "1d",
        "1j",
        "1e",
        "1f",
        "1k",
        "1i",
        "2",
        "3",
        "4a",
        "4a'",
        "4b",
        "4c",
        "5a",
        "5b",
        "6",
        "7",
        "7b",
        "7d",
        "7c",
        "8",
    ]
    machine = results["machine"]
    assert machine["nproc"] >= 1
    assert machine["git"] != "unknown"
    assert machine["cpu"]
    assert len(machine["load_average_end"]) == 3
